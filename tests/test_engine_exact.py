"""Hand-worked event logs: fixed times, a few customers, every number computed
by hand in the comments and compared exactly."""

from __future__ import annotations

import numpy as np
import pytest

from chansim import load_scenario
from chansim.engine import run_replication


def scenario(channels: dict, pools: list, offer: list, intents: list | None = None) -> dict:
    first = offer[0]
    return {
        "name": "exact",
        "start_date": "2026-01-05",
        "days": 1,
        "seed": 3,
        "replications": 1,
        "demand": {
            "contacts_per_day": 0,  # arrivals are given by hand
            "segments": [{"name": "all", "share": 1, "preference": [first]}],
            "intents": intents or [{"name": "any", "share": 1}],
        },
        "channels": channels,
        "agents": {"pools": pools},
        "strategies": [{"name": "only", "offer": offer}],
    }


def fixed(value: float) -> dict:
    return {"dist": "fixed", "value": value}


def run(data: dict, arrivals: list[float]):
    log = run_replication(load_scenario(data), "only", 0, arrivals=np.array(arrivals))
    return log.contacts.set_index("contact_id"), log.messages, log.staffing


def test_voice_queue_and_abandonment():
    # One agent, calls of exactly 100 s, patience exactly 150 s; calls at 0, 10, 20.
    # c0: answered at 0, ends 100.
    # c1: waits from 10; the agent frees at 100 < 10 + 150 -> answered at 100 (wait 90), ends 200.
    # c2: waits from 20; would be answered at 200 but gives up at 20 + 150 = 170 (wait 150).
    data = scenario(
        {"voice": {"handle_time": fixed(100), "patience": fixed(150), "service_level_target_s": 20}},
        [{"name": "v", "channels": ["voice"], "headcount": 1}],
        ["voice"],
    )
    c, m, staffing = run(data, [0, 10, 20])
    assert list(c["outcome"].astype(str)) == ["resolved", "resolved", "abandoned"]
    assert c["answer_t"].tolist()[:2] == [0, 100] and np.isnan(c.loc[2, "answer_t"])
    assert c["end_t"].tolist() == [100, 200, 170]
    assert c["wait_s"].tolist() == [0, 90, 150]
    assert c["focus_s"].tolist() == [100, 100, 0]
    assert c["elapsed_s"].tolist()[:2] == [100, 100]
    assert c["agent"].tolist() == [0, 0, -1]
    assert len(m) == 0  # calls carry no messages
    # busy attention: 0-100 and 100-200, all in the first hour
    assert staffing.loc[staffing["interval_start_s"] == 0, "busy_s"].item() == 200
    assert staffing["staffed"].unique().tolist() == [1]


def test_messaging_slots_share_one_attention():
    # One agent with 2 slots; chats of 2 turns, 10 s to write each reply, the
    # customer answers 30 s after each reply. Chats at 0, 5 and 7.
    # t=0  c0 gets slot 1, reply 0-10 (out 10); customer back at 40.
    # t=5  c1 gets slot 2 but the agent is writing to c0: reply 10-20 (out 20); customer back at 50.
    # t=7  c2 finds no slot: queues.
    # t=40 c0 writes in; reply 40-50 (out 50) ends c0 and frees a slot -> c2 answered at 50 (wait 43).
    # t=50 c1's message (scheduled at 20) comes before c0's reply (scheduled at 40): c1 waits for
    #      attention, which goes to c1 first (queued first): 50-60 (out 60) ends c1;
    #      then c2: 60-70 (out 70); c2's customer back at 100; reply 100-110 ends c2.
    data = scenario(
        {"webchat": {"turns": fixed(2), "agent_time_per_turn": fixed(10), "customer_reply_delay": fixed(30)}},
        [{"name": "d", "channels": ["webchat"], "headcount": 1, "concurrency": 2}],
        ["webchat"],
    )
    c, m, staffing = run(data, [0, 5, 7])
    assert list(c["outcome"].astype(str)) == ["resolved"] * 3
    assert c["answer_t"].tolist() == [0, 5, 50]
    assert c["wait_s"].tolist() == [0, 0, 43]
    assert c["end_t"].tolist() == [50, 60, 110]
    assert c["focus_s"].tolist() == [20, 20, 20]
    assert c["elapsed_s"].tolist() == [50, 55, 60]
    expected = [
        (0, 0, "in"), (5, 1, "in"), (7, 2, "in"), (10, 0, "out"), (20, 1, "out"), (40, 0, "in"),
        (50, 1, "in"), (50, 0, "out"), (60, 1, "out"), (70, 2, "out"), (100, 2, "in"), (110, 2, "out"),
    ]
    got = list(zip(m["t"].tolist(), m["contact_id"].tolist(), m["direction"].astype(str).tolist()))
    assert got == expected
    assert (m["sender"].astype(str) == np.where(m["direction"].astype(str) == "in", "customer", "agent")).all()
    assert set(m["category"].astype(str)) == {"service"}
    assert set(m["channel"].astype(str)) == {"webchat"}
    assert (m["chars"] == 100).all()  # the documented default size
    # attention: 0-10, 10-20, 40-50, 50-60, 60-70, 100-110
    assert staffing["busy_s"].sum() == 60


