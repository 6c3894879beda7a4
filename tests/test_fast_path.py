"""The fast path for voice-only FIFO pools (chansim.engine.fast_path): on the
same draws, its event log is the event engine's, to the last bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import chansim
from chansim.engine import fast_path as fp
from chansim.engine.plan import build_plan
from chansim.engine.replication import run_replication
from chansim.engine.streams import Streams


def voice_scenario(*, agents=5, per_day=2000.0, handle=None, patience=None, days=1.0, seed=1, warmup_days=0,
                   concurrency=1, intraday=None, update=None) -> chansim.Scenario:
    voice = {"handle_time": handle or {"dist": "exponential", "mean": 180.0}, "service_level_target_s": 20}
    if patience is not None:
        voice["patience"] = patience
    data = {
        "name": "voice-only",
        "start_date": "2026-01-05",
        "days": days,
        "seed": seed,
        "warmup_days": warmup_days,
        "replications": 1,
        "demand": {
            "contacts_per_day": per_day,
            "intraday": intraday or [1] * 24,
            "segments": [{"name": "all", "share": 1, "preference": ["voice"]}],
        },
        "channels": {"voice": voice},
        "agents": {"pools": [{"name": "phones", "channels": ["voice"], "headcount": agents,
                              "concurrency": concurrency}]},
    }
    data.update(update or {})
    return chansim.load_scenario(data)


def both(scenario, replication=0, arrivals=None):
    name = scenario.strategy_names[0]
    fast = run_replication(scenario, name, replication, arrivals=arrivals, fast_path=True)
    slow = run_replication(scenario, name, replication, arrivals=arrivals, fast_path=False)
    return fast, slow


def assert_same_log(fast, slow):
    for table in ("contacts", "messages", "staffing"):
        pd.testing.assert_frame_equal(getattr(fast, table), getattr(slow, table), check_exact=True)


CASES = [  # (agents, contacts a day, handle time, patience, warm-up days, concurrency, peaked day)
    (20, 9_600.0, {"dist": "exponential", "mean": 180.0}, None, 0, 1, False),
    (20, 10_500.0, {"dist": "exponential", "mean": 180.0}, {"dist": "exponential", "mean": 120.0}, 0, 1, False),
    (7, 3_500.0, {"dist": "lognormal", "mean": 240.0, "cv": 1.5}, {"dist": "lognormal", "mean": 90.0, "cv": 0.8},
     1, 1, True),
    (3, 2_000.0, {"dist": "gamma", "mean": 150.0, "cv": 0.5}, {"dist": "uniform", "low": 0.0, "high": 300.0},
     0, 1, True),
    (12, 8_000.0, {"dist": "exponential", "mean": 200.0}, {"dist": "exponential", "mean": 60.0}, 0, 3, True),
    (1, 600.0, {"dist": "exponential", "mean": 100.0}, {"dist": "exponential", "mean": 300.0}, 0, 1, False),
]


@pytest.mark.parametrize("seed", [1, 7])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_fast_path_log_equals_event_engine(case, seed):
    agents, per_day, handle, patience, warmup, concurrency, peaked = CASES[case]
    intraday = [0.2] * 8 + [1, 2, 3, 3, 2, 2, 3, 3, 2, 1] + [0.5] * 6 if peaked else None
    scenario = voice_scenario(agents=agents, per_day=per_day, handle=handle, patience=patience, seed=seed,
                              warmup_days=warmup, concurrency=concurrency, intraday=intraday)
    resolved = scenario.for_strategy(scenario.strategy_names[0])
    assert fp.fast_path_reason(resolved) is None
    fast, slow = both(scenario, replication=seed)
    assert len(fast.contacts) > 100
    waits = fast.contacts["wait_s"].to_numpy()
    assert np.array_equal(waits, slow.contacts["wait_s"].to_numpy(), equal_nan=True)
    assert (waits > 0).any()  # the queue was not empty
    if patience is not None:
        assert (fast.contacts["outcome"] == "abandoned").any()
    assert_same_log(fast, slow)


def test_fast_path_overloaded_pool_ends_like_the_event_engine():
    """More calls than agents can take: callers still waiting when the run
    stops end unserved, calls in progress unresolved, as in the event engine."""
    scenario = voice_scenario(agents=2, per_day=30_000.0, days=0.5)
    fast, slow = both(scenario)
    assert (fast.contacts["outcome"] == "unserved").any()
    assert_same_log(fast, slow)


def test_fast_path_ties_fall_as_in_the_event_engine():
    """Fixed handle times and callers arriving together: agents free at the
    same instant, taken in the engine's order."""
    scenario = voice_scenario(agents=3, handle={"dist": "fixed", "value": 120.0})
    arrivals = np.repeat(np.arange(0.0, 3_600.0, 60.0), 2)
    fast, slow = both(scenario, arrivals=arrivals)
    assert fast.contacts["agent"].nunique() == 3
    assert_same_log(fast, slow)


