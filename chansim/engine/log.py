"""The event log: the engine's only output.

Three columnar tables (pandas DataFrames):

``contacts``  one row per contact (arrival to end, who served it, outcome)
``messages``  one row per message (time, channel used, direction, sender, size)
``staffing``  one row per pool per staffing interval (agents on shift, busy
              attention); hourly unless the pool's staffing plan says otherwise

Contacts, legs and issues: a row with ``parent_id`` set is a *leg* of the
contact ``parent_id`` — the same customer attempt continued on another channel
(an IVR-deflected call's messaging conversation, a chat that switched to a
call) — not a new contact. A row with ``repeat_of`` set is a new attempt by a
customer coming back (a repeat). ``root_id`` is the first contact of the
customer's issue: every leg and repeat of an issue shares it.

Times of a contact: ``arrival_t`` (it reached the channel), ``queued_t`` (it
joined the agents' queue: after the IVR or the bot, or at the opening when it
was written while closed), ``answer_t`` (it got an agent: the whole agent for a
call, a slot for a conversation), ``first_reply_t`` (messaging and email: the
agent's first reply was sent, when written), ``end_t``.

During a run the engine writes into preallocated numpy arrays and typed
``array`` buffers; the DataFrames are made once at the end.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from chansim.engine.pages import forget_rows, zeros

from chansim.scenario.channels import CHANNELS

__all__ = ["LOG_LEVELS", "LOG_TABLES", "EventLog", "ContactRecorder", "MessageRecorder", "SpanRecorder", "SlotRecorder", "spread", "OUTCOMES", "CONTACT_COLUMNS",
           "MESSAGE_COLUMNS", "STAFFING_COLUMNS"]

#: Every way a contact can end. ``unserved``: still waiting when the run ended
#: (no agent on shift could ever take it). ``closed``: a call that reached the
#: line outside its opening hours (it heard the closed message).
#: How much of the event log a run keeps: every table; contacts and staffing
#: (no messages); none (KPIs and cost lines only).
LOG_LEVELS = ("messages", "contacts", "none")
#: The event-log tables each level keeps.
LOG_TABLES = {"messages": ("contacts", "messages", "staffing"), "contacts": ("contacts", "staffing"), "none": ()}
OUTCOMES = ("resolved", "unresolved", "abandoned", "contained", "deflected", "unserved", "closed")
RESOLVED, UNRESOLVED, ABANDONED, CONTAINED, DEFLECTED, UNSERVED, CLOSED = range(len(OUTCOMES))

CONTACT_COLUMNS = (
    "replication", "strategy", "contact_id", "customer_id", "segment", "intent", "priority",
    "preferred_channel", "original_channel", "channel", "bot_outcome", "context_lost", "arrival_t", "queued_t",
    "answer_t", "first_reply_t", "end_t", "wait_s", "focus_s", "elapsed_s", "outcome", "pool", "agent", "transfers", "repeat_of",
    "parent_id", "root_id", "attempt",
)
MESSAGE_COLUMNS = (
    "replication", "strategy", "t", "contact_id", "customer_id", "channel", "original_channel", "direction",
    "sender", "category", "chars", "non_gsm", "media", "segment", "extension", "emoji",
)
STAFFING_COLUMNS = (
    "replication", "strategy", "pool", "interval_start_s", "interval_s", "hour_of_day", "staffed", "overtime_s",
    "busy_s", "held_slot_s",
)


class ContactRecorder:
    """Per-contact results, indexed by contact id; grows with the contacts made
    during the run."""

    _FIELDS = {
        "queued_t": (float, np.nan), "answer_t": (float, np.nan), "first_reply_t": (float, np.nan), "end_t": (float, np.nan), "focus_s": (float, 0.0),
        "outcome": (np.int8, -1), "pool": (np.int16, -1), "agent": (np.int32, -1), "transfers": (np.int16, 0),
        "bot": (np.int8, 0),  # 0 no bot, 1 with the bot, 2 contained, 3 escalated (failed), 4 handed over
    }

    def __init__(self, n: int, lazy: bool = False):
        self._size = self._ready = max(n, 16)  # rows held; rows filled with each field's fill value
        if lazy:  # (whole blocks)
            self._size = self._ready = -(-self._size // RECORDER_BLOCK) * RECORDER_BLOCK
        #: ``lazy``: the rows of ``n`` planned contacts are filled a block at a time as they are planned
        #: (:meth:`fill`), those made during the run as they come (:meth:`ensure`); blocks may be let go
        #: (:meth:`forget`): a long run holds the rows of the days in play only
        self.blocks = None  # lazy: per block of rows: 0 not filled yet, 1 filled, 2 let go
        for name, (dtype, fill) in self._FIELDS.items():
            setattr(self, name, zeros(self._size, dtype) if lazy else _filled(self._size, fill, dtype))
        if lazy:
            self._planned = n
            self.blocks = np.zeros(-(-self._size // RECORDER_BLOCK), dtype=np.int8)

    @classmethod
    def of(cls, n: int, **columns: np.ndarray) -> "ContactRecorder":
        """The results of ``n`` contacts already known: ``columns`` (field name
        → ``n`` values) are taken as they are, every other field is filled."""
        rec = cls.__new__(cls)
        rec._size = rec._ready = n
        rec.blocks = None
        for name, (dtype, fill) in cls._FIELDS.items():
            values = columns.pop(name, None)
            if values is None:
                values = _filled(n, fill, dtype)
            elif values.dtype != dtype or values.shape != (n,):
                raise ValueError(f"{name}: {n} values of {np.dtype(dtype)} expected")
            setattr(rec, name, values)
        if columns:
            raise ValueError(f"no such contact fields: {', '.join(columns)}")
        return rec

    def ensure(self, n: int) -> None:
        """Rows for contacts ``0..n-1``, each field at its fill value until
        written. Room grows by doubling; the fill values are written a part at
        a time as rows are needed (rows not yet needed cost no memory)."""
        if self.blocks is not None:
            self._grow(n)
            self._fill_blocks(self._planned // RECORDER_BLOCK, -(-n // RECORDER_BLOCK))
            return
        if n <= self._ready:
            return
        if n > self._size:
            size = max(n, 2 * self._size)
            for name, (dtype, fill) in self._FIELDS.items():
                old = getattr(self, name)
                new = np.zeros(size, dtype=dtype) if fill == 0 else np.empty(size, dtype=dtype)
                new[: self._ready] = old[: self._ready]
                setattr(self, name, new)
            self._size = size
        ready = min(self._size, max(n, self._ready + self._size // 8))
        for name, (dtype, fill) in self._FIELDS.items():
            if fill != 0:  # (zeros are there already)
                getattr(self, name)[self._ready: ready] = fill
        self._ready = ready


    # ------------------------------------------------------- lazy rows
    def fill(self, ids: np.ndarray) -> None:
        """Fill the blocks of rows holding contacts ``ids`` (planned contacts about to arrive)."""
        if self.blocks is None or not ids.size:
            return
        self._grow(int(ids.max()) + 1)
        for b in np.unique(ids // RECORDER_BLOCK).tolist():
            self._fill_blocks(b, b + 1)

    def _grow(self, n: int) -> None:
        if n <= self._size:
            return
        size = -(-max(n, 2 * self._size) // RECORDER_BLOCK) * RECORDER_BLOCK  # (whole blocks)
        for name, (dtype, _) in self._FIELDS.items():
            old, new = getattr(self, name), zeros(size, dtype)
            for b in np.flatnonzero(self.blocks == 1).tolist():  # (blocks let go or never filled stay untouched)
                lo, hi = b * RECORDER_BLOCK, min((b + 1) * RECORDER_BLOCK, self._size)
                new[lo:hi] = old[lo:hi]
            setattr(self, name, new)
        self.blocks = np.concatenate([self.blocks, np.zeros(-(-size // RECORDER_BLOCK) - self.blocks.size, np.int8)])
        self._size = self._ready = size

    def _fill_blocks(self, first: int, stop: int) -> None:
        for b in range(first, min(stop, self.blocks.size)):
            if self.blocks[b] != 0:
                continue
            lo, hi = b * RECORDER_BLOCK, min((b + 1) * RECORDER_BLOCK, self._size)
            for name, (_, fill) in self._FIELDS.items():
                if fill != 0:
                    getattr(self, name)[lo:hi] = fill
            self.blocks[b] = 1

    def fill_all(self) -> None:
        """Fill every block not filled yet (the end of a run: contacts planned and never served)."""
        if self.blocks is not None:
            self._fill_blocks(0, self.blocks.size)

    def filled_rows(self, n: int) -> np.ndarray:
        """Per row ``0..n-1``: filled (every row when not lazy)."""
        if self.blocks is None:
            return np.ones(n, dtype=bool)
        filled = np.repeat(self.blocks == 1, RECORDER_BLOCK)
        return filled[:n] if filled.size >= n else np.concatenate([filled, np.zeros(n - filled.size, bool)])

    def forget(self, lo: int, hi: int) -> None:
        """Give back the memory of the blocks of rows ``lo..hi-1`` (written out: never read again)."""
        for name in self._FIELDS:
            forget_rows(getattr(self, name), lo, hi)
        if self.blocks is not None:
            self.blocks[lo // RECORDER_BLOCK: -(-hi // RECORDER_BLOCK)] = 2


#: Rows of a lazy contact recorder filled (and let go) together.
RECORDER_BLOCK = 1 << 13


def _filled(n: int, fill, dtype) -> np.ndarray:
    """``n`` times ``fill``; zeros are left to the operating system (no memory
    is touched until written)."""
    return np.zeros(n, dtype=dtype) if fill == 0 else np.full(n, fill, dtype=dtype)


class MessageRecorder:
    """Message times and their position in the plan's per-message arrays."""

    def __init__(self) -> None:
        self.t = array("d")
        self.position = array("q")

    def add(self, t: float, position: int) -> None:
        self.t.append(t)
        self.position.append(position)


