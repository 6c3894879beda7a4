"""Tests for chansim.analytic against published Erlang values, independent
computations of the same chains, and limits (Erlang A → C as patience grows,
→ B as it vanishes; chat pools → Erlang C with N·k servers)."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import integrate, linalg, stats

from chansim.analytic import (
    PLANNERS_SPEED_UP,
    ChainMetrics,
    QueueMetrics,
    Staffing,
    birth_death,
    erlang_a,
    erlang_b,
    erlang_c,
    erlang_c_metrics,
    offered_load,
    pooled_concurrency,
    scheduled_heads,
    smallest_agents,
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


# ------------------------------------------------------------- birth–death
def mm_servers(servers: int, rate: float, aht: float):
    """Death rate of an M/M/servers queue."""
    return lambda n: min(n, servers) / aht


def test_birth_death_mm1_is_geometric():
    rho = 0.9
    p = birth_death(rho, lambda n: 1.0)
    exact = (1 - rho) * rho ** np.arange(p.size)
    assert p.sum() == pytest.approx(1.0, abs=1e-15)
    np.testing.assert_allclose(p, exact, rtol=1e-11)
    # cut where the rest of the tail is below tol (1e-12) of the mass
    assert rho ** p.size <= 1e-12 * 1.01
    assert rho ** (p.size - 1) > 1e-12 * (1 - rho) / rho


@pytest.mark.parametrize(("servers", "load"), [(1, 0.5), (10, 10.0), (14, 10.0), (60, 75.0), (400, 380.0)])
def test_birth_death_gives_erlang_b(servers, load):
    """A finite chain (no births at N): P(N busy) is Erlang B, by the recursion."""
    p = birth_death(lambda n: load if n < servers else 0.0, lambda n: float(n))
    assert p.size <= servers + 1
    blocked = p[servers] if p.size == servers + 1 else 0.0
    assert blocked == pytest.approx(erlang_b(servers, load), rel=1e-9, abs=1e-13)


@pytest.mark.parametrize("servers", [11, 12, 13, 14, 15, 16, 40])
def test_birth_death_gives_erlang_c(servers):
    rate, aht = RATE, AHT
    p = birth_death(rate, mm_servers(servers, rate, aht))
    n = np.arange(p.size)
    m = erlang_c_metrics(servers, rate, aht, TARGET)
    assert p[servers:].sum() == pytest.approx(m.p_wait, rel=1e-9)
    # Little: ASA = Lq/λ (the chain is cut where the tail is below 1e-12 of the mass)
    assert np.dot(np.maximum(n - servers, 0), p) / rate == pytest.approx(m.asa_s, rel=1e-9, abs=1e-9)
    assert np.dot(np.minimum(n, servers), p) / servers == pytest.approx(m.occupancy, rel=1e-9)


def test_birth_death_is_stable_for_large_loads():
    """M/M/∞ with A = 700: Poisson(700), whose terms A^n/n! overflow a float."""
    p = birth_death(700.0, lambda n: float(n))
    np.testing.assert_allclose(p, stats.poisson.pmf(np.arange(p.size), 700.0), rtol=1e-8, atol=1e-300)
    assert p.size > 800 and p.argmax() in (699, 700)


def test_birth_death_refuses_what_has_no_steady_state():
    with pytest.raises(ValueError, match="no steady state"):
        birth_death(1.0, lambda n: 1.0, max_states=10_000)  # ρ = 1
    with pytest.raises(ValueError, match="no steady state"):
        birth_death(RATE, mm_servers(10, RATE, AHT), max_states=10_000)  # A = N


@pytest.mark.parametrize(
    "call",
    [
        lambda: birth_death(-1.0, lambda n: 1.0),
        lambda: birth_death(math.nan, lambda n: 1.0),
        lambda: birth_death(1.0, lambda n: 0.0),
        lambda: birth_death(lambda n: -1.0, lambda n: 1.0),
        lambda: birth_death(0.5, lambda n: 1.0, tol=0.0),
        lambda: birth_death(0.5, lambda n: 1.0, max_states=0),
    ],
)
def test_birth_death_bad_rates(call):
    with pytest.raises(ValueError):
        call()


# ----------------------------------------------------------------- Erlang A
def direct_erlang_a(agents: int, rate: float, aht: float, patience: float, states: int = 3000) -> dict:
    """Erlang A by brute force: the chain on 0..states−1 from cumulative log
    ratios (no truncation rule), and its moments, independently of chansim."""
    n = np.arange(1, states)
    death = np.minimum(n, agents) / aht + np.maximum(n - agents, 0) / patience
    log_p = np.concatenate([[0.0], np.cumsum(np.log(rate) - np.log(death))])
    p = np.exp(log_p - log_p.max())
    p /= p.sum()
    assert p[-1] < 1e-30  # the cut-off is far out in the tail
    s = np.arange(states)
    lq = np.dot(np.maximum(s - agents, 0), p)
    return {
        "p": p,
        "p_wait": p[agents:].sum(),
        "asa_s": lq / rate,
        "abandon_rate": lq / patience / rate,
        "occupancy": np.dot(np.minimum(s, agents), p) / agents if agents else 0.0,
    }


def answered_within_by_matrix_exponential(agents, rate, aht, patience, t) -> float:
    """SL(t) from the tagged arrival's progress as a Markov chain, with a dense
    matrix exponential: an independent check of the Beta closed form."""
    d = direct_erlang_a(agents, rate, aht, patience, states=agents + 150)
    queue = d["p"][agents:]
    depth = queue.size
    drain, theta = agents / aht, 1 / patience
    q = np.zeros((depth + 1, depth + 1))  # places 0..depth−1, then "answered"
    for j in range(depth):
        q[j, j] = -(drain + (j + 1) * theta)  # moves up or leaves
        q[j, j - 1 if j else depth] = drain + j * theta
    later = queue @ linalg.expm(q * t)[:depth, depth]
    return d["p"][:agents].sum() + later


# The canonical case with exponential patience of mean 300 s, as quoted in
# docs/validation.md (a regression guard; the exactness checks are the tests
# against the direct chain and the matrix exponential).
ERLANG_A_300 = {  # N: (P(wait), ASA all s, abandon, SL(20 s), occupancy)
    12: (0.3318, 12.81, 0.0427, 0.7723, 0.7977),
    14: (0.1453, 4.195, 0.01398, 0.9168, 0.7043),
    16: (0.0513, 1.163, 0.00388, 0.9757, 0.6226),
}


@pytest.mark.parametrize(("agents", "patience"), [(14, 300.0), (12, 300.0), (10, 60.0), (8, 120.0), (3, 900.0),
                                                   (1, 30.0), (20, 45.0)])
def test_erlang_a_matches_the_direct_chain(agents, patience):
    m = erlang_a(agents, RATE, AHT, patience)
    d = direct_erlang_a(agents, RATE, AHT, patience)
    assert isinstance(m, ChainMetrics) and m.steady_state and m.note == ""  # even with A ≥ N
    assert m.load == pytest.approx(10.0) and m.patience_s == patience and m.slots == 1
    for key in ("p_wait", "asa_s", "abandon_rate", "occupancy"):
        # the solver cuts the chain where the tail is below 1e-12 of the mass
        assert getattr(m, key) == pytest.approx(d[key], rel=1e-9, abs=1e-9), key
    # every arrival is answered or abandons: what agents carry is A·(1 − P(abandon))
    assert m.occupancy * agents == pytest.approx(10.0 * (1 - m.abandon_rate), rel=1e-9)


@pytest.mark.parametrize("agents", sorted(ERLANG_A_300))
def test_erlang_a_canonical_with_patience_300(agents):
    p_wait, asa, abandon, sl, occ = ERLANG_A_300[agents]
    m = erlang_a(agents, RATE, AHT, 300.0)
    assert m.p_wait == pytest.approx(p_wait, abs=1e-4)
    assert m.asa_s == pytest.approx(asa, rel=1e-3)
    assert m.abandon_rate == pytest.approx(abandon, rel=2e-3)
    assert m.service_level(TARGET) == pytest.approx(sl, abs=1e-4)
    assert m.occupancy == pytest.approx(occ, abs=1e-4)
    # patience helps: fewer wait and they wait less than under Erlang C
    c = erlang_c_metrics(agents, RATE, AHT, TARGET)
    assert m.p_wait < c.p_wait and m.asa_s < c.asa_s and m.service_level(TARGET) > c.service_level


@pytest.mark.parametrize(("agents", "patience"), [(14, 300.0), (10, 60.0), (4, 200.0)])
@pytest.mark.parametrize("t", [0.0, 0.5, 5.0, 20.0, 60.0, 600.0])
def test_erlang_a_service_level_matches_the_matrix_exponential(agents, patience, t):
    m = erlang_a(agents, RATE, AHT, patience)
    expected = answered_within_by_matrix_exponential(agents, RATE, AHT, patience, t)
    assert m.service_level(t) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_erlang_a_service_level_for_one_caller_ahead_by_integration():
    """One agent busy, j callers ahead: answered within t when the j + 1 steps to
    the head and a free agent (rates D + iθ, the others ahead leaving too) take
    T ≤ t and the caller's own patience outlasts T: E[e^{−θT}; T ≤ t]."""
    drain, theta, t = 1 / 180, 1 / 60, 45.0
    m = erlang_a(1, 1 / 200, 180.0, 60.0)
    q = m._queue
    total = 0.0
    for j, weight in enumerate(q.queue[:3]):
        rates = drain + theta * np.arange(j + 1)  # hypoexponential T (distinct rates)
        density = lambda x: sum(  # noqa: E731
            r * math.exp(-r * x) * np.prod([s / (s - r) for s in rates if s != r]) for r in rates
        )
        total += weight * integrate.quad(lambda x: math.exp(-theta * x) * density(x), 0, t)[0]
    rest = m.service_level(t) - q.p_free
    from chansim.analytic.chains import _answered_after_waiting, _Queue

    first_three = _Queue(q.arrival_rate, q.p_free, q.queue[:3], q.drain_rate, q.theta, q.abandon_rate)
    assert _answered_after_waiting(first_three, t) == pytest.approx(total, rel=1e-9)
    assert rest > total  # the longer queues add the rest


