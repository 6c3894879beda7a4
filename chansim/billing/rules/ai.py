"""AI agents and agent assist priced from the event log, under the AI card
(:mod:`chansim.billing.ai_cards`) the bot names, each session on its own
date.

A session is a contact the AI agent answered (``bot_outcome`` contained,
handoff: handed over deliberately, or escalated: the session failed and the
customer was passed on). What each unit counts per session:

==================  ==========================================================
``per_session``     1
``per_conversation`` 1 for the first session of a customer, and for the first
                    one more than 24 hours after the last conversation billed;
                    0 for the others
``per_outcome``     1 when contained; 1 when handed over deliberately if a
                    handoff is an outcome (``bot.handoff_is_outcome``, else
                    the card's); 0 when the session failed (escalated)
``per_resolution``  1 when contained
``per_action``      the actions drawn for the session from ``bot.actions``
                    (stream ``bot.actions`` of the replication, by contact id)
``per_token``       ``bot.tokens_per_turn`` × the AI agent's replies (messages
                    sent by the bot)
``per_minute``      the minutes with the AI agent, unrounded: from arrival to
                    the agents' queue (``queued_t``) when handed over, to the
                    end when contained (a voice AI agent: its talk time); 0
                    when the run ended first
``per_call``        1
==================  ==========================================================

Each charge is a priced row (``units``, ``unit``, ``cost``, ``rule``,
``card``), summed into cost lines like messages are; seats of agent assist are
a line per calendar month, prorated by day (:mod:`chansim.billing.fixed`).
Costs are in the scenario currency (card rates converted with
``pricing.exchange_rates``; the provider markup is for channel fees, not
here). Pure: the same log and settings give the same costs, and each
session's units and cost depend on its own row, its customer's sessions
(``per_conversation``) and its own messages (``per_token``) only, so the log
can be priced a set of customers at a time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd

from chansim.billing.ai_cards import AIBook, AICard
from chansim.billing.card_dates import day_index
from chansim.billing.fixed import month_days
from chansim.errors import InputError, Problem

__all__ = ["price_sessions", "seat_lines", "session_units", "AIPricing"]

WINDOW_S = 86_400.0  # a per_conversation conversation lasts 24 hours


@dataclass
class AIPricing:
    """What pricing a bot's AI card needs (from the scenario: the bot, the calendar, the currency)."""

    book: AIBook
    start: dt.date
    vendor_card: str | None = None
    assist_card: str | None = None
    seats: int | None = None
    rates: Mapping[str, float] = field(default_factory=dict)
    handoff_is_outcome: bool | None = None
    actions: object | None = None  # a Distribution
    tokens_per_turn: float | None = None
    as_of: dt.date | None = None
    currency: str | None = None
    exchange_rates: Mapping[str, float] = field(default_factory=dict)
    seed: int = 0
    path: str = "bot"  #: where the bot is in the scenario, for problems

    def card(self, day: dt.date, name: str | None = None, what: str = "vendor_card") -> AICard:
        return self.book.find(name or self.vendor_card, self.as_of or day, f"{self.path}.{what}")

    def factor(self, card: AICard) -> float:
        if self.currency is None or card.currency == self.currency:
            return 1.0
        if card.currency not in self.exchange_rates:
            raise InputError(Problem(f"pricing.exchange_rates.{card.currency}",
                                     f"needed: the AI card {card.id} is in {card.currency}, the scenario in "
                                     f"{self.currency} (give how many {self.currency} one {card.currency} buys)"))
        return float(self.exchange_rates[card.currency])


def _conversation_units(customer: np.ndarray, t: np.ndarray, ids: np.ndarray | None = None) -> np.ndarray:
    """1 for each session opening a 24-hour conversation of its customer, else
    0. Sessions of a customer at the same time are taken in the order of
    their ``ids`` (contact ids) when given, else in row order: a customer's
    units depend on its own sessions only, whatever the other rows and their
    order."""
    order = np.lexsort((t, customer) if ids is None else (ids, t, customer))
    units = np.zeros(t.size)
    last_customer, opened = None, -np.inf
    for k in order:
        if customer[k] != last_customer or t[k] >= opened + WINDOW_S:
            units[k], opened, last_customer = 1.0, t[k], customer[k]
    return units


