"""The fast path for voice-only FIFO pools (chansim.engine.fast_path): on the
same draws, its event log is the event engine's, to the last bit."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import chansim
from chansim.engine import fast_path as fp
from chansim.engine.plan import build_plan
from chansim.engine.replication import run_replication
from chansim.engine.streams import Streams

HAVE_NUMBA = importlib.util.find_spec("numba") is not None


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
    if HAVE_NUMBA and fp.ENV_KERNEL not in os.environ:
        assert fp.kernel_name() == "numba"  # the compiled recursion serves these runs
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


# --------------------------------------------------------------------------- the compiled recursion

needs_numba = pytest.mark.skipif(not HAVE_NUMBA, reason="numba is not installed (the 'fast' extra): "
                                 "there is no compiled recursion to compare with the pure-Python one")


def planned_calls(scenario, replication=0, arrivals=None):
    """What run_fast hands the recursion: the planned calls in arrival order."""
    resolved = scenario.for_strategy(scenario.strategy_names[0])
    book = build_plan(resolved, Streams(resolved.seed, replication), arrivals=arrivals)
    n = book.size
    order = np.argsort(book.arrival_t[:n], kind="stable")
    arrival = book.arrival_t[order]
    duration = book.handle_time[order] + book.extra_time[order]
    start = -86_400.0 * resolved.warmup_days
    end = resolved.horizon_s + fp.DRAIN_S
    return arrival, duration, arrival + book.patience[order], int(resolved.agents.pools[0].headcount), start, end


def assert_same_recursion(args):
    compiled = fp.recursion(*args, kernel="numba")
    python = fp.recursion(*args, kernel="python")
    assert compiled[3] is python[3] or compiled[3] == python[3]
    for a, b in zip(compiled[:3], python[:3]):
        assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    return python


@needs_numba
@pytest.mark.parametrize("case", range(len(CASES)))
def test_compiled_recursion_equals_the_python_one_on_the_cases(case):
    agents, per_day, handle, patience, warmup, concurrency, peaked = CASES[case]
    intraday = [0.2] * 8 + [1, 2, 3, 3, 2, 2, 3, 3, 2, 1] + [0.5] * 6 if peaked else None
    scenario = voice_scenario(agents=agents, per_day=per_day, handle=handle, patience=patience, seed=3,
                              warmup_days=warmup, concurrency=concurrency, intraday=intraday)
    answer, _, agent, ok = assert_same_recursion(planned_calls(scenario, replication=3))
    assert ok and (~np.isnan(answer)).sum() > 100 and set(agent[agent >= 0]) == set(range(agents))


@needs_numba
@pytest.mark.parametrize("arrivals, handle, patience, agents", [
    (np.repeat(np.arange(0.0, 3_600.0, 60.0), 2), 120.0, None, 3),  # agents free at the same instant
    (np.array([0.0, 10.0, 20.0, 105.0, 115.0, 206.0, 206.0, 250.0, 400.0, 400.0]), 100.0, None, 3),
    (np.array([0.0, 50.0]), 100.0, 50.0, 1),  # patience ends as the agent frees: the event engine's case
])
def test_compiled_recursion_equals_the_python_one_on_ties(arrivals, handle, patience, agents):
    scenario = voice_scenario(agents=agents, handle={"dist": "fixed", "value": handle},
                              patience=None if patience is None else {"dist": "fixed", "value": patience})
    _, _, _, ok = assert_same_recursion(planned_calls(scenario, arrivals=arrivals))
    assert ok == (patience is None)


@st.composite
def small_runs(draw):
    """A few callers on a coarse grid of times, so that arrivals, frees and
    patience often fall on the same instant."""
    n = draw(st.integers(0, 30))
    grid = st.integers(0, 12).map(lambda k: 10.0 * k)
    arrival = np.cumsum(draw(st.lists(st.integers(0, 3).map(lambda k: 10.0 * k), min_size=n, max_size=n)))
    duration = np.array(draw(st.lists(grid.map(lambda x: x + 10.0), min_size=n, max_size=n)))
    patience = np.array(draw(st.lists(st.one_of(grid, st.just(np.inf)), min_size=n, max_size=n)))
    agents = draw(st.integers(0, 4))
    start = draw(st.sampled_from([-20.0, 0.0]))
    end = draw(st.sampled_from([100.0, 250.0, 1e9]))
    return np.asarray(arrival, dtype=float), duration, arrival + patience, agents, start, end


@needs_numba
@settings(max_examples=300, deadline=None)
@given(small_runs())
@example((np.array([0.0, 50.0]), np.array([100.0, 100.0]), np.array([np.inf, 100.0]), 1, 0.0, 1e9))
@example((np.array([0.0, 0.0, 10.0]), np.array([20.0, 20.0, 5.0]), np.array([np.inf, np.inf, np.inf]), 2, 0.0, 1e9))
def test_compiled_recursion_equals_the_python_one_on_random_runs(args):
    assert_same_recursion(args)


def test_the_recursions_agree_on_when_the_event_engine_must_run():
    """Patience running out at the very instant the only agent frees: no
    answer at all (the event engine runs), whichever recursion."""
    args = (np.array([0.0, 50.0]), np.array([100.0, 100.0]), np.array([np.inf, 100.0]), 1, 0.0, 1e9)
    for kernel in ("numba", "python"):
        answer, finish, agent, ok = fp.recursion(*args, kernel=kernel)
        assert not ok and np.isnan(answer).all() and np.isnan(finish).all() and (agent == -1).all()
    answer, finish, agent, ok = fp.recursion(args[0], args[1], np.array([np.inf, 101.0]), 1, 0.0, 1e9)
    assert ok and answer.tolist() == [0.0, 100.0] and finish.tolist() == [100.0, 200.0] and agent.tolist() == [0, 0]


def test_the_kernel_is_chosen_by_argument_and_environment(monkeypatch):
    monkeypatch.delenv(fp.ENV_KERNEL, raising=False)
    assert fp.kernel_name() == ("numba" if HAVE_NUMBA else "python")
    assert fp.kernel_name("python") == "python"
    monkeypatch.setenv(fp.ENV_KERNEL, "python")
    assert fp.kernel_name() == "python" and fp.load_kernel() == "python"
    with pytest.raises(ValueError, match="unknown fast-path kernel"):
        fp.kernel_name("fortran")


@pytest.mark.parametrize("case", [1, 2])
def test_the_pure_python_recursion_still_gives_the_event_engine_log(case, monkeypatch):
    monkeypatch.setenv(fp.ENV_KERNEL, "python")
    agents, per_day, handle, patience, warmup, concurrency, peaked = CASES[case]
    scenario = voice_scenario(agents=agents, per_day=per_day, handle=handle, patience=patience, seed=5,
                              warmup_days=warmup, concurrency=concurrency)
    fast, slow = both(scenario, replication=5)
    assert_same_log(fast, slow)


def test_importing_chansim_does_not_import_numba_until_the_fast_path_runs():
    code = (
        "import sys, chansim, chansim.engine.replication, chansim.kpis.pipeline, chansim.studies.experiment\n"
        "assert 'numba' not in sys.modules, 'imported at start'\n"
        "from chansim.engine import fast_path\n"
        "scenario = chansim.load_scenario({'name': 'x', 'start_date': '2026-01-05', 'days': 0.2, 'demand': {\n"
        "    'contacts_per_day': 500, 'segments': [{'name': 'all', 'share': 1, 'preference': ['voice']}]},\n"
        "    'channels': {'voice': {'handle_time': {'dist': 'exponential', 'mean': 180.0}}},\n"
        "    'agents': {'pools': [{'name': 'p', 'channels': ['voice'], 'headcount': 3}]}})\n"
        "chansim.simulate(scenario, replications=1, keep_log=False)\n"
        "print(fast_path.kernel_name(), 'numba' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in (fp.ENV_KERNEL, fp.ENV_SWITCH)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    kernel, loaded = out.stdout.split()
    assert (kernel, loaded) in {("numba", "True"), ("python", "False")}  # numba loaded by the run, when it is there
    assert kernel == "numba" or not HAVE_NUMBA
