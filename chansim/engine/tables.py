"""The event log's tables, made from a run's contact book and recorders:
every contact and message at once (:func:`contacts_table`,
:func:`messages_table`), or those of some contacts at a time
(``ids``, ``rows``: a long run hands its log over a chunk of customers at a
time, :mod:`chansim.engine.handover`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chansim.engine.channel_codes import CHANNEL_CODE
from chansim.engine.contact_book import ContactBook
from chansim.engine.log import OUTCOMES, _categorical, channel_categorical
from chansim.scenario.channels import CHANNELS
from chansim.scenario.models import Scenario

__all__ = ["DIRECTIONS", "SENDERS", "CATEGORIES", "BOT_OUTCOMES", "contacts_table", "messages_table",
           "system_messages"]

DIRECTIONS = ("in", "out")
SENDERS = ("customer", "agent", "bot", "system")
CATEGORIES = ("service", "marketing", "utility", "authentication")
BOT_OUTCOMES = ("none", "contained", "escalated", "handoff")


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


def contacts_table(s: Scenario, book: ContactBook, sim, strategy: str, replication: int,
                   ids: np.ndarray | None = None) -> pd.DataFrame:
    """One row per contact (or per contact of ``ids``, in increasing order),
    made column by column in its final dtype: each column of the whole table
    is the run's own array where it can be (no copy into blocks)."""
    rec = sim.contacts
    if ids is None:
        n = book.size
        rec.ensure(n)

        def take(values: np.ndarray) -> np.ndarray:
            return _rows(values, n)
    else:
        n = ids.size

        def take(values: np.ndarray) -> np.ndarray:
            return values[ids]
    answer, end, queued = take(rec.answer_t), take(rec.end_t), take(rec.queued_t)
    wait = np.where(np.isnan(answer), end, answer)
    wait -= queued
    bot = rec.bot[:n] if ids is None else rec.bot[ids]
    if bot.any():
        bot_outcome = np.select([bot == 2, bot == 3, bot == 4], [1, 2, 3], 0)
    else:
        bot_outcome = np.zeros(n, dtype=np.int8)
    elapsed = end - answer
    contact_ids = np.arange(n, dtype=np.int64) if ids is None else ids.astype(np.int64)
    book_rows = {name: take(getattr(book, name)) for name in (
        "customer", "segment", "intent", "preferred", "original", "channel", "context_lost", "arrival_t", "root",
        "attempt")}
    return pd.DataFrame(
        {
            "replication": np.full(n, replication, dtype=np.int32) if replication else np.zeros(n, dtype=np.int32),
            "strategy": _constant(strategy, n),
            "contact_id": contact_ids,
            "customer_id": book_rows["customer"],
            "segment": _categorical(book_rows["segment"], [x.name for x in s.demand.segments]),
            "intent": _categorical(book_rows["intent"], [x.name for x in s.demand.intents]),
            "priority": take(book.priority),  # (32 bits, as drawn: priorities go up to 1e9)
            "preferred_channel": channel_categorical(book_rows["preferred"]),
            "original_channel": channel_categorical(book_rows["original"]),
            "channel": channel_categorical(book_rows["channel"]),
            "bot_outcome": _categorical(bot_outcome, BOT_OUTCOMES),
            "context_lost": book_rows["context_lost"],
            "arrival_t": book_rows["arrival_t"],
            "queued_t": queued,
            "answer_t": answer,
            "first_reply_t": take(rec.first_reply_t),
            "end_t": end,
            "wait_s": wait,
            "focus_s": take(rec.focus_s),
            "elapsed_s": elapsed,
            "outcome": _categorical(take(rec.outcome), OUTCOMES),
            "pool": _categorical(take(rec.pool), [p.name for p in s.agents.pools]),
            "agent": take(rec.agent),
            "transfers": take(rec.transfers),
            "repeat_of": _links(take(book.repeat_of)),
            "parent_id": _links(take(book.parent)),
            "root_id": book_rows["root"],
            "attempt": book_rows["attempt"],
        },
        copy=False,
    )