class SpanRecorder:
    """Spans of time per pool (and channel): agent attention, or overtime."""

    def __init__(self) -> None:
        self.pool = array("h")
        self.channel = array("b")
        self.start = array("d")
        self.end = array("d")

    def add(self, pool: int, channel: int, start: float, end: float) -> None:
        self.pool.append(pool)
        self.channel.append(channel)
        self.start.append(start)
        self.end.append(end)

    @classmethod
    def of(cls, pool: np.ndarray, channel: np.ndarray, start: np.ndarray, end: np.ndarray) -> "SpanRecorder":
        """Spans already made, as numpy columns (int16 pool, int8 channel,
        float64 start and end), held as they are: read, not added to."""
        spans = cls.__new__(cls)
        spans.pool, spans.channel = np.asarray(pool, dtype=np.int16), np.asarray(channel, dtype=np.int8)
        spans.start, spans.end = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
        return spans

    def take(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The spans recorded so far (pool, start, end, as numpy copies); the
        recorder lets them go and records on (its buffers are emptied in
        place: whoever appends to them keeps appending)."""
        columns = (_copy(self.pool, np.int16), _copy(self.start, float), _copy(self.end, float))
        _empty(self, ("pool", "channel", "start", "end"), (np.int16, np.int8, float, float))
        return columns

    def by_hour(self, pools: int, hours: int) -> np.ndarray:
        """Seconds of the spans per pool per hour, for hours [0, hours)."""
        return self.by_interval(pools, hours, 3600.0)

    def by_interval(self, pools: int, hours: int, interval: float, until: float | None = None) -> np.ndarray:
        """Seconds of the spans per pool per interval of ``interval`` s, for
        intervals [0, hours), up to time ``until`` (default: the end of the
        last interval)."""
        if not len(self.start):
            return np.zeros((pools, hours))
        pool = np.frombuffer(self.pool, dtype=np.int16)
        return spread(pool, np.frombuffer(self.start, dtype=float), np.frombuffer(self.end, dtype=float), None,
                      pools, hours, interval, until)


class SlotRecorder:
    """Slots held by one pool over time: each change (time, ± slots), in time order."""

    def __init__(self) -> None:
        self.t = array("d")
        self.delta = array("i")

    def take(self) -> tuple[np.ndarray, np.ndarray]:
        """The changes recorded so far (time, ± slots, as numpy copies); the
        recorder lets them go and records on (its buffers are emptied in
        place)."""
        changes = (_copy(self.t, float), _copy(self.delta, np.int32))
        _empty(self, ("t", "delta"), (float, np.int32))
        return changes

    def by_interval(self, count: int, interval: float, until: float | None = None) -> np.ndarray:
        """Slot-seconds held per interval of ``interval`` s, for intervals [0, count),
        up to time ``until`` (default: the end of the last interval)."""
        if len(self.t) < 2:
            return np.zeros(count)
        t = np.frombuffer(self.t, dtype=float)
        level = np.cumsum(np.frombuffer(self.delta, dtype=np.int32).astype(np.int64))
        held = level[:-1] > 0
        start, end = t[:-1][held], t[1:][held]
        return spread(np.zeros(start.size, np.int64), start, end, level[:-1][held].astype(float), 1, count,
                      interval, until)[0]


def _copy(values, dtype) -> np.ndarray:
    """A numpy copy of a typed ``array`` buffer or of a numpy array."""
    if isinstance(values, array):
        return np.frombuffer(values, dtype=dtype).copy() if len(values) else np.zeros(0, dtype=dtype)
    return np.array(values, dtype=dtype)


def _empty(recorder, names: tuple[str, ...], dtypes: tuple) -> None:
    """Empty the columns ``names`` of ``recorder``: a typed ``array`` buffer
    in place (its bound ``append`` stays valid), a numpy column by an empty one."""
    for name, dtype in zip(names, dtypes):
        values = getattr(recorder, name)
        if isinstance(values, array):
            del values[:]
        else:
            setattr(recorder, name, np.zeros(0, dtype=dtype))


def spread(pool: np.ndarray, start: np.ndarray, end: np.ndarray, weight: np.ndarray | None, pools: int, hours: int,
           interval: float, until: float | None = None) -> np.ndarray:
    """Seconds (× ``weight``) of spans [start, end) per pool per interval of
    ``interval`` s, for intervals [0, hours), up to time ``until`` (default:
    the end of the last interval; a run whose end is not on an interval
    boundary ends its last interval early, and what is after its end is not
    in it)."""
    busy = np.zeros((pools, hours))
    if not start.size:
        return busy
    if until is not None and until < hours * interval:
        end = np.minimum(end, until)
        start = np.minimum(start, end)
    clip = bool(start[0] < 0 or start.min() < 0)  # the warm-up days before time 0 are not measured
    # spans within one interval: per cell, their seconds summed in span order from 0, a part of the spans at a
    # time (a long run's spans are many); those over several intervals after them, in span order
    across, across_first, across_last = [], [], []
    for lo in range(0, start.size, _SPANS):
        s, e = start[lo:lo + _SPANS], end[lo:lo + _SPANS]
        if clip:
            s = np.maximum(s, 0.0)
            e = np.maximum(e, s)
        first, last = _bins(s, interval), _bins(e, interval)
        same = (first == last) & (first < hours)
        seconds = (e - s)[same]
        if weight is not None:  # (× 1 without weights)
            seconds *= weight[lo:lo + _SPANS][same]
        np.add.at(busy, (pool[lo:lo + _SPANS][same], first[same]), seconds)
        other = np.flatnonzero(~same)
        across.append(other + lo)
        across_first.append(first[other])
        across_last.append(last[other])
        del s, e, first, last, same, seconds
    across, first, last = np.concatenate(across), np.concatenate(across_first), np.concatenate(across_last)
    start, end = start[across], end[across]
    if clip:
        start = np.maximum(start, 0.0)
        end = np.maximum(end, start)
    pieces = np.clip(np.minimum(last, hours - 1) - first + 1, 0, None)
    span = np.repeat(np.arange(across.size), pieces)
    hour = first[span] + (np.arange(span.size) - np.repeat(np.cumsum(pieces) - pieces, pieces))
    overlap = np.minimum(end[span], (hour + 1) * interval) - np.maximum(start[span], hour * interval)
    keep = overlap > 0
    pieces_s = overlap[keep] if weight is None else overlap[keep] * weight[across[span[keep]]]
    np.add.at(busy, (pool[across[span[keep]]], hour[keep]), pieces_s)
    return busy


_SPANS = 1 << 20  #: spans spread at a time


def _bins(t: np.ndarray, interval: float) -> np.ndarray:
    """The interval each time falls in: floor(t / interval)."""
    x = t / interval
    np.floor(x, out=x)
    return x.astype(np.int64)


def _categorical(codes: np.ndarray, names: tuple[str, ...] | list[str]) -> pd.Categorical:
    codes = np.asarray(codes)
    if codes.dtype.kind != "i":  # (signed integer codes are taken as they are: pandas stores them as it needs)
        codes = codes.astype(np.int64)
    return pd.Categorical.from_codes(codes, categories=list(names))


@dataclass
class EventLog:
    """The three tables of one or more replications."""

    contacts: pd.DataFrame
    messages: pd.DataFrame
    staffing: pd.DataFrame
    meta: dict = field(default_factory=dict)

    @classmethod
    def concat(cls, logs: list["EventLog"]) -> "EventLog":
        """Stack the logs of several replications/strategies."""
        def stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
            frames = [f for f in frames if len(f)] or frames[:1]
            out = pd.concat(frames, ignore_index=True)
            for col in ("strategy",):
                if col in out:
                    out[col] = out[col].astype("category")
            return out

        return cls(
            contacts=stack([log.contacts for log in logs]),
            messages=stack([log.messages for log in logs]),
            staffing=stack([log.staffing for log in logs]),
            meta={},
        )


def channel_categorical(codes: np.ndarray) -> pd.Categorical:
    return _categorical(codes, CHANNELS)
