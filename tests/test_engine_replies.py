"""Messaging measured by replies: the first agent reply in the log, patience
that runs until it, and deflected callers meeting the bot. Hand-worked logs."""

from __future__ import annotations

import math

import numpy as np

from chansim import load_scenario
from chansim.engine import run_replication
from test_engine_exact import fixed, run, scenario


def chat(**extra) -> dict:
    return {"webchat": {"turns": fixed(1), "agent_time_per_turn": fixed(100), **extra}}


def test_first_reply_is_logged_when_written_and_slot_time_stays_answer_t():
    # One agent, 2 slots, one-turn chats of 100 s work; chats at 0 and 10.
    # c0: slot at 0, reply written 0-100 -> first reply 100, ends 100.
    # c1: slot at 10 (answer_t), waits for the agent's attention: reply 100-200.
    data = scenario(chat(), [{"name": "d", "channels": ["webchat"], "headcount": 1, "concurrency": 2}], ["webchat"])
    c, m, _ = run(data, [0, 10])
    assert c["answer_t"].tolist() == [0, 10]
    assert c["first_reply_t"].tolist() == [100, 200]
    assert c["end_t"].tolist() == [100, 200]
    assert c["wait_s"].tolist() == [0, 0]  # the slot wait
    out = m[m["direction"] == "out"]
    assert out["t"].tolist() == [100, 200]  # the reply messages are the first replies


def test_patience_runs_until_the_first_reply_not_the_slot():
    # One agent, 2 slots, one-turn chats of 100 s work, patience 50 s; chats at 0, 10, 70.
    # c0: slot at 0, reply 0-100; at 50 its patience ends while its reply is being written: it stays.
    # c1: slot at 10, waits for attention; patience ends at 60 with no reply: abandons, slot released,
    #     its reply no longer waits on the agent (focus 0, no message out).
    # c2: at 70 takes the slot c1 left; attention free at 100: reply 100-200 (being written when its
    #     patience ends at 120): first reply 200.
    data = scenario(chat(patience=fixed(50)),
                    [{"name": "d", "channels": ["webchat"], "headcount": 1, "concurrency": 2}], ["webchat"])
    c, m, _ = run(data, [0, 10, 70])
    assert list(c["outcome"].astype(str)) == ["resolved", "abandoned", "resolved"]
    assert c["answer_t"].tolist() == [0, 10, 70]
    assert c.loc[0, "first_reply_t"] == 100 and math.isnan(c.loc[1, "first_reply_t"]) and c.loc[2, "first_reply_t"] == 200
    assert c["end_t"].tolist() == [100, 60, 200]
    assert c["focus_s"].tolist() == [100, 0, 100]
    assert (m.loc[m["direction"] == "out", "contact_id"]).tolist() == [0, 2]


def test_voice_patience_still_ends_at_the_answer():
    # A call answered before its patience ends is never abandoned, however long it lasts.
    data = scenario({"voice": {"handle_time": fixed(500), "patience": fixed(50)}},
                    [{"name": "v", "channels": ["voice"], "headcount": 1}], ["voice"])
    c, _, _ = run(data, [0, 10])
    assert list(c["outcome"].astype(str)) == ["resolved", "abandoned"]
    assert c["end_t"].tolist() == [500, 60]
    assert c["first_reply_t"].isna().all()  # calls have no replies


def _deflection(via_bot: bool) -> dict:
    data = scenario(
        {"voice": {"handle_time": fixed(100)},
         "whatsapp": {"turns": fixed(1), "agent_time_per_turn": fixed(10), "customer_reply_delay": fixed(5)}},
        [{"name": "all", "channels": ["voice", "whatsapp"], "headcount": 1}],
        ["voice", "whatsapp"],
    )
    data["bot"] = {"channels": ["whatsapp"], "turns": fixed(1), "time_per_turn": fixed(2)}
    data["strategies"][0]["ivr_deflection"] = {"to": "whatsapp", "offered": 1, "accept": 1, "ivr_seconds": 30,
                                               "link_channel": "whatsapp", "via_bot": via_bot}
    return data


def test_deflected_caller_meets_the_bot_first():
    # A call at 0 takes the link after 30 s in the IVR: the call ends deflected at 30 and the customer
    # goes on on WhatsApp, a leg of the same contact (parent_id 0). The bot answers first: its reply at
    # 32, the customer writes again at 37, nothing is resolvable by the bot: the agent's queue at 37,
    # reply 37-47.
    c, m, _ = run(_deflection(True), [0])
    assert list(c["outcome"].astype(str)) == ["deflected", "resolved"]
    assert c.loc[1, "parent_id"] == 0 and c.loc[1, "root_id"] == 0
    assert str(c.loc[1, "bot_outcome"]) == "escalated"
    assert c.loc[1, "arrival_t"] == 30 and c.loc[1, "queued_t"] == 37 and c.loc[1, "first_reply_t"] == 47
    senders = m.loc[m["contact_id"] == 1, "sender"].astype(str).tolist()
    assert senders == ["customer", "system", "bot", "customer", "agent"]  # (the link message at 30)


def test_deflected_caller_skips_the_bot_when_told():
    c, m, _ = run(_deflection(False), [0])
    assert str(c.loc[1, "bot_outcome"]) == "none"
    assert c.loc[1, "queued_t"] == 30 and c.loc[1, "first_reply_t"] == 40


def test_a_leg_keeps_its_issue_under_random_arrivals():
    # every row with a parent is a leg: same customer and root as its parent, never a repeat
    data = _deflection(True)
    data["demand"]["contacts_per_day"] = 200
    data["strategies"][0]["ivr_deflection"]["accept"] = 0.5
    log = run_replication(load_scenario(data), "only", 0)
    c = log.contacts.set_index("contact_id")
    legs = c[c["parent_id"].notna()]
    assert len(legs) > 20
    parents = c.loc[legs["parent_id"].astype(int)]
    assert (parents["customer_id"].to_numpy() == legs["customer_id"].to_numpy()).all()
    assert (parents["root_id"].to_numpy() == legs["root_id"].to_numpy()).all()
    assert legs["repeat_of"].isna().all()
    assert np.isin(legs["bot_outcome"].astype(str), ["contained", "escalated"]).all()
