"""A pool schedule given per calendar date beside its weekday lists: a dated
list staffs that date and only it, wins over its weekday's list there, and a
bad date key is refused with its field path, by validate as by run."""

from __future__ import annotations

import copy
import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from chansim import load_scenario
from chansim.cli import app
from chansim.scenario.rosters import on_shift, roster_plan, weekly_roster
from conftest import load_problems, scenario_dict

BASE = scenario_dict({"demand.contacts_per_day": 100, "channels.voice.handle_time": {"dist": "fixed", "value": 60},
                      "agents.pools.0": {"name": "v", "channels": ["voice"], "schedule": {"all": [1] * 24}}},
                     name="dated", days=14, replications=2)  # from Monday 2026-01-05


def with_schedule(schedule, **pool) -> dict:
    data = copy.deepcopy(BASE)
    data["agents"]["pools"][0].update(schedule=schedule, **pool)
    return data


def test_a_dated_list_staffs_that_date_and_only_it():
    scenario = load_scenario(with_schedule({"all": [1] * 24, "2026-01-07": [5] * 24}))
    interval, agents = on_shift(scenario, 0)
    assert interval == 3600.0
    days = agents[:14 * 24].reshape(14, 24)
    assert days[2].tolist() == [5] * 24  # Wednesday 2026-01-07
    assert [int(d.max()) for i, d in enumerate(days) if i != 2] == [1] * 13  # the next Wednesday too


def test_a_dated_list_wins_over_its_weekday_and_a_weekday_left_out_stays_empty():
    schedule = {"mon-fri": [2] * 96, "2026-01-09": [0] * 28 + [7] * 68, "2026-01-10": [3] * 96}
    interval, agents = on_shift(load_scenario(with_schedule(schedule, interval_minutes=15)), 0)
    assert interval == 900.0
    days = agents[:7 * 96].reshape(7, 96)
    assert days[4].tolist() == [0] * 28 + [7] * 68  # Friday's own list, not mon-fri's
    assert days[5].tolist() == [3] * 96  # Saturday: dated, though no weekday list names it
    assert days[6].tolist() == [0] * 96  # Sunday: neither
    assert days[:4].tolist() == [[2] * 96] * 4


def test_the_plan_from_another_first_day_puts_the_dated_list_on_its_date():
    pool = load_scenario(with_schedule({"all": [1] * 24, "2026-01-07": [4] * 24})).agents.pools[0]
    interval, plan = roster_plan(pool, dt.date(2026, 1, 6), 10)  # from a Tuesday
    assert interval == 3600.0 and plan.size >= 10 * 24
    assert plan[24:48].tolist() == [4] * 24 and set(plan[:24].tolist()) == set(plan[48:240].tolist()) == {1}


def test_dates_outside_the_run_leave_the_weekly_pattern_as_it_was():
    dated = load_scenario(with_schedule({"all": [1] * 12 + [3] * 12, "2025-06-01": [9] * 24})).agents.pools[0]
    plain = load_scenario(with_schedule({"all": [1] * 12 + [3] * 12})).agents.pools[0]
    first = dt.date(2026, 1, 8)
    assert np.array_equal(roster_plan(dated, first, 14)[1], roster_plan(plain, first, 14)[1])
    assert np.array_equal(roster_plan(plain, first, 14)[1], np.roll(weekly_roster(plain)[1], -3 * 24))
    assert np.array_equal(weekly_roster(dated)[1], weekly_roster(plain)[1])


@pytest.mark.parametrize(("key", "fragment"), [
    ("2026-02-30", "is not a calendar date"),
    ("2026-1-7", "YYYY-MM-DD"),
])
def test_a_bad_date_key_is_refused_with_its_path_and_line(tmp_path, key, fragment):
    found = load_problems(with_schedule({"all": [1] * 24, key: [1] * 24}), tmp_path)
    assert [p.path for p in found] == [f"agents.pools[0].schedule.{key}"]
    assert fragment in found[0].message and found[0].line is not None


def test_a_dated_list_of_the_wrong_length_names_its_date():
    (p,) = load_problems(with_schedule({"all": [1] * 96, "2026-01-07": [1] * 24}, interval_minutes=15))
    assert p.path == "agents.pools[0].schedule.2026-01-07" and "exactly 96" in p.message and "got 24" in p.message


def test_a_date_given_twice_is_refused():
    found = load_problems(with_schedule({"2026-01-07": [1] * 24, " 2026-01-07": [2] * 24}))
    assert [p.path for p in found] == ["agents.pools[0].schedule. 2026-01-07"]
    assert "2026-01-07 is also given by '2026-01-07'; each date once" in found[0].message
    (p,) = load_problems(with_schedule({dt.date(2026, 1, 7): [1] * 24, "2026-01-07": [2] * 24}))
    assert p.path == "agents.pools[0].schedule" and "given twice" in p.message


def test_a_date_object_key_reads_as_its_iso_text():
    pool = load_scenario(with_schedule({"all": [1] * 24, dt.date(2026, 1, 7): [5] * 24})).agents.pools[0]
    assert list(pool.schedule) == ["all", "2026-01-07"]


@pytest.mark.parametrize("command", ["validate", "run"])
def test_validate_refuses_what_run_refuses(tmp_path, command):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(with_schedule({"all": [1] * 24, "2026-13-01": [1] * 24}), sort_keys=False),
                    encoding="utf-8")
    out = tmp_path / "out"
    args = [command, str(path)] + (["--replications", "1", "--out", str(out), "-q"] if command == "run" else [])
    result = CliRunner().invoke(app, args)
    text = re.sub(r"\s+", " ", result.output + (result.stderr if result.stderr_bytes is not None else ""))
    assert result.exit_code == 2, text
    assert "agents.pools[0].schedule.2026-13-01" in text and "is not a calendar date" in text
    assert re.search(r"line \d+", text) and not out.exists()


def test_the_field_description_documents_dated_lists():
    from chansim.scenario.models import Pool

    text = Pool.model_fields["schedule"].description
    assert "YYYY-MM-DD" in text and "wins over" in text


def test_the_engine_staffs_a_dated_list():
    from chansim.engine.staffing_plan import staffing_plan

    data = with_schedule({"all": [2] * 24, "2026-01-07": [0] * 24})
    data["warmup_days"] = 0
    interval, plan = staffing_plan(load_scenario(data), 0)
    assert interval == 3600.0
    assert plan[2 * 24:3 * 24].tolist() == [0] * 24 and set(plan[:2 * 24].tolist()) == {2}


def test_the_agents_on_duty_of_each_date_make_a_dated_schedule():
    from chansim.studies.fit.fit_staffing import dated_on_duty_schedule

    quarters = pd.date_range("1999-02-01", periods=2 * 96, freq="15min")
    agents = [(4.0 if q.day == 1 else 2.0) if 36 <= q.hour * 4 + q.minute // 15 < 72 else 0.0 for q in quarters]
    on_duty = pd.DataFrame({"channel": "voice", "hour_start": quarters, "agents": agents})
    dated = dated_on_duty_schedule(on_duty, "voice", shrinkage=0.25)
    assert list(dated) == ["1999-02-01", "1999-02-02"]
    assert dated["1999-02-01"] == [0] * 36 + [3] * 36 + [0] * 24
    assert sum(dated["1999-02-02"]) == 36 * 1.5 and set(dated["1999-02-02"][36:72]) == {1, 2}
