"""What the KPIs are measured on: one replication's event log as arrays.

:class:`LogArrays` turns the contacts and messages tables of one measured
window into numpy arrays once (a row is a *leg*: a contact, or a continuation
of it on another channel). :class:`Sample` is a part of it (the whole log, one
channel, one pool, one segment, ...) that the KPI functions of
:mod:`chansim.kpis.measures` read; it carries the costs that belong to it.

Two ways of counting, one per kind of breakdown:

* **by contact** (overall, segment, intent, market): a customer-initiated
  attempt counts once, with the outcome of its last leg (a deflected call
  whose SMS continuation was resolved is one resolved contact);
* **by leg** (channel, pool): each leg counts on its own channel and pool with
  its own outcome (a deflected call is a voice contact ending ``deflected``,
  and its continuation an SMS contact).

Queue measures (answer, wait, service level, first response, slot wait,
handle time) are per leg in both: each leg queues on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from chansim.billing.sms import sms_segments
from chansim.scenario.channels import channel_kind

__all__ = ["LogArrays", "Sample", "codes_of"]

_REACHED = ("resolved", "unresolved", "contained")
_PART = 1 << 19  #: messages sorted at a time (about, for legs of as many messages each)
_SOLVED = ("resolved", "contained")


def codes_of(column: pd.Series, wide: bool = True) -> tuple[np.ndarray, list[str]]:
    """Integer codes (-1 missing) and the names they stand for; ``wide``: as
    int64 (for arithmetic), else as stored (for comparisons only)."""
    cat = column if isinstance(column.dtype, pd.CategoricalDtype) else column.astype("category")
    codes = cat.cat.codes.to_numpy()
    return codes.astype(np.int64) if wide else codes, [str(x) for x in cat.cat.categories]


def _isin(codes: np.ndarray, names: list[str], wanted: tuple[str, ...]) -> np.ndarray:
    hit = np.array([n in wanted for n in names] + [False], dtype=bool)
    return hit[codes]


class LogArrays:
    """Per-leg and per-message arrays of one replication's measured window."""

    def __init__(self, contacts: pd.DataFrame, messages: pd.DataFrame, *, targets: dict[str, float],
                 fcr_window_s: float, survey: pd.DataFrame | None = None):
        c = contacts
        self.n = n = len(c)
        self.channel, self.channel_names = codes_of(c["channel"])
        self.outcome_code, self.outcome_names = codes_of(c["outcome"])
        ids = c["contact_id"].to_numpy(np.int64) if n else np.zeros(0, np.int64)
        # each contact id's row, from the smallest id of the table (a chunk of a long run starts late)
        self.base = base = int(ids.min()) if n else 0
        self.position = np.full(int(ids.max()) - base + 1 if n else 1, -1, dtype=np.int64)
        self.position[ids - base] = np.arange(n)
        parent = c["parent_id"].to_numpy(dtype=float, na_value=np.nan) if "parent_id" in c else np.full(n, np.nan)
        self.leg = ~np.isnan(parent)
        self.top = ~self.leg
        # the contact each leg belongs to (a chain of continuations climbs to its first leg)
        up = np.arange(n)
        offset = np.nan_to_num(parent, nan=-1) - base
        known = self.leg & (offset >= 0) & (offset < self.position.size)
        up[known] = self.position[offset[known].astype(np.int64)]
        up[up < 0] = np.flatnonzero(up < 0)  # a parent before the warm-up: the leg stands for its contact
        while True:
            nxt = up[up]
            if np.array_equal(nxt, up):
                break
            up = nxt
        self.contact_of = up
        self.top |= up == np.arange(n)
        # the contact's final outcome: that of its last leg (continuations come later, with larger ids)
        last = np.arange(n)
        np.maximum.at(last, up, np.arange(n))
        self.final_code = self.outcome_code.copy()
        self.final_code[self.top] = self.outcome_code[last[self.top]]
        self.voice = np.array([channel_kind(name) == "voice" for name in self.channel_names] + [False])[self.channel]
        self.queued = c["queued_t"].to_numpy(dtype=float) if "queued_t" in c else c["arrival_t"].to_numpy(float)
        self.slot_t = c["answer_t"].to_numpy(dtype=float)
        self.arrival = c["arrival_t"].to_numpy(dtype=float)
        self.end = c["end_t"].to_numpy(dtype=float)
        self.focus = c["focus_s"].to_numpy(dtype=float)
        self.target = np.array([targets.get(name, np.nan) for name in self.channel_names] + [np.nan])[self.channel]
        self.bot_session = ((c["bot_outcome"] != "none").to_numpy() if "bot_outcome" in c else np.zeros(n, bool))
        self.root = c["root_id"].to_numpy(np.int64) if "root_id" in c else ids
        self.attempt = c["attempt"].to_numpy() if "attempt" in c else np.zeros(n)
        self.fcr_window_s = fcr_window_s
        self.survey = survey
        self._messages = messages
        self._contacts = c

    # ----------------------------------------------------------- outcomes
    def own(self, *names: str) -> np.ndarray:
        return _isin(self.outcome_code, self.outcome_names, names)

    def final(self, *names: str) -> np.ndarray:
        return _isin(self.final_code, self.outcome_names, names)

    # -------------------------------------------------------------- replies
    @cached_property
    def _message_arrays(self) -> dict[str, np.ndarray]:
        m = self._messages
        if not len(m):
            z = np.zeros(0)
            return {"row": z.astype(np.int64), "t": z, "sender": z.astype(np.int64), "customer": z.astype(bool)}
        contact = m["contact_id"].to_numpy(np.int64) - self.base
        # the leg of each message (-1: none), in 32 bits when the legs fit (a long run's messages are many)
        small = self.position.size < 2**31 - 1
        position = self.position.astype(np.int32) if small else self.position
        row = position.take(contact, mode="clip")
        row[(contact < 0) | (contact >= self.position.size)] = -1  # (a campaign send's -1 is below every base)
        sender, names = codes_of(m["sender"], wide=False)
        return {"row": row, "t": m["t"].to_numpy(dtype=float), "sender": sender, "names": names}

    @cached_property
    def first_reply(self) -> np.ndarray:
        """Per leg: when the first agent reply was sent (nan: none). The engine's
        ``first_reply_t`` where the log has it, else from the messages."""
        if "first_reply_t" in self._contacts:
            return self._contacts["first_reply_t"].to_numpy(dtype=float)
        a = self._message_arrays
        out = np.full(self.n, np.inf)
        if a["row"].size:
            agent = (a["sender"] == a["names"].index("agent")) if "agent" in a["names"] else np.zeros(a["row"].size, bool)
            agent &= a["row"] >= 0
            np.minimum.at(out, a["row"][agent], a["t"][agent])
        out[~np.isfinite(out)] = np.nan
        return out

    @cached_property
    def answer(self) -> np.ndarray:
        """Per leg: when an agent answered: the call picked up (voice), the
        first agent reply (messaging, email)."""
        return np.where(self.voice, self.slot_t, self.first_reply)

    @cached_property
    def offered(self) -> np.ndarray:
        """Legs that joined the agents' queue."""
        return ~np.isnan(self.queued)

    @cached_property
    def wait(self) -> np.ndarray:
        """Queue to answer (s) of answered legs; nan otherwise."""
        return self.answer - self.queued

    @cached_property
    def in_time(self) -> np.ndarray:
        return self.offered & ~np.isnan(self.target) & (np.nan_to_num(self.wait, nan=np.inf) <= np.nan_to_num(self.target, nan=-1))

    @cached_property
    def customer_messages(self) -> dict[str, np.ndarray]:
        """Each customer message written to agents: its leg, the time to the
        agent's next reply (nan: never answered) and whether that was within
        the channel's target."""
        a = self._message_arrays
        empty = {"row": np.zeros(0, np.int64), "response": np.zeros(0), "in_time": np.zeros(0, bool),
                 "has_target": np.zeros(0, bool)}
        if not a["row"].size or "customer" not in a["names"]:
            return empty
        row = a["row"]
        # legs a part at a time (each part's messages sorted on their own): a long run's messages are many
        parts = max(1, -(-row.size // _PART))
        cuts = [self.n * k // parts for k in range(parts + 1)]
        found = [self._replies(row, a["t"], a["sender"], a["names"], lo, hi)
                 for lo, hi in zip(cuts[:-1], cuts[1:]) if hi > lo]
        r = np.concatenate([f[0] for f in found]) if found else np.zeros(0, np.int64)
        response = np.concatenate([f[1] for f in found]) if found else np.zeros(0)
        target = self.target[r]
        return {"row": r, "response": response, "has_target": ~np.isnan(target),
                "in_time": ~np.isnan(target) & (np.nan_to_num(response, nan=np.inf) <= np.nan_to_num(target, nan=-1))}

    def _replies(self, row: np.ndarray, t: np.ndarray, sender: np.ndarray, names: list[str], lo: int,
                 hi: int) -> tuple[np.ndarray, np.ndarray]:
        """The customer messages of legs ``lo..hi-1`` written to agents (their
        legs) and the time to the agent's next reply (nan: never answered)."""
        at = np.flatnonzero((row >= lo) & (row < hi))
        # by leg, in time order within it
        at = at[np.argsort(row[at], kind="stable")]
        row, t, sender = row[at], t[at], sender[at]
        del at
        reply = np.zeros(row.size, bool)
        for who in ("agent", "bot"):
            if who in names:
                reply |= sender == names.index(who)
        # the next reply at or after each message (row.size: none)
        nxt = np.where(reply, np.arange(row.size, dtype=np.int32 if row.size < 2**31 - 1 else np.int64), row.size)
        del reply
        nxt = np.minimum.accumulate(nxt[::-1])[::-1]
        # only customer messages are measured: the rest of the work is on them alone
        mine = np.flatnonzero(sender == names.index("customer"))
        nxt = nxt[mine]
        has_next = nxt < row.size
        np.minimum(nxt, max(row.size - 1, 0), out=nxt)
        same = has_next & (row[nxt] == row[mine])
        by_agent = same & ("agent" in names) & (sender[nxt] == (names.index("agent") if "agent" in names else -1))
        row, t, next_t = row[mine], t[mine], t[nxt]
        del mine, nxt, sender
        queued = self.queued[row]
        start = np.maximum(t, queued)
        # a message no one answered counts as missed once its leg waits for an agent: after it joined the
        # queue, or on a leg that never reached the queue without a bot (written while closed and never
        # answered, or left before the opening); a bot's last unanswered turn is not an agent's miss
        never_queued = np.isnan(queued) & ~self.bot_session[row]
        waiting = ~same & ((t >= np.nan_to_num(queued, nan=np.inf)) | never_queued) & ~self.voice[row]
        counted = by_agent | waiting
        return row[counted].astype(np.int64), np.where(by_agent, next_t - start, np.nan)[counted]

    @cached_property
    def message_rows(self) -> np.ndarray:
        """Per message: its leg (-1 for messages outside any contact, e.g. campaign sends)."""
        return self._message_arrays["row"]

    @cached_property
    def sms_message_segments(self) -> tuple[np.ndarray, np.ndarray]:
        """The SMS messages (their rows in the messages table) and the
        segments of each (every other message has none)."""
        m = self._messages
        if not len(m):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        codes, names = codes_of(m["channel"], wide=False)
        at = np.flatnonzero(codes == (names.index("sms") if "sms" in names else -2))
        if not at.size:
            return at, np.zeros(0, np.int64)
        extra = [m[k].to_numpy()[at] if k in m else None for k in ("extension", "emoji")]
        return at, sms_segments(m["chars"].to_numpy()[at], m["non_gsm"].to_numpy()[at], *extra)

    def segments_of(self, messages: np.ndarray) -> int:
        """SMS segments of the messages of mask ``messages``."""
        at, segments = self.sms_message_segments
        return int(segments[messages[at]].sum())

    # --------------------------------------------------------------- issues
    @cached_property
    def issues(self) -> dict[str, np.ndarray]:
        """Per leg that opens an issue (the first contact, not a leg): whether
        the issue was resolved at that contact with no repeat within the FCR
        window, and the time to its final resolution (nan: never resolved)."""
        opener = self.top & (self.attempt == 0)
        if not self.n:
            return {"opener": opener, "fcr": np.zeros(0, bool), "ttr": np.zeros(0)}
        _, issue = np.unique(self.root, return_inverse=True)
        k = int(issue.max()) + 1
        start = np.full(k, np.inf)
        np.minimum.at(start, issue[opener], self.arrival[opener])
        solved_first = np.zeros(k, bool)
        solved_first[issue[opener & self.final(*_SOLVED)]] = True
        again = self.top & (self.attempt > 0)
        since = self.arrival[again] - start[issue[again]]
        repeated = np.zeros(k, bool)
        repeated[issue[again][since <= self.fcr_window_s]] = True
        solved = self.own(*_SOLVED)
        resolution = np.full(k, -np.inf)
        np.fmax.at(resolution, issue[solved], self.end[solved])
        ttr = np.where(np.isfinite(resolution), resolution - start, np.nan)
        return {"opener": opener, "fcr": (solved_first & ~repeated)[issue], "ttr": ttr[issue]}

    @cached_property
    def survey_answers(self) -> tuple[np.ndarray, np.ndarray]:
        """Survey: per leg, answered or not, and the score (nan if none)."""
        s = self.survey
        if s is None:
            return np.zeros(self.n, bool), np.full(self.n, np.nan)
        responded = s["responded"].to_numpy(dtype=bool)
        score = s["score"].to_numpy(dtype=float, na_value=np.nan)
        return responded & ~np.isnan(score), score


@dataclass
class Sample:
    """A part of one replication's log (or of a chunk of it) that KPIs are
    measured on: ``rows`` selects legs, ``by_leg`` says how contacts are
    counted (see the module docstring), ``messages`` is a mask over the
    messages table. :func:`chansim.kpis.totals.totals_of` sums it up."""

    log: LogArrays
    rows: np.ndarray
    by_leg: bool
    messages: np.ndarray  # mask over the messages table

    @cached_property
    def counted(self) -> np.ndarray:
        """The legs that count as contacts here."""
        return self.rows if self.by_leg else self.rows & self.log.top

    def outcome(self, *names: str) -> np.ndarray:
        return self.counted & (self.log.own(*names) if self.by_leg else self.log.final(*names))

    @cached_property
    def handled(self) -> np.ndarray:
        """Legs an agent answered and finished."""
        return self.rows & ~np.isnan(self.log.slot_t) & self.log.own("resolved", "unresolved")

    @cached_property
    def replies(self) -> dict[str, np.ndarray]:
        cm = self.log.customer_messages
        mine = self.rows[cm["row"]]
        if mine.all():  # (the whole log: its own arrays, read only)
            return cm
        return {k: v[mine] for k, v in cm.items()}