def test_erlang_a_service_level_limits():
    m = erlang_a(12, RATE, AHT, 300.0)
    assert m.service_level(0.0) == pytest.approx(1 - m.p_wait, abs=1e-15)
    assert m.service_level(1e6) == pytest.approx(1 - m.abandon_rate, rel=1e-9)  # everyone not leaving is answered
    grid = [m.service_level(t) for t in np.linspace(0, 900, 40)]
    assert all(b >= a for a, b in zip(grid, grid[1:]))
    with pytest.raises(ValueError):
        m.service_level(-1.0)


@pytest.mark.parametrize("agents", sorted(CANONICAL))
def test_erlang_a_tends_to_erlang_c_as_patience_grows(agents):
    c = erlang_c_metrics(agents, RATE, AHT, TARGET)
    previous = None
    for patience in (1e5, 1e7, 1e9, 1e11):
        a = erlang_a(agents, RATE, AHT, patience)
        gap = abs(a.asa_s - c.asa_s) + abs(a.service_level(TARGET) - c.service_level) + abs(a.p_wait - c.p_wait)
        if previous is not None:
            assert gap < previous / 50  # the difference shrinks like 1/patience
        previous = gap
    # at a mean patience of 10¹¹ s nobody abandons in practice
    assert a.asa_s == pytest.approx(c.asa_s, rel=1e-6)
    assert a.service_level(TARGET) == pytest.approx(c.service_level, rel=1e-6)
    assert a.p_wait == pytest.approx(c.p_wait, rel=1e-6)
    assert a.abandon_rate < 1e-8
    # infinite patience is Erlang C itself
    inf = erlang_a(agents, RATE, AHT, math.inf)
    assert inf.patience_s is None and inf.abandon_rate == 0.0
    assert inf.p_wait == pytest.approx(c.p_wait, rel=1e-12)
    assert inf.asa_s == pytest.approx(c.asa_s, rel=1e-12) and inf.asa_answered_s == inf.asa_s
    assert inf.service_level(TARGET) == pytest.approx(c.service_level, rel=1e-12)
    assert inf.occupancy == pytest.approx(c.occupancy, rel=1e-12)


