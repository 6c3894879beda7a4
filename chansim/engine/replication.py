"""Run one replication of one strategy and return its event log."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chansim.engine.fast_path import fast_path_enabled, fast_path_reason, run_fast
from chansim.engine.log import OUTCOMES, EventLog, _categorical, channel_categorical
from chansim.engine.plan import CHANNEL_CODE, ContactBook, build_plan
from chansim.engine.simulation import Simulation
from chansim.engine.staffing_table import staffing_table
from chansim.engine.streams import Streams
from chansim.scenario.channels import CHANNELS
from chansim.scenario.models import Scenario

__all__ = ["run_replication"]

DIRECTIONS = ("in", "out")
SENDERS = ("customer", "agent", "bot", "system")
CATEGORIES = ("service", "marketing", "utility", "authentication")
BOT_OUTCOMES = ("none", "contained", "escalated", "handoff")


def run_replication(
    scenario: Scenario,
    strategy: str,
    replication: int,
    *,
    arrivals: np.ndarray | None = None,
    fast_path: bool | None = None,
    plan_by_day: bool = True,
) -> EventLog:
    """Simulate replication ``replication`` of ``strategy``.

    The random streams depend on the scenario seed and the replication number
    only, so every strategy sees the same customers (common random numbers).
    ``arrivals`` (times in seconds) replaces the Poisson arrivals.

    A voice-only pool served first come, first served takes the fast path
    (:mod:`chansim.engine.fast_path`: the same log, without the event loop)
    unless ``fast_path`` is False (None: unless ``CHANSIM_FAST_PATH=0``).

    ``plan_by_day``: the planned contacts are drawn a day at a time as the run
    reaches them (the same draws as all at once, with less memory held), except
    on the fast path, which reads the whole plan."""
    resolved = scenario.for_strategy(strategy)
    streams = Streams(resolved.seed, replication)
    book = build_plan(resolved, streams, arrivals=arrivals, by_day=plan_by_day)
    sim = None
    if (fast_path_enabled() if fast_path is None else fast_path) and fast_path_reason(resolved) is None:
        book.plan_all()  # (the fast path and its checks read every planned contact)
        voice_bot = bool(book.bot_call_s[: book.size].any())  # an AI agent answering calls: the event loop serves it
        if not voice_bot and fast_path_reason(resolved, book) is None:
            sim = run_fast(resolved, book)
    if sim is None:
        sim = Simulation(resolved, book)
        sim.run()
    book.plan_all()  # (every planned contact has arrived by the end of the run: nothing is left to draw)
    # the tables, each made once what it reads is there, letting go of what no table reads any more first
    # (a long run's turns, messages and attention spans are the largest things a replication holds)
    staffing = staffing_table(resolved, sim, strategy, replication)
    sim.attention = None
    book.release_draws(keep=_BOOK_READ)
    messages = _messages_table(resolved, book, sim, strategy, replication)
    book.release_turns()
    sim.messages = None
    contacts = _contacts_table(resolved, book, sim, strategy, replication)
    return EventLog(contacts=contacts, messages=messages, staffing=staffing,
                    meta={"strategy": strategy, "replication": replication})


#: The contact columns of the book the tables read (the rest is what the run drew for it).
_BOOK_READ = ("customer", "segment", "intent", "priority", "preferred", "original", "channel", "context_lost",
              "arrival_t", "root", "attempt", "repeat_of", "parent", "turn_offset", "bot_turns")


def _constant(value: str, n: int) -> pd.Categorical:
    """``value`` on every one of ``n`` rows, stored once."""
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[value])


def _links(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Contact ids, with "none" (-1) as a missing value."""
    missing = values < 0
    if missing.all():  # (no links: zeros the operating system gives without touching memory)
        return pd.arrays.IntegerArray(np.zeros(values.size, dtype=np.int64), missing)
    return pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64, copy=False), missing)


def _rows(values: np.ndarray, n: int) -> np.ndarray:
    """The first ``n`` rows of a column, as a view when the column holds not
    much more than them (a table column keeps its whole array alive), else
    as a copy."""
    return values[:n] if values.size <= n + n // 4 + 64 else values[:n].copy()