def test_parking_releases_the_slot_while_the_customer_is_silent():
    # One agent, one slot; park after 20 s of silence; the customer answers after 30 s.
    # c0 at 0: reply 0-10; silent from 10, parked at 30 (slot free); writes at 40 -> queues.
    # c1 at 15: no slot -> waits until c0 parks at 30 (wait 15); reply 30-40; parked at 60.
    # At 40 c0's message (scheduled at 10) comes before the end of c1's reply (scheduled at 30).
    # c0 gets the slot back at 60; reply 60-70 ends c0 at 70.
    # c1 writes at 70 (scheduled at 40, before c0's reply end scheduled at 60) -> queues;
    # the slot frees at 70 -> c1 reply 70-80 ends c1 at 80.
    data = scenario(
        {"webchat": {"turns": fixed(2), "agent_time_per_turn": fixed(10), "customer_reply_delay": fixed(30),
                     "park_after": 20}},
        [{"name": "d", "channels": ["webchat"], "headcount": 1}],
        ["webchat"],
    )
    c, m, _ = run(data, [0, 15])
    assert c["answer_t"].tolist() == [0, 30]
    assert c["wait_s"].tolist() == [0, 15]
    assert c["end_t"].tolist() == [70, 80]
    assert c["focus_s"].tolist() == [20, 20]
    got = list(zip(m["t"].tolist(), m["contact_id"].tolist()))
    assert got == [(0, 0), (10, 0), (15, 1), (40, 0), (40, 1), (70, 1), (70, 0), (80, 1)]


def test_higher_priority_is_answered_first_fifo_within_a_priority():
    # One agent, calls of 100 s, no patience; calls at 0, 1, 2, 3. The agent is busy with c0
    # until 100; then the queued calls go by priority, and by arrival within a priority.
    data = scenario(
        {"voice": {"handle_time": fixed(100)}},
        [{"name": "v", "channels": ["voice"], "headcount": 1}],
        ["voice"],
        intents=[{"name": "routine", "share": 0.5}, {"name": "urgent", "share": 0.5, "priority": 2}],
    )
    c, _, _ = run(data, [0, 1, 2, 3])
    queued = c.loc[[1, 2, 3]]
    order = sorted(queued.index, key=lambda i: (-queued.loc[i, "priority"], queued.loc[i, "arrival_t"]))
    expected_answer = {contact: 100.0 * (k + 1) for k, contact in enumerate(order)}
    assert c.loc[[1, 2, 3], "answer_t"].to_dict() == expected_answer
    assert c.loc[0, "answer_t"] == 0
    # the draw gave both priorities (seeded): the test is about ordering, so make sure it is exercised
    assert queued["priority"].nunique() == 2


def test_schedule_changes_headcount_by_hour():
    # Nobody on shift in hour 0, one agent from hour 1: a call at 60 s waits until 3600 s.
    data = scenario(
        {"voice": {"handle_time": fixed(100)}},
        [{"name": "v", "channels": ["voice"], "schedule": [0] + [1] * 23}],
        ["voice"],
    )
    c, _, staffing = run(data, [60])
    assert c.loc[0, "answer_t"] == 3600
    assert c.loc[0, "wait_s"] == 3540
    assert staffing["staffed"].tolist()[:3] == [0, 1, 1]