#: Action counts are drawn this many at a time (the stream's values in order,
#: whatever the block): the memory a session's draw takes does not grow with
#: its contact id.
_ACTION_BLOCK = 1 << 16


def _actions(ai: AIPricing, replication: int, ids: np.ndarray) -> np.ndarray:
    """The actions of the sessions of contact ``ids`` of one replication:
    value ``id`` of the ``bot.actions`` stream (drawn in order), rounded, at
    least 0 — the same for a contact whatever other contacts are priced with
    it."""
    from chansim.engine.streams import Streams

    out = np.zeros(ids.size)
    if not ids.size:
        return out
    rng = Streams(ai.seed, int(replication))("bot.actions")
    order = np.argsort(ids, kind="stable")
    wanted = ids[order]
    top = int(wanted[-1]) + 1
    if top <= _ACTION_BLOCK:
        out[order] = ai.actions.sample(rng, top)[wanted]
    else:  # (numpy draws value after value: blocks in a row are the values of one draw)
        for lo in range(0, top, _ACTION_BLOCK):
            a, b = np.searchsorted(wanted, [lo, lo + _ACTION_BLOCK])
            block = ai.actions.sample(rng, min(_ACTION_BLOCK, top - lo))
            out[order[a:b]] = block[wanted[a:b] - lo]
    return np.maximum(np.rint(out), 0.0)


def session_units(sessions: pd.DataFrame, messages: pd.DataFrame | None, card: AICard, ai: AIPricing) -> tuple[np.ndarray, np.ndarray]:
    """(units, kind) per session under ``card``'s unit; kind 0 plain, 1
    resolved, 2 handoff billed, 3 handoff not billed, 4 failed (not billed)."""
    n = len(sessions)
    outcome = sessions["bot_outcome"].astype(str).to_numpy()
    contained = outcome == "contained"
    kind = np.zeros(n, dtype=np.int8)
    unit = card.unit
    if unit in ("per_session", "per_call"):
        return np.ones(n), kind
    if unit == "per_minute":
        left = np.where(contained, sessions["end_t"].to_numpy(dtype=float), sessions["queued_t"].to_numpy(dtype=float))
        return np.nan_to_num((left - sessions["arrival_t"].to_numpy(dtype=float)) / 60.0, nan=0.0), kind
    if unit == "per_conversation":
        keys = sessions["customer_id"].to_numpy(dtype=np.int64)
        if "replication" in sessions:
            keys = keys + sessions["replication"].to_numpy(dtype=np.int64) * (int(keys.max(initial=0)) + 1)
        ids = sessions["contact_id"].to_numpy(dtype=np.int64) if "contact_id" in sessions else None
        return _conversation_units(keys, sessions["arrival_t"].to_numpy(dtype=float), ids), kind
    if unit in ("per_outcome", "per_resolution"):
        handoff = unit == "per_outcome" and (ai.handoff_is_outcome if ai.handoff_is_outcome is not None
                                             else card.handoff_is_outcome)
        handed = outcome == "handoff"
        kind = np.select([contained, handed], [1, 2 if handoff else 3], 4).astype(np.int8)
        return (contained | (handed & handoff)).astype(float), kind
    if unit == "per_action":
        units = np.zeros(n)
        ids = sessions["contact_id"].to_numpy(dtype=np.int64)
        reps = sessions["replication"].to_numpy(dtype=np.int64) if "replication" in sessions else np.zeros(n, np.int64)
        for rep in np.unique(reps):
            rows = np.flatnonzero(reps == rep)
            units[rows] = _actions(ai, int(rep), ids[rows])
        return units, kind
    if unit == "per_token":
        replies = np.zeros(n)
        if messages is not None and len(messages):
            bot = messages[(messages["sender"].astype(str) == "bot").to_numpy()]
            keys = [k for k in ("replication", "strategy", "contact_id") if k in bot and k in sessions]
            if len(bot):
                counts = bot.groupby([bot[k].astype(str) if k == "strategy" else bot[k] for k in keys],
                                     observed=True).size()
                index = pd.MultiIndex.from_arrays([sessions[k].astype(str) if k == "strategy" else sessions[k]
                                                   for k in keys]) if len(keys) > 1 else sessions[keys[0]]
                replies = counts.reindex(index).fillna(0).to_numpy(dtype=float)
        return replies * float(ai.tokens_per_turn), kind
    raise InputError(Problem(f"{ai.path}.vendor_card", f"card {card.id} has unit {unit}, which bills no AI session"))


