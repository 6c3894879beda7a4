"""Rosters: weekday and 15/30/60-minute schedules expanded by on_shift,
exactly, and their bad input reported with the field path and line."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from chansim import load_scenario
from chansim.engine.simulation import MAX_DRAIN_S
from chansim.scenario.rosters import DRAIN_S, on_shift, parse_clock, parse_days
from conftest import load_problems

BASE = {
    "name": "roster",
    "start_date": "2026-01-05",  # a Monday
    "days": 2,
    "seed": 1,
    "replications": 2,
    "demand": {"contacts_per_day": 100, "segments": [{"name": "all", "share": 1, "preference": ["voice"]}]},
    "channels": {"voice": {"handle_time": {"dist": "fixed", "value": 60}}},
    "agents": {"pools": [{"name": "v", "channels": ["voice"], "headcount": 3}]},
}


def with_pool(start_date: str = "2026-01-05", **pool) -> dict:
    data = copy.deepcopy(BASE)
    data["start_date"] = start_date
    data["agents"]["pools"][0] = {"name": "v", "channels": ["voice"], **pool}
    return data


def test_drain_is_the_engines():
    assert DRAIN_S == MAX_DRAIN_S


def test_headcount_is_hourly_and_covers_the_drain():
    interval, agents = on_shift(load_scenario(BASE), 0)
    assert interval == 3600.0
    assert agents.size == math.ceil((2 * 86_400 + DRAIN_S) / 3600)
    assert set(agents.tolist()) == {3}


def test_daily_schedule_repeats_every_day_as_before():
    day = list(range(24))
    interval, agents = on_shift(load_scenario(with_pool(schedule=day)), 0)
    assert interval == 3600.0
    assert agents[:48].tolist() == day + day
    assert agents[24 * 8 + 5] == 5  # still the same day in the drain
    pool = load_scenario(with_pool(schedule=day)).agents.pools[0]
    assert [pool.staffed_at(h) for h in range(24)] == day


def test_weekday_schedule_starts_on_the_start_dates_weekday():
    weekday = [1] * 24
    saturday = [2] * 24
    # 2026-01-03 is a Saturday: the run starts on sat, then sun (nobody), then mon
    data = with_pool("2026-01-03", schedule={"mon-fri": weekday, "sat": saturday})
    data["days"] = 3
    interval, agents = on_shift(load_scenario(data), 0)
    assert interval == 3600.0
    assert agents[:24].tolist() == saturday
    assert agents[24:48].tolist() == [0] * 24
    assert agents[48:72].tolist() == weekday
    # the week goes on: the next Saturday is day 7
    assert agents[7 * 24:8 * 24].tolist() == saturday


def test_fifteen_minute_schedule():
    day = [0] * 28 + [4] * 2 + [6] * 66  # 07:00-07:30 four agents, from 07:30 six
    interval, agents = on_shift(load_scenario(with_pool(schedule=day, interval_minutes=15)), 0)
    assert interval == 900.0
    assert agents[:96].tolist() == day
    assert agents[96:192].tolist() == day
    assert agents.size == math.ceil((2 * 86_400 + DRAIN_S) / 900)


def test_thirty_minute_weekday_schedule_wrapping_range():
    weekend = [1] * 48
    data = with_pool(schedule={"fri-sun": weekend, "mon,tue": [2] * 48}, interval_minutes=30)
    interval, agents = on_shift(load_scenario(data), 0)
    assert interval == 1800.0
    assert agents[:48].tolist() == [2] * 48  # Monday
    assert agents[96:144].tolist() == [0] * 48  # Wednesday: not given
    assert agents[4 * 48:5 * 48].tolist() == weekend  # Friday


@pytest.mark.parametrize(("text", "days"), [
    ("mon", (0,)), ("mon-fri", (0, 1, 2, 3, 4)), ("fri-mon", (0, 4, 5, 6)), ("all", tuple(range(7))),
    ("mon-wed,fri", (0, 1, 2, 4)), (["sat", "sun"], (5, 6)),
])
def test_weekday_names(text, days):
    assert parse_days(text) == days


@pytest.mark.parametrize("text", ["monday", "mon-xyz", "mon,mon", ""])
def test_bad_weekday_names(text):
    with pytest.raises(ValueError):
        parse_days(text)


def test_clock_times():
    assert parse_clock("07:30") == 450
    assert parse_clock("7:05") == 425
    for bad in ("24:00", "07:60", "7am", "0730"):
        with pytest.raises(ValueError):
            parse_clock(bad)


# ------------------------------------------------------------- bad input
def test_schedule_of_the_wrong_length_names_the_count_path_and_line(tmp_path):
    data = with_pool(schedule={"mon-fri": [1] * 24, "sat": [1] * 96}, interval_minutes=15)
    found = load_problems(data, tmp_path)
    assert len(found) == 1
    (p,) = found
    assert p.path == "agents.pools[0].schedule.mon-fri"
    assert "exactly 96" in p.message and "got 24" in p.message
    assert p.line is not None


def test_daily_schedule_wrong_length_for_thirty_minutes():
    (p,) = load_problems(with_pool(schedule=[1] * 24, interval_minutes=30))
    assert p.path == "agents.pools[0].schedule" and "exactly 48" in p.message


def test_overlapping_weekday_keys():
    found = load_problems(with_pool(schedule={"mon-fri": [1] * 24, "fri": [2] * 24}))
    assert [p.path for p in found] == ["agents.pools[0].schedule.fri"]
    assert "fri is also given by 'mon-fri'" in found[0].message


def test_unknown_weekday_key_and_interval():
    found = load_problems(with_pool(schedule={"monday": [1] * 24}))
    assert found[0].path == "agents.pools[0].schedule.monday"
    (p,) = load_problems(with_pool(schedule=[1] * 24, interval_minutes=20))
    assert p.path == "agents.pools[0].interval_minutes" and "15, 30, 60" in p.message


def test_headcount_schedule_and_shifts_are_exclusive():
    shift = {"name": "a", "start": "07:00", "hours": 8, "agents": 1}
    (p,) = load_problems(with_pool(headcount=2, shifts=[shift]))
    assert p.path == "agents.pools[0]" and "exactly one of 'headcount', 'schedule' or 'shifts'" in p.message


def test_negative_schedule_values():
    (p,) = load_problems(with_pool(schedule=[-1] + [1] * 23))
    assert p.path == "agents.pools[0].schedule" and "≥ 0" in p.message


def test_same_staffing_when_simulated(tmp_path):
    """A daily 24-value schedule and the same roster written per weekday simulate identically."""
    from chansim import simulate

    day = [2] * 7 + [4] * 12 + [2] * 5
    a = simulate(load_scenario(with_pool(schedule=day)), replications=2, workers=1)
    b = simulate(load_scenario(with_pool(schedule={"all": day})), replications=2, workers=1)
    c = simulate(load_scenario(with_pool(schedule=[v for v in day for _ in range(4)], interval_minutes=15)),
                 replications=2, workers=1)
    for other in (b, c):  # the same to the last bits (sums over 15-minute rows may round differently)
        for key, value in a.strategies[0].kpis.items():
            got = other.strategies[0].kpis[key]
            assert got == value if value is None else got == pytest.approx(value, rel=1e-12, abs=1e-12), key
    assert np.isclose(a.strategies[0].kpis["cost_labor"], 0.0)  # no cost_per_hour given
