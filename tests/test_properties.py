"""Properties that hold for any parameters (validation.md), checked on small
random scenarios with hypothesis, plus a few plain tests.

* every arrival ends in exactly one outcome, with consistent times;
* with more agents than could ever be busy nobody waits;
* cost is the sum of its parts, and each part is what the log and the fees say;
* doubling every fee doubles the channel cost;
* Little's law L = λW holds on the log (and the staffing log agrees with it);
* the same scenario and seed repeat exactly; another seed does not;
* common random numbers: identical strategies give identical results, and
  more agents never lengthen a wait (FCFS voice, same replication).

Scenarios are kept small (a quarter of a day to a day, 200-3000 contacts a
day) so each example runs in tens of milliseconds.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import chansim
from conftest import scenario_dict
from chansim.engine import run_replication
from chansim.engine.log import OUTCOMES

ROOT = Path(__file__).resolve().parents[1]
MESSAGING = ("webchat", "whatsapp", "sms", "email")
#: Clock slack (s) for comparing a contact's times with its arrival time. None is
#: needed: arrivals are scheduled at their exact planned time (see
#: test_immediate_answer_is_logged_at_the_arrival_time) and every later time of
#: a contact comes from the same clock.
EPS = 0.0

PROPERTY = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
#: for properties that simulate twice per example
TWICE = settings(PROPERTY, max_examples=12)


# ----------------------------------------------------------------- builders
def exp(mean: float) -> dict:
    return {"dist": "exponential", "mean": mean}


def lognormal(mean: float, cv: float) -> dict:
    return {"dist": "lognormal", "mean": mean, "cv": cv}


def fixed(value: float) -> dict:
    return {"dist": "fixed", "value": value}


@st.composite
def time_dist(draw, low: float, high: float) -> dict:
    mean = draw(st.floats(low, high))
    kind = draw(st.sampled_from(["exponential", "lognormal", "fixed", "gamma"]))
    if kind == "exponential":
        return exp(mean)
    if kind == "fixed":
        return fixed(mean)
    return {"dist": kind, "mean": mean, "cv": draw(st.sampled_from([0.3, 0.8, 1.5]))}


@st.composite
def channel_spec(draw, name: str) -> dict:
    if name == "voice":
        spec = {"handle_time": draw(time_dist(30, 400)), "service_level_target_s": 20}
    elif name == "email":
        return {"agent_time_per_turn": draw(time_dist(30, 300))}
    else:
        spec = {
            "turns": draw(st.sampled_from([fixed(1), fixed(3), {"dist": "poisson", "mean": 2.5}])),
            "agent_time_per_turn": draw(time_dist(3, 60)),
            "customer_reply_delay": draw(time_dist(5, 400)),
            "service_level_target_s": 60,
        }
        if name in ("whatsapp", "sms"):  # asynchronous: slots released after silence
            spec["park_after"] = draw(st.sampled_from([30, 120, 300]))
    if draw(st.booleans()):
        spec["patience"] = draw(st.one_of(time_dist(5, 600), st.just(fixed(0))))
    return spec


@st.composite
def small_scenarios(draw, *, staff: int | None = None) -> dict:
    """A small random scenario: 1-3 channels, shared or separate pools,
    headcount or schedule (with empty hours), priorities. ``staff`` forces
    every pool to that headcount."""
    names = draw(st.lists(st.sampled_from(("voice",) + MESSAGING), min_size=1, max_size=3, unique=True))
    channels = {n: draw(channel_spec(n)) for n in names}
    groups = [names] if draw(st.booleans()) else [[n] for n in names]
    pools = []
    for i, group in enumerate(groups):
        pool = {"name": f"p{i}", "channels": group, "concurrency": draw(st.integers(1, 4)),
                "cost_per_hour": draw(st.sampled_from([0, 25, 42.5]))}
        if staff is not None:
            pool["headcount"] = staff
        elif draw(st.booleans()):
            pool["headcount"] = draw(st.integers(0, 12))
        else:
            pool["schedule"] = draw(st.lists(st.integers(0, 8), min_size=24, max_size=24))
        pools.append(pool)
    intents = draw(st.sampled_from([
        None,
        [{"name": "easy", "share": 0.6, "complexity": 0.7}, {"name": "hard", "share": 0.4, "complexity": 1.5, "priority": 1}],
    ]))
    changes = {"agents.pools": pools, "demand.contacts_per_day": draw(st.integers(200, 3000))}
    if intents:
        changes["demand.intents"] = intents
    # no warm-up day: every contact of the log is a reported one, so the KPIs can be counted on the log
    return scenario_dict(changes, channels=channels, segments_by_channel=True, warmup_days=0,
                         days=draw(st.sampled_from([0.25, 0.5, 1.0])), seed=draw(st.integers(0, 2**20)))


def arrival_lists(horizon_s: float, max_size: int = 150):
    """Sorted or not, with ties (whole seconds, and t = 0)."""
    t = st.one_of(st.floats(0, horizon_s, exclude_max=True), st.integers(0, int(horizon_s) - 1).map(float), st.just(0.0))
    return st.lists(t, max_size=max_size)


# --------------------------------------------------------------- invariants
def check_contact_invariants(log, scenario: chansim.Scenario) -> None:
    """Every contact has exactly one outcome and consistent times."""
    c = log.contacts
    m = log.messages
    n = len(c)
    assert c["contact_id"].tolist() == list(range(n))  # one row per arrival, none twice
    outcome = c["outcome"]
    assert outcome.notna().all(), "a contact without an outcome"
    assert set(outcome.astype(str)) <= set(OUTCOMES)
    # no bot or IVR deflection is modelled (the loader refuses them)
    assert not outcome.isin(["contained", "deflected"]).any()

    arrival = c["arrival_t"].to_numpy(float)
    answer = c["answer_t"].to_numpy(float)
    end = c["end_t"].to_numpy(float)
    wait = c["wait_s"].to_numpy(float)
    answered = ~np.isnan(answer)
    ended = ~np.isnan(end)
    out = outcome.astype(str).to_numpy()

    planned = c["repeat_of"].isna().to_numpy()  # (a return gets its id when decided, and arrives later)
    assert np.all(np.isfinite(arrival)) and np.all(arrival >= -scenario.warmup_days * 86_400.0) and np.all(np.diff(arrival[planned]) >= 0)
    # the queue: joined at arrival, or at the opening for a message written while closed
    queued = c["queued_t"].to_numpy(float)
    assert np.all(queued[~np.isnan(queued)] >= arrival[~np.isnan(queued)])
    # an answer belongs to handled contacts, and to conversations abandoned while holding a slot
    # before the agent's first reply; other abandoned ones left before it
    first_reply = c["first_reply_t"].to_numpy(float)
    replied = ~np.isnan(first_reply)
    on_voice = c["channel"].astype(str).to_numpy() == "voice"
    slot_then_left = answered & (out == "abandoned")
    np.testing.assert_array_equal(answered & ~slot_then_left, np.isin(out, ["resolved", "unresolved"]))
    assert not (slot_then_left & (on_voice | replied)).any()
    # the first reply: messaging only, after the slot, before the end
    assert not replied[on_voice].any()
    assert np.all(first_reply[replied] >= answer[replied])
    assert np.all(np.isnan(end[replied]) | (end[replied] >= first_reply[replied]))
    assert replied[~on_voice & (out == "resolved")].all()
    assert ended[np.isin(out, ["resolved", "abandoned"])].all()
    assert np.all(answer[answered] >= arrival[answered] - EPS)
    both = answered & ended
    assert np.all(end[both] >= answer[both])
    assert np.all(end[ended] >= arrival[ended] - EPS)
    assert np.all(end[ended] <= scenario.horizon_s + 7 * 86_400 + 1e-6)
    # wait: joining the queue to answer, or to abandonment
    assert np.all(wait[~np.isnan(wait)] >= -EPS)
    np.testing.assert_allclose(wait[answered], answer[answered] - queued[answered], rtol=0, atol=1e-9)
    abandoned = out == "abandoned"
    left = abandoned & ~answered
    np.testing.assert_allclose(wait[left], end[left] - queued[left], rtol=0, atol=1e-9)
    # attention only for answered contacts; answered contacts have a pool serving their channel
    focus = c["focus_s"].to_numpy(float)
    assert np.all(focus >= 0) and np.all(focus[~answered] == 0)
    assert c["pool"].isna().to_numpy().tolist() == (~answered).tolist()
    serves = {p.name: set(p.channels) for p in scenario.agents.pools}
    for pool, channel in zip(c["pool"][answered].astype(str), c["channel"][answered].astype(str)):
        assert channel in serves[pool]
    assert np.all(c["agent"].to_numpy()[answered] >= 0)
    # an agent is on one call at a time
    calls = c[on_voice & answered & ended].sort_values(["pool", "agent", "answer_t"])
    for _, agent_calls in calls.groupby(["pool", "agent"], observed=True):
        starts, ends = agent_calls["answer_t"].to_numpy(float), agent_calls["end_t"].to_numpy(float)
        assert np.all(starts[1:] >= ends[:-1] - EPS), "an agent on two calls at once"

    # messages: of known contacts, on messaging channels, within the contact's life
    if len(m):
        ids = m["contact_id"].to_numpy()
        assert ids.min() >= 0 and ids.max() < n
        assert not (c["channel"].astype(str).to_numpy()[ids] == "voice").any()
        t = m["t"].to_numpy(float)
        assert np.all(t >= arrival[ids] - EPS)
        e = end[ids]
        assert np.all(np.isnan(e) | (t <= e + 1e-9))
    counts = m.groupby("contact_id").size().reindex(range(n), fill_value=0).to_numpy() if n else np.zeros(0)
    on_messaging = c["channel"].astype(str).to_numpy() != "voice"
    assert np.all(counts[on_messaging] >= 1)  # the customer's first message
    assert np.all(counts[~on_messaging] == 0)
    # a finished conversation is customer/agent pairs; an abandoned one is the first message only
    assert np.all(counts[on_messaging & (out == "resolved")] % 2 == 0)
    assert np.all(counts[on_messaging & abandoned] == 1)


# ----------------------------------------------------------------- outcomes
@PROPERTY
@given(data=small_scenarios())
def test_every_poisson_arrival_ends_in_exactly_one_outcome(data):
    scenario = chansim.load_scenario(data)
    result = chansim.simulate(scenario, replications=1)
    log = result.log
    check_contact_invariants(log, scenario)
    k = result.strategies[0].kpis
    c = log.contacts
    assert k["contacts"] == len(c)
    assert k["handled"] == int(c["outcome"].isin(["resolved", "unresolved"]).sum())
    assert k["abandoned"] == int((c["outcome"] == "abandoned").sum())
    unserved = int((c["outcome"] == "unserved").sum())
    assert k["handled"] + k["abandoned"] + unserved == k["contacts"]
    assert k["messages"] == len(log.messages)
    # no pool logs more attention than its agents have on the floor (one reply or
    # call at a time each): the staffed time plus the overtime of agents who
    # finish their work after their shift ended. Spans are cut at hour
    # boundaries, so the sums carry float rounding (1e-6 s).
    s = log.staffing
    floor = s["staffed"].to_numpy() * s["interval_s"].to_numpy() + s["overtime_s"].to_numpy()
    assert np.all(s["busy_s"].to_numpy() <= floor + 1e-6)


@PROPERTY
@given(data=small_scenarios(), times=st.data())
def test_every_given_arrival_is_one_contact_with_one_outcome(data, times):
    scenario = chansim.load_scenario(data)
    arrivals = times.draw(arrival_lists(scenario.horizon_s))
    log = run_replication(scenario, scenario.strategy_names[0], 0, arrivals=np.array(arrivals, dtype=float))
    assert len(log.contacts) == len(arrivals)
    np.testing.assert_array_equal(log.contacts["arrival_t"].to_numpy(float), np.sort(np.array(arrivals, dtype=float)))
    check_contact_invariants(log, scenario)


def test_immediate_answer_is_logged_at_the_arrival_time():
    """Minimal reproduction (found by the properties below): one idle agent, two
    calls; the second is answered on arrival, so its wait must be exactly 0."""
    scenario = chansim.load_scenario(scenario_dict(
        {"agents.pools.0.headcount": 1}, channels={"voice": {"handle_time": fixed(30), "service_level_target_s": 20}},
    ))
    arrivals = np.array([1.3258688891132806, 4097.3560621308125])
    c = run_replication(scenario, "baseline", 0, arrivals=arrivals).contacts
    assert c["answer_t"].tolist() == arrivals.tolist()
    assert c["wait_s"].tolist() == [0.0, 0.0]  # arrivals are scheduled at their exact planned time


# ------------------------------------------------------- unlimited agents
@PROPERTY
@given(data=small_scenarios(staff=0), times=st.data(), spare=st.integers(0, 3))
def test_nobody_waits_with_more_agents_than_contacts(data, times, spare):
    arrivals = times.draw(arrival_lists(data["days"] * 86_400, max_size=120))
    for pool in data["agents"]["pools"]:
        pool["headcount"] = max(len(arrivals) + spare, 1)  # every pool could hold every contact at once
    scenario = chansim.load_scenario(data)
    log = run_replication(scenario, scenario.strategy_names[0], 0, arrivals=np.array(arrivals, dtype=float))
    c = log.contacts
    assert len(c) == len(arrivals)
    check_contact_invariants(log, scenario)
    assert (c["outcome"] == "resolved").all(), c["outcome"].value_counts().to_dict()
    assert (c["wait_s"].abs() <= EPS).all()
    assert ((c["answer_t"] - c["arrival_t"]).abs() <= EPS).all()


@settings(PROPERTY, max_examples=10)
@given(data=small_scenarios(staff=4000))
def test_nobody_waits_with_unlimited_agents_poisson(data):
    scenario = chansim.load_scenario(data)
    result = chansim.simulate(scenario, replications=1)
    c = result.log.contacts
    assume(len(c) <= 4000)  # headcount ≥ arrivals (Poisson(≤ 3000) never gets near)
    assert (c["outcome"] == "resolved").all()
    assert (c["wait_s"].abs() <= EPS).all()
    k = result.strategies[0].kpis
    assert k["abandoned"] == 0
    if len(c):
        # nobody waits for an agent: calls are answered at once, chats get a slot at once and
        # their first reply takes exactly the agent's writing time
        assert k["slot_wait_s"] is None or abs(k["slot_wait_s"]) <= EPS
        voice = result.strategies[0].by_channel.get("voice")
        if voice is not None:
            assert abs(voice["asa_s"]) <= EPS and voice["service_level"] in (None, 1.0)
        chats = c[c["channel"].astype(str) != "voice"]
        if len(chats):
            m = result.log.messages
            first = m[(m["sender"] == "agent").to_numpy()].groupby("contact_id")["t"].min()
            frt = first.reindex(chats["contact_id"]).to_numpy() - chats["queued_t"].to_numpy()
            assert k["frt_s"] == pytest.approx(float(np.nanmean(frt)))


# -------------------------------------------------------------------- costs
FEES = {"voice": {"per_minute": 0.05}, "webchat": {"per_message": 0.01}, "sms": {"per_segment": 0.0083}}
GSM_SINGLE, GSM_PART, UCS2_SINGLE, UCS2_PART = 160, 153, 70, 67


def priced_scenario(*, seed: int, contacts_per_day: int, days: float, markup: float, fee_scale: float = 1.0,
                    warmup_hours: float = 0.0, shrinkage: float = 0.25, voice_agents: int = 3,
                    digital_agents: int = 2) -> dict:
    fees = {ch: {item: price * fee_scale for item, price in fee.items()} for ch, fee in FEES.items()}
    return scenario_dict(
        {"agents.shrinkage": shrinkage, "demand.contacts_per_day": contacts_per_day},
        segments_by_channel=True,
        channels={
            "voice": {"handle_time": lognormal(240, 0.6), "patience": exp(120), "service_level_target_s": 20},
            "webchat": {"turns": {"dist": "poisson", "mean": 3}, "agent_time_per_turn": lognormal(20, 0.5),
                        "customer_reply_delay": exp(40), "patience": exp(180), "service_level_target_s": 60},
            "sms": {"turns": {"dist": "poisson", "mean": 3}, "agent_time_per_turn": lognormal(20, 0.5),
                    "customer_reply_delay": lognormal(200, 1.5), "park_after": 120,
                    "chars": lognormal(150, 0.8), "non_gsm_share": 0.3},
        },
        agents={"pools": [
            {"name": "voice", "channels": ["voice"], "headcount": voice_agents, "cost_per_hour": 40},
            {"name": "digital", "channels": ["webchat", "sms"], "headcount": digital_agents, "concurrency": 3,
             "cost_per_hour": 35, "shrinkage": 0.4},
        ]},
        pricing={"markup": markup, "fees": fees},
        seed=seed, days=days, replications=2, warmup_hours=warmup_hours,
    )


def expected_channel_cost(contacts: pd.DataFrame, messages: pd.DataFrame, markup: float, warmup_s: float,
                          fee_scale: float = 1.0) -> float:
    """Channel fees recomputed from the log, independently of chansim.billing."""
    c = contacts[contacts["arrival_t"].to_numpy(float) >= warmup_s]
    m = messages[messages["contact_id"].isin(c["contact_id"])]
    voice = c[c["channel"].astype(str) == "voice"]
    seconds = np.ceil(np.nan_to_num((voice["end_t"] - voice["arrival_t"]).to_numpy(float), nan=0.0) - 1e-9)
    voice_cost = seconds.sum() / 60 * FEES["voice"]["per_minute"]
    chat_cost = int((m["channel"].astype(str) == "webchat").sum()) * FEES["webchat"]["per_message"]
    sms = m[m["channel"].astype(str) == "sms"]
    segments = 0
    for chars, non_gsm in zip(sms["chars"].to_numpy(), sms["non_gsm"].to_numpy()):
        single, part = (UCS2_SINGLE, UCS2_PART) if non_gsm else (GSM_SINGLE, GSM_PART)
        while chars > 1600:  # providers refuse longer bodies: sent as messages of 1,600 characters
            segments += math.ceil(1600 / part)
            chars -= 1600
        segments += 1 if chars <= single else math.ceil(chars / part)
    sms_cost = segments * FEES["sms"]["per_segment"]
    return (voice_cost + chat_cost + sms_cost) * fee_scale * (1 + markup)


@PROPERTY
@given(seed=st.integers(0, 2**20), contacts_per_day=st.integers(200, 3000), days=st.sampled_from([0.25, 0.5, 1.0]),
       markup=st.sampled_from([0.0, 0.1, 0.26]), warmup_hours=st.sampled_from([0, 1, 2.5]))
def test_cost_is_the_sum_of_its_parts(seed, contacts_per_day, days, markup, warmup_hours):
    scenario = chansim.load_scenario(priced_scenario(seed=seed, contacts_per_day=contacts_per_day, days=days,
                                                     markup=markup, warmup_hours=warmup_hours))
    result = chansim.simulate(scenario)
    rows = result.replication_kpis
    assert len(rows) == 2
    for row in rows.itertuples():
        assert row.cost_total == pytest.approx(row.cost_channel + row.cost_labor + row.cost_bot, rel=1e-12, abs=1e-12)
        assert row.cost_bot == 0  # no bot modelled
        log = result.log
        contacts = log.contacts[log.contacts["replication"] == row.replication]
        messages = log.messages[log.messages["replication"] == row.replication]
        assert row.cost_channel == pytest.approx(
            expected_channel_cost(contacts, messages, markup, scenario.warmup_s), rel=1e-9, abs=1e-9)
        # labor: on-shift hours after the warm-up, grossed up for shrinkage (pool's own or the default)
        measured_h = days * 24 - warmup_hours
        labor = 3 * measured_h / (1 - 0.25) * 40 + 2 * measured_h / (1 - 0.4) * 35
        assert row.cost_labor == pytest.approx(labor, rel=1e-9)
        if row.contacts:
            assert row.cost_per_contact == pytest.approx(row.cost_total / row.contacts, rel=1e-12)
    mean = result.strategies[0].kpis
    assert mean["cost_total"] == pytest.approx(mean["cost_channel"] + mean["cost_labor"] + mean["cost_bot"], rel=1e-12)


@TWICE
@given(seed=st.integers(0, 2**20), contacts_per_day=st.integers(200, 3000), days=st.sampled_from([0.25, 0.5, 1.0]),
       markup=st.sampled_from([0.0, 0.1, 0.26]))
def test_doubling_every_fee_doubles_channel_cost(seed, contacts_per_day, days, markup):
    base = chansim.simulate(chansim.load_scenario(
        priced_scenario(seed=seed, contacts_per_day=contacts_per_day, days=days, markup=markup)))
    double = chansim.simulate(chansim.load_scenario(
        priced_scenario(seed=seed, contacts_per_day=contacts_per_day, days=days, markup=markup, fee_scale=2.0)))
    a, b = base.replication_kpis, double.replication_kpis
    assert (a["cost_channel"] > 0).all()
    np.testing.assert_allclose(b["cost_channel"], 2 * a["cost_channel"], rtol=1e-12)
    np.testing.assert_allclose(b["cost_labor"], a["cost_labor"], rtol=1e-12)
    np.testing.assert_allclose(b["cost_total"] - b["cost_labor"], 2 * (a["cost_total"] - a["cost_labor"]), rtol=1e-9)
    # prices change nothing that happens
    pd.testing.assert_frame_equal(base.log.contacts, double.log.contacts)


# -------------------------------------------------------------- Little's law
def test_littles_law_on_the_log():
    """L = λW over a window, for the whole system, the queue and (voice) service;
    the staffing log's busy time equals the calls in service from the contacts log."""
    scenario = chansim.load_scenario(scenario_dict(
        {"demand.contacts_per_day": 3000, "agents.pools": [
            {"name": "voice", "channels": ["voice"], "headcount": 5},
            {"name": "digital", "channels": ["webchat"], "headcount": 2, "concurrency": 3}]},
        segments_by_channel=True,
        channels={
            "voice": {"handle_time": lognormal(240, 0.8), "patience": exp(150), "service_level_target_s": 20},
            "webchat": {"turns": {"dist": "poisson", "mean": 3}, "agent_time_per_turn": lognormal(25, 0.5),
                        "customer_reply_delay": exp(60), "patience": exp(200), "service_level_target_s": 60},
        },
        days=2, seed=5, warmup_days=0,  # the staffing log and the contacts cover the same time
    ))
    log = run_replication(scenario, "baseline", 0)
    c = log.contacts
    assert c["outcome"].isin(["resolved", "abandoned"]).all()  # everyone left: sojourns are known
    assert (c["outcome"] == "abandoned").mean() > 0.02  # a real queue (abandonment happens)
    t0, t1 = 4 * 3600.0, 44 * 3600.0  # whole hours, away from the start and the end
    span = t1 - t0
    arrival = c["arrival_t"].to_numpy(float)
    end = c["end_t"].to_numpy(float)
    answer = c["answer_t"].to_numpy(float)
    start_service = np.where(np.isnan(answer), end, answer)  # abandoned: queue until they leave
    inside = (arrival >= t0) & (arrival < t1)
    rate = inside.sum() / span

    def time_average(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.clip(np.minimum(b, t1) - np.maximum(a, t0), 0, None).sum() / span)

    # the window's edges cut a few sojourns of a few minutes out of 40 h: well under 1 %
    sojourn = end - arrival
    assert time_average(arrival, end) == pytest.approx(rate * sojourn[inside].mean(), rel=0.01)
    waiting = start_service - arrival
    assert time_average(arrival, start_service) == pytest.approx(rate * waiting[inside].mean(), rel=0.02)

    voice = (c["channel"].astype(str) == "voice").to_numpy() & ~np.isnan(answer)
    in_service = time_average(answer[voice], end[voice])
    served_inside = inside & voice
    assert in_service == pytest.approx(served_inside.sum() / span * (end - answer)[served_inside].mean(), rel=0.01)
    # the staffing log (agent attention) tells the same story, to the second
    s = log.staffing
    hours = s[(s["pool"] == "voice") & (s["interval_start_s"] >= t0) & (s["interval_start_s"] < t1)]
    assert len(hours) == 40
    assert hours["busy_s"].sum() / span == pytest.approx(in_service, rel=1e-9)
    # and for every pool the attention logged by hour is the agents' focus on contacts
    horizon = scenario.horizon_s
    for pool in ("voice", "digital"):
        mine = c[c["pool"].astype(str) == pool]
        busy = s[s["pool"] == pool]["busy_s"].sum()
        done_in_horizon = mine[mine["end_t"] <= horizon]["focus_s"].sum()
        assert done_in_horizon - 1e-6 <= busy <= mine["focus_s"].sum() + 1e-6


