"""Opening hours as centres run them: closed dates unstaffed, the queue at
closing time (worked down on overtime, or closed), channels offline while
closed, the closed KPIs, response service level over every customer message,
and warm-up days before the first reported day. Small exact cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from chansim import load_scenario
from chansim.engine.replication import run_replication
from chansim.kpis.labor import labor_costs
from chansim.kpis.metrics import measured_window
from chansim.kpis.pipeline import measure
from test_engine_exact import fixed, run, scenario

DAY = 86_400.0
H = 3600.0
OFFICE = [0] * 8 + [1] * 10 + [0] * 6  # one agent 08:00-18:00


def _voice(hours: dict, pool: dict, **channel) -> dict:
    data = scenario({"voice": {"handle_time": fixed(600), "hours": hours, **channel}},
                    [{"name": "v", "channels": ["voice"], "cost_per_hour": 10, **pool}], ["voice"])
    data["agents"]["shrinkage"] = 0.0
    return data


@pytest.mark.parametrize(("paid", "hours"), [(False, 24.0), (True, 48.0)])
def test_a_closed_date_is_not_staffed_nor_paid(paid, hours):
    # Monday and Tuesday 2026-01-05/06, one agent all day; Tuesday is a holiday of the pool's only channel.
    data = _voice({"daily": "08:00-18:00", "closed": ["2026-01-06"]}, {"headcount": 1, "paid_on_closed_dates": paid})
    data["days"] = 2
    _, _, staffing = run(data, [])
    assert staffing["staffed"].tolist() == [1] * 24 + ([1] * 24 if paid else [0] * 24)
    labor = labor_costs(staffing, load_scenario(data))
    assert labor["paid_hours"].sum() == pytest.approx(hours)
    assert labor["cost"].sum() == pytest.approx(10 * hours)


def test_the_queue_at_closing_is_worked_down_on_overtime():
    # 08:00-18:00, one agent on shift 08:00-18:00, calls of 600 s at 17:59:00 and 17:59:30.
    # c0: 17:59:00-18:09:00. c1 queued at closing: the agent stays, answers it at 18:09:00, ends 18:19:00.
    # Overtime: 18:00 to 18:19 = 1140 s.
    data = _voice({"daily": "08:00-18:00"}, {"schedule": OFFICE})
    c, _, staffing = run(data, [17 * H + 3540, 17 * H + 3570])
    assert list(c["outcome"].astype(str)) == ["resolved", "resolved"]
    assert c.loc[1, "answer_t"] == 18 * H + 540 and c.loc[1, "end_t"] == 18 * H + 1140
    assert 18 * H < c.loc[1, "answer_t"] < DAY + 8 * H  # after closing, before the next opening
    assert staffing["overtime_s"].sum() == pytest.approx(1140.0)
    assert labor_costs(staffing, load_scenario(data))["overtime_hours"].sum() == pytest.approx(1140 / H)


def test_the_queue_at_closing_ends_closed_with_at_close_closed():
    # The same calls with at_close: closed: c1 ends closed at 18:00; the agent finishes c0 (540 s overtime).
    data = _voice({"daily": "08:00-18:00"}, {"schedule": OFFICE}, at_close="closed")
    data["repeats"] = {"after_closed": 1.0, "delay": fixed(3600), "switch_share": 0}
    c, _, staffing = run(data, [17 * H + 3540, 17 * H + 3570])
    assert list(c["outcome"].astype(str))[:2] == ["resolved", "closed"]
    assert c.loc[1, "end_t"] == 18 * H and math.isnan(c.loc[1, "answer_t"])
    assert staffing["overtime_s"].sum() == pytest.approx(540.0)
    # the closed callback rule: back after 1 h of open time, Tuesday 09:00 (beyond this 1-day run: none)
    assert len(c) == 2


def _chat_then_voice(voice_hours: dict | None) -> dict:
    voice = {"handle_time": fixed(100)}
    if voice_hours is not None:
        voice["hours"] = voice_hours
    data = scenario({"webchat": {"turns": fixed(1), "agent_time_per_turn": fixed(60),
                                 "hours": {"daily": "08:00-18:00"}, "while_closed": "offline"},
                     "voice": voice},
                    [{"name": "chat", "channels": ["webchat"], "headcount": 1},
                     {"name": "phones", "channels": ["voice"], "headcount": 1}], ["webchat", "voice"])
    data["demand"]["segments"][0]["preference"] = ["webchat", "voice"]
    data["days"] = 2
    return data


def test_an_offline_chat_sends_the_customer_to_their_next_open_preference():
    # 20:00: the chat is closed and offline; the line is open: the customer calls, answered at once.
    c, m, _ = run(_chat_then_voice(None), [20 * H])
    assert list(c["outcome"].astype(str)) == ["closed", "resolved"]
    assert list(c["channel"].astype(str)) == ["webchat", "voice"]
    assert c.loc[1, "parent_id"] == 0 and c.loc[1, "answer_t"] == 20 * H
    assert not (m["contact_id"] == 0).any()  # nothing written on the offline chat


def test_an_offline_chat_with_nothing_open_brings_the_customer_back_at_the_opening():
    c, _, _ = run(_chat_then_voice({"daily": "08:00-18:00"}), [20 * H])
    assert list(c["outcome"].astype(str)) == ["resolved"]
    assert c.loc[0, "queued_t"] == DAY + 8 * H and c.loc[0, "first_reply_t"] == DAY + 8 * H + 60


def test_closed_count_and_rate():
    data = _voice({"daily": "08:00-18:00"}, {"headcount": 1})
    scen = load_scenario(data)
    log = run_replication(scen, "only", 0, arrivals=np.array([9 * H, 19 * H, 20 * H]))
    kpis = measure(scen.for_strategy("only"), log, 0).kpis.overall
    assert kpis["closed"] == 2 and kpis["closed_rate"] == pytest.approx(2 / 3)


def test_response_sl_counts_every_customer_message():
    # Monday only (next Monday is a holiday, beyond the run's drain), one agent, one slot, replies of 30 s,
    # target 60 s. A at 10:00 answered at 10:00:30 (in time); B at 10:00:10 abandons at 10:00:20 (missed);
    # C at 20:00 is written while closed and never answered (missed): 1/3.
    data = scenario({"webchat": {"turns": fixed(1), "agent_time_per_turn": fixed(30), "patience": fixed(10),
                                 "service_level_target_s": 60,
                                 "hours": {"mon": "08:00-18:00", "closed": ["2026-01-12"]}}},
                    [{"name": "chat", "channels": ["webchat"], "headcount": 1}], ["webchat"])
    scen = load_scenario(data)
    log = run_replication(scen, "only", 0, arrivals=np.array([10 * H, 10 * H + 10, 20 * H]))
    kpis = measure(scen.for_strategy("only"), log, 0).kpis.overall
    assert kpis["response_sl"] == pytest.approx(1 / 3)


def test_a_callback_of_a_call_closed_on_the_warmup_day_arrives_on_day_one():
    # The warm-up day (Sunday) before Monday 2026-01-05: a call at 20:00 Sunday (-4 h) hears the closed
    # message; the caller calls back after 1 h of open time: Monday 09:00. Only the callback is reported.
    data = _voice({"daily": "08:00-18:00"}, {"headcount": 1})
    data["repeats"] = {"after_closed": 1.0, "delay": fixed(3600), "switch_share": 0}
    scen = load_scenario(data)
    assert scen.warmup_days == 1
    log = run_replication(scen, "only", 0, arrivals=np.array([-4 * H]))
    c = log.contacts
    assert list(c["outcome"].astype(str)) == ["closed", "resolved"]
    assert c["arrival_t"].tolist() == [-4 * H, 9 * H]
    measured, _ = measured_window(c, log.messages, scen.warmup_s)
    assert measured["arrival_t"].tolist() == [9 * H]
    kpis = measure(scen.for_strategy("only"), log, 0).kpis.overall
    assert kpis["contacts"] == 1 and kpis["closed"] == 0
    # labor covers the reported day only
    assert log.staffing["interval_start_s"].min() == 0 and len(log.staffing) == 24
