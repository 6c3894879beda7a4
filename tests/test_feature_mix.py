"""Feature mixes: small scenarios that combine, at random, the features a
planner may write together (every channel, several pools with skills, slot
caps, headcount / schedule / shifts with breaks, opening hours with closed
days and holidays, closing policies, warm-up days, repeats, bots and AI
agents, IVR deflection, campaigns, every routing policy, segments with their
own markets, strategies offering subsets of channels, what-if pricing dates),
and one mix with every feature at once.

Whatever the mix, a scenario the loader accepts must run and measure, and for
every strategy and replication:

* every contact has exactly one outcome, that of its last leg, and the counts
  of the KPIs (contacts, handled, abandoned, contained, closed) are those
  outcomes;
* every share KPI (service level, abandon rate, containment, FCR, occupancy,
  slot utilisation, ...) lies in [0, 1], overall and in every breakdown;
* cost_total = cost_channel + cost_labor + cost_bot (the KPI table's
  definition), and cost_bot is the sum of its billing units;
* no KPI (nor its ci95) is NaN or infinite;
* issues ≤ contacts;
* the log holds together: times in order, messages within their contact's
  life, attempt numbers counting up from 0, each intent's priority as given,
  no pool busier than its agents on the floor.

``CHANSIM_FEATURE_MIX_EXAMPLES`` sets how many mixes are drawn (default 30).
Below them, one plain test per mix that once broke one of these.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import sys
from concurrent.futures import Executor, Future

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import chansim
from conftest import scenario_dict
from chansim.engine.log import OUTCOMES
from chansim.errors import InputError
from chansim.kpis.metrics import measured_window

EXAMPLES = int(os.environ.get("CHANSIM_FEATURE_MIX_EXAMPLES", "30"))
MIX = settings(max_examples=EXAMPLES, deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])

VOICE_CHANNEL = "voice"
MESSAGING = ("webchat", "whatsapp", "sms", "rcs", "apple_messages", "messenger")
EMAIL = "email"
ALL_CHANNELS = (VOICE_CHANNEL,) + MESSAGING + (EMAIL,)
#: Markets with a voice, SMS, RCS and WhatsApp card.
MARKETS = ("US", "UK", "IN")
#: First days around the dates the cards change (WhatsApp 2025-07-01 and 2026-10-01, RCS 2025-11-20,
#: SMS 2026-01-01), a month's end and a year's end.
START_DATES = ("2025-06-30", "2025-11-19", "2025-12-31", "2026-01-05", "2026-01-10", "2026-09-30", "2026-11-23",
               "2026-12-31")
PRICING_DATES = (None, None, None, "2025-06-15", "2025-07-01", "2026-01-01", "2026-10-01", "2026-12-15")
AI_CARDS = ("intercom-fin", "zendesk-ai-payg", "agentforce-conversation", "agentforce-flex", "sierra",
            "genesys-digital-bot")
SHARES = ("service_level", "abandon_rate", "closed_rate", "containment_rate", "fcr_rate", "response_sl",
          "occupancy", "csat_pct", "slot_utilisation")


# ----------------------------------------------------------------- builders
def exp(mean: float) -> dict:
    return {"dist": "exponential", "mean": mean}


def fixed(value: float) -> dict:
    return {"dist": "fixed", "value": value}


@st.composite
def time_dist(draw, low: float, high: float) -> dict:
    mean = draw(st.floats(low, high))
    kind = draw(st.sampled_from(["exponential", "lognormal", "fixed", "gamma", "uniform", "zero"]))
    if kind == "zero":  # no time at all: events at the same instant
        return fixed(0)
    if kind == "exponential":
        return exp(mean)
    if kind == "fixed":
        return fixed(mean)
    if kind == "uniform":
        return {"dist": "uniform", "low": mean / 2, "high": mean * 1.5}
    return {"dist": kind, "mean": mean, "cv": draw(st.sampled_from([0.3, 0.8, 1.5]))}


def horizon_dates(start: dt.date, days: float) -> list[dt.date]:
    return [start + dt.timedelta(days=k) for k in range(int(math.ceil(days)) + 1)]


@st.composite
def opening_hours(draw, start: dt.date, days: float) -> dict | None:
    kind = draw(st.sampled_from(["always", "weekdays", "split", "one-day", "night", "short", "every-date"]))
    if kind == "every-date":  # open by the week, but every date of the run (and its warm-up) a holiday
        return {"daily": "00:00-24:00",
                "closed": [d.isoformat() for d in horizon_dates(start - dt.timedelta(days=2), days + 2)]}
    if kind == "always":
        return None
    hours: dict = {
        "weekdays": {"mon-fri": "08:00-18:00", "sat": "09:00-13:00"},
        "split": {"daily": ["00:00-02:00", "09:00-12:00", "13:00-17:30"]},
        "one-day": {draw(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])): "06:00-22:00"},
        "night": {"mon-sun": ["00:00-06:00", "20:00-24:00"]},
        "short": {"mon-sat": "12:00-12:15", "sun": "closed"},
    }[kind]
    if draw(st.booleans()):  # a holiday inside the run (or the day before, in the warm-up)
        dates = horizon_dates(start - dt.timedelta(days=1), days + 1)
        hours["closed"] = sorted({draw(st.sampled_from(dates)).isoformat()
                                  for _ in range(draw(st.integers(1, 2)))})
    return hours


@st.composite
def channel_spec(draw, name: str, segments: list[str], defined: list[str], start: dt.date, days: float) -> dict:
    if name == VOICE_CHANNEL:
        spec: dict = {"handle_time": draw(time_dist(30, 500))}
    else:
        spec = {"agent_time_per_turn": draw(time_dist(3, 200 if name == EMAIL else 60))}
        if draw(st.booleans()):
            spec["turns"] = draw(st.sampled_from([fixed(1), fixed(3), {"dist": "poisson", "mean": 2.5}]))
            spec["customer_reply_delay"] = draw(time_dist(5, 900))
        if name != EMAIL:
            if draw(st.booleans()):
                spec["park_after"] = draw(st.sampled_from([30, 120, 300]))
            spec["chars"] = draw(time_dist(10, 400))
            spec["non_gsm_share"] = draw(st.sampled_from([0.0, 0.3, 1.0]))
            spec["media_share"] = draw(st.sampled_from([0.0, 0.1]))
            if name in ("sms", "rcs"):
                spec["extension_share"] = draw(st.sampled_from([0.0, 0.05]))
                spec["emoji_share"] = draw(st.sampled_from([0.0, 0.2]))
            if draw(st.integers(0, 3)) == 0:
                spec["reach"] = draw(st.one_of(st.sampled_from([0.0, 0.5, 0.9]),
                                               st.fixed_dictionaries({s: st.sampled_from([0.0, 0.6, 1.0])
                                                                      for s in segments})))
                if name == "rcs" and "sms" in defined and draw(st.booleans()):
                    spec["fallback"] = "sms"
            if VOICE_CHANNEL in defined and draw(st.integers(0, 3)) == 0:
                spec["escalate_to_voice"] = {"share": draw(st.sampled_from([0.1, 0.5, 1.0])),
                                             "keeps_history": draw(st.booleans())}
    if name != EMAIL and draw(st.booleans()):
        spec["patience"] = draw(st.one_of(time_dist(5, 1800), st.just(fixed(0))))
    if draw(st.booleans()):
        spec["service_level_target_s"] = draw(st.sampled_from([20, 60, 300]))
    if draw(st.integers(0, 4)) == 0:
        spec["unresolved_share"] = 0.2
    hours = draw(opening_hours(start, days))
    if hours is not None:
        spec["hours"] = hours
        spec["at_close"] = draw(st.sampled_from(["work_down", "closed"]))
        if name != VOICE_CHANNEL:
            spec["while_closed"] = draw(st.sampled_from(["queue", "offline"]))
    return spec


@st.composite
def roster(draw) -> dict:
    kind = draw(st.sampled_from(["headcount", "schedule", "half-hours", "quarter-hours", "weekdays", "dated",
                                 "shifts"]))
    if kind == "headcount":
        return {"headcount": draw(st.integers(0, 12) if draw(st.integers(0, 5)) == 5 else st.integers(2, 12))}
    if kind == "schedule":
        return {"schedule": draw(st.lists(st.integers(0, 8), min_size=24, max_size=24))}
    if kind == "half-hours":
        return {"interval_minutes": 30, "schedule": draw(st.lists(st.integers(0, 6), min_size=48, max_size=48))}
    if kind == "quarter-hours":
        return {"interval_minutes": 15, "schedule": draw(st.lists(st.integers(0, 6), min_size=96, max_size=96))}
    if kind == "dated":  # a weekly list and one date of its own (in the run or not)
        date = draw(st.sampled_from(START_DATES))
        return {"schedule": {"all": draw(st.lists(st.integers(0, 6), min_size=24, max_size=24)),
                             date: draw(st.lists(st.integers(0, 9), min_size=24, max_size=24))}}
    if kind == "weekdays":
        day = draw(st.lists(st.integers(0, 8), min_size=24, max_size=24))
        return {"schedule": {"mon-fri": day, "sat": [2] * 24}}  # (Sunday: no one)
    shifts = []
    for i in range(draw(st.integers(1, 3))):
        shift = {"name": f"s{i}", "start": draw(st.sampled_from(["00:00", "06:30", "08:00", "13:15", "22:00", "23:45"])),
                 "hours": draw(st.sampled_from([4, 8, 8.5, 12, 24])),
                 "days": draw(st.sampled_from(["all", "mon-fri", "sat,sun", "fri"])),
                 "agents": draw(st.integers(0, 8))}
        if draw(st.booleans()):
            shift["breaks"] = [{"after_h": draw(st.sampled_from([0, 2, 3])), "minutes": draw(st.sampled_from([15, 30, 60]))}]
        shifts.append(shift)
    return {"shifts": shifts}


@st.composite
def pools_for(draw, names: list[str]) -> list[dict]:
    """One blended pool, one per channel, or a voice pool and a digital pool;
    every channel served."""
    layout = draw(st.sampled_from(["blended", "each", "split", "overlap"]))
    if layout == "blended":
        groups = [list(names)]
    elif layout == "overlap":  # every channel in a blended pool, and each also in a pool of its own
        groups = [list(names)] + [[n] for n in names]
    elif layout == "each":
        groups = [[n] for n in names]
    else:
        voice = [n for n in names if n == VOICE_CHANNEL]
        rest = [n for n in names if n != VOICE_CHANNEL]
        groups = [g for g in (voice, rest) if g]
        if rest and draw(st.booleans()):  # a second, overlapping digital pool
            groups.append(rest[: max(1, len(rest) // 2)])
    pools = []
    for i, group in enumerate(groups):
        pool = {"name": f"p{i}", "channels": group, "cost_per_hour": draw(st.sampled_from([0, 25, 42.5])),
                **draw(roster())}
        messaging = [n for n in group if n != VOICE_CHANNEL]
        total = draw(st.integers(1, 4))
        if messaging and total > 1 and draw(st.booleans()):
            caps = {n: draw(st.integers(1, total)) for n in messaging[:2]}
            pool["concurrency"] = {**caps, "total": total}
        else:
            pool["concurrency"] = total
        if draw(st.integers(0, 3)) == 0:
            pool["shrinkage"] = 0.4
        if draw(st.integers(0, 3)) == 0:
            pool["paid_on_closed_dates"] = True
        pools.append(pool)
    return pools


@st.composite
def bot_spec(draw, names: list[str], intents: list[str]) -> dict | None:
    messaging = [n for n in names if n in MESSAGING]
    can_voice = VOICE_CHANNEL in names
    choices = messaging + ([VOICE_CHANNEL] if can_voice else [])
    if not choices and EMAIL not in names:
        return None
    bot: dict = {"channels": draw(st.lists(st.sampled_from(choices), unique=True, min_size=1, max_size=2))
                 if choices else []}
    if VOICE_CHANNEL in bot["channels"]:
        bot["call_time"] = draw(time_dist(20, 200))
    bot["keeps_context"] = draw(st.booleans())
    bot["turns"] = draw(st.sampled_from([fixed(1), fixed(3), {"dist": "poisson", "mean": 2}]))
    if draw(st.integers(0, 3)) == 0:
        bot["time_per_turn"] = draw(time_dist(0.5, 20))
        bot["customer_reply_delay"] = draw(time_dist(1, 600))
    if draw(st.integers(0, 4)) == 0:
        bot["lost_context_extra_s"] = 0
        bot["lost_context_unresolved"] = 1.0
    if draw(st.integers(0, 4)) == 0:
        bot["handover_aht_factor"] = draw(st.sampled_from([0.0, 3.0]))
        bot["handover_unresolved_shift"] = draw(st.sampled_from([0.0, 1.0]))
    if draw(st.booleans()):
        bot["skip_priority"] = 1
    if draw(st.integers(0, 3)) == 0:
        bot["skip_value"] = 100
    price = draw(st.sampled_from(["session", "card", "none", "meta"] if bot["channels"] else ["none"]))
    if price == "session":
        bot["cost_per_session"] = 0.1
    elif price == "card":
        card = draw(st.sampled_from(AI_CARDS))
        bot["vendor_card"] = card
        if card in ("sierra",):
            bot["rates"] = {"per_outcome": 0.8}
        if card == "genesys-digital-bot":
            bot["rates"] = {"per_session": 0.02}
        if VOICE_CHANNEL in bot["channels"] and draw(st.booleans()):
            bot["vendor_card"], bot["rates"] = "genesys-voice-bot", {"per_minute": 0.05}
        if card == "agentforce-flex":
            bot["actions"] = {"dist": "poisson", "mean": 3}
        bot["handoff_share"] = draw(st.sampled_from([0.0, 0.5, 1.0]))
        if card in ("intercom-fin", "sierra") and draw(st.booleans()):
            bot["handoff_is_outcome"] = draw(st.booleans())
    elif price == "meta" and "whatsapp" in bot["channels"]:
        bot.update(provider="meta_business_agent", tokens_per_reply=200, token_rate=0.00001)
    if intents and draw(st.booleans()):
        bot["containment"] = {intents[0]: draw(st.sampled_from([0.0, 0.5, 1.0]))}
    if bot["channels"] and intents and draw(st.integers(0, 3)) == 0:
        bot["channel_containment"] = {bot["channels"][0]: {intents[-1]: 0.9}}
    if draw(st.integers(0, 3)) == 0:
        bot["assist_reduction"] = {draw(st.sampled_from(names)): 0.1}
        if draw(st.booleans()):
            bot["assist_card"] = "agentforce-user"
            bot["seats"] = draw(st.integers(1, 20))
    return bot


@st.composite
def strategy_spec(draw, index: int, names: list[str], intents: list[str], segments: list[str],
                  pools: list[dict]) -> dict:
    offer = draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))
    strategy: dict = {"name": f"st{index}", "offer": offer}
    messaging_offered = [n for n in offer if n in MESSAGING]
    if draw(st.integers(0, 2)):
        bot = draw(bot_spec(offer, intents))
        if bot is not None:
            strategy["bot"] = bot
    if VOICE_CHANNEL in offer and messaging_offered and draw(st.booleans()):
        link = [n for n in names if n in MESSAGING]
        strategy["ivr_deflection"] = {
            "to": draw(st.sampled_from(messaging_offered)),
            "offered": draw(st.sampled_from([0.3, 1.0])), "accept": draw(st.sampled_from([0.2, 1.0])),
            "ivr_seconds": draw(st.sampled_from([0, 30])), "when": draw(st.sampled_from(["always", "if_waiting"])),
            "link_channel": draw(st.sampled_from(link)), "via_bot": draw(st.booleans())}
    messaging_defined = [n for n in names if n in MESSAGING]
    if messaging_defined and draw(st.booleans()):
        campaigns = []
        for _ in range(draw(st.integers(1, 2))):
            campaign = {"channel": draw(st.sampled_from(messaging_defined)),
                        "category": draw(st.sampled_from(["utility", "marketing", "authentication"])),
                        "per_day": draw(st.sampled_from([50, 500, 2000])), "at_hour": draw(st.integers(0, 23)),
                        "response_rate": draw(st.sampled_from([0.0, 0.05, 0.5])),
                        "intent": draw(st.sampled_from(intents)), "prevents": draw(st.sampled_from([0.0, 0.3])),
                        "media": draw(st.booleans()), "non_gsm": draw(st.booleans())}
            if draw(st.booleans()):
                campaign["segment"] = draw(st.sampled_from(segments))
            if campaign["channel"] == "whatsapp" and campaign["category"] == "marketing" and draw(st.booleans()):
                campaign["max_price"] = draw(st.sampled_from([0.01, 0.05, 0.5]))
                campaign["delivery_curve"] = [[0.01, 0.2], [0.1, 0.9]]
            campaigns.append(campaign)
        strategy["campaigns"] = campaigns
    sets: dict = {}
    if draw(st.integers(0, 2)) == 0:
        sets["agents.routing.queue"] = draw(st.sampled_from(
            ["priority", "voice_first_interruptible", "voice_first_reservation"]))
    if draw(st.integers(0, 3)) == 0:
        pool = draw(st.sampled_from(pools))
        sets[f"agents.pools.{pool['name']}.cost_per_hour"] = 50
    if draw(st.integers(0, 3)) == 0:  # this strategy's own roster for a pool
        pool = draw(st.sampled_from(pools))
        roster_keys = ("headcount", "schedule", "shifts", "interval_minutes")
        sets[f"agents.pools.{pool['name']}"] = {**{k: v for k, v in pool.items() if k not in roster_keys},
                                                 **draw(roster())}
    if draw(st.integers(0, 3)) == 0:  # this strategy's own opening hours and closing for a channel
        name = draw(st.sampled_from(names))
        sets[f"channels.{name}.hours"] = {"mon-fri": "09:00-17:00", "sat,sun": "closed"}
        sets[f"channels.{name}.at_close"] = draw(st.sampled_from(["work_down", "closed"]))
    if draw(st.integers(0, 4)) == 0:
        sets["repeats.after_abandon"] = 1.0
    if sets:
        strategy["set"] = sets
    return strategy


@st.composite
def feature_mixes(draw) -> dict:
    start = dt.date.fromisoformat(draw(st.sampled_from(START_DATES)))
    days = draw(st.sampled_from([0.25, 0.3, 0.5, 0.7, 1.0, 1.25, 1.5, 1.9, 2.0]))
    names = draw(st.lists(st.sampled_from(ALL_CHANNELS), min_size=1, max_size=4, unique=True))
    if "rcs" in names and "sms" not in names and draw(st.booleans()):
        names.append("sms")
    market = draw(st.sampled_from(MARKETS))
    segments = []
    n_segments = draw(st.integers(1, 3))
    for i in range(n_segments):
        preference = draw(st.permutations(names))[: draw(st.integers(1, len(names)))]
        segment = {"name": f"seg{i}", "share": round(1.0 / n_segments, 4), "preference": list(preference)}
        if draw(st.booleans()):
            segment["market"] = draw(st.sampled_from(MARKETS + ("GB", "us")))
        segments.append(segment)
    segments[-1]["share"] = round(1.0 - sum(s["share"] for s in segments[:-1]), 4)
    intents = [{"name": "easy", "share": 0.6, "complexity": 0.7, "bot_resolvable": draw(st.sampled_from([0.0, 0.6, 1.0])),
                "priority": draw(st.sampled_from([0, 0, 0, 40_000, 1_000_000_000])),
                "unresolved_share": draw(st.sampled_from([0.0, 0.1]))},
               {"name": "hard", "share": 0.4, "complexity": 1.5, "priority": draw(st.integers(0, 2)),
                "bot_resolvable": 0.2, "value": draw(st.sampled_from([0, 200])),
                "unresolved_share": draw(st.sampled_from([0.0, 0.3]))}]
    segment_names = [s["name"] for s in segments]
    channels = {n: draw(channel_spec(n, segment_names, names, start, days)) for n in names}
    if "rcs" in channels and "sms" in channels and draw(st.integers(0, 3)) == 0:  # RCS set up like SMS
        channels["rcs"] = {"like": "sms", "reach": draw(st.sampled_from([0.3, 1.0])), "fallback": "sms"}
    pools = draw(pools_for(names))
    routing: dict = {"agent": draw(st.sampled_from(["most_free_slots", "idle_attention_first", "longest_idle"])),
                     "queue": draw(st.sampled_from(["priority", "voice_first_interruptible", "voice_first_reservation"])),
                     "replies": draw(st.sampled_from(["in_turn", "first_replies_first"]))}
    if routing["agent"] == "idle_attention_first" and draw(st.booleans()):
        routing["spill_after_s"] = draw(st.sampled_from([0, 60]))
    few = draw(st.integers(0, 9)) == 9  # (not 0: hypothesis draws its smallest values more often)
    demand: dict = {"contacts_per_day": draw(st.sampled_from([0, 3, 20]) if few else st.integers(200, 3000)),
                    "segments": segments, "intents": intents}
    profile = st.lists(st.sampled_from([0, 0, 0.5, 1, 3]), min_size=24, max_size=24).filter(any)
    intraday = draw(st.sampled_from(["flat", "one", "weekdays"]))
    if intraday == "one":
        demand["intraday"] = draw(profile)
    elif intraday == "weekdays":
        demand["intraday"] = {"mon-fri": draw(profile), "sat,sun": draw(profile)}
    if draw(st.booleans()):
        demand["weekly"] = draw(st.lists(st.sampled_from([0, 0.5, 1, 1.5]), min_size=7, max_size=7).filter(any))
    pricing: dict = {"markup": draw(st.sampled_from([0.0, 0.1])), "rules": draw(st.sampled_from(["current", "v2"])),
                     "voice_number": draw(st.sampled_from(["toll_free", "local"])),
                     "rcs_agent": draw(st.sampled_from(["conversational", "non_conversational"])),
                     "exchange_rates": {"GBP": 1.3, "INR": 0.012}}
    when = draw(st.sampled_from(PRICING_DATES))
    if when is not None:
        pricing["date"] = when
    if draw(st.integers(0, 3)) == 0:
        channel = draw(st.sampled_from(names))
        pricing["fees"] = {channel: draw(st.sampled_from([{"per_month": 300.0}, {"per_contact": 0.05, "per_month": 10.0},
                                                          {"per_message": 0.01}]))}
    data: dict = {
        "name": "mix", "start_date": start.isoformat(), "days": days, "seed": draw(st.integers(0, 2**20)),
        "replications": draw(st.integers(1, 3)), "market": market, "currency": "USD",
        "warmup_days": draw(st.integers(0, 2)),
        "warmup_hours": draw(st.sampled_from([0, 0, 1.5, 5.75])),
        "demand": demand, "channels": channels, "pricing": pricing,
        "agents": {"shrinkage": draw(st.sampled_from([0.0, 0.3])), "pools": pools, "routing": routing},
        # (a delay of exactly 0 with patience 0 and no agent would bring the customer back at the instant they
        # left, forever: repeats.delay is drawn positive)
        "repeats": {"delay": draw(time_dist(600, 86_400).filter(lambda d: d != fixed(0))),
                    "after_abandon": draw(st.sampled_from([0.0, 0.5, 1.0])),
                    "after_closed": draw(st.sampled_from([0.0, 0.5, 1.0])),
                    "switch_share": draw(st.sampled_from([0.0, 0.3, 1.0])),
                    "fcr_window_days": draw(st.sampled_from([0.5, 7]))},
    }
    if draw(st.integers(0, 3)) == 0:
        data["csat"] = {"base": {names[0]: draw(st.sampled_from([1.0, 3.0, 5.0]))},
                        "wait_grace_s": draw(st.sampled_from([0, 60])),
                        "wait_penalty_per_min": draw(st.sampled_from([0.0, 4.0])),
                        "abandon_penalty": 4.0, "unresolved_penalty": 4.0, "transfer_penalty": 4.0,
                        "first_choice_bonus": draw(st.sampled_from([0.0, 4.0])),
                        "noise_sd": draw(st.sampled_from([0.0, 4.0])),
                        "response_rate": {n: draw(st.sampled_from([0.0, 1.0])) for n in names}}
    if draw(st.integers(0, 5)) == 0:
        data["agents"]["hours_per_fte"] = draw(st.sampled_from([0.5, 168]))
    intent_names = [i["name"] for i in intents]
    if draw(st.integers(0, 2)):
        bot = draw(bot_spec(names, intent_names))
        if bot is not None and not bot.get("channel_containment") and not bot.get("assist_reduction"):
            data["bot"] = bot
    if draw(st.integers(0, 5)):
        data["strategies"] = [draw(strategy_spec(i, names, intent_names, segment_names, pools))
                              for i in range(draw(st.integers(1, 3)))]
    return data


@st.composite
def everything_at_once(draw) -> dict:
    """Every channel, each with its own hours and closing policy, a bot on
    every messaging channel and on calls, IVR deflection, campaigns on three
    channels, escalation to calls, repeats, three pools (one with slot caps,
    one in shifts), a routing policy of each kind."""
    data = draw(feature_mixes())
    start = dt.date.fromisoformat(data["start_date"])
    names = list(ALL_CHANNELS)
    segments = [{"name": "digital", "share": 0.5, "preference": ["whatsapp", "rcs", "webchat", "messenger",
                                                                  "apple_messages", "sms", "email", "voice"]},
                {"name": "phone", "share": 0.5, "preference": ["voice", "sms", "email"],
                 "market": draw(st.sampled_from(MARKETS))}]
    data["demand"]["segments"] = segments
    channels = {n: draw(channel_spec(n, ["digital", "phone"], names, start, data["days"]))
                for n in names}
    channels["rcs"]["reach"], channels["rcs"]["fallback"] = 0.7, "sms"
    channels["webchat"]["escalate_to_voice"] = {"share": 0.3, "keeps_history": draw(st.booleans())}
    data["channels"] = channels
    messaging = [n for n in names if n in MESSAGING]
    pools = [{"name": "voice", "channels": ["voice"], **draw(roster()), "cost_per_hour": 40},
             {"name": "chat", "channels": messaging, "concurrency": {"webchat": 2, "whatsapp": 4, "total": 4},
              "cost_per_hour": 35, **draw(roster())},
             {"name": "blended", "channels": names, "concurrency": 3, "cost_per_hour": 45,
              "shifts": [{"name": "day", "start": "07:30", "hours": 9, "days": "mon-sat", "agents": 4,
                          "breaks": [{"after_h": 4, "minutes": 45}]},
                         {"name": "night", "start": "21:00", "hours": 10, "agents": 1}]}]
    data["agents"]["pools"] = pools
    bot = {"channels": ["voice", "webchat", "whatsapp", "messenger"], "call_time": exp(60),
           "keeps_context": draw(st.booleans()), "skip_priority": 2,
           **({"vendor_card": "intercom-fin", "handoff_share": 0.5} if draw(st.booleans()) else {"cost_per_session": 0.1})}
    offer = names[:]
    strategy = {"name": "all", "offer": offer, "bot": bot,
                "ivr_deflection": {"to": "whatsapp", "offered": 0.5, "accept": 0.5, "link_channel": "sms",
                                   "when": draw(st.sampled_from(["always", "if_waiting"]))},
                "campaigns": [{"channel": ch, "per_day": 400, "at_hour": draw(st.integers(0, 23)), "response_rate": 0.2,
                               "intent": "easy", "prevents": 0.2, "category": "utility"}
                              for ch in ("whatsapp", "sms", "rcs")]}
    without = {"name": "no-voice", "offer": [n for n in names if n != "voice"]}
    data["strategies"] = [strategy, without]
    data.pop("bot", None)
    # kept small: one replication, at most a day of warm-up, at most 1,500 contacts a day
    data.update(replications=1, warmup_days=min(data["warmup_days"], 1))
    data["demand"]["contacts_per_day"] = min(data["demand"]["contacts_per_day"], 1500)
    data["pricing"].pop("fees", None)
    return data


# --------------------------------------------------------------- invariants
def finite_or_none(where: str, key: str, value) -> None:
    if value is None:
        return
    assert isinstance(value, (int, float, np.integer, np.floating)), f"{where} {key}: {value!r}"
    assert math.isfinite(value), f"{where} {key} is {value}"


def check_kpis(where: str, kpis: dict) -> None:
    """Every KPI finite; shares in [0, 1]; cost_total the sum of its parts; issues ≤ contacts."""
    for key, value in kpis.items():
        finite_or_none(where, key, value)
    for key in SHARES:
        value = kpis.get(key)
        if value is not None:
            assert -1e-12 <= value <= 1 + 1e-12, f"{where} {key} = {value}"
    parts = [kpis.get(k) for k in ("cost_channel", "cost_labor", "cost_bot")]
    total = kpis.get("cost_total")
    if total is not None and None not in parts:
        assert total == pytest.approx(sum(parts), rel=1e-6, abs=1e-9), f"{where} cost_total {total} != {parts}"
    units = [v for k, v in kpis.items() if k.startswith("cost_bot_")]
    if units and kpis.get("cost_bot") is not None:  # cost_bot by billing unit adds up to cost_bot
        assert sum(units) == pytest.approx(kpis["cost_bot"], rel=1e-6, abs=1e-9), f"{where} cost_bot by unit"
    if kpis.get("cost_labor_assist_seats") is not None and kpis.get("cost_labor") is not None:
        assert kpis["cost_labor_assist_seats"] <= kpis["cost_labor"] + 1e-9, f"{where} assist seats > cost_labor"
    if kpis.get("issues") is not None and kpis.get("contacts") is not None:
        assert kpis["issues"] <= kpis["contacts"], f"{where} issues {kpis['issues']} > contacts {kpis['contacts']}"
    if kpis.get("csat") is not None:
        assert 1 - 1e-9 <= kpis["csat"] <= 5 + 1e-9, f"{where} csat = {kpis['csat']}"
    for key in ("contacts", "handled", "contained", "abandoned", "closed", "messages", "sms_segments"):
        if kpis.get(key) is not None:
            assert kpis[key] >= 0, f"{where} {key} = {kpis[key]}"
    for key in ("cost_total", "cost_channel", "cost_labor", "cost_bot", "aht_s", "asa_s", "ttr_s", "frt_s",
                "slot_wait_s", "response_time_s", "fte"):
        if kpis.get(key) is not None:
            assert kpis[key] >= -1e-9, f"{where} {key} = {kpis[key]}"


def check_contacts(log) -> None:
    """One outcome per contact, times in order, attention only where an agent
    answered, no pool busier than its agents on the floor."""
    c = log.contacts
    assert c["outcome"].notna().all(), "a contact without an outcome"
    assert set(c["outcome"].astype(str)) <= set(OUTCOMES)
    for (strategy, replication), rows in c.groupby(["strategy", "replication"], observed=True):
        ids = rows["contact_id"].to_numpy()
        assert np.array_equal(np.sort(ids), np.arange(len(ids))), f"{strategy}/{replication}: contact ids"
        # attempts: 0 for a first contact, one more than the attempt it repeats, a leg's its contact's
        attempt = rows.sort_values("contact_id")["attempt"].to_numpy(np.int64)
        repeat_of = rows.sort_values("contact_id")["repeat_of"].to_numpy(dtype=float, na_value=np.nan)
        parent = rows.sort_values("contact_id")["parent_id"].to_numpy(dtype=float, na_value=np.nan)
        again, leg = ~np.isnan(repeat_of), ~np.isnan(parent)
        assert np.all(attempt[~again & ~leg] == 0), "a first contact that is not attempt 0"
        assert np.array_equal(attempt[again], attempt[repeat_of[again].astype(np.int64)] + 1), "attempts"
        assert np.array_equal(attempt[leg], attempt[parent[leg].astype(np.int64)]), "a leg's attempt"
    arrival, queued, answer, end = (c[k].to_numpy(float) for k in ("arrival_t", "queued_t", "answer_t", "end_t"))
    wait, focus = c["wait_s"].to_numpy(float), c["focus_s"].to_numpy(float)
    out = c["outcome"].astype(str).to_numpy()
    assert np.all(np.isfinite(arrival))
    for later, name in ((queued, "queued_t"), (answer, "answer_t"), (end, "end_t")):
        known = ~np.isnan(later)
        assert np.all(later[known] >= arrival[known] - 1e-9), f"{name} before arrival_t"
    both = ~np.isnan(answer) & ~np.isnan(end)
    assert np.all(end[both] >= answer[both] - 1e-9), "end_t before answer_t"
    assert np.all(wait[~np.isnan(wait)] >= -1e-9), "a negative wait"
    assert np.all(focus >= 0) and np.all(focus[np.isnan(answer)] == 0), "attention without an agent"
    handled = np.isin(out, ["resolved", "unresolved"])
    assert not np.isnan(answer[handled]).any(), "handled without an answer"
    assert c["pool"][handled].notna().all(), "handled without a pool"
    assert np.all(~np.isnan(end[np.isin(out, ["resolved", "abandoned", "contained", "closed"])])), "ended without end_t"
    first = c["first_reply_t"].to_numpy(float)
    replied = ~np.isnan(first)
    assert np.all(first[replied] >= answer[replied] - 1e-9), "a first reply before the slot"
    assert np.all(np.isnan(end[replied]) | (end[replied] >= first[replied] - 1e-9)), "a first reply after the end"
    m = log.messages
    for (strategy, replication), rows in c.groupby(["strategy", "replication"], observed=True):
        sent = m[(m["strategy"].astype(str) == str(strategy)).to_numpy() & (m["replication"] == replication).to_numpy()]
        ids = sent["contact_id"].to_numpy()
        sent_t = sent["t"].to_numpy(float)
        own = ids >= 0
        assert ids.max(initial=-1) < len(rows), "a message of no contact"
        by_id = rows.sort_values("contact_id")
        begin = by_id["arrival_t"].to_numpy(float)[ids[own]]
        finish = by_id["end_t"].to_numpy(float)[ids[own]]
        assert np.all(sent_t[own] >= begin - 1e-9), "a message before its contact arrived"
        assert np.all(np.isnan(finish) | (sent_t[own] <= finish + 1e-9)), "a message after its contact ended"
    s = log.staffing
    floor = s["staffed"].to_numpy() * s["interval_s"].to_numpy() + s["overtime_s"].to_numpy()
    assert np.all(s["busy_s"].to_numpy() <= floor + 1e-6), "a pool busier than its agents on the floor"


class Recording(Executor):
    """Runs each replication in this process as it is submitted and keeps
    what it measured, as measured (a KPI with nothing to measure is None;
    the run's table would show it as NaN, like a real NaN)."""

    def __init__(self) -> None:
        self.measured: list = []

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            value = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to whoever reads the future
            future.set_exception(exc)
        else:
            self.measured.append((args[1], args[2], value[0]))
            future.set_result(value)
        return future


def final_outcomes(c) -> tuple[np.ndarray, np.ndarray]:
    """Of one replication's contacts: which rows are contacts (not legs) and
    the outcome each contact ended with (its last leg's), found by walking the
    parent links."""
    ids = c["contact_id"].to_numpy()
    parent = c["parent_id"].to_numpy(dtype=float, na_value=np.nan)
    row_of = {int(i): k for k, i in enumerate(ids)}
    top = np.arange(len(c))
    for k in range(len(c)):
        while not np.isnan(parent[top[k]]) and int(parent[top[k]]) in row_of:
            top[k] = row_of[int(parent[top[k]])]
    last = {}
    for k in range(len(c)):
        if top[k] not in last or ids[k] > ids[last[top[k]]]:
            last[top[k]] = k
    outcome = c["outcome"].astype(str).to_numpy()
    is_top = top == np.arange(len(c))
    final = np.array([outcome[last[k]] if is_top[k] else "" for k in range(len(c))], dtype=object)
    return is_top, final


def check_outcomes(scenario, log, strategy: str, replication: int, kpis: dict) -> None:
    """Every contact ends in exactly one outcome, that of its last leg (a leg
    that moved the customer on, deflected, has a continuation), and the
    counts of the KPIs are those outcomes."""
    c = log.contacts
    mine = (c["strategy"].astype(str) == strategy).to_numpy() & (c["replication"] == replication).to_numpy()
    c = c[mine]
    m = log.messages[(log.messages["strategy"].astype(str) == strategy).to_numpy()
                     & (log.messages["replication"] == replication).to_numpy()]
    outcome = c["outcome"].astype(str).to_numpy()
    children = set(c["parent_id"].dropna().astype(int))
    deflected = c["contact_id"].to_numpy()[outcome == "deflected"]
    assert all(int(i) in children for i in deflected), "a deflected leg with no continuation"
    c, _ = measured_window(c, m, scenario.for_strategy(strategy).warmup_s)
    is_top, final = final_outcomes(c)
    final = final[is_top]
    where = f"{strategy}/{replication}"
    assert "deflected" not in set(final), f"{where}: a contact that ended deflected"
    assert kpis["contacts"] == is_top.sum()
    counts = {"handled": np.isin(final, ["resolved", "unresolved"]).sum(), "abandoned": (final == "abandoned").sum(),
              "contained": (final == "contained").sum(), "closed": (final == "closed").sum()}
    assert {k: kpis[k] for k in counts} == counts, f"{where}: {kpis} vs {counts}"
    assert sum(counts.values()) + (final == "unserved").sum() == kpis["contacts"]


def check_priorities(scenario, log) -> None:
    """Each contact carries its intent's priority, as the scenario gives it."""
    c = log.contacts
    for name in scenario.strategy_names:
        mine = c[(c["strategy"].astype(str) == name).to_numpy()]
        given = {i.name: i.priority for i in scenario.for_strategy(name).demand.intents}
        expected = mine["intent"].astype(str).map(given).to_numpy(np.int64)
        assert np.array_equal(mine["priority"].to_numpy(np.int64), expected), f"{name}: priorities in the log"


def check_run(result, measured: list) -> None:
    check_contacts(result.log)
    check_priorities(result.scenario, result.log)
    assert len(measured) == len(result.strategies) * result.replications
    for strategy, replication, m in measured:
        where = f"{strategy}/{replication}"
        check_outcomes(result.scenario, result.log, strategy, replication, m.overall)
        check_kpis(where, m.overall)
        for key, members in m.breakdowns.items():
            for member, kpis in members.items():
                check_kpis(f"{where} {key} {member}", kpis)
    for strategy in result.strategies:
        check_kpis(strategy.name, strategy.kpis)
        for key, half in strategy.ci95.items():
            finite_or_none(f"{strategy.name} ci95", key, half)
            assert half is None or half >= 0, f"{strategy.name} ci95 {key} = {half}"
        for key in ("by_channel", "by_pool", "by_segment", "by_intent", "by_market"):
            for member, kpis in getattr(strategy, key).items():
                check_kpis(f"{strategy.name} {key} {member}", kpis)


def simulate_checked(data: dict):
    """Load, simulate and measure ``data``, check every invariant; the result."""
    scenario = chansim.load_scenario(data)
    recording = Recording()
    result = chansim.simulate(scenario, executor=recording)
    check_run(result, recording.measured)
    return result


def run_mix(data: dict):
    try:
        chansim.load_scenario(data)
    except InputError:
        assume(False)
    try:
        return simulate_checked(data)
    except InputError:  # refused: a channel or AI card that cannot be priced (SMS media on a card without MMS)
        assume(False)


@MIX
@given(data=feature_mixes())
def test_any_accepted_feature_mix_runs_and_keeps_its_invariants(data):
    run_mix(data)


@settings(MIX, max_examples=max(3, EXAMPLES // 5))
@given(data=everything_at_once())
def test_every_feature_at_once_runs_and_keeps_its_invariants(data):
    run_mix(data)


# ------------------------------------------------------------- regressions
def test_a_run_ending_inside_an_hour_counts_no_attention_after_its_end():
    """days: 0.3 ends the run at 07:12: the last hour of the staffing log is 12
    minutes long, and so is the attention it counts (it counted the whole hour,
    past the end of the run: occupancy 1.11)."""
    data = scenario_dict({"demand.contacts_per_day": 3000, "agents.pools.0.headcount": 3}, days=0.3,
                         warmup_days=0)
    result = simulate_checked(data)
    s = result.log.staffing
    last = s.iloc[-1]
    assert (last["interval_start_s"], last["interval_s"], last["staffed"]) == (25_200.0, 720.0, 3)
    assert last["busy_s"] == pytest.approx(3 * 720.0)  # three agents busy to the end of the run
    assert last["held_slot_s"] == last["busy_s"]
    assert result.strategies[0].kpis["occupancy"] <= 1.0
    assert s["busy_s"].sum() <= (s["staffed"] * s["interval_s"]).sum()


def test_a_run_ending_inside_an_interval_of_a_blended_pool_after_closing():
    """1.9 days of email open at night worked by one agent of a blended pool
    (the shrunk case of a feature mix): the last interval ends with the run."""
    data = scenario_dict(
        {"demand.contacts_per_day": 200,
         "agents.pools": [{"name": "p0", "channels": ["email", "webchat"], "headcount": 1}]},
        channels={"email": {"agent_time_per_turn": exp(50.0), "hours": {"mon-sun": ["00:00-06:00", "20:00-24:00"]}},
                  "webchat": {"agent_time_per_turn": exp(3.0), "reach": 0.0}},
        days=1.9, warmup_days=0, start_date="2025-06-30", seed=0)
    result = simulate_checked(data)
    assert result.log.staffing["interval_s"].iloc[-1] == pytest.approx(0.6 * 3600)


def test_a_numba_that_cannot_load_falls_back_to_the_python_recursion(tmp_path):
    """A numba that fails to load with an error other than ImportError (a
    broken install; a module of the working folder shadowing one numba
    imports, as a notebook folder's coverage.py does to numba's coverage
    support: AttributeError) ran the voice fast path into a traceback; it
    now runs the Python recursion, which gives the same log."""
    (tmp_path / "numba").mkdir()
    (tmp_path / "numba" / "__init__.py").write_text(
        "raise AttributeError(\"module 'coverage' has no attribute 'types'\")\n", encoding="utf-8")
    data = scenario_dict({"demand.contacts_per_day": 500, "agents.pools.0.headcount": 3}, days=0.2, warmup_days=0)
    code = ("import json, sys, chansim\n"
            "from chansim.engine import fast_path\n"
            f"scenario = chansim.load_scenario({data!r})\n"
            "result = chansim.simulate(scenario, keep_log=False)\n"
            "print(json.dumps([fast_path.kernel_name(), result.strategies[0].kpis]))\n")
    env = {k: v for k, v in os.environ.items() if k not in ("CHANSIM_FAST_KERNEL", "CHANSIM_FAST_PATH")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    kernel, kpis = json.loads(out.stdout)
    assert kernel == "python"
    expected = chansim.simulate(chansim.load_scenario(data), keep_log=False).strategies[0].kpis
    assert kpis == json.loads(json.dumps(expected))


def test_a_customer_may_try_again_more_than_32767_times():
    """Every caller hangs up at once (patience 0, no agent) and tries again
    0.2 s later, for three hours: about 39,000 attempts of one issue. The
    attempt number was a 16-bit integer: past 32,767 it went negative (and
    past 65,535 a repeat counted as a new issue)."""
    data = scenario_dict({"demand.contacts_per_day": 1.5, "demand.intraday": [1] + [0] * 23,
                          "agents.pools.0.headcount": 0},
                         channels={"voice": {"handle_time": exp(200), "patience": fixed(0)}},
                         repeats={"delay": fixed(0.2), "after_abandon": 1.0}, days=0.125, warmup_days=0, seed=1)
    result = simulate_checked(data)
    c = result.log.contacts
    assert c["repeat_of"].isna().sum() == 1  # one customer
    assert len(c) > 32_768 and c["attempt"].max() == len(c) - 1
    assert result.strategies[0].kpis["issues"] == 1
    assert (c["outcome"] == "abandoned").all()


def test_a_priority_above_32767_is_logged_as_given():
    """Priorities go up to 1e9: the contacts table wrote them in 16 bits,
    so an intent of priority 40,000 was logged as -25,536."""
    data = scenario_dict({"demand.intents": [{"name": "urgent", "share": 0.5, "priority": 40_000},
                                             {"name": "routine", "share": 0.5, "priority": 1_000_000_000}],
                          "agents.pools.0.headcount": 2}, days=0.25, warmup_days=0)
    c = simulate_checked(data).log.contacts
    assert c.groupby("intent", observed=True)["priority"].agg(["min", "max"]).to_dict("index") == {
        "urgent": {"min": 40_000, "max": 40_000}, "routine": {"min": 1_000_000_000, "max": 1_000_000_000}}