def _contacts_table(s: Scenario, book: ContactBook, sim: Simulation, strategy: str, replication: int) -> pd.DataFrame:
    """One row per contact, made column by column in its final dtype: each
    column is the run's own array where it can be (no copy into blocks)."""
    n = book.size
    rec = sim.contacts
    rec.ensure(n)
    answer, end, queued = _rows(rec.answer_t, n), _rows(rec.end_t, n), _rows(rec.queued_t, n)
    wait = np.where(np.isnan(answer), end, answer)
    wait -= queued
    bot = rec.bot[:n]
    if bot.any():
        bot_outcome = np.select([bot == 2, bot == 3, bot == 4], [1, 2, 3], 0)
    else:
        bot_outcome = np.zeros(n, dtype=np.int8)
    elapsed = end - answer
    ids = np.arange(n, dtype=np.int64)
    book_rows = {name: _rows(getattr(book, name), n) for name in (
        "customer", "segment", "intent", "preferred", "original", "channel", "context_lost", "arrival_t", "root",
        "attempt")}
    return pd.DataFrame(
        {
            "replication": np.full(n, replication, dtype=np.int32) if replication else np.zeros(n, dtype=np.int32),
            "strategy": _constant(strategy, n),
            "contact_id": ids,
            "customer_id": book_rows["customer"],
            "segment": _categorical(book_rows["segment"], [x.name for x in s.demand.segments]),
            "intent": _categorical(book_rows["intent"], [x.name for x in s.demand.intents]),
            "priority": _rows(book.priority, n),  # (32 bits, as drawn: priorities go up to 1e9)
            "preferred_channel": channel_categorical(book_rows["preferred"]),
            "original_channel": channel_categorical(book_rows["original"]),
            "channel": channel_categorical(book_rows["channel"]),
            "bot_outcome": _categorical(bot_outcome, BOT_OUTCOMES),
            "context_lost": book_rows["context_lost"],
            "arrival_t": book_rows["arrival_t"],
            "queued_t": queued,
            "answer_t": answer,
            "first_reply_t": _rows(rec.first_reply_t, n),
            "end_t": end,
            "wait_s": wait,
            "focus_s": _rows(rec.focus_s, n),
            "elapsed_s": elapsed,
            "outcome": _categorical(_rows(rec.outcome, n), OUTCOMES),
            "pool": _categorical(_rows(rec.pool, n), [p.name for p in s.agents.pools]),
            "agent": _rows(rec.agent, n),
            "transfers": _rows(rec.transfers, n),
            "repeat_of": _links(book.repeat_of[:n]),
            "parent_id": _links(book.parent[:n]),
            "root_id": book_rows["root"],
            "attempt": book_rows["attempt"],
        },
        copy=False,
    )