_KIND_RULE = {0: "", 1: ", resolved", 2: ", handoff (an outcome)", 3: ", handoff (not billed)",
              4: ", failed session (not billed)"}


def price_sessions(contacts: pd.DataFrame, messages: pd.DataFrame | None, ai: AIPricing) -> pd.DataFrame:
    """The AI agent's sessions in ``contacts``, priced: ``replication``,
    ``strategy``, ``segment``, ``channel``, ``contact_id``, ``units``,
    ``unit``, ``cost``, ``rule`` and ``card`` per session, each under the
    card in force on its arrival day (or the pricing date)."""
    if "bot_outcome" not in contacts or not len(contacts):
        return pd.DataFrame(columns=["channel", "unit", "units", "cost", "rule", "card"])
    sessions = contacts[(contacts["bot_outcome"].astype(str) != "none").to_numpy()]
    n = len(sessions)
    units, cost = np.zeros(n), np.zeros(n)
    rule = np.empty(n, dtype=object)
    card_id = np.empty(n, dtype=object)
    unit_name = np.empty(n, dtype=object)
    days = day_index(sessions["arrival_t"].to_numpy(dtype=float))
    by_card: dict[str, tuple[AICard, list[int]]] = {}
    for d in np.unique(days):
        card = ai.card(ai.start + dt.timedelta(days=int(d)))
        by_card.setdefault(card.id, (card, []))[1].append(int(d))
    for card, its_days in by_card.values():
        rows = np.flatnonzero(np.isin(days, its_days))
        part = sessions.iloc[rows] if len(by_card) > 1 else sessions
        u, kind = session_units(part, messages, card, ai)
        price = card.rate(ai.rates, path=f"{ai.path}.rates") * ai.factor(card)
        units[rows], cost[rows] = u, u * price
        label = card.unit.replace("_", " ")
        rule[rows] = [f"AI agent: {label}{_KIND_RULE[int(k)]} ({card.vendor})" for k in kind]
        card_id[rows], unit_name[rows] = card.id, card.unit.removeprefix("per_")
    keep = [k for k in ("replication", "strategy", "segment", "channel", "contact_id") if k in sessions]
    out = sessions[keep].copy()
    for k in ("strategy", "segment", "channel"):
        if k in out:
            out[k] = out[k].astype(str)
    out["units"], out["unit"], out["cost"] = units, pd.Categorical(unit_name), cost
    out["rule"], out["card"] = pd.Categorical(rule), pd.Categorical(card_id)
    return out.reset_index(drop=True)


def seat_lines(ai: AIPricing, from_s: float, to_s: float) -> pd.DataFrame:
    """Agent-assist seats over ``[from_s, to_s)``: one line per calendar
    month, ``seats`` × the card's monthly rate prorated by day."""
    rows = []
    if ai.assist_card is not None:
        for day, days, share in month_days(ai.as_of or ai.start, from_s, to_s):
            card = ai.card(day, ai.assist_card, "assist_card")
            if card.unit != "per_seat":
                raise InputError(Problem(f"{ai.path}.assist_card", f"card {card.id} is sold {card.unit}; agent assist "
                                                                    "needs a per_seat card"))
            rate = card.rate(ai.rates, path=f"{ai.path}.rates") * ai.factor(card)
            rows.append({"channel": "*", "rule": f"agent assist: per seat a month of {day:%Y-%m}, prorated by day "
                                                 f"({card.vendor})", "card": card.id, "unit": "seat-day",
                         "units": days * ai.seats, "cost": rate * ai.seats * share})
    return pd.DataFrame(rows, columns=["channel", "rule", "card", "unit", "units", "cost"])