@pytest.mark.parametrize("agents", [5, 10, 12, 14])
def test_erlang_a_tends_to_erlang_b_as_patience_vanishes(agents):
    """Callers who will not wait are lost: P(abandon) → B(N, A)."""
    b = erlang_b(agents, 10.0)
    a = erlang_a(agents, RATE, AHT, 1e-4)
    assert a.abandon_rate == pytest.approx(b, rel=1e-4)
    assert a.occupancy == pytest.approx(10.0 * (1 - b) / agents, rel=1e-4)


def test_erlang_a_overload_and_no_agents():
    # with patience the queue settles even with A ≥ N ...
    m = erlang_a(8, RATE, AHT, 300.0)
    assert m.steady_state and 0 < m.abandon_rate < 1 and m.asa_s > 0
    # ... and with nobody to answer, everyone waits their patience out
    none = erlang_a(0, RATE, AHT, 300.0)
    assert none.p_wait == 1.0 and none.abandon_rate == pytest.approx(1.0)
    assert none.asa_s == pytest.approx(300.0) and none.service_level(20) == 0.0 and none.asa_answered_s is None
    # without patience A ≥ N has no steady state: said plainly, no waits
    over = erlang_a(10, RATE, AHT, math.inf)
    assert not over.steady_state and over.asa_s is None and over.service_level(TARGET) is None
    assert "no steady state" in over.note and over.p_wait == 1.0
    # zero arrivals
    idle = erlang_a(3, 0.0, AHT, 300.0)
    assert (idle.p_wait, idle.asa_s, idle.abandon_rate, idle.occupancy, idle.service_level(0)) == (0, 0, 0, 0, 1)


