"""Edges of the scenario file: weekday keys written as the docs say (``all``,
comma lists) everywhere a mapping is per weekday, slot-cap mappings, and
booleans where numbers belong."""

from __future__ import annotations

import numpy as np
import pytest

from chansim import load_scenario
from chansim.errors import InputError
from chansim.scenario.profiles import intraday_by_weekday
from chansim.scenario.rosters import weekly_roster
from test_engine_exact import fixed, scenario

DAY24 = [0] * 7 + [3] * 14 + [0] * 3
FLAT = [1] * 24


def _pool(**roster) -> dict:
    return scenario({"webchat": {"agent_time_per_turn": fixed(30)}},
                    [{"name": "d", "channels": ["webchat"], **roster}], ["webchat"])


def _refused(data: dict) -> list:
    with pytest.raises(InputError) as info:
        load_scenario(data)
    return info.value.problems


@pytest.mark.parametrize(("keys", "same_as"), [
    ({"mon-wed,fri": DAY24, "sat,sun": FLAT}, {"mon-wed": DAY24, "fri": DAY24, "sat-sun": FLAT}),
    ({"all": DAY24}, {"mon-sun": DAY24}),
    ({"mon,wed,fri": DAY24}, {"mon": DAY24, "wed": DAY24, "fri": DAY24}),
])
def test_schedule_weekday_keys_take_comma_lists_and_all(keys, same_as):
    a = weekly_roster(load_scenario(_pool(schedule=keys)).agents.pools[0])
    b = weekly_roster(load_scenario(_pool(schedule=same_as)).agents.pools[0])
    assert a[0] == b[0] and np.array_equal(a[1], b[1])
    assert a[1].sum() > 0


def test_shift_days_take_comma_lists():
    def week(days):
        shift = {"name": "a", "start": "07:00", "hours": 8, "days": days, "agents": 2}
        return weekly_roster(load_scenario(_pool(shifts=[shift])).agents.pools[0])[1]

    assert np.array_equal(week("mon-wed,fri"), week(["mon-wed", "fri"]))
    assert not np.array_equal(week("mon-wed,fri"), week("mon-fri"))


def test_intraday_weekday_keys_take_comma_lists_and_all():
    peak = [0] * 8 + [2] * 10 + [0] * 6

    def shapes(intraday):
        data = _pool(headcount=1)
        data["demand"]["intraday"] = intraday
        return intraday_by_weekday(load_scenario(data).demand)

    assert np.array_equal(np.asarray(shapes({"mon-fri": peak, "sat,sun": FLAT})),
                          np.asarray(shapes({"mon-fri": peak, "sat-sun": FLAT})))
    assert np.array_equal(np.asarray(shapes({"all": peak})), np.asarray(shapes(peak)))


@pytest.mark.parametrize(("concurrency", "total", "caps"), [
    ({"webchat": 2}, 2, {"webchat": 2}),
    ({"webchat": 2.0, "total": 3}, 3, {"webchat": 2}),
])
def test_slot_cap_mappings_that_are_read(concurrency, total, caps):
    pool = load_scenario(_pool(headcount=1, concurrency=concurrency)).agents.pools[0]
    assert pool.concurrency == total and pool.slot_caps == caps


@pytest.mark.parametrize(("concurrency", "fragment"), [
    ({}, "cap at least one channel"),
    ({"total": 3}, "cap at least one channel"),
    ({"webchat": True, "total": 3}, "the webchat cap must be a whole number ≥ 1 (got true)"),
    ({"webchat": 0}, "the webchat cap must be a whole number ≥ 1 (got 0)"),
    ({"webchat": 1.5}, "the webchat cap must be a whole number"),
    ({"webchat": 2, "total": False}, "the total must be a whole number"),
    ({"webchat": None}, "the webchat cap must be a whole number"),
])
def test_slot_cap_mappings_that_are_refused_at_concurrency(concurrency, fragment):
    problems = _refused(_pool(headcount=1, concurrency=concurrency))
    assert [(p.path, fragment in p.message) for p in problems] == [("agents.pools[0].concurrency", True)], problems


@pytest.mark.parametrize(("pool", "path"), [
    ({"headcount": True}, "agents.pools[0].headcount"),
    ({"headcount": 1, "concurrency": True}, "agents.pools[0].concurrency"),
    ({"headcount": 1, "cost_per_hour": False}, "agents.pools[0].cost_per_hour"),
    ({"headcount": 1, "shrinkage": False}, "agents.pools[0].shrinkage"),
    ({"schedule": DAY24[:-1] + [True]}, "agents.pools[0].schedule"),
    ({"schedule": {"all": [True] * 24}}, "agents.pools[0].schedule"),
    ({"shifts": [{"name": "a", "start": "07:00", "hours": True, "agents": 1}]}, "agents.pools[0].shifts[0].hours"),
    ({"shifts": [{"name": "a", "start": "07:00", "hours": 8, "agents": 1,
                  "breaks": [{"after_h": 4, "minutes": True}]}]}, "agents.pools[0].shifts[0].breaks[0].minutes"),
])
def test_a_boolean_is_not_a_number(pool, path):
    problems = _refused(_pool(**pool))
    assert any(p.path == path and "not true/false" in p.message for p in problems), problems


def test_true_false_fields_still_take_booleans_and_numbers_still_take_whole_floats():
    pool = load_scenario(_pool(headcount=3.0, paid_on_closed_dates=True)).agents.pools[0]
    assert pool.headcount == 3 and pool.paid_on_closed_dates is True
    data = _pool(headcount=1)
    data["agents"]["hours_per_fte"] = True
    assert [p.path for p in _refused(data)] == ["agents.hours_per_fte"]
