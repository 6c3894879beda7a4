"""Tests for chansim.analytic against published Erlang values."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chansim.analytic import (
    QueueMetrics,
    erlang_b,
    erlang_c,
    erlang_c_metrics,
    offered_load,
    smallest_agents_for_service_level,
)

# Canonical case: 100 contacts per 30 minutes, AHT 180 s (A = 10 Erlangs).
RATE = 100 / 1800
AHT = 180.0
TARGET = 20.0

# N: (P(wait), ASA s, SL(20 s), occupancy), as published in validation.md.
CANONICAL = {
    11: (0.682, 122.8, 0.390, 0.909),
    12: (0.449, 40.4, 0.640, 0.833),
    13: (0.285, 17.1, 0.796, 0.769),
    14: (0.174, 7.8, 0.888, 0.714),
    15: (0.102, 3.7, 0.942, 0.667),
    16: (0.057, 1.7, 0.971, 0.625),
}


def test_offered_load():
    assert offered_load(RATE, AHT) == pytest.approx(10.0)
    assert offered_load(0.0, AHT) == 0.0


@pytest.mark.parametrize("agents", sorted(CANONICAL))
def test_canonical_table(agents):
    p_wait, asa, sl, occ = CANONICAL[agents]
    m = erlang_c_metrics(agents, RATE, AHT, TARGET)
    assert m.steady_state and m.note == ""
    assert m.agents == agents
    assert m.load == pytest.approx(10.0)
    assert m.p_wait == pytest.approx(p_wait, abs=0.0015)
    assert m.asa_s == pytest.approx(asa, abs=0.15)
    assert m.service_level == pytest.approx(sl, abs=0.0015)
    assert m.occupancy == pytest.approx(occ, abs=0.0015)
    assert erlang_c(agents, 10.0) == pytest.approx(m.p_wait)


def test_erlang_b_known_values():
    assert erlang_b(10, 10.0) == pytest.approx(0.2146, abs=5e-5)
    assert erlang_b(1, 1.0) == 0.5
    assert erlang_b(0, 7.3) == 1.0
    assert erlang_b(5, 0.0) == 0.0
    # Large N does not overflow (no factorials).
    assert 0.0 < erlang_b(2000, 1900.0) < 1.0


def test_erlang_c_edge_cases():
    assert erlang_c(10, 10.0) == 1.0
    assert erlang_c(5, 10.0) == 1.0
    assert erlang_c(3, 0.0) == 0.0
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = rho


@pytest.mark.parametrize("agents", [10, 5, 0])
def test_overload_is_reported_plainly(agents):
    m = erlang_c_metrics(agents, RATE, AHT, TARGET)
    assert isinstance(m, QueueMetrics)
    assert m.steady_state is False
    assert m.p_wait == 1.0
    assert m.asa_s is None
    assert m.service_level is None
    assert m.occupancy == 1.0
    assert "no steady state" in m.note
    assert f"{agents} agents" in m.note


def test_overload_note_text():
    m = erlang_c_metrics(10, RATE, AHT, TARGET)
    assert m.note == (
        "offered load 10.0 Erlangs \u2265 10 agents: "
        "no steady state, the queue grows without bound"
    )


def test_zero_arrivals():
    m = erlang_c_metrics(3, 0.0, AHT, TARGET)
    assert (m.p_wait, m.asa_s, m.service_level, m.occupancy) == (0.0, 0.0, 1.0, 0.0)
    assert m.steady_state and m.note == ""


def test_metrics_are_frozen():
    m = erlang_c_metrics(12, RATE, AHT, TARGET)
    with pytest.raises(AttributeError):
        m.agents = 3  # type: ignore[misc]


def test_staffing_canonical():
    assert smallest_agents_for_service_level(RATE, AHT, TARGET, 0.80) == (14, 14)
    assert smallest_agents_for_service_level(
        RATE, AHT, TARGET, 0.80, shrinkage=0.30
    ) == (14, 20)


def test_staffing_with_occupancy_cap():
    assert smallest_agents_for_service_level(
        RATE, AHT, TARGET, 0.80, max_occupancy=0.70, shrinkage=0.30
    ) == (15, 22)


def test_staffing_is_smallest():
    raw, _ = smallest_agents_for_service_level(RATE, AHT, TARGET, 0.80)
    assert erlang_c_metrics(raw, RATE, AHT, TARGET).service_level >= 0.80
    assert erlang_c_metrics(raw - 1, RATE, AHT, TARGET).service_level < 0.80


@pytest.mark.parametrize(
    "call",
    [
        lambda: erlang_b(-1, 1.0),
        lambda: erlang_b(2.5, 1.0),
        lambda: erlang_b(True, 1.0),
        lambda: erlang_b(3, -0.1),
        lambda: erlang_b(3, math.nan),
        lambda: erlang_b(3, math.inf),
        lambda: erlang_c(-2, 1.0),
        lambda: erlang_c(3, -1.0),
        lambda: offered_load(-1.0, AHT),
        lambda: offered_load(RATE, 0.0),
        lambda: erlang_c_metrics(3, RATE, AHT, -1.0),
        lambda: erlang_c_metrics(3, RATE, -5.0, TARGET),
        lambda: smallest_agents_for_service_level(RATE, AHT, TARGET, 1.0),
        lambda: smallest_agents_for_service_level(RATE, AHT, TARGET, -0.1),
        lambda: smallest_agents_for_service_level(RATE, AHT, TARGET, 0.8, shrinkage=1.0),
        lambda: smallest_agents_for_service_level(RATE, AHT, TARGET, 0.8, max_occupancy=0.0),
        lambda: smallest_agents_for_service_level(RATE, AHT, TARGET, 0.8, max_occupancy=1.5),
    ],
)
def test_invalid_inputs_raise(call):
    with pytest.raises(ValueError):
        call()


@settings(max_examples=300, deadline=None)
@given(
    load=st.floats(min_value=1e-3, max_value=50.0, exclude_max=True),
    extra=st.integers(min_value=0, max_value=30),
)
def test_erlang_properties(load, extra):
    aht = 1.0  # rate * aht == load exactly, so N > A holds after rounding
    rate = load / aht
    n = math.floor(load) + 1 + extra  # N > A
    b, c = erlang_b(n, load), erlang_c(n, load)
    c_next = erlang_c(n + 1, load)
    assert 0.0 <= c <= 1.0
    assert b <= c + 1e-12
    assert c_next <= c + 1e-12
    m, m_next = (erlang_c_metrics(k, rate, aht, 0.2) for k in (n, n + 1))
    assert m.steady_state and m_next.steady_state
    assert m.asa_s >= 0.0 and m_next.asa_s <= m.asa_s + 1e-9
    assert 0.0 <= m.service_level <= 1.0
    assert m_next.service_level >= m.service_level - 1e-12