# ---------------------------------------------------------------- determinism
def retail(**overrides) -> chansim.Scenario:
    """The shipped scenario (three strategies, schedules, WhatsApp with parking,
    priorities), cut down to its first half day and 3000 contacts a day."""
    base = {"days": 0.5, "demand.contacts_per_day": 3000, "replications": 2}
    base.update(overrides)
    return chansim.load_scenario(ROOT / "scenarios" / "retail-us.yaml", overrides=base)


def test_same_seed_same_everything_and_other_seed_differs():
    first = chansim.simulate(retail())
    again = chansim.simulate(retail())
    pd.testing.assert_frame_equal(first.replication_kpis, again.replication_kpis)
    for name in ("contacts", "messages", "staffing"):
        pd.testing.assert_frame_equal(getattr(first.log, name), getattr(again.log, name))
    pd.testing.assert_frame_equal(first.costs, again.costs)
    assert [s.to_dict() for s in first.strategies] == [s.to_dict() for s in again.strategies]
    # one replication on its own is the same as inside the run
    one = run_replication(retail(), "today", 1)
    c = first.log.contacts
    inside = c[(c["strategy"] == "today") & (c["replication"] == 1)].reset_index(drop=True)
    pd.testing.assert_frame_equal(one.contacts.drop(columns="strategy"), inside.drop(columns="strategy"))

    other = chansim.simulate(retail(seed=8))
    assert len(other.log.contacts) != len(first.log.contacts) or not np.array_equal(
        other.log.contacts["arrival_t"].to_numpy(), first.log.contacts["arrival_t"].to_numpy())
    assert not first.replication_kpis["cost_total"].equals(other.replication_kpis["cost_total"])
    # replications differ from one another too (independent streams)
    r = first.replication_kpis
    assert r[r.replication == 0]["contacts"].tolist() != r[r.replication == 1]["contacts"].tolist() or \
        r[r.replication == 0]["asa_s"].tolist() != r[r.replication == 1]["asa_s"].tolist()