def _messages_table(s: Scenario, book: ContactBook, sim: Simulation, strategy: str, replication: int) -> pd.DataFrame:
    """One row per message, made column by column in its final dtype (the
    table of a long run is the largest thing a replication holds)."""
    t = np.frombuffer(sim.messages.t, dtype=float)  # (the run's own buffer: the table's column, not a copy)
    position = np.frombuffer(sim.messages.position, dtype=np.int64)
    turn = position // 2
    contact = book.turn_data.contact[turn]  # a contact's turns are contiguous, from its turn_offset
    out = (position % 2).astype(bool)
    if book.bot_turns[: book.size].any():
        turn -= book.turn_offset[contact]
        by_bot = book.bot_turns[contact] > turn
        by_bot &= out
    else:  # (no bot turns: no message by the bot)
        by_bot = np.zeros(t.size, dtype=bool)
    del turn
    extra = _system_messages(s, book, sim)
    order = None
    if extra is not None:
        order = np.argsort(np.concatenate([t, extra["t"].astype(t.dtype)]), kind="stable")

    def column(key: str, values: np.ndarray) -> np.ndarray:
        """The column ``key``: the contacts' messages, then the system
        messages, in time order."""
        if order is None:
            return values
        return np.concatenate([values, extra[key].astype(values.dtype)])[order]

    def coded(key: str, codes: np.ndarray, names: tuple[str, ...] | list[str]) -> pd.Categorical:
        return pd.Categorical.from_codes(column(key, codes), categories=list(names))

    segment_names = [x.name for x in s.demand.segments]
    frame = {
        "t": column("t", t),
        "contact_id": column("contact_id", contact),
        "customer_id": column("customer_id", book.customer[contact]),
        "channel": coded("channel", book.channel[contact], CHANNELS),
        "original_channel": coded("original_channel", book.original[contact], CHANNELS),
        "direction": coded("direction", out.view(np.int8), DIRECTIONS),
        # customer 0, agent 1, bot 2 (the bot's messages are outbound)
        "sender": coded("sender", np.add(out, by_bot, dtype=np.int8), SENDERS),
        "category": coded("category", np.zeros(t.size, dtype=np.int8), CATEGORIES),
        "chars": column("chars", _per_message(book, "chars", position, np.int32)),
        "non_gsm": column("non_gsm", _per_message(book, "non_gsm", position, bool)),
        "media": column("media", _per_message(book, "media", position, bool)),
        "segment": coded("segment", book.segment[contact], segment_names),
        "extension": column("extension", _per_message(book, "extension", position, np.int32)),
        "emoji": column("emoji", _per_message(book, "emoji", position, np.int32)),
    }
    m = frame["t"].size
    # each column is stored as it is (no copy into blocks): the table is made once and only read
    return pd.DataFrame({"replication": np.full(m, replication, dtype=np.int32), "strategy": _constant(strategy, m),
                         **frame}, copy=False)


def _per_message(book: ContactBook, name: str, position: np.ndarray, dtype) -> np.ndarray:
    """The plan's per-message column ``name`` at ``position``, as ``dtype``;
    a column of zeros only (no extension character in any message, say) is
    zeros no memory is written for."""
    values = getattr(book.message_data, name)
    if not values[: book.message_data.size].any():
        return np.zeros(position.size, dtype=dtype)
    return values[position].astype(dtype, copy=False)


def _system_messages(s: Scenario, book: ContactBook, sim: Simulation) -> dict | None:
    """Campaign sends (no contact: contact_id -1) and IVR link messages."""
    rows = {k: [] for k in ("t", "contact_id", "customer_id", "channel", "original_channel", "direction", "sender",
                            "category", "chars", "non_gsm", "media", "segment", "extension", "emoji")}
    for t, contact, customer, code, category, chars, non_gsm, media in sim.system_messages:
        for key, value in zip(rows, (t, contact, customer, code, code, 1, 3, CATEGORIES.index(category), chars,
                                     non_gsm, media, book.segment[contact], 0, 0)):
            rows[key].append(value)
    parts = [{k: np.asarray(v) for k, v in rows.items()}] if sim.system_messages else []
    segments = getattr(book, "campaign_segments", [])
    for batch, (index, campaign, send_t, customers, delivered) in enumerate(getattr(book, "campaign_sends", [])):
        k = send_t.size
        parts.append({
            "t": send_t, "contact_id": np.full(k, -1), "customer_id": customers,
            "channel": delivered.astype(np.int64), "original_channel": np.full(k, CHANNEL_CODE[campaign.channel]),
            "direction": np.ones(k, dtype=np.int64), "sender": np.full(k, 3), "category":
            np.full(k, CATEGORIES.index(campaign.category)), "chars": np.full(k, campaign.chars),
            "non_gsm": np.full(k, campaign.non_gsm), "media": np.full(k, campaign.media),
            "segment": segments[batch] if batch < len(segments) else np.zeros(k, dtype=np.int64),
            "extension": np.zeros(k, dtype=np.int32), "emoji": np.zeros(k, dtype=np.int32),
        })
    if not parts:
        return None
    return {key: np.concatenate([np.asarray(p[key]) for p in parts]) for key in rows}