def test_erlang_a_mean_wait_of_answered_callers():
    """asa_answered_s (what the simulation's asa_s measures) from the tagged
    caller's absorbing chain, with dense linear algebra: with Q its generator
    on the waiting places and r the rate into "answered",
    P(answered) = −w·Q⁻¹·r and E[T; answered] = w·Q⁻²·r."""
    agents, patience, rate = 4, 200.0, RATE / 2.2
    m = erlang_a(agents, rate, AHT, patience)
    d = direct_erlang_a(agents, rate, AHT, patience, states=agents + 400)
    w = d["p"][agents:]
    drain, theta = agents / AHT, 1 / patience
    q = np.diag(-(drain + (np.arange(w.size) + 1) * theta)) + np.diag(drain + np.arange(1, w.size) * theta, -1)
    r = np.zeros(w.size)
    r[0] = drain
    answered_after_wait = -w @ linalg.solve(q, r)
    assert d["p"][:agents].sum() + answered_after_wait == pytest.approx(1 - d["abandon_rate"], rel=1e-9)
    waited = w @ linalg.solve(q, linalg.solve(q, r))
    assert m.asa_answered_s == pytest.approx(waited / (1 - d["abandon_rate"]), rel=1e-9)
    assert m.asa_answered_s < m.asa_s  # callers who give up waited longer than average


