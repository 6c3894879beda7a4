"""Closing time and closed channels, as centres run them.

* ``at_close: work_down`` (the default): agents whose shift ends after a
  channel closed keep taking the contacts still queued on it until the queue
  is empty; the time past their shift is overtime.
* ``at_close: closed``: at each closing time the contacts still queued (not
  yet answered) end ``closed``, and ``repeats.after_closed`` of them come back
  within the next opening hours, like a call while closed.
* ``while_closed: offline`` (messaging, email): while closed the channel is
  not offered: a new customer takes their next preference among the offered
  channels that are open (a continuation of the same contact), or, if none is,
  comes back at the next opening.
"""

from __future__ import annotations

import heapq
import math

from chansim.engine.agents import WAITING, Agent
from chansim.engine.channel_codes import CHANNEL_CODE
from chansim.engine.log import CLOSED

__all__ = ["Closing"]


class Closing:
    """The closing-time handlers of :class:`~chansim.engine.simulation.Simulation`."""

    def _schedule_closings(self) -> None:
        """One event at every closing time of the channels whose queue closes."""
        for code in self.closes_queue:
            for t in self.hours[code].ends:
                if t >= self.start:
                    self.env.call_at(t, self._on_closing, code)

    def _on_closing(self, event) -> None:
        """The contacts still queued and never answered end ``closed``."""
        code = event._value
        queue = self.queues[code]
        kept = []
        for entry in sorted(queue):
            conv = entry[2]
            if conv.state != WAITING:
                continue
            if conv.answered:  # a conversation already under way keeps its place
                kept.append(entry)
                continue
            self._end(conv, CLOSED)
            if self.repeats.after_closed > 0:
                self._maybe_repeat(conv.i, self.repeats.after_closed)
        queue[:] = kept
        heapq.heapify(queue)

    def _work_down(self, agent: Agent) -> None:
        """An agent past the end of its shift takes the contacts still queued
        on its closed work-down channels, best first."""
        now = self.env._now
        pool = agent.pool
        while agent.free > 0 and not agent.on_call:
            best = None
            for code in pool.work_down:
                queue = self.queues[code]
                while queue and queue[0][2].state != WAITING:
                    heapq.heappop(queue)  # abandoned while queued
                if not queue or self.hours[code].is_open(now):
                    continue
                if agent.held is not None and agent.held[code] >= pool.caps[code]:
                    continue
                if best is None or queue[0] < best[0]:
                    best = queue
            if best is None or (best[0][2].voice and not agent.idle):
                return
            self._assign(heapq.heappop(best)[2], agent)

    def _offline(self, i: int, code: int) -> bool:
        """A new customer on an offline channel while it is closed: on to the
        next open preference, or back at the opening. True if handled here."""
        hours = self.hours[code]
        now = self.env._now
        if hours.is_open(now):
            return False
        book = self.book
        segment = self.scenario.demand.segments[book.segment.item(i)]
        offer = self.book.offer
        for name in segment.preference:
            other = CHANNEL_CODE[name]
            if other == code or name not in offer:
                continue
            other_hours = self.hours[other]
            if other_hours is None or other_hours.is_open(now):
                self.contacts.end_t[i] = now
                self.contacts.outcome[i] = CLOSED  # this leg; the contact goes on on the other channel
                self._spawn(i, other, stream="offline", context_lost=False)
                return True
        opening = hours.next_open(now)
        if opening < math.inf:
            self.env.call_at(opening, self._on_offline_return, i)
        return True

    def _on_offline_return(self, event) -> None:
        self._arrive(event._value)
