"""Shifts: expanded to agents on the floor per interval (breaks, midnight,
the weekly wrap), their bad input, and the engine following them."""

from __future__ import annotations

import numpy as np
import pytest

from chansim import load_scenario
from chansim.engine import run_replication
from test_rosters import problems, with_pool


def shift(**kw) -> dict:
    return {"name": "s", "start": "07:00", "hours": 8, "agents": 1, **kw}


def test_night_shift_with_a_break_across_midnight():
    # Monday 22:00 for 8 h, a 30-minute break 4 h in: on 22:00-02:00, off 02:00-02:30, on 02:30-06:00 (Tuesday).
    night = shift(name="night", start="22:00", days="mon", agents=3, breaks=[{"after_h": 4, "minutes": 30}])
    interval, agents = on_shift_of(with_pool(shifts=[night]))
    assert interval == 1800.0
    monday, tuesday = agents[:48], agents[48:96]
    assert monday.tolist() == [0] * 44 + [3] * 4
    assert tuesday.tolist() == [3] * 4 + [0] + [3] * 7 + [0] * 36
    assert agents[96:7 * 48].sum() == 0  # no one else all week


def test_sunday_night_shift_covers_the_first_hours_of_a_monday_run():
    sunday = shift(start="22:00", days="sun", agents=2)
    interval, agents = on_shift_of(with_pool(shifts=[sunday]))
    assert interval == 3600.0
    assert agents[:24].tolist() == [2] * 6 + [0] * 18
    assert agents[6 * 24:7 * 24].tolist() == [0] * 22 + [2] * 2  # Sunday evening, day 6 of the run


def test_shifts_add_up_at_fifteen_minutes():
    early = shift(name="early", start="07:15", hours=8, days="mon-fri", agents=4,
                  breaks=[{"after_h": 2, "minutes": 15}, {"after_h": 4.5, "minutes": 30}])
    late = shift(name="late", start="13:00", hours=8, days="mon-fri", agents=5)
    weekend = shift(name="weekend", start="09:00", hours=6, days="sat,sun", agents=2)
    interval, agents = on_shift_of(with_pool(shifts=[early, late, weekend]))
    assert interval == 900.0
    q = lambda hh, mm: hh * 4 + mm // 15  # noqa: E731 - index of a quarter hour
    monday = agents[:96]
    expected = np.zeros(96, dtype=int)
    expected[q(7, 15):q(15, 15)] += 4
    expected[q(9, 15):q(9, 30)] -= 4  # first break
    expected[q(11, 45):q(12, 15)] -= 4  # second break, 4.5 h in
    expected[q(13, 0):q(21, 0)] += 5
    assert monday.tolist() == expected.tolist()
    saturday = agents[5 * 96:6 * 96]
    assert saturday.tolist() == [0] * q(9, 0) + [2] * 24 + [0] * (96 - q(15, 0))


def on_shift_of(data: dict):
    from chansim.scenario.rosters import on_shift

    return on_shift(load_scenario(data), 0)


# ------------------------------------------------------------- bad input
@pytest.mark.parametrize(("bad", "path", "fragment"), [
    ({"start": "25:00"}, "agents.pools[0].shifts[0].start", "within the day"),
    ({"start": "7am"}, "agents.pools[0].shifts[0].start", "HH:MM"),
    ({"days": "weekdays"}, "agents.pools[0].shifts[0].days", "not a weekday"),
    ({"hours": 30}, "agents.pools[0].shifts[0].hours", "at most 24 hours"),
    ({"breaks": [{"after_h": 7.5, "minutes": 45}]}, "agents.pools[0].shifts[0].breaks[0]", "must end within its shift"),
    ({"breaks": [{"after_h": 0, "minutes": 600}]}, "agents.pools[0].shifts[0].breaks[0]", "must end within its shift"),
    ({"breaks": [{"after_h": 2, "minutes": 60}, {"after_h": 2.5, "minutes": 15}]},
     "agents.pools[0].shifts[0].breaks[1]", "overlaps breaks[0]"),
    ({"agents": -1}, "agents.pools[0].shifts[0].agents", "≥ 0"),
])
def test_bad_shifts_name_the_field(tmp_path, bad, path, fragment):
    found = problems(with_pool(shifts=[shift(**bad)]), tmp_path)
    assert [p.path for p in found] == [path], found
    assert fragment in found[0].message
    assert found[0].line is not None


def test_shift_names_are_unique():
    (p,) = problems(with_pool(shifts=[shift(), shift()]))
    assert p.path == "agents.pools[0].shifts[1].name"


# ----------------------------------------------------------------- engine
def test_a_break_takes_the_agent_off_the_floor_after_the_call_in_hand():
    # One agent on shift 00:00-08:00 with a one-hour break 1 h in (01:00-02:00).
    # c0 at 3500 s lasts 200 s: the agent finishes it at 3700 (100 s of overtime into the break).
    # c1 at 3650 waits: nobody takes new work during the break; answered at 7200 when the break ends.
    data = with_pool(shifts=[shift(start="00:00", breaks=[{"after_h": 1, "minutes": 60}])])
    data.update(days=1, replications=1)
    data["demand"]["contacts_per_day"] = 0
    data["channels"]["voice"]["handle_time"] = {"dist": "fixed", "value": 200}
    log = run_replication(load_scenario(data), "baseline", 0, arrivals=np.array([3500.0, 3650.0]))
    c = log.contacts.set_index("contact_id")
    assert c["answer_t"].tolist() == [3500, 7200]
    assert c["end_t"].tolist() == [3700, 7400]
    staffed = log.staffing.set_index("interval_start_s")["staffed"]
    assert staffed.loc[[0.0, 3600.0, 7200.0, 8 * 3600.0]].tolist() == [1, 0, 1, 0]
    assert log.staffing.set_index("interval_start_s")["overtime_s"].loc[3600.0] == 100
