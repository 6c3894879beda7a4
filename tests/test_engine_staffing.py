"""Staffing plans: the engine staffs each pool from ``staffing_plan`` at the
plan's own interval; a lower count (a break) takes an agent off after the
contact in hand."""

from __future__ import annotations

import numpy as np

import chansim.engine.simulation as simulation
from chansim import load_scenario
from chansim.engine.staffing_plan import staffing_plan
from test_engine_exact import fixed, run, scenario


def voice(pool: dict) -> dict:
    return scenario({"voice": {"handle_time": fixed(200)}}, [{"name": "v", "channels": ["voice"], **pool}], ["voice"])


def test_the_plan_of_a_headcount_and_of_a_schedule():
    s = load_scenario(voice({"headcount": 3}))
    interval, agents = staffing_plan(s, 0)
    assert interval == 3600 and agents.tolist() == [3]
    s = load_scenario(voice({"schedule": list(range(24))}))
    interval, agents = staffing_plan(s, 0)
    assert interval == 3600 and agents.tolist() == list(range(24)) * 7  # a week of the same day


def test_a_break_in_a_quarter_hour_plan_waits_for_the_call_in_hand(monkeypatch):
    # One agent on a 15-minute plan [1, 0, 1, 1] (repeating every hour): a break 900-1800.
    # c0 at 800 (200 s) is finished on overtime: 800-1000, then the agent leaves for the break.
    # c1 at 1100 waits for the end of the break: answered 1800, ends 2000.
    # the plan is injected into the event engine: the voice fast path (which reads the scenario's own) is off
    monkeypatch.setenv("CHANSIM_FAST_PATH", "0")
    monkeypatch.setattr(simulation, "staffing_plan", lambda s, i: (900.0, np.array([1, 0, 1, 1])))
    c, _, staffing = run(voice({"headcount": 1}), [800, 1100])
    assert c["answer_t"].tolist() == [800, 1800]
    assert c["end_t"].tolist() == [1000, 2000]
    assert staffing["interval_s"].unique().tolist() == [900]
    assert staffing["staffed"].tolist()[:8] == [1, 0, 1, 1, 1, 0, 1, 1]
    assert staffing["overtime_s"].tolist()[:3] == [0, 100, 0]
    assert staffing["busy_s"].tolist()[:3] == [100, 100, 200]
    assert len(staffing) == 96  # a day of quarter hours