def test_results_do_not_depend_on_the_python_hash_seed():
    """Streams are keyed by name (crc32), not by hash(): another interpreter with
    another PYTHONHASHSEED gives the same numbers."""
    code = (
        "import json, chansim\n"
        f"s = chansim.load_scenario({str(ROOT / 'scenarios' / 'retail-us.yaml')!r}, overrides="
        "{'days': 0.5, 'demand.contacts_per_day': 3000, 'replications': 2})\n"
        "r = chansim.simulate(s, keep_log=False)\n"
        "print(json.dumps(r.replication_kpis.to_dict(orient='list')))\n"
    )
    here = chansim.simulate(retail(), keep_log=False).replication_kpis.to_dict(orient="list")
    # a hash seed other than this interpreter's (random unless PYTHONHASHSEED is set)
    hash_seed = "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                         check=True, timeout=120)
    assert json.loads(out.stdout) == json.loads(json.dumps(here))


# ------------------------------------------------- common random numbers
def test_identical_strategies_give_identical_results():
    data = retail().to_dict()
    data["strategies"] = [
        {"name": "a", "offer": ["voice", "email", "webchat"]},
        {"name": "b", "offer": ["voice", "email", "webchat"]},
        # a price that changes nothing that happens
        {"name": "c", "offer": ["voice", "email", "webchat"], "set": {"agents.pools.voice.cost_per_hour": 50}},
    ]
    result = chansim.simulate(chansim.load_scenario(data))
    k = result.replication_kpis.set_index(["strategy", "replication"])
    pd.testing.assert_frame_equal(k.loc["a"], k.loc["b"])
    same = [col for col in k.columns if not col.rsplit(".", 1)[-1].startswith("cost")]
    pd.testing.assert_frame_equal(k.loc["a"][same], k.loc["c"][same])
    assert (k.loc["c"]["cost_labor"] > k.loc["a"]["cost_labor"]).all()
    assert result.strategy("a").kpis == result.strategy("b").kpis
    c = result.log.contacts
    by = {name: c[c["strategy"] == name].drop(columns="strategy").reset_index(drop=True) for name in "abc"}
    pd.testing.assert_frame_equal(by["a"], by["b"])
    pd.testing.assert_frame_equal(by["a"], by["c"])


