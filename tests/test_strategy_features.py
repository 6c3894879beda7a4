"""Bots, IVR deflection, campaigns, reach and fallback, repeats and FCR,
switching to voice: exact small logs and the effects a strategy must show."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import chansim
from conftest import scenario_dict
from chansim.engine import run_replication


def fixed(value: float) -> dict:
    return {"dist": "fixed", "value": value}


#: The feature tests' scenario: webchat and voice, bots' intents, SMS and RCS offered by some strategies.
FEATURES = {
    "name": "features",
    "start_date": "2026-01-05",
    "days": 1,
    "seed": 5,
    "replications": 3,
    "demand": {
        "contacts_per_day": 2400,
        "segments": [
            {"name": "digital", "share": 0.5, "preference": ["webchat", "voice"]},
            {"name": "phone", "share": 0.5, "preference": ["voice", "webchat"]},
        ],
        "intents": [
            {"name": "simple", "share": 0.6, "complexity": 0.5, "bot_resolvable": 0.8},
            {"name": "hard", "share": 0.4, "complexity": 1.5, "bot_resolvable": 0.0},
        ],
    },
    "channels": {
        "voice": {"handle_time": {"dist": "exponential", "mean": 300}, "patience": {"dist": "exponential", "mean": 600},
                  "service_level_target_s": 20},
        "webchat": {"turns": {"dist": "poisson", "mean": 4}, "agent_time_per_turn": {"dist": "lognormal", "mean": 30, "cv": 0.5},
                    "customer_reply_delay": {"dist": "lognormal", "mean": 40, "cv": 1.0}, "service_level_target_s": 60},
        "sms": {"like": "webchat", "customer_reply_delay": {"dist": "exponential", "mean": 200}},
        "rcs": {"like": "sms"},
    },
    "pricing": {"markup": 0.0},
    "agents": {"pools": [
        {"name": "phones", "channels": ["voice"], "headcount": 12, "cost_per_hour": 40},
        {"name": "digital", "channels": ["webchat", "sms", "rcs"], "headcount": 10, "concurrency": 3, "cost_per_hour": 40},
    ]},
    "strategies": [{"name": "today", "offer": ["voice", "webchat"]}],
}


def simulate(data: dict, **kw):
    return chansim.simulate(chansim.load_scenario(data), **kw)


def kpi(result, strategy: str, key: str, channel: str | None = None):
    s = result.strategy(strategy)
    return s.kpis[key] if channel is None else s.by_channel.get(channel, {}).get(key)


# ------------------------------------------------------------- exact bot log
def test_bot_contains_or_escalates_exactly():
    # A web chat bot: 2 turns, the bot replies in 2 s, the customer in 10 s.
    # Contact 0 ("simple", resolvable 1.0): in 0, bot 2, in 12, bot 14 -> contained at 14.
    # Contact 1 ("hard", resolvable 0): in 100, bot 102, in 112, bot 114; escalates: the customer
    #   writes to the agent at 124 and queues; an idle agent answers at 124; without context the
    #   agent's first reply takes 10 s + 60 s x complexity 1 = 70 s: out at 194. One agent turn.
    data = scenario_dict(**FEATURES)
    data["demand"]["intents"] = [
        {"name": "simple", "share": 0.5, "bot_resolvable": 1.0},
        {"name": "hard", "share": 0.5, "bot_resolvable": 0.0},
    ]
    data["channels"]["webchat"] = {"turns": fixed(1), "agent_time_per_turn": fixed(10), "customer_reply_delay": fixed(10)}
    data["bot"] = {"channels": ["webchat"], "turns": fixed(2), "time_per_turn": fixed(2), "keeps_context": False,
                   "lost_context_extra_s": 60, "cost_per_session": 0.1}
    data["demand"]["segments"] = [{"name": "all", "share": 1, "preference": ["webchat"]}]
    scenario = chansim.load_scenario(data)
    log = run_replication(scenario, "today", 0, arrivals=np.array([0.0, 100.0]))
    c = log.contacts.set_index("contact_id")
    simple = c.index[c["intent"] == "simple"]
    hard = c.index[c["intent"] == "hard"]
    assert len(simple) == 1 and len(hard) == 1, "the seeded intents should give one of each"
    s, h = c.loc[simple[0]], c.loc[hard[0]]
    t0s, t0h = s["arrival_t"], h["arrival_t"]
    assert s["outcome"] == "contained" and s["bot_outcome"] == "contained"
    assert s["end_t"] - t0s == 14 and np.isnan(s["answer_t"]) and np.isnan(s["queued_t"])
    assert h["bot_outcome"] == "escalated" and bool(h["context_lost"]) and h["transfers"] == 1
    assert h["queued_t"] - t0h == 24 and h["answer_t"] - t0h == 24 and h["wait_s"] == 0
    assert h["focus_s"] == 70 and h["end_t"] - t0h == 94
    m = log.messages
    senders = m[m["contact_id"] == simple[0]]["sender"].astype(str).tolist()
    assert senders == ["customer", "bot", "customer", "bot"]
    senders = m[m["contact_id"] == hard[0]]["sender"].astype(str).tolist()
    assert senders == ["customer", "bot", "customer", "bot", "customer", "agent"]


# ------------------------------------------------------------------- bots
@pytest.fixture(scope="module")
def bot_runs():
    data = scenario_dict(**FEATURES)
    data["strategies"] = [
        {"name": "no-bot", "offer": ["voice", "webchat"]},
        {"name": "bot", "offer": ["voice", "webchat"], "bot": {"channels": ["webchat"], "cost_per_session": 0.1}},
        {"name": "bot-no-context", "offer": ["voice", "webchat"],
         "bot": {"channels": ["webchat"], "keeps_context": False, "lost_context_extra_s": 120}},
    ]
    return simulate(data)


def test_bot_contains_when_intents_are_resolvable(bot_runs):
    assert kpi(bot_runs, "no-bot", "contained") == 0
    assert kpi(bot_runs, "bot", "contained") > 0
    assert 0 < kpi(bot_runs, "bot", "containment_rate") < 0.5
    assert kpi(bot_runs, "bot", "handled") < kpi(bot_runs, "no-bot", "handled")
    assert kpi(bot_runs, "bot", "cost_bot") == pytest.approx(
        0.1 * np.mean([((c["bot_outcome"] != "none") & (c["strategy"] == "bot") & (c["arrival_t"] >= 0)).sum()
                       for _, c in bot_runs.contacts.groupby("replication")]))


def test_containing_short_intents_raises_the_human_aht_of_the_rest(bot_runs):
    # simple intents (complexity 0.5) are the ones the bot resolves: what reaches agents is harder
    assert kpi(bot_runs, "bot", "aht_s", "webchat") > kpi(bot_runs, "no-bot", "aht_s", "webchat") * 1.1


def test_lost_context_costs_agent_time_and_csat(bot_runs):
    c = bot_runs.contacts
    escalated = c[(c["bot_outcome"] == "escalated")]
    kept = escalated[escalated["strategy"] == "bot"]
    lost = escalated[escalated["strategy"] == "bot-no-context"]
    assert not kept["context_lost"].any() and lost["context_lost"].all()
    assert lost["focus_s"].mean() > kept["focus_s"].mean() + 60
    assert kpi(bot_runs, "bot-no-context", "csat", "webchat") < kpi(bot_runs, "bot", "csat", "webchat")


def test_triage_sends_priority_intents_straight_to_agents():
    data = scenario_dict(**FEATURES)
    data["demand"]["intents"][1]["priority"] = 2
    data["bot"] = {"channels": ["webchat"], "skip_priority": 1}
    result = simulate(data, replications=1)
    c = result.contacts
    hard = c[(c["intent"] == "hard") & (c["channel"] == "webchat")]
    assert len(hard) and (hard["bot_outcome"] == "none").all()
    simple = c[(c["intent"] == "simple") & (c["channel"] == "webchat")]
    assert (simple["bot_outcome"] != "none").all()


# ------------------------------------------------------------- deflection
def test_ivr_deflection_moves_callers_to_messaging():
    data = scenario_dict(**FEATURES)
    data["strategies"] = [
        {"name": "phone", "offer": ["voice", "webchat"]},
        {"name": "deflect", "offer": ["voice", "webchat", "sms"],
         "ivr_deflection": {"to": "sms", "offered": 0.5, "accept": 0.6, "ivr_seconds": 20}},
    ]
    data["agents"]["pools"][1]["channels"] = ["webchat", "sms"]
    data["agents"]["pools"][0]["headcount"] = 6  # a real queue on the phones, so that deflection can shorten it
    result = simulate(data)
    c = result.contacts
    deflected = c[(c["strategy"] == "deflect") & (c["outcome"] == "deflected")]
    share = len(deflected) / ((c["strategy"] == "deflect") & (c["channel"] == "voice")).sum()
    assert share == pytest.approx(0.3, abs=0.05)
    children = c[(c["strategy"] == "deflect") & c["parent_id"].notna()]
    assert len(children) == len(deflected) and (children["channel"] == "sms").all()
    assert set(children["customer_id"]) == set(deflected["customer_id"])
    handled_voice = lambda s: kpi(result, s, "handled", "voice")
    assert handled_voice("deflect") < handled_voice("phone")
    assert kpi(result, "deflect", "contacts", "sms") > 0 and kpi(result, "phone", "contacts", "sms") is None
    links = result.messages[(result.messages["strategy"] == "deflect") & (result.messages["sender"] == "system")]
    assert len(links) == len(deflected) and (links["channel"] == "sms").all()
    assert result.strategy("deflect").kpis["abandon_rate"] < result.strategy("phone").kpis["abandon_rate"]


# --------------------------------------------------------------- campaigns
def test_campaign_sends_are_billed_and_responders_follow_the_response_rate():
    data = scenario_dict(**FEATURES)
    data["strategies"] = [
        {"name": "quiet", "offer": ["voice", "webchat"]},
        {"name": "notify", "offer": ["voice", "webchat"], "campaigns": [
            {"channel": "rcs", "category": "utility", "per_day": 2000, "at_hour": 10, "response_rate": 0.25,
             "intent": "simple", "response_delay": {"dist": "exponential", "mean": 600}}]},
    ]
    result = simulate(data)
    m = result.messages
    sends = m[(m["strategy"] == "notify") & (m["sender"] == "system")]
    per_run = len(sends) / 3
    assert per_run == pytest.approx(2000, rel=0.05)
    c = result.contacts
    responders = c[(c["strategy"] == "notify") & (c["channel"] == "rcs")]
    assert len(responders) / len(sends) == pytest.approx(0.25, abs=0.03)
    assert set(responders["customer_id"]) <= set(sends["customer_id"])
    assert (responders["intent"] == "simple").all()
    lines = result.costs[(result.costs["strategy"] == "notify") & (result.costs["channel"] == "rcs")]
    assert lines["cost"].sum() > 0
    assert kpi(result, "notify", "messages") > kpi(result, "quiet", "messages")
    assert kpi(result, "notify", "contacts") > kpi(result, "quiet", "contacts")


def test_rcs_reach_zero_sends_everything_as_sms():
    data = scenario_dict(**FEATURES)
    data["channels"]["rcs"] = {"like": "sms", "reach": 0.0, "fallback": "sms"}
    data["strategies"] = [{"name": "notify", "offer": ["voice", "rcs"], "campaigns": [
        {"channel": "rcs", "per_day": 500, "response_rate": 0.2, "intent": "simple"}]}]
    data["demand"]["segments"][0]["preference"] = ["rcs", "voice"]
    result = simulate(data, replications=1)
    m = result.messages
    assert len(m) and not (m["channel"] == "rcs").any()
    assert (m[m["original_channel"] == "rcs"]["channel"] == "sms").all()
    assert set(result.costs["channel"]) <= {"sms", "voice"}


def test_whatsapp_reach_per_segment_moves_customers_to_their_next_preference():
    data = scenario_dict(**FEATURES)
    data["channels"]["whatsapp"] = {"like": "webchat", "reach": {"digital": 0.0}}
    data["agents"]["pools"][1]["channels"].append("whatsapp")
    data["demand"]["segments"][0]["preference"] = ["whatsapp", "webchat", "voice"]
    data["demand"]["segments"][1]["preference"] = ["whatsapp", "voice"]
    data["strategies"] = [{"name": "wa", "offer": ["whatsapp", "webchat", "voice"]}]
    c = simulate(data, replications=1).contacts
    digital = c[c["segment"] == "digital"]
    phone = c[c["segment"] == "phone"]
    assert (digital["channel"] == "webchat").all() and (digital["original_channel"] == "whatsapp").all()
    assert (phone["channel"] == "whatsapp").all()


# ------------------------------------------------------------------ repeats
def test_no_unresolved_contacts_means_fcr_is_the_share_not_abandoned():
    result = simulate(scenario_dict(**FEATURES), replications=2)
    c = result.contacts
    assert (c["attempt"] == 0).all()
    # every issue is one contact: resolved first time unless it was abandoned (FCR counts all issues)
    first = c[c["parent_id"].isna()]
    per_rep = first.groupby("replication")["outcome"].apply(lambda o: o.isin(["resolved", "contained"]).mean())
    assert kpi(result, "today", "fcr_rate") == pytest.approx(per_rep.mean())
    assert (first["outcome"] != "unresolved").all()


def test_unresolved_contacts_come_back_as_the_same_customer():
    data = scenario_dict(**FEATURES)
    data["demand"]["intents"][1]["unresolved_share"] = 0.5
    data["days"] = 2
    data["repeats"] = {"delay": {"dist": "exponential", "mean": 3600}, "switch_share": 0.0}
    result = simulate(data, replications=2)
    c = result.contacts
    repeats = c[c["repeat_of"].notna()]
    assert len(repeats) > 0
    first = c.set_index(["replication", "contact_id"])
    originals = first.loc[list(zip(repeats["replication"], repeats["repeat_of"].astype(int)))]
    assert (originals["customer_id"].to_numpy() == repeats["customer_id"].to_numpy()).all()
    assert (originals["outcome"] == "unresolved").all()
    assert (repeats["attempt"] >= 1).all() and (repeats["intent"] == "hard").all()
    assert kpi(result, "today", "fcr_rate") < 0.9
    # time to resolution spans the repeats: longer than a single contact's
    single = chansim.simulate(chansim.load_scenario(scenario_dict({"days": 2}, **FEATURES)), replications=2)
    assert kpi(result, "today", "ttr_s") > kpi(single, "today", "ttr_s")


def test_abandoned_customers_try_again_when_asked():
    data = scenario_dict(**FEATURES)
    data["channels"]["voice"]["patience"] = {"dist": "exponential", "mean": 20}
    data["repeats"] = {"after_abandon": 1.0, "delay": {"dist": "fixed", "value": 600}}
    c = simulate(data, replications=1).contacts
    retried = c[c["repeat_of"].notna()]
    abandoned_early = c[(c["outcome"] == "abandoned") & (c["end_t"] + 600 < 86_400)]
    assert len(retried) >= len(abandoned_early) * 0.95 > 0


# -------------------------------------------------------- switching to voice
def test_a_share_of_chats_switch_to_voice_with_or_without_history():
    data = scenario_dict(**FEATURES)
    data["strategies"] = [
        {"name": "history", "offer": ["voice", "webchat"],
         "set": {"channels.webchat.escalate_to_voice": {"share": 0.2, "keeps_history": True}}},
        {"name": "no-history", "offer": ["voice", "webchat"],
         "set": {"channels.webchat.escalate_to_voice": {"share": 0.2, "keeps_history": False, "lost_context_extra_s": 90}}},
    ]
    result = simulate(data)
    c = result.contacts
    for name in ("history", "no-history"):
        mine = c[c["strategy"] == name]
        switched = mine[(mine["channel"] == "webchat") & (mine["outcome"] == "deflected")]
        assert len(switched) / (mine["channel"] == "webchat").sum() == pytest.approx(0.2, abs=0.04)
        calls = mine[mine["parent_id"].notna()]
        assert len(calls) == len(switched) and (calls["channel"] == "voice").all()
    calls = c[c["parent_id"].notna() & c["answer_t"].notna()]
    with_history = calls[calls["strategy"] == "history"]
    without = calls[calls["strategy"] == "no-history"]
    assert not with_history["context_lost"].any() and without["context_lost"].all()
    assert without["focus_s"].mean() > with_history["focus_s"].mean() + 45


# ---------------------------------------------------------- common numbers
def test_identical_strategies_give_identical_kpis_with_every_feature_on():
    data = scenario_dict(**FEATURES)
    same = {"offer": ["voice", "webchat"], "bot": {"channels": ["webchat"]},
            "ivr_deflection": {"to": "webchat", "offered": 0.3},
            "campaigns": [{"channel": "sms", "per_day": 300, "response_rate": 0.1, "intent": "simple"}]}
    data["strategies"] = [{"name": "a", **same}, {"name": "b", **copy.deepcopy(same)}]
    data["demand"]["intents"][1]["unresolved_share"] = 0.2
    result = simulate(data)
    a, b = result.strategy("a"), result.strategy("b")
    assert a.kpis == b.kpis and a.ci95 == b.ci95 and a.by_channel == b.by_channel
