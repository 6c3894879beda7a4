"""The KPI table and its definitions: a hand-made event log with every number
worked out in the comments, contacts and issues under IVR deflection, the
properties every log must have, and the first response time against queueing
theory."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import chansim
from chansim.analytic import erlang_c_metrics, pooled_concurrency
from chansim.errors import InputError
from chansim.kpis import KPI_KEYS, KPIS, parse_address
from chansim.kpis.metrics import kpis
from chansim.kpis.table import BY_KEY, DIRECTION, MODEL_KPIS

NAN = np.nan
TARGETS = {"voice": 20.0, "webchat": 60.0, "sms": 300.0}

# ---------------------------------------------------------------- a hand log
# c0  voice    0 → answered 10, resolved at 310                     issue 0
# c1  voice    100: IVR deflection at 130 (never queued)            issue 1
# c2  sms      leg of c1: queued 130, slot 140, first reply 200,    issue 1
#              resolved at 800
# c3  webchat  1000: queued, abandoned at 1100                      issue 3
# c4  webchat  repeat of c3 at 5000: slot 5000, reply 5030,         issue 3
#              resolved at 5300
# c5  webchat  2000: slot 2010, first reply 2050, unresolved 2400   issue 5
CONTACTS = pd.DataFrame({
    "replication": 0, "strategy": "s",
    "contact_id": [0, 1, 2, 3, 4, 5],
    "segment": ["a", "b", "b", "a", "a", "b"],
    "intent": ["x", "x", "x", "y", "y", "y"],
    "channel": ["voice", "voice", "sms", "webchat", "webchat", "webchat"],
    "bot_outcome": "none",
    "arrival_t": [0.0, 100, 130, 1000, 5000, 2000],
    "queued_t": [0.0, NAN, 130, 1000, 5000, 2000],
    "answer_t": [10.0, NAN, 140, NAN, 5000, 2010],
    "end_t": [310.0, 130, 800, 1100, 5300, 2400],
    "focus_s": [300.0, 0, 90, 0, 30, 60],
    "outcome": ["resolved", "deflected", "resolved", "abandoned", "resolved", "unresolved"],
    "pool": ["phones", None, "digital", None, "digital", "digital"],
    "parent_id": pd.array([None, None, 1, None, None, None], dtype="Int64"),
    "repeat_of": pd.array([None, None, None, None, 3, None], dtype="Int64"),
    "root_id": [0, 1, 1, 3, 3, 5],
    "attempt": [0, 0, 0, 0, 1, 0],
})
# messages: (t, contact, sender)
MESSAGES = pd.DataFrame(
    [(130, 2, "customer"), (200, 2, "agent"),     # response 70 (sms target 300: in time)
     (250, 2, "customer"), (280, 2, "agent"),     # 30, in time
     (400, 2, "customer"), (750, 2, "agent"),     # 350 (parked, written again): late
     (1000, 3, "customer"),                       # never answered: missed
     (2000, 5, "customer"), (2050, 5, "agent"),   # 50 (webchat target 60: in time)
     (2100, 5, "customer"),                       # never answered: missed
     (5000, 4, "customer"), (5030, 4, "agent")],  # 30, in time
    columns=["t", "contact_id", "sender"],
).assign(replication=0, strategy="s", channel=lambda m: m["contact_id"].map({2: "sms", 3: "webchat", 4: "webchat",
                                                                               5: "webchat"}),
         chars=100, non_gsm=False)
LABOR = pd.DataFrame({
    "pool": ["phones", "digital"], "cost": [4.0, 6.0], "staffed_hours": [1.0, 2.0], "overtime_hours": [0.0, 0.0],
    "paid_hours": [2.0, 3.0], "busy_hours": [0.5, 1.0], "held_slot_hours": [1.0, 1.0], "slot_hours": [1.0, 6.0],
})
COSTS = pd.DataFrame({"channel": ["voice", "sms", "webchat"], "cost": [1.0, 0.5, 0.3],
                      "segment": ["a", "b", "a"]})


@pytest.fixture(scope="module")
def hand():
    return kpis(CONTACTS, MESSAGES, LABOR, COSTS, targets=TARGETS, period_h=168.0)


def test_contacts_issues_and_costs_per_issue(hand):
    k = hand.overall
    assert k["contacts"] == 5  # c2 is a leg of c1
    assert k["issues"] == 4  # c0, c1, c3, c5 (c4 repeats c3)
    assert k["handled"] == 4  # final legs resolved/unresolved: c0, c1 (via c2), c4, c5
    assert k["abandoned"] == 1 and k["abandon_rate"] == pytest.approx(1 / 5)
    assert k["cost_channel"] == pytest.approx(1.8) and k["cost_labor"] == pytest.approx(10.0)
    assert k["cost_per_issue"] == pytest.approx(11.8 / 4)
    assert k["cost_per_contact"] == pytest.approx(11.8 / 5)
    assert k["cost_per_resolution"] == pytest.approx(11.8 / 3)  # c0, c1 (its leg resolved), c4


def test_fcr_counts_every_issue(hand):
    # c0 resolved first time; c1 resolved by its SMS leg; c3 abandoned (and came back); c5 unresolved
    assert hand.overall["fcr_rate"] == pytest.approx(2 / 4)
    # TTR: issue 0: 310 − 0; issue 1: 800 − 100; issue 3: 5300 − 1000; issue 5 never resolved
    assert hand.overall["ttr_s"] == pytest.approx((310 + 700 + 4300) / 3)


def test_messaging_is_measured_by_replies(hand):
    k = hand.overall
    # first response: c2 200 − 130, c4 5030 − 5000, c5 2050 − 2000 (c3 never got one)
    assert k["frt_s"] == pytest.approx((70 + 30 + 50) / 3)
    # slot waits: c2 10, c4 0, c5 10
    assert k["slot_wait_s"] == pytest.approx(20 / 3)
    # every customer message answered by an agent: 70, 30, 350, 50, 30
    assert k["response_time_s"] == pytest.approx((70 + 30 + 350 + 50 + 30) / 5)
    # in time: 70, 30 (sms ≤ 300), 50, 30 (webchat ≤ 60); late 350; missed c3, c5's second
    assert k["response_sl"] == pytest.approx(4 / 7)
    # asa: voice to the answer (c0: 10), messaging to the first reply (70, 30, 50)
    assert k["asa_s"] == pytest.approx((10 + 70 + 30 + 50) / 4)
    # service level: c0 10 ≤ 20, c2 70 ≤ 300, c4 30 ≤ 60, c5 50 ≤ 60 in time; c3 abandoned
    assert k["service_level"] == pytest.approx(4 / 5)


def test_slot_utilisation_occupancy_and_fte(hand):
    k, pools = hand.overall, hand.by_pool
    assert k["slot_utilisation"] == pytest.approx(2 / 7)
    assert pools["digital"]["slot_utilisation"] == pytest.approx(1 / 6)
    assert pools["phones"]["occupancy"] == pytest.approx(0.5)
    assert k["occupancy"] == pytest.approx(1.5 / 3)
    assert k["fte"] == pytest.approx(5 / 40)  # paid 5 h in one week, 40 h an FTE


def test_breakdowns_count_legs_by_channel_and_contacts_by_segment(hand):
    ch = hand.by_channel
    assert (ch["voice"]["contacts"], ch["sms"]["contacts"], ch["webchat"]["contacts"]) == (2, 1, 3)
    assert ch["voice"]["cost_channel"] == 1.0 and ch["voice"]["cost_labor"] == pytest.approx(4.0)
    # digital labor 6.0 shared by attention: sms 90 s, webchat 90 s
    assert ch["sms"]["cost_labor"] == pytest.approx(3.0) and ch["webchat"]["cost_labor"] == pytest.approx(3.0)
    seg = hand.breakdowns["by_segment"]
    assert seg["a"]["contacts"] == 3 and seg["b"]["contacts"] == 2  # c1 and its leg c2 are one contact of b
    assert seg["b"]["issues"] == 2 and seg["b"]["fcr_rate"] == pytest.approx(1 / 2)
    # channel fees by segment come from the cost lines; labor by attention within each pool
    assert seg["a"]["cost_channel"] == pytest.approx(1.3) and seg["b"]["cost_channel"] == pytest.approx(0.5)
    assert seg["a"]["cost_labor"] == pytest.approx(4.0 + 6.0 * 30 / 180)
    assert seg["b"]["cost_labor"] == pytest.approx(6.0 * 150 / 180)
    intent = hand.breakdowns["by_intent"]
    assert intent["y"]["abandoned"] == 1 and intent["x"]["issues"] == 2


def test_a_breakdown_without_cost_lines_for_it_has_no_cost():
    measured = kpis(CONTACTS, MESSAGES, LABOR, COSTS.drop(columns="segment"), targets=TARGETS, period_h=168.0,
                    markets={"a": "US", "b": "MX"})
    assert measured.breakdowns["by_segment"]["a"]["cost_channel"] is None
    assert measured.breakdowns["by_segment"]["a"]["cost_per_issue"] is None
    assert set(measured.breakdowns["by_market"]) == {"US", "MX"}


# ------------------------------------------------------------ the table
def test_every_kpi_is_declared_once_with_everything_it_needs():
    assert len(KPI_KEYS) == len(set(KPI_KEYS)) == len(KPIS)
    for k in KPIS:
        assert k.description and k.kind and k.group and callable(k.measure)
        assert k.direction in ("lower", "higher", "unranked")
    assert DIRECTION["cost_per_issue"] == -1 and DIRECTION["frt_s"] == -1 and DIRECTION["response_sl"] == 1
    assert "cost_per_issue" in MODEL_KPIS and "frt_s" not in MODEL_KPIS
    assert BY_KEY["slot_utilisation"].kind == "share"


@pytest.mark.parametrize("text", ["voice.service_level", "pool.digital.occupancy", "segment.seniors.cost_per_issue",
                                  "market.MX.cost_channel", "intent.returns.fcr_rate", "channel.voice.frt_s"])
def test_addresses_round_trip(text):
    address = parse_address(text)
    assert parse_address(str(address)) == address


@pytest.mark.parametrize("text", ["voice.speed", "speed", "pool.digital", "galaxy.x.asa_s"])
def test_bad_addresses_name_the_field(text):
    with pytest.raises(InputError) as err:
        parse_address(text, "--kpi")
    assert "--kpi" in str(err.value)


# ---------------------------------------------------- deflection and issues
def deflection_twins() -> dict:
    exp = lambda mean: {"dist": "exponential", "mean": mean}  # noqa: E731
    return {
        "name": "twins", "start_date": "2026-01-05", "days": 1, "seed": 5, "replications": 1, "warmup_days": 0,  # the log is the reported day
        "demand": {"contacts_per_day": 1500,
                   "segments": [{"name": "all", "share": 1, "preference": ["voice", "sms"]}],
                   "intents": [{"name": "any", "share": 1, "unresolved_share": 0.0}]},
        "repeats": {"after_abandon": 0.0},
        "channels": {
            "voice": {"handle_time": exp(240), "patience": exp(200), "service_level_target_s": 20},
            "sms": {"turns": {"dist": "fixed", "value": 3}, "agent_time_per_turn": exp(30),
                    "customer_reply_delay": exp(120), "patience": exp(600), "service_level_target_s": 300},
        },
        "pricing": {"fees": {"voice": {"per_minute": 0.02}, "sms": {"per_segment": 0.01}}},
        "agents": {"pools": [{"name": "phones", "channels": ["voice"], "headcount": 5, "cost_per_hour": 30},
                             {"name": "texts", "channels": ["sms"], "headcount": 2, "concurrency": 3,
                              "cost_per_hour": 30}]},
        "strategies": [
            {"name": "keep", "offer": ["voice"]},
            {"name": "deflect", "offer": ["voice", "sms"],
             "ivr_deflection": {"to": "sms", "offered": 1.0, "accept": 0.5},
             "set": {"agents.pools.texts.headcount": 1}},
        ],
    }


def test_a_deflected_call_and_its_sms_are_one_contact_and_one_issue():
    result = chansim.simulate(chansim.load_scenario(deflection_twins()))
    keep, deflect = result.strategy("keep").kpis, result.strategy("deflect").kpis
    c = result.contacts
    legs = c[(c["strategy"] == "deflect").to_numpy() & c["parent_id"].notna().to_numpy()]
    assert len(legs) > 100  # about half the calls continued on SMS
    assert deflect["contacts"] == keep["contacts"]  # the same customers, each one attempt
    assert deflect["issues"] == keep["issues"] == keep["contacts"]
    # cost per issue by hand from the log: every cost of the run over the distinct issues
    mine = c[(c["strategy"] == "deflect").to_numpy()]
    costs = result.costs[(result.costs["strategy"] == "deflect").to_numpy()]["cost"].sum()
    labor = result.labor[(result.labor["strategy"] == "deflect").to_numpy()]["cost"].sum()
    assert deflect["cost_per_issue"] == pytest.approx((costs + labor) / mine["root_id"].nunique())
    assert deflect["cost_per_contact"] == pytest.approx(deflect["cost_per_issue"])  # no repeats: one contact an issue


@st.composite
def small_worlds(draw):
    data = deflection_twins()
    data["seed"] = draw(st.integers(0, 10_000))
    data["days"] = 0.25
    data["demand"]["contacts_per_day"] = draw(st.integers(50, 1500))
    data["demand"]["intents"][0]["unresolved_share"] = draw(st.sampled_from([0.0, 0.3]))
    data["repeats"] = {"after_abandon": draw(st.sampled_from([0.0, 0.5])),
                       "delay": {"dist": "exponential", "mean": draw(st.sampled_from([600, 3600]))}}
    data["strategies"][1]["ivr_deflection"]["accept"] = draw(st.sampled_from([0.2, 0.9]))
    return data


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_worlds())
def test_every_issue_has_one_first_contact_and_every_leg_one_issue(data):
    result = chansim.simulate(chansim.load_scenario(data))
    for name, c in result.contacts.groupby(result.contacts["strategy"].astype(str), observed=True):
        ids = set(c["contact_id"])
        first = c[c["parent_id"].isna() & (c["attempt"] == 0)]
        assert first["root_id"].is_unique and (first["root_id"] == first["contact_id"]).all()
        assert set(c["root_id"]) == set(first["contact_id"])  # every leg and repeat belongs to an opened issue
        legs = c[c["parent_id"].notna()]
        assert set(legs["parent_id"].astype(int)) <= ids
        parent_root = c.set_index("contact_id")["root_id"]
        assert (parent_root.loc[legs["parent_id"].astype(int)].to_numpy() == legs["root_id"].to_numpy()).all()
        k = result.strategy(name).kpis
        assert k["issues"] == len(first) and k["contacts"] == int(c["parent_id"].isna().sum())


# ------------------------------------------------- first response vs theory
WORK = 180.0  # s, one turn of exponential agent work
RHO = 0.85


def one_turn_chat(slots: int) -> chansim.Scenario:
    agents = 4
    rate = RHO * agents / WORK
    return chansim.load_scenario({
        "name": "frt", "start_date": "2026-01-05", "days": 3, "seed": 2, "replications": 8, "warmup_hours": 3,
        "demand": {"contacts_per_day": rate * 86_400,
                   "segments": [{"name": "all", "share": 1, "preference": ["webchat"]}]},
        "channels": {"webchat": {"turns": {"dist": "fixed", "value": 1},
                                 "agent_time_per_turn": {"dist": "exponential", "mean": WORK},
                                 "customer_reply_delay": {"dist": "fixed", "value": 0},
                                 "service_level_target_s": 60}},
        "agents": {"pools": [{"name": "chat", "channels": ["webchat"], "headcount": agents, "concurrency": slots}]},
    })


@pytest.mark.slow
def test_first_response_is_the_mm4_wait_plus_the_work_with_one_slot():
    sim = chansim.simulate(one_turn_chat(1), log="none").strategies[0]
    theory = erlang_c_metrics(4, RHO * 4 / WORK, WORK, 60)
    mean, half = sim.kpis["frt_s"], sim.ci95["frt_s"]
    assert abs(mean - (theory.asa_s + WORK)) <= half, (mean, half, theory.asa_s + WORK)
    assert abs(sim.kpis["slot_wait_s"] - theory.asa_s) <= sim.ci95["slot_wait_s"]
    # and it can fail: five agents would answer far sooner
    assert mean - half > erlang_c_metrics(5, RHO * 4 / WORK, WORK, 60).asa_s + WORK


@pytest.mark.slow
def test_with_three_slots_the_attention_wait_shows_in_the_first_response():
    result = chansim.simulate(one_turn_chat(3))
    sim = result.strategies[0]
    rate = RHO * 4 / WORK
    # slot_wait_s is what a slot-holding model measures: joining the queue to holding a slot
    c = result.contacts[result.contacts["arrival_t"].to_numpy() >= 3 * 3600]
    per_rep = (c["answer_t"] - c["queued_t"]).groupby(c["replication"]).mean()
    assert sim.kpis["slot_wait_s"] == pytest.approx(per_rep.mean())
    # the first reply comes later: after the slot, the conversation waits for the agent's attention
    frt, half = sim.kpis["frt_s"], sim.ci95["frt_s"]
    assert frt - half > sim.kpis["slot_wait_s"] + sim.ci95["slot_wait_s"] + WORK + 60
    # twelve slots alone would hardly ever make anyone wait: the attention is the bottleneck
    assert pooled_concurrency(4, 3, rate, WORK).asa_s < 1.0
    # and no routing can beat four pooled agents (M/M/4: mean wait + the work)
    assert frt + half >= erlang_c_metrics(4, rate, WORK, 60).asa_s + WORK