# ------------------------------------------------------- pooled concurrency
@pytest.mark.parametrize(("agents", "slots"), [(4, 3), (3, 5), (2, 7), (6, 2), (1, 12), (7, 4)])
def test_concurrency_anchor(agents, slots):
    """No slowdown: N agents × k slots is Erlang C with N·k servers, exactly."""
    m = pooled_concurrency(agents, slots, RATE, AHT)
    c = erlang_c_metrics(agents * slots, RATE, AHT, TARGET)
    assert m.steady_state and m.slots == slots and m.agents == agents
    assert m.p_wait == pytest.approx(c.p_wait, rel=1e-9)
    assert m.asa_s == pytest.approx(c.asa_s, rel=1e-9)
    assert m.service_level(TARGET) == pytest.approx(c.service_level, rel=1e-9)
    assert m.occupancy == pytest.approx(c.occupancy, rel=1e-9)
    # the same with abandonment: Erlang A with N·k servers
    a, ref = pooled_concurrency(agents, slots, RATE, AHT, patience_s=240.0), erlang_a(agents * slots, RATE, AHT, 240.0)
    for key in ("p_wait", "asa_s", "abandon_rate", "occupancy", "asa_answered_s"):
        assert getattr(a, key) == pytest.approx(getattr(ref, key), rel=1e-9), key
    assert a.service_level(TARGET) == pytest.approx(ref.service_level(TARGET), rel=1e-9)


def test_pooled_even_spread_rates_by_hand():
    """2 agents × 3 slots, speed (1, 1.5, 1.8): with m chats the completion rate
    (per AHT) is 1, 2, 1 + 1.5, 2·1.5, 1.5 + 1.8, 2·1.8, then 3.6 in the queue."""
    rate, aht = 1 / 60, 180.0
    per_aht = [1, 2, 2.5, 3.0, 3.3, 3.6]
    log_head = np.cumsum([0.0] + [math.log(rate * aht / r) for r in per_aht])
    head = np.exp(log_head)
    rho = rate * aht / 3.6
    total = head[:6].sum() + head[6] / (1 - rho)
    p_wait = head[6] / (1 - rho) / total
    m = pooled_concurrency(2, 3, rate, aht, speed=[1, 1.5, 1.8])
    assert m.p_wait == pytest.approx(p_wait, rel=1e-12)
    assert m.asa_s == pytest.approx(p_wait * rho / (1 - rho) / rate, rel=1e-12)
    assert m.occupancy == pytest.approx((np.dot(np.arange(6), head[:6]) / total + 6 * p_wait) / 6, rel=1e-12)
    assert m.service_level(30) == pytest.approx(1 - p_wait * math.exp(-(3.6 / aht - rate) * 30), rel=1e-12)


def test_pooled_slowdown_costs_service():
    ideal = pooled_concurrency(5, 3, RATE, AHT)
    slow = pooled_concurrency(5, 3, RATE, AHT, speed=PLANNERS_SPEED_UP)
    assert slow.steady_state and slow.p_wait > ideal.p_wait and slow.asa_s > ideal.asa_s
    assert slow.service_level(TARGET) < ideal.service_level(TARGET)
    assert slow.occupancy > ideal.occupancy  # chats hold slots longer
    # one slot with speed 1 is Erlang C
    one = pooled_concurrency(14, 1, RATE, AHT, speed=PLANNERS_SPEED_UP)
    assert one.asa_s == pytest.approx(erlang_c_metrics(14, RATE, AHT, TARGET).asa_s, rel=1e-9)


def test_pooled_overload_at_capacity():
    """4 agents × 3 slots at speed 2.5 carry exactly 10 Erlangs = A: overload
    (float fuzz must not turn it into a huge finite wait)."""
    m = pooled_concurrency(4, 3, RATE, AHT, speed=PLANNERS_SPEED_UP)
    assert not m.steady_state and m.asa_s is None and m.service_level(TARGET) is None
    assert m.note == ("offered load 10.0 Erlangs \u2265 capacity 10 Erlangs (4 agents \u00d7 3 slots): "
                      "no steady state, the queue grows without bound")
    assert pooled_concurrency(4, 3, RATE, AHT, speed=PLANNERS_SPEED_UP, patience_s=120.0).steady_state