def test_agents_free_at_the_same_instant_go_in_the_order_they_were_taken():
    """Agent 2 is taken before agent 0 at 206 s; both free at 306 s; the
    callers at 400 s go to agent 2 first, then agent 0 (not by index)."""
    scenario = voice_scenario(agents=3, handle={"dist": "fixed", "value": 100.0})
    arrivals = np.array([0.0, 10.0, 20.0, 105.0, 115.0, 206.0, 206.0, 250.0, 400.0, 400.0])
    fast, slow = both(scenario, arrivals=arrivals)
    assert fast.contacts["agent"].tolist()[-2:] == [2, 0]
    assert_same_log(fast, slow)


def test_fast_path_gives_way_when_patience_ends_as_an_agent_frees():
    scenario = voice_scenario(agents=1, handle={"dist": "fixed", "value": 100.0},
                              patience={"dist": "fixed", "value": 50.0})
    resolved = scenario.for_strategy(scenario.strategy_names[0])
    book = build_plan(resolved, Streams(resolved.seed, 0), arrivals=np.array([0.0, 50.0]))
    assert fp.run_fast(resolved, book) is None  # caller 2 gives up at 100, when the agent frees
    fast, slow = both(scenario, arrivals=np.array([0.0, 50.0]))
    assert_same_log(fast, slow)


def test_no_agents_leaves_every_caller_unserved_or_abandoned():
    scenario = voice_scenario(agents=0, per_day=200.0, patience={"dist": "exponential", "mean": 600.0})
    fast, slow = both(scenario)
    assert set(fast.contacts["outcome"].astype(str)) <= {"unserved", "abandoned"}
    assert_same_log(fast, slow)


@pytest.mark.parametrize("change, reason", [
    ({"agents": {"pools": [{"name": "a", "channels": ["voice"], "headcount": 2},
                           {"name": "b", "channels": ["voice"], "headcount": 2}]}}, "2 agent pools"),
    ({"agents": {"pools": [{"name": "a", "channels": ["voice", "webchat"], "headcount": 2}]}}, "messaging"),
    ({"demand": {"contacts_per_day": 100, "segments": [{"name": "all", "share": 1, "preference": ["voice"]}],
                 "intents": [{"name": "x", "share": 0.5, "priority": 1}, {"name": "y", "share": 0.5}]}},
     "priorities"),
    ({"repeats": {"after_abandon": 0.3}}, "after_abandon"),
    ({"channels": {"voice": {"handle_time": {"dist": "exponential", "mean": 180.0},
                             "hours": {"mon-fri": "08:00-20:00"}}}}, "opening hours"),
])
def test_reasons_not_to_take_the_fast_path(change, reason):
    extra = {"channels": {"voice": {"handle_time": {"dist": "exponential", "mean": 180.0},
                                    "patience": {"dist": "exponential", "mean": 60.0}},
                          "webchat": {"agent_time_per_turn": {"dist": "exponential", "mean": 60.0}}},
             "strategies": [{"name": "phones", "offer": ["voice"]}]}
    extra.update(change)
    scenario = voice_scenario(update=extra)
    why = fp.fast_path_reason(scenario.for_strategy(scenario.strategy_names[0]))
    assert why is not None and reason in why


def test_unresolved_contacts_keep_the_event_engine():
    scenario = voice_scenario(update={"demand": {"contacts_per_day": 500, "segments": [
        {"name": "all", "share": 1, "preference": ["voice"]}], "intents": [
        {"name": "x", "share": 1, "unresolved_share": 0.2}]}})
    resolved = scenario.for_strategy(scenario.strategy_names[0])
    book = build_plan(resolved, Streams(resolved.seed, 0))
    assert "unresolved" in fp.fast_path_reason(resolved, book)


def test_switched_off_by_the_environment(monkeypatch):
    monkeypatch.setenv(fp.ENV_SWITCH, "0")
    assert not fp.fast_path_enabled()
    monkeypatch.setenv(fp.ENV_SWITCH, "1")
    assert fp.fast_path_enabled()


def test_simulate_gives_the_same_kpis_on_either_path(monkeypatch):
    scenario = voice_scenario(agents=10, per_day=4_000.0, patience={"dist": "exponential", "mean": 120.0})
    fast = chansim.simulate(scenario, replications=2, keep_log=False).strategies[0].kpis
    monkeypatch.setenv(fp.ENV_SWITCH, "0")
    slow = chansim.simulate(scenario, replications=2, keep_log=False).strategies[0].kpis
    assert fast == slow
