"""The plan drawn a day at a time as the run reaches it gives exactly the
event log of the plan drawn all at once: the same contact ids, the same
draws, the same times; and a day not reached yet holds nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import chansim
from chansim import load_scenario
from chansim.engine import run_replication
from chansim.engine.contact_book import _CONTACT_FIELDS, _MESSAGE_FIELDS, _TURN_FIELDS
from chansim.engine.plan import build_plan
from chansim.engine.streams import Streams

SCENARIOS = Path(__file__).parent.parent / "scenarios"

# two strategies per shipped scenario: campaigns (with prevention), bots, IVR deflection, repeats
CASES = [
    ("ai-vendors", "vendor-per-outcome", 0), ("ai-vendors", "assist-only", 1),
    ("bank-uk", "callback-to-chat", 1), ("bank-uk", "proactive-alerts", 0),
    ("bench-1000-seats", "whatsapp-first", 0), ("bench-1000-seats", "rcs-proactive", 1),
    ("ecommerce-br", "marketing-campaign", 1), ("ecommerce-br", "whatsapp-bot", 0),
    ("insurer-us", "no-voice-priority", 0), ("insurer-us", "voice-interrupts", 1),
    ("retail-us", "whatsapp-first", 1), ("retail-us", "rcs-proactive", 0),
    ("telecom-in", "whatsapp-first", 0), ("telecom-in", "rcs-messaging", 1),
]

# the bot of ecommerce-br's whatsapp-bot on WhatsApp and web chat, with random turns and turn times: the
# turn times of both channels come from one stream
RANDOM_BOT = {"strategies.1.bot.time_per_turn": {"dist": "exponential", "mean": 2},
              "strategies.1.bot.turns": {"dist": "poisson", "mean": 3}}


def assert_same_log(a, b):
    for table in ("contacts", "messages", "staffing"):
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table), check_exact=True)


def both(scenario, strategy, replication=0, **kwargs):
    by_day = run_replication(scenario, strategy, replication, plan_by_day=True, **kwargs)
    up_front = run_replication(scenario, strategy, replication, plan_by_day=False, **kwargs)
    return by_day, up_front


@pytest.mark.parametrize("name, strategy, replication", CASES, ids=lambda v: str(v))
def test_log_of_the_plan_by_day_is_the_log_of_the_plan_up_front(name, strategy, replication):
    scenario = load_scenario(SCENARIOS / f"{name}.yaml", {"days": 3, "warmup_days": 1})
    by_day, up_front = both(scenario, strategy, replication)
    assert (by_day.contacts["arrival_t"] < 0).any() and (by_day.contacts["arrival_t"] > 2 * 86_400).any()
    assert_same_log(by_day, up_front)


def test_bot_turn_times_shared_by_two_channels_keep_their_values():
    scenario = load_scenario(SCENARIOS / "ecommerce-br.yaml", {"days": 3, "warmup_days": 1, **RANDOM_BOT})
    resolved = scenario.for_strategy("whatsapp-bot")
    book = build_plan(resolved, Streams(resolved.seed, 2), by_day=True)
    assert len(book.bot_time_cursors["inbound"]) == 2  # both channels have bot turns, each its place in the stream
    by_day, up_front = both(scenario, "whatsapp-bot", 2)
    assert (by_day.messages["sender"] == "bot").sum() > 1000
    assert_same_log(by_day, up_front)


def book_columns(book):
    """Every planned contact's columns, then its turns and messages in
    contact order (where a contact's turns are in the book is the book's own
    business: the contacts of a day are drawn together)."""
    n = book.size
    columns = {name: getattr(book, name)[:n].copy() for name in _CONTACT_FIELDS if name != "turn_offset"}
    counts = book.turns[:n] + book.bot_turns[:n]
    first = np.cumsum(counts) - counts
    turns = np.repeat(book.turn_offset[:n] - first, counts) + np.arange(int(counts.sum()))
    assert book.turn_data.size == turns.size and np.unique(turns).size == turns.size
    columns.update({f"turn.{name}": getattr(book.turn_data, name)[turns] for name in _TURN_FIELDS})
    messages = np.stack([2 * turns, 2 * turns + 1], axis=1).ravel()
    columns.update({f"message.{name}": getattr(book.message_data, name)[messages] for name in _MESSAGE_FIELDS})
    return columns


def test_a_day_not_reached_is_not_drawn_and_all_days_give_the_plan_up_front():
    random_bot = {key.replace(".1.", ".2."): value for key, value in RANDOM_BOT.items()}
    scenario = load_scenario(SCENARIOS / "ecommerce-br.yaml", {"days": 20, "warmup_days": 0,
                                                              "demand.contacts_per_day": 2000, **random_bot})
    resolved = scenario.for_strategy("marketing-campaign")
    book = build_plan(resolved, Streams(resolved.seed, 0), by_day=True)
    plan = book.day_plan
    inbound = plan.groups[0]
    assert plan.keys == list(range(20)) and len(plan.groups) == 3  # inbound, then two campaigns' responders
    assert len(book.bot_time_cursors["inbound"]) == 2
    n = book.size
    assert n > 20 * 1500 and plan.described == 0 and book.turn_data.size == 0
    assert not book.arrival_t[:n].any() and not book.patience[:n].any()  # rows reserved, nothing written

    first_day = next(plan.days(book))  # the first day's planned contacts, in arrival order
    assert plan.planned == 1 and plan.described == first_day.size
    assert (np.diff(book.arrival_t[first_day]) >= 0).all() and (book.arrival_t[first_day] < 86_400).all()
    assert book.turn_data.size == int((book.turns[first_day] + book.bot_turns[first_day]).sum())
    day_10 = inbound.ids(10)
    assert day_10.size > 1500
    for name in ("arrival_t", "customer", "channel", "patience", "handle_time", "turns", "unresolved_u", "root"):
        assert not getattr(book, name)[day_10].any(), name

    book.plan_all()
    assert book.day_plan is None
    assert (book.arrival_t[day_10] >= 10 * 86_400).all() and (book.arrival_t[day_10] < 11 * 86_400).all()
    up_front = build_plan(resolved, Streams(resolved.seed, 0))
    assert up_front.size == n
    lazy, whole = book_columns(book), book_columns(up_front)
    for name, values in whole.items():
        np.testing.assert_array_equal(lazy[name], values, err_msg=name)


def test_hand_given_arrivals_over_several_days_and_the_warm_up():
    scenario = load_scenario(SCENARIOS / "telecom-in.yaml", {"days": 3, "warmup_days": 1})
    arrivals = np.random.default_rng(4).uniform(-86_400.0, 3 * 86_400.0, 3000)
    arrivals[:4] = [0.0, 86_400.0, 86_400.0, -1.0]  # at midnight, twice, and just before the start
    by_day, up_front = both(scenario, "whatsapp-first", 1, arrivals=arrivals)
    assert (by_day.contacts["arrival_t"] == 86_400.0).sum() == 2
    assert_same_log(by_day, up_front)


def test_a_channel_no_contact_of_a_day_takes_keeps_its_draws_for_the_days_after():
    """A few contacts a day: some days none takes a given channel, and the
    draws of that channel's stream still go to the same contacts."""
    scenario = load_scenario(SCENARIOS / "retail-us.yaml", {"days": 4, "warmup_days": 1})
    arrivals = np.arange(-1, 4) * 86_400.0 + np.array([[3600.0], [7200.0], [30_000.0]])
    by_day, up_front = both(scenario, "whatsapp-first", 0, arrivals=arrivals.ravel())
    planned = by_day.contacts[by_day.contacts["contact_id"] < arrivals.size]
    by_channel = planned.groupby((planned["arrival_t"] // 86_400).astype(int))["channel"].agg(set)
    assert len(set().union(*by_channel)) > 1 and any(len(c) < 3 for c in by_channel)
    assert_same_log(by_day, up_front)


def voice_only(**changes):
    data = {
        "name": "voice-only", "start_date": "2026-01-05", "days": 3, "warmup_days": 1, "seed": 5,
        "replications": 1,
        "demand": {"contacts_per_day": 3000, "segments": [{"name": "all", "share": 1, "preference": ["voice"]}]},
        "channels": {"voice": {"handle_time": {"dist": "exponential", "mean": 180.0},
                               "patience": {"dist": "exponential", "mean": 90.0}}},
        "agents": {"pools": [{"name": "phones", "channels": ["voice"], "headcount": 8}]},
    }
    data.update(changes)
    return chansim.load_scenario(data)


@pytest.mark.parametrize("fast_path", [True, False])
def test_voice_only_runs_on_either_path(fast_path, monkeypatch):
    from chansim.engine import replication

    fast_runs = []
    run_fast = replication.run_fast
    monkeypatch.setattr(replication, "run_fast", lambda *a, **k: fast_runs.append(1) or run_fast(*a, **k))
    scenario = voice_only()
    by_day, up_front = both(scenario, scenario.strategy_names[0], 0, fast_path=fast_path)
    assert len(fast_runs) == (2 if fast_path else 0)
    assert by_day.contacts.shape[0] > 10_000
    assert_same_log(by_day, up_front)


def test_a_voice_bot_keeps_the_event_engine_and_the_same_log():
    scenario = voice_only(
        demand={"contacts_per_day": 3000, "segments": [{"name": "all", "share": 1, "preference": ["voice"]}],
                "intents": [{"name": "any", "share": 1, "bot_resolvable": 0.4}]},
        strategies=[{"name": "ai-voice", "offer": ["voice"],
                     "bot": {"channels": ["voice"], "call_time": {"dist": "exponential", "mean": 60.0}}}])
    by_day, up_front = both(scenario, "ai-voice", 1)
    assert (by_day.contacts["bot_outcome"] == "contained").sum() > 1000
    assert_same_log(by_day, up_front)