@pytest.mark.parametrize(
    "speed", [[1.0, 1.7], [1.0, 0.9, 1.5], [1.0, 2.5, 3.0], [1.0, -1.0, 2.0], [1.0, math.nan, 2.0], "1,2,3"]
)
def test_pooled_refuses_bad_speed_curves(speed):
    with pytest.raises(ValueError):
        pooled_concurrency(3, 3, RATE, AHT, speed=speed)


# ------------------------------------------------------------------ staffing
def test_scheduled_heads():
    assert scheduled_heads(14, 0.30) == 20  # 14 / 0.7 = 20.000000000000004
    assert scheduled_heads(15, 0.30) == 22
    assert scheduled_heads(10, 0.0) == 10 and scheduled_heads(0, 0.5) == 0
    assert scheduled_heads(7, 0.5) == 14 and scheduled_heads(8, 0.35) == 13
    with pytest.raises(ValueError):
        scheduled_heads(10, 1.0)


def test_smallest_agents_canonical():
    plan = smallest_agents(RATE, AHT, target_s=TARGET, service_level=0.80, shrinkage=0.30)
    assert isinstance(plan, Staffing)
    assert (plan.agents, plan.scheduled) == (14, 20)
    assert plan.service_level == pytest.approx(0.888, abs=0.0015) and plan.metrics.agents == 14
    capped = smallest_agents(RATE, AHT, target_s=TARGET, service_level=0.80, max_occupancy=0.70, shrinkage=0.30)
    assert (capped.agents, capped.scheduled) == (15, 22)


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        ({"max_asa_s": 10.0}, 14),  # 13 agents: 17.1 s
        ({"max_asa_s": 2.0}, 16),
        ({"max_occupancy": 0.8}, 13),
        ({"target_s": 20.0, "service_level": 0.95}, 16),
        ({"target_s": 20.0, "service_level": 0.8, "max_asa_s": 5.0}, 15),
        # Erlang A, patience 300 s: 13 agents abandon 2.5 %, 14 agents 1.4 %
        ({"max_abandon_rate": 0.02, "patience_s": 300.0}, 14),
        ({"target_s": 20.0, "service_level": 0.8, "patience_s": 300.0}, 13),
        ({"target_s": 20.0, "service_level": 0.9, "max_abandon_rate": 0.05, "patience_s": 300.0}, 14),
        # chats: 3 slots, no slowdown = Erlang C with 3N servers (15 servers: SL 94 %)
        ({"target_s": 20.0, "service_level": 0.9, "slots": 3}, 5),
        ({"target_s": 20.0, "service_level": 0.9, "slots": 3, "speed": PLANNERS_SPEED_UP}, 6),
    ],
)
def test_smallest_agents_targets(targets, expected):
    plan = smallest_agents(RATE, AHT, **targets)
    assert plan.agents == expected
    assert plan.scheduled == expected


def test_smallest_agents_matches_the_erlang_c_search():
    for goal in (0.5, 0.8, 0.9, 0.99):
        for cap in (None, 0.7, 0.6):
            old = smallest_agents_for_service_level(RATE, AHT, TARGET, goal, max_occupancy=cap, shrinkage=0.25)
            new = smallest_agents(RATE, AHT, target_s=TARGET, service_level=goal, max_occupancy=cap, shrinkage=0.25)
            assert (new.agents, new.scheduled) == old


