"""Opening hours: parsing, bad input, open-time arithmetic and the exact
small logs of a closed line and a message written at night."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from chansim import load_scenario
from chansim.errors import InputError
from chansim.scenario.hours import OpenTimes, weekly_hours
from test_engine_exact import fixed, run, scenario

MONDAY = dt.date(2026, 1, 5)
DAY = 86_400.0
H = 3600.0


def test_weekday_ranges_lists_and_closed_dates():
    hours = weekly_hours({"mon-fri": "07:00-21:00", "sat": ["09:00-12:00", "13:00-17:00"], "sun": "closed",
                          "closed": ["2026-01-06"]})
    assert hours.days[0] == ((7 * H, 21 * H),)
    assert hours.days[5] == ((9 * H, 12 * H), (13 * H, 17 * H))
    assert hours.days[6] == ()
    times = OpenTimes(hours, MONDAY, 7 * DAY)
    assert times.is_open(7 * H) and not times.is_open(21 * H) and not times.is_open(6.99 * H)
    assert not times.is_open(DAY + 10 * H)  # Tuesday 2026-01-06 is a holiday
    assert times.next_open(22 * H) == 2 * DAY + 7 * H  # Monday night -> Wednesday 07:00
    assert times.next_open(5 * DAY + 12.5 * H) == 5 * DAY + 13 * H  # Saturday's lunch break
    # a delay counted in open time: 1 h left on Monday, then Wednesday from 07:00
    assert times.after_open(20 * H, 3 * H) == 2 * DAY + 9 * H
    assert times.after_open(22 * H, 0.5 * H) == 2 * DAY + 7.5 * H
    assert math.isinf(OpenTimes(hours, MONDAY, DAY).after_open(22 * H, H))  # beyond the run


@pytest.mark.parametrize(("keys", "same_as"), [
    ({"all": "07:00-21:00"}, {"daily": "07:00-21:00"}),
    ({"mon-fri": "07:00-21:00", "sat,sun": "09:00-12:00"}, {"mon-fri": "07:00-21:00", "sat-sun": "09:00-12:00"}),
    ({"mon,wed,fri": "08:00-12:00"}, {"mon": "08:00-12:00", "wed": "08:00-12:00", "fri": "08:00-12:00"}),
    ({"mon-wed,fri": "08:00-12:00", "THU": "closed"},
     {"mon": "08:00-12:00", "tue": "08:00-12:00", "wed": "08:00-12:00", "fri": "08:00-12:00"}),
])
def test_weekday_keys_are_written_as_for_schedules(keys, same_as):
    assert weekly_hours(keys) == weekly_hours(same_as)
    assert load_scenario(_with_hours(keys)).channels["voice"].hours == keys


def test_a_whole_day_open_runs_across_midnight():
    times = OpenTimes(weekly_hours({"daily": "00:00-24:00"}), MONDAY, 3 * DAY)
    assert times.starts == [0.0] and times.ends == [4 * DAY]
    assert times.after_open(5.0, 2 * DAY) == 2 * DAY + 5.0


def _with_hours(hours: dict) -> dict:
    return scenario({"voice": {"handle_time": fixed(100), "hours": hours}},
                    [{"name": "v", "channels": ["voice"], "headcount": 1}], ["voice"])


@pytest.mark.parametrize(("hours", "path", "fragment"), [
    ({"mon-fry": "07:00-21:00"}, "channels.voice.hours.mon-fry", "unknown weekday"),
    ({"mon": "7-21"}, "channels.voice.hours.mon", "must be a range"),
    ({"mon": "21:00-07:00"}, "channels.voice.hours.mon", "must end after it starts"),
    ({"mon": "25:00-26:00"}, "channels.voice.hours.mon", "not a time of day"),
    ({"mon": ["08:00-12:00", "11:00-17:00"]}, "channels.voice.hours.mon", "overlap"),
    ({"mon-fri": "07:00-21:00", "fri": "08:00-12:00"}, "channels.voice.hours.fri", "also given by 'mon-fri'"),
    ({"closed": ["2026-13-01"]}, "channels.voice.hours.closed[0]", "must be a date"),
    ({"mon": "\uff10\uff17:00-21:00"}, "channels.voice.hours.mon", "digits 0-9"),  # full-width 07
    ({"sat": ["09:00-12:00", "\u0661\u0663:00-17:00"]}, "channels.voice.hours.sat[1]", "digits 0-9"),  # Arabic-Indic 13
    ({"mon-fri": "07:00-21:00", "fri,sat": "09:00-12:00"}, "channels.voice.hours.fri,sat", "also given by 'mon-fri'"),
    ({"all": "07:00-21:00", "sun": "closed"}, "channels.voice.hours.sun", "also given by 'all'"),
    ({"sat,sun,sat": "09:00-12:00"}, "channels.voice.hours.sat,sun,sat", "names sat twice"),
    ({"sat,": "09:00-12:00"}, "channels.voice.hours.sat,", "unknown weekday"),
])
def test_bad_hours_are_field_errors_with_their_path(hours, path, fragment):
    with pytest.raises(InputError) as info:
        load_scenario(_with_hours(hours))
    assert any(p.path == path and fragment in p.message for p in info.value.problems), info.value.render()


def test_a_call_while_closed_ends_closed_and_calls_back_in_opening_hours():
    # A 07:00-21:00 line (Monday 2026-01-05 first). A call at 22:00 hears the closed message: outcome
    # closed, ended at once. Every such caller calls back (after_closed 1) after 1 h of open time:
    # Tuesday 07:00 + 1 h = 08:00 (day 1, 28 800 s), answered at once.
    data = _with_hours({"mon-fri": "07:00-21:00"})
    data["days"] = 2
    data["repeats"] = {"after_closed": 1.0, "delay": fixed(3600), "switch_share": 0}
    c, _, _ = run(data, [22 * H])
    assert list(c["outcome"].astype(str)) == ["closed", "resolved"]
    assert c.loc[0, "end_t"] == 22 * H and math.isnan(c.loc[0, "answer_t"])
    assert c.loc[1, "repeat_of"] == 0
    assert c.loc[1, "arrival_t"] == DAY + 8 * H > DAY + 7 * H
    assert c.loc[1, "answer_t"] == DAY + 8 * H and c.loc[1, "end_t"] == DAY + 8 * H + 100


def test_no_callback_when_nobody_calls_back():
    data = _with_hours({"mon-fri": "07:00-21:00"})
    data["repeats"] = {"after_closed": 0.0}
    c, _, _ = run(data, [22 * H])
    assert list(c["outcome"].astype(str)) == ["closed"]


def test_a_message_written_while_closed_waits_for_the_opening_and_its_patience_starts_then():
    # WhatsApp agents work 07:00-21:00; a message at 23:00 (patience 600 s) waits for Tuesday 07:00:
    # it joins the queue then (queued_t), the agent answers at once, first reply 07:00 + 10 s.
    # Had patience started at 23:00 it would have abandoned at 23:10.
    data = scenario({"whatsapp": {"turns": fixed(1), "agent_time_per_turn": fixed(10), "patience": fixed(600),
                                  "hours": {"mon-fri": "07:00-21:00"}}},
                    [{"name": "d", "channels": ["whatsapp"], "headcount": 1}], ["whatsapp"])
    data["days"] = 2
    c, m, _ = run(data, [23 * H])
    assert list(c["outcome"].astype(str)) == ["resolved"]
    assert c.loc[0, "arrival_t"] == 23 * H
    assert c.loc[0, "queued_t"] == DAY + 7 * H and c.loc[0, "answer_t"] == DAY + 7 * H
    assert c.loc[0, "first_reply_t"] == DAY + 7 * H + 10
    assert m["t"].tolist() == [23 * H, DAY + 7 * H + 10]  # the customer's message, then the reply


def test_patience_runs_out_after_the_opening():
    # The same message with no agent before 08:00: patience starts at 07:00 and ends at 07:10.
    data = scenario({"whatsapp": {"turns": fixed(1), "agent_time_per_turn": fixed(10), "patience": fixed(600),
                                  "hours": {"daily": "07:00-21:00"}}},
                    [{"name": "d", "channels": ["whatsapp"], "schedule": [0] * 8 + [1] * 16}], ["whatsapp"])
    data["days"] = 2
    c, _, _ = run(data, [23 * H])
    assert list(c["outcome"].astype(str)) == ["abandoned"]
    assert c.loc[0, "queued_t"] == DAY + 7 * H and c.loc[0, "end_t"] == DAY + 7 * H + 600