def messages_table(s: Scenario, book: ContactBook, sim, strategy: str, replication: int) -> pd.DataFrame:
    """One row per message, made column by column in its final dtype (the
    table of a long run is the largest thing a replication holds)."""
    t = np.frombuffer(sim.messages.t, dtype=float)  # (the run's own buffer: the table's column, not a copy)
    position = np.frombuffer(sim.messages.position, dtype=np.int64)
    extra = system_messages(s, book, sim)
    order = None
    if extra is not None:
        order = np.argsort(np.concatenate([t, extra["t"].astype(t.dtype)]), kind="stable")
    return messages_frame(s, book, strategy, replication, t, position, extra, order)


def messages_frame(s: Scenario, book: ContactBook, strategy: str, replication: int, t: np.ndarray,
                   position: np.ndarray, extra: dict | None, order: np.ndarray | None) -> pd.DataFrame:
    """The messages table of the contacts' messages (their times ``t`` and
    positions in the plan's per-message arrays) and the system messages
    ``extra`` (:func:`system_messages`), rows in ``order`` (of the contacts'
    messages, then the system messages; None: as they are)."""
    turn = position // 2
    contact = book.turn_data.contact[turn]  # a contact's turns are contiguous, from its turn_offset
    out = (position % 2).astype(bool)
    if book.bot_turns[: book.size].any() if book.bot_turns is not None else contact.size:
        turn -= book.turn_offset[contact]
        by_bot = book.bot_turns[contact] > turn
        by_bot &= out
    else:  # (no bot turns: no message by the bot)
        by_bot = np.zeros(t.size, dtype=bool)
    del turn

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


def system_messages(s: Scenario, book: ContactBook, sim, items: list | None = None,
                    sends: list[np.ndarray] | None = None) -> dict | None:
    """Campaign sends (no contact: contact_id -1) and IVR link messages: every
    one, or the IVR messages ``items`` (of ``sim.system_messages``) and the
    sends of each campaign batch that ``sends`` picks (a mask per batch)."""
    rows = {k: [] for k in ("t", "contact_id", "customer_id", "channel", "original_channel", "direction", "sender",
                            "category", "chars", "non_gsm", "media", "segment", "extension", "emoji")}
    items = sim.system_messages if items is None else items
    for t, contact, customer, code, category, chars, non_gsm, media in items:
        for key, value in zip(rows, (t, contact, customer, code, code, 1, 3, CATEGORIES.index(category), chars,
                                     non_gsm, media, book.segment[contact], 0, 0)):
            rows[key].append(value)
    parts = [{k: np.asarray(v) for k, v in rows.items()}] if items else []
    segments = getattr(book, "campaign_segments", [])
    for batch, (index, campaign, send_t, customers, delivered) in enumerate(getattr(book, "campaign_sends", [])):
        if sends is not None:
            pick = sends[batch]
            send_t, customers, delivered = send_t[pick], customers[pick], delivered[pick]
        k = send_t.size
        parts.append({
            "t": send_t, "contact_id": np.full(k, -1), "customer_id": customers,
            "channel": delivered.astype(np.int64), "original_channel": np.full(k, CHANNEL_CODE[campaign.channel]),
            "direction": np.ones(k, dtype=np.int64), "sender": np.full(k, 3), "category":
            np.full(k, CATEGORIES.index(campaign.category)), "chars": np.full(k, campaign.chars),
            "non_gsm": np.full(k, campaign.non_gsm), "media": np.full(k, campaign.media),
            "segment": (segments[batch] if sends is None else segments[batch][sends[batch]]) if batch < len(segments)
            else np.zeros(k, dtype=np.int64),
            "extension": np.zeros(k, dtype=np.int32), "emoji": np.zeros(k, dtype=np.int32),
        })
    if not parts:
        return None
    return {key: np.concatenate([np.asarray(p[key]) for p in parts]) for key in rows}