@pytest.mark.parametrize(
    "kwargs",
    [
        {},  # no target
        {"service_level": 0.8},  # no target time
        {"target_s": 20.0},
        {"target_s": 20.0, "service_level": 1.0},
        {"max_asa_s": 0.0},
        {"max_abandon_rate": 0.05},  # without patience nobody abandons
        {"max_abandon_rate": 0.0, "patience_s": 300.0},
        {"max_occupancy": 1.2},
        {"max_asa_s": 10.0, "shrinkage": 1.0},
        {"max_asa_s": 10.0, "slots": 0},
        {"max_asa_s": 10.0, "patience_s": -5.0},
        {"max_asa_s": 1e-9, "max_agents": 20},  # unreachable within the cap
    ],
)
def test_smallest_agents_refuses(kwargs):
    with pytest.raises(ValueError):
        smallest_agents(RATE, AHT, **kwargs)


# ---------------------------------------------------------------- properties
loads = st.floats(min_value=0.05, max_value=40.0)
patiences = st.floats(min_value=5.0, max_value=5000.0)


@settings(max_examples=150, deadline=None)
@given(load=loads, patience=patiences, n=st.integers(0, 50), t=st.floats(0.0, 600.0))
def test_erlang_a_properties(load, patience, n, t):
    aht = 100.0
    m, more = erlang_a(n, load / aht, aht, patience), erlang_a(n + 1, load / aht, aht, patience)
    for x in (m, more):
        assert x.steady_state
        assert 0.0 <= x.abandon_rate <= 1.0 and 0.0 <= x.p_wait <= 1.0 and 0.0 <= x.occupancy <= 1.0
        assert x.asa_s >= 0.0
        sl = x.service_level(t)
        assert 0.0 <= sl <= 1.0 - x.abandon_rate + 1e-9  # who abandons is never answered
        assert sl >= 1.0 - x.p_wait - 1e-12  # who does not wait is answered at once
    # more agents never raise the wait, abandonment or P(wait), nor lower the service level
    assert more.asa_s <= m.asa_s * (1 + 1e-9) + 1e-12
    assert more.abandon_rate <= m.abandon_rate * (1 + 1e-9) + 1e-12
    assert more.p_wait <= m.p_wait + 1e-12
    assert more.service_level(t) >= m.service_level(t) - 1e-9


@settings(max_examples=100, deadline=None)
@given(load=loads, n=st.integers(1, 30), slots=st.integers(1, 5), planners=st.booleans(),
       patience=st.one_of(st.none(), patiences), t=st.floats(0.0, 300.0))
def test_pooled_properties(load, n, slots, planners, patience, t):
    aht = 100.0
    speed = PLANNERS_SPEED_UP if planners else None
    m = pooled_concurrency(n, slots, load / aht, aht, speed=speed, patience_s=patience)
    more = pooled_concurrency(n + 1, slots, load / aht, aht, speed=speed, patience_s=patience)
    assume(m.steady_state)
    assert more.steady_state
    assert 0.0 <= m.abandon_rate <= 1.0 and 0.0 <= m.occupancy <= 1.0 and 0.0 <= m.p_wait <= 1.0
    assert more.p_wait <= m.p_wait + 1e-12
    assert more.asa_s <= m.asa_s * (1 + 1e-9) + 1e-12
    assert more.abandon_rate <= m.abandon_rate * (1 + 1e-9) + 1e-12
    assert more.service_level(t) >= m.service_level(t) - 1e-9
    assert more.occupancy <= m.occupancy + 1e-9


@settings(max_examples=60, deadline=None)
@given(load=st.floats(0.1, 25.0), goal=st.floats(0.0, 0.99), t=st.floats(0.0, 120.0),
       patience=st.one_of(st.none(), patiences), slots=st.integers(1, 3))
def test_smallest_agents_is_the_smallest(load, goal, t, patience, slots):
    aht = 100.0
    plan = smallest_agents(load / aht, aht, target_s=t, service_level=goal, patience_s=patience, slots=slots)
    assert plan.metrics.steady_state and plan.service_level >= goal
    # one agent fewer misses the goal (checked by brute force over every smaller N)
    for n in range(plan.agents):
        m = pooled_concurrency(n, slots, load / aht, aht, patience_s=patience)
        assert not m.steady_state or m.service_level(t) < goal