def test_agent_going_off_shift_finishes_its_call_first():
    # One agent in hour 0 only. A call at 3500 s lasts 200 s: it ends at 3700, after the shift.
    # A second call at 3650 finds nobody: the agent finishing its call takes no new work.
    # After the last arrival the model drains on the same daily schedule, so the next
    # day's hour-0 shift (t = 86400) answers it.
    data = scenario(
        {"voice": {"handle_time": fixed(200)}},
        [{"name": "v", "channels": ["voice"], "schedule": [1] + [0] * 23}],
        ["voice"],
    )
    c, _, staffing = run(data, [3500, 3650])
    assert c.loc[0, "end_t"] == 3700
    # 3600-3700: the agent works past its shift: 100 s of overtime in hour 1, busy all of it
    assert staffing["overtime_s"].tolist()[:3] == [0, 100, 0]
    assert staffing["busy_s"].tolist()[:2] == [100, 100]
    assert c.loc[1, "answer_t"] == 86400
    assert list(c["outcome"].astype(str)) == ["resolved", "resolved"]


def test_contact_no_agent_can_ever_take_is_unserved():
    # Nobody is ever on shift: an email (no patience) can never be answered; the run ends it
    # as unserved instead of running forever.
    data = scenario(
        {"email": {"agent_time_per_turn": fixed(60)}},
        [{"name": "e", "channels": ["email"], "headcount": 0}],
        ["email"],
    )
    c, _, _ = run(data, [10])
    assert list(c["outcome"].astype(str)) == ["unserved"]
    assert np.isnan(c.loc[0, "answer_t"]) and np.isnan(c.loc[0, "end_t"])


def test_email_has_no_patience_and_waits_for_agents():
    data = scenario(
        {"email": {"agent_time_per_turn": fixed(300)}},
        [{"name": "e", "channels": ["email"], "headcount": 1}],
        ["email"],
    )
    c, m, _ = run(data, [0, 0.5])
    assert c["answer_t"].tolist() == [0, 300]
    assert c["end_t"].tolist() == [300, 600]
    assert len(m) == 4  # one message in and one reply per email


def test_rcs_out_of_reach_falls_back_to_sms():
    data = scenario(
        {
            "rcs": {"agent_time_per_turn": fixed(10), "reach": 0.0, "fallback": "sms"},
            "sms": {"agent_time_per_turn": fixed(10)},
        },
        [{"name": "d", "channels": ["rcs", "sms"], "headcount": 1, "concurrency": 5}],
        ["rcs"],
    )
    c, m, _ = run(data, [0, 1, 2])
    assert set(c["original_channel"].astype(str)) == {"rcs"}
    assert set(c["channel"].astype(str)) == {"sms"}
    assert set(m["channel"].astype(str)) == {"sms"} and set(m["original_channel"].astype(str)) == {"rcs"}


@pytest.mark.parametrize("offer, expected", [(["webchat", "voice"], "webchat"), (["email"], "email")])
def test_channel_choice_first_preference_offered_else_first_offered(offer, expected):
    data = scenario(
        {
            "voice": {"handle_time": fixed(10)},
            "webchat": {"agent_time_per_turn": fixed(10)},
            "email": {"agent_time_per_turn": fixed(10)},
        },
        [{"name": "all", "channels": ["voice", "webchat", "email"], "headcount": 3}],
        offer,
    )
    data["demand"]["segments"][0]["preference"] = ["sms", "webchat", "voice"]
    data["channels"]["sms"] = {"agent_time_per_turn": fixed(10)}
    data["agents"]["pools"][0]["channels"].append("sms")
    c, _, _ = run(data, [0, 1])
    assert set(c["channel"].astype(str)) == {expected}
    assert set(c["preferred_channel"].astype(str)) == {"sms"}


def test_slots_held_are_logged_per_interval():
    # One agent with 2 slots, one-turn chats of exactly 60 s of writing, chats at 0 and 10.
    # c0: slot 0-60 (reply written 0-60); c1: slot from 10, waits for the attention until 60, reply 60-120.
    # Slot-seconds held in hour 0: 60 + 110 = 170; nothing after.
    data = scenario(
        {"webchat": {"turns": fixed(1), "agent_time_per_turn": fixed(60), "customer_reply_delay": fixed(0)}},
        [{"name": "chat", "channels": ["webchat"], "headcount": 1, "concurrency": 2}],
        ["webchat"],
    )
    c, m, staffing = run(data, [0, 10])
    assert c["answer_t"].tolist() == [0, 10] and c["first_reply_t"].tolist() == [60, 120]
    held = staffing["held_slot_s"].to_numpy()
    assert held[0] == 170 and (held[1:] == 0).all()
    assert staffing["busy_s"].to_numpy()[0] == 120
