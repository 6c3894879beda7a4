"""A run's log handed over a chunk of customers at a time, and let go.

A long run need not hold its whole log: at each new day of the run
(:meth:`Handover.flush`), every contact that has ended is written into table
rows (:mod:`chansim.engine.tables`) with its messages, and the book's and
recorders' memory of it is given back to the operating system; once all of
a customer's contacts have ended and none is still to come (a return decided,
a continuation, a campaign reply), the customer's rows go to ``sink`` — a
chunk of whole customers, contacts in id order and messages in the log's
order — which is what :class:`chansim.kpis.pipeline.Measuring` takes.

The chunks hold exactly the rows of the log :func:`~chansim.engine.replication.run_replication`
makes, cut by customer. Campaign customers (a send, perhaps a reply) are
handed over at the end of the run.
"""

from __future__ import annotations

from array import array
from typing import Callable

import numpy as np
import pandas as pd

from chansim.engine.pages import give_back_heap
from chansim.engine.tables import contacts_table, messages_frame, system_messages

__all__ = ["Handover"]

#: Rows a block of the book and the recorders is let go by (a multiple of a page of every column).
BLOCK = 1 << 13
_CONTACT, _IVR, _SEND = 0, 1, 2  # the three kinds of message rows, in the log's order at equal times


class Handover:
    """Hands the log of a run over to ``sink(contacts, messages)`` a chunk of
    customers at a time (see the module docstring)."""

    def __init__(self, s, book, sim, strategy: str, replication: int,
                 sink: Callable[[pd.DataFrame, pd.DataFrame], None]):
        self.s, self.book, self.sim = s, book, sim
        self.strategy, self.replication, self.sink = strategy, replication, sink
        self.done = np.zeros(0, dtype=bool)  # per contact id: written into rows
        self.forgotten = np.zeros(0, dtype=bool)  # per block of contact ids: memory given back
        self.turn_blocks = np.zeros(0, dtype=bool)  # per block of turns: their draws given back
        self.message_seq = np.zeros(0, dtype=np.int64)  # the log position of each message still recorded
        self.messages_seen = 0
        self.ivr_seq: list[int] = []
        self.ivr_seen = 0
        self.contacts: list[pd.DataFrame] = []  # rows of customers not handed over yet
        self.messages: list[pd.DataFrame] = []
        first = getattr(book, "first_campaign_customer", None)
        self.campaign = (first, book.first_dynamic_customer) if first is not None else None

    # ------------------------------------------------------------ each day
    def flush(self, final: bool = False) -> None:
        """Write the contacts that ended (every contact, at the end) into rows,
        give their memory back, and hand over the customers that are done."""
        book, rec = self.book, self.sim.contacts
        n = book.size
        if self.done.size < n:
            self.done = np.concatenate([self.done, np.zeros(n - self.done.size, dtype=bool)])
        if final:
            rec.ensure(n)
            rec.fill_all()
        live = rec.filled_rows(n)
        ended = live & ~self.done[:n]
        if not final:
            ended &= ~np.isnan(rec.end_t[:n])
        ids = np.flatnonzero(ended)
        if ids.size:
            self._write(ids)
            self.done[ids] = True
            self._forget(n)
        self._hand_over(final)

    def _write(self, ids: np.ndarray) -> None:
        s, book, sim = self.s, self.book, self.sim
        self.contacts.append(contacts_table(s, book, sim, self.strategy, self.replication, ids))
        ended = np.zeros(book.size, dtype=bool)
        ended[ids] = True
        # the contacts' messages: written, and let go of from the recorder
        recorder = sim.messages
        t = np.frombuffer(recorder.t, dtype=float)
        position = np.frombuffer(recorder.position, dtype=np.int64)
        fresh = t.size - self.message_seq.size
        seq = np.concatenate([self.message_seq, self.messages_seen + np.arange(fresh, dtype=np.int64)])
        self.messages_seen += fresh
        mine = ended[book.turn_data.contact[position // 2]] if position.size else np.zeros(0, dtype=bool)
        ivr = list(zip(sim.system_messages, self._ivr_seq()))
        picked = [(item, q) for item, q in ivr if ended[item[1]]]
        self._write_messages(t[mine], position[mine], seq[mine], [i for i, _ in picked], [q for _, q in picked], None)
        keep = ~mine
        self.message_seq = seq[keep]
        kept_t, kept_position = array("d", t[keep].tobytes()), array("q", position[keep].tobytes())
        del t, position
        recorder.t[:] = kept_t  # (in place: the run appends to these very buffers)
        recorder.position[:] = kept_position
        left = [(item, q) for item, q in ivr if not ended[item[1]]]
        sim.system_messages[:] = [item for item, _ in left]
        self.ivr_seq = [q for _, q in left]

    def _ivr_seq(self) -> list[int]:
        """The log position of each IVR message still recorded."""
        fresh = len(self.sim.system_messages) - len(self.ivr_seq)
        if fresh:
            self.ivr_seq += list(range(self.ivr_seen, self.ivr_seen + fresh))
            self.ivr_seen += fresh
        return self.ivr_seq

    def _write_messages(self, t, position, seq, items, ivr_seq, sends) -> None:
        s, book = self.s, self.book
        if not t.size and not items and not (sends and any(p.any() for p in sends)):
            return
        batches = getattr(book, "campaign_sends", [])
        extra = system_messages(s, book, self.sim, items, sends if sends is not None else
                                [np.zeros(b[2].size, dtype=bool) for b in batches])
        kinds = [np.full(t.size, _CONTACT), np.full(len(items), _IVR)]
        seqs = [seq, np.asarray(ivr_seq, dtype=np.int64)]
        if sends is not None:
            offset = np.cumsum([0] + [b[2].size for b in batches])
            for batch, pick in enumerate(sends):
                kinds.append(np.full(int(pick.sum()), _SEND))
                seqs.append(offset[batch] + np.flatnonzero(pick))
        kind, order_seq = np.concatenate(kinds), np.concatenate(seqs)
        times = np.concatenate([t, extra["t"].astype(float)]) if extra is not None else t
        frame = messages_frame(s, book, self.strategy, self.replication, t, position, extra,
                               None if extra is None else np.arange(times.size))
        frame["_kind"], frame["_seq"] = kind, order_seq
        frame["_t"] = times
        self.messages.append(frame)

    def _forget(self, n: int) -> None:
        """Give back the memory of the blocks of contacts (and their turns) all written."""
        book, rec = self.book, self.sim.contacts
        blocks = n // BLOCK
        if self.forgotten.size < blocks:
            self.forgotten = np.concatenate([self.forgotten, np.zeros(blocks - self.forgotten.size, dtype=bool)])
        whole = self.done[: blocks * BLOCK].reshape(blocks, BLOCK).all(axis=1) & ~self.forgotten
        for b in np.flatnonzero(whole).tolist():
            self.forgotten[b] = True
            lo, hi = _run_of(self.forgotten, b)  # (with the blocks let go beside it: no page left between them)
            book.forget_contacts(lo * BLOCK, hi * BLOCK)
            rec.forget(lo * BLOCK, hi * BLOCK)
        # the turns and messages drawn for contacts all written, a block of turns at a time
        turns = book.turn_data
        count = turns.size // BLOCK
        if self.turn_blocks.size < count:
            self.turn_blocks = np.concatenate([self.turn_blocks, np.zeros(count - self.turn_blocks.size, bool)])
        for b in np.flatnonzero(~self.turn_blocks[:count]).tolist():
            if self.done[turns.contact[b * BLOCK:(b + 1) * BLOCK]].all():
                self.turn_blocks[b] = True
                lo, hi = _run_of(self.turn_blocks, b)
                book.forget_turns(lo * BLOCK, hi * BLOCK)
        give_back_heap()

    # ------------------------------------------------------- hand over
    def _hand_over(self, final: bool) -> None:
        if final and getattr(self.book, "campaign_sends", []):  # the campaigns' customers: their sends now
            self._write_messages(np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), [], [],
                                 [np.ones(b[2].size, dtype=bool) for b in self.book.campaign_sends])
        if not self.contacts and not self.messages:
            return
        contacts = pd.concat(self.contacts, ignore_index=True) if self.contacts else None
        messages = pd.concat(self.messages, ignore_index=True) if self.messages else None
        self.contacts, self.messages = [], []
        if final:
            self._emit(contacts, messages)
            return
        open_ = self._open_customers()
        done = [None if f is None else self._done(f, open_) for f in (contacts, messages)]
        for frame, ok, kept in ((contacts, done[0], self.contacts), (messages, done[1], self.messages)):
            if frame is not None and not ok.all():
                kept.append(frame[~ok])
        self._emit(*(None if f is None else f[ok] for f, ok in zip((contacts, messages), done)))

    def _done(self, frame: pd.DataFrame, open_: np.ndarray) -> np.ndarray:
        """Rows of customers done: none of their contacts open, not a campaign's (handed over at the end)."""
        customer = frame["customer_id"].to_numpy()
        done = ~np.isin(customer, open_)
        if self.campaign is not None:
            done &= (customer < self.campaign[0]) | (customer >= self.campaign[1])
        return done

    def _open_customers(self) -> np.ndarray:
        """The customers with a contact not ended yet, or a return decided."""
        book, rec = self.book, self.sim.contacts
        n = book.size
        waiting = rec.filled_rows(n) & ~self.done[:n]
        customers = [book.customer[:n][waiting]]
        if self.sim._pending:
            customers.append(np.array([p[6] for p in self.sim._pending], dtype=np.int64))
        return np.unique(np.concatenate(customers))

    def _emit(self, contacts: pd.DataFrame | None, messages: pd.DataFrame | None) -> None:
        if contacts is None or not len(contacts):
            if messages is None or not len(messages):
                return
        if contacts is None:
            contacts = contacts_table(self.s, self.book, self.sim, self.strategy, self.replication,
                                      np.zeros(0, dtype=np.int64))
        contacts = contacts.sort_values("contact_id", kind="stable", ignore_index=True)
        if messages is None:
            messages = self._no_messages()
        else:
            order = np.lexsort((messages["_seq"].to_numpy(), messages["_kind"].to_numpy(),
                                messages["_t"].to_numpy()))
            messages = messages.iloc[order].drop(columns=["_kind", "_seq", "_t"]).reset_index(drop=True)
        self.sink(contacts, messages)

    def _no_messages(self) -> pd.DataFrame:
        return messages_frame(self.s, self.book, self.strategy, self.replication, np.zeros(0),
                              np.zeros(0, dtype=np.int64), None, None)


def _run_of(flags: np.ndarray, b: int) -> tuple[int, int]:
    """The run of set ``flags`` around index ``b``: ``(first, stop)``."""
    lo = b
    while lo > 0 and flags[lo - 1]:
        lo -= 1
    hi = b + 1
    while hi < flags.size and flags[hi]:
        hi += 1
    return lo, hi
