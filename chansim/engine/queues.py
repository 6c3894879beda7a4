"""Contacts arriving and waiting: planned arrivals, the IVR and the bot
first, then the channel queues (per channel, intent priority then FIFO) within
the channel's opening hours; patience, abandonment and spill to an agent with
a free slot. A call while the line is closed ends ``closed``; a message
written while the channel is closed waits for the opening."""

from __future__ import annotations

import heapq
import math

import numpy as np

from chansim.engine.agents import ACTIVE, WAITING, WITH_BOT
from chansim.engine.channel_codes import IS_VOICE
from chansim.engine.conversation import Conversation
from chansim.engine.log import ABANDONED, CLOSED

__all__ = ["Queues", "ARRIVAL_CHUNK"]

ARRIVAL_CHUNK = 4096  # planned arrivals read from the plan at a time


class Queues:
    """The arrival and queue handlers of :class:`~chansim.engine.simulation.Simulation`."""

    def _planned_arrivals(self):
        """(time, contact) of every planned contact in arrival order, read from
        the plan a chunk at a time (one pending arrival event at a time). A
        plan drawn by day draws each day's contacts when the first of them is
        asked for: when the last planned arrival of the day before is served."""
        plan = self.book.day_plan
        if plan is None:
            days = [np.argsort(self.book.arrival_t[: self.book.size], kind="stable")]
        else:
            days = plan.days(self.book)
        for k, order in enumerate(days):
            if k:  # a day on: what the agents did so far is binned per interval and let go
                self.bins.settle()
                if self.handover is not None:  # and the contacts that ended are handed over
                    self.handover.flush()
            self.contacts.fill(order)  # (a recorder filled as the days come: their rows now)
            for start in range(0, order.size, ARRIVAL_CHUNK):
                ids = order[start:start + ARRIVAL_CHUNK]
                yield from zip(self.book.arrival_t[ids].tolist(), ids.tolist())

    def _on_planned_arrival(self, event) -> None:
        nxt = next(self._planned, None)
        if nxt is not None:
            self.env.call_at(nxt[0], self._on_planned_arrival, nxt[1])
        self._arrive(event._value)

    def _arrive(self, i: int) -> None:
        book = self.book
        code = book.channel.item(i)
        if self.offline[code] and book.parent.item(i) < 0 and self._offline(i, code):
            return  # not offered while closed (see :mod:`chansim.engine.closing`)
        self.in_system += 1
        if IS_VOICE[code]:  # (a call has no turns and no escalation: at most the AI agent's talk time)
            conv = Conversation(i, code, book.priority.item(i), 0, 0, -1, 0)
            hours = self.hours[code]
            if hours is not None and not hours.is_open(self.env._now):
                self._end(conv, CLOSED)  # the closed message
                if self.repeats.after_closed > 0:
                    self._maybe_repeat(i, self.repeats.after_closed)
                return
            talk = book.bot_call_s.item(i)
            if talk > 0:  # the AI agent answers the call first (instead of the IVR)
                conv.state = WITH_BOT
                self.contacts.bot[i] = 1
                self._at(talk, self._on_bot_call_end, conv)
            elif self.ivr is not None and book.parent.item(i) < 0:
                self._at(self.ivr.ivr_seconds, self._after_ivr, conv)
            else:
                self._queue_or_assign(conv)
            return
        conv = Conversation(i, code, book.priority.item(i), book.bot_turns.item(i), book.turns.item(i),
                            book.escalate_turn.item(i), book.turn_offset.item(i))
        turns = slice(conv.offset, conv.offset + conv.turns)
        conv.work = book.turn_data.work_time[turns].tolist()
        conv.delay = book.turn_data.reply_delay[turns].tolist()
        self._message_t(self.env._now)  # the customer's first message
        self._message_position(2 * conv.offset)
        if conv.bot_turns > 0:
            conv.state = WITH_BOT
            self.contacts.bot[i] = 1
            self._at(conv.work[0], self._on_bot_reply, conv)
        else:
            self._queue_or_assign(conv)

    def _queue_or_assign(self, conv: Conversation) -> None:
        """The contact joins the agents' queue now: patience starts. A message
        written while the channel is closed waits for the opening."""
        hours = None if conv.voice else self.hours[conv.code]
        if hours is not None:
            opening = hours.next_open(self.env._now)
            if opening > self.env._now:
                conv.state = WAITING
                if opening < math.inf:
                    self.env.call_at(opening, self._on_opening, conv)
                return
        self.contacts.queued_t[conv.i] = self.env._now
        patience = self.book.patience.item(conv.i)
        if patience < math.inf:
            self._at(patience, self._on_patience, conv)
        self._route(conv)

    def _on_opening(self, event) -> None:
        self._queue_or_assign(event._value)

    def _route(self, conv: Conversation) -> None:
        """Give the conversation to an agent now, or queue it."""
        for pool in self.pools_for[conv.code]:
            agent = pool.agent_for(conv.code, conv.voice)
            if agent is not None:
                self._assign(conv, agent)
                return
        conv.state = WAITING
        self._seq += 1
        entry = (-conv.priority, self._seq, conv)
        heapq.heappush(self.queues[conv.code], entry)
        if not conv.voice:
            spill = self.spill_after[conv.code]
            if spill is not None:
                self._at(spill, self._on_spill, entry)

    def _on_spill(self, event) -> None:
        """A conversation waited ``spill_after_s`` for a free attention: it
        goes to the agent with the most free slots, if any has one."""
        entry = event._value
        conv = entry[2]
        queue = self.queues[conv.code]
        if conv.state != WAITING or entry not in queue:
            return  # taken, abandoned, or queued again since
        for pool in self.pools_for[conv.code]:
            agent = pool.order.choice.spill_to(conv.code) if pool.spill_after is not None else None
            if agent is not None:
                queue.remove(entry)
                heapq.heapify(queue)
                self._assign(conv, agent)
                return

    def _on_patience(self, event) -> None:
        conv = event._value
        if conv.state == WAITING and not conv.answered:
            self._end(conv, ABANDONED)
        elif conv.state == ACTIVE and not conv.voice and not conv.replied:
            agent = conv.agent
            if agent.busy and agent.writing is conv:
                return  # the first reply is being written: the customer sees it coming
            if conv in agent.tasks:
                agent.tasks.remove(conv)
            conv.agent = None
            self._end(conv, ABANDONED)
            self._release_slot(agent, conv)
            self._freed(agent)
        else:
            return
        if self.repeats.after_abandon > 0:
            self._maybe_repeat(conv.i, self.repeats.after_abandon)