@TWICE
@given(seed=st.integers(0, 2**20), agents=st.integers(1, 8), contacts_per_day=st.integers(200, 3000),
       days=st.sampled_from([0.25, 0.5, 1.0]), handle=time_dist(60, 400), extra=st.sampled_from([1, 2]))
@example(seed=0, agents=1, contacts_per_day=1450, days=0.25, handle={"dist": "exponential", "mean": 390.0}, extra=1)
def test_more_agents_never_lengthen_a_wait(seed, agents, contacts_per_day, days, handle, extra):
    """FCFS voice without abandonment, same replication (same customers, same
    handle times): each caller's wait, hence the mean ASA, can only shrink."""
    # keep the work within what the agents finish before the run's drain limit
    # (7 days after the last arrival): a caller left unserved is censored, and
    # the mean ASA of the answered would no longer compare like with like
    assume(contacts_per_day * days * handle["mean" if "mean" in handle else "value"]
           < 0.5 * agents * (days + 7) * 86_400)
    data = scenario_dict(
        {"agents.pools": [{"name": "voice", "channels": ["voice"], "headcount": agents}],
         "demand.contacts_per_day": contacts_per_day},
        channels={"voice": {"handle_time": handle, "service_level_target_s": 20}},
        seed=seed, days=days, replications=2, warmup_days=0,  # (a warm-up day's callers would add to the work)
        strategies=[{"name": "n", "offer": ["voice"]},
                    {"name": "more", "offer": ["voice"], "set": {"agents.pools.voice.headcount": agents + extra}}],
    )
    result = chansim.simulate(chansim.load_scenario(data))
    k = result.replication_kpis.set_index(["strategy", "replication"])
    c = result.log.contacts
    assert c["outcome"].isin(["resolved"]).all()
    for rep in range(2):
        few, more = k.loc[("n", rep)], k.loc[("more", rep)]
        assert few["contacts"] == more["contacts"]
        if few["contacts"]:
            assert more["asa_s"] <= few["asa_s"] + 1e-9
            assert more["service_level"] >= few["service_level"] - 1e-12
        w_few = c[(c["strategy"] == "n") & (c["replication"] == rep)]["wait_s"].to_numpy()
        w_more = c[(c["strategy"] == "more") & (c["replication"] == rep)]["wait_s"].to_numpy()
        assert np.all(w_more <= w_few + 1e-6)
