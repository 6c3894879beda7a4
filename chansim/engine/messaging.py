"""Messaging conversations with an agent: the agent's replies, the customer's
answers after a reply delay, parking a silent customer's slot, and a
conversation that switches to a call after a reply."""

from __future__ import annotations

import math

from chansim.engine.agents import PARKED

__all__ = ["Messaging"]


class Messaging:
    """The conversation handlers of :class:`~chansim.engine.simulation.Simulation`."""

    def _on_reply(self, event) -> None:
        conv = event._value
        agent = conv.agent
        agent.busy = False
        agent.free_since = now = self.env._now
        self._message_t(now)
        self._message_position(2 * (conv.offset + conv.turn) + 1)
        if not conv.replied:
            conv.replied = True
            self.contacts.first_reply_t[conv.i] = now
        if conv.turn == conv.escalate_at:
            self._switch_to_voice(conv)
            self._release_slot(agent, conv)
            self._freed(agent)
            return
        if conv.turn + 1 >= conv.turns:
            self._finish(conv)
            self._release_slot(agent, conv)
            self._freed(agent)
            return
        delay = conv.delay[conv.turn]
        conv.turn += 1
        if delay > self.park_after[conv.code]:
            self._at(self.park_after[conv.code], self._on_park, conv)
        self._at(delay, self._on_customer_message, conv)
        if agent.pool.redispatch:
            self._dispatch(agent)  # a waiting call before the next reply; or queued work for a free attention
        if agent.tasks and not agent.busy:
            self._work(agent)

    def _on_park(self, event) -> None:
        conv = event._value
        agent = conv.agent
        conv.state = PARKED
        conv.agent = None
        self._release_slot(agent, conv)
        self._freed(agent)

    def _on_customer_message(self, event) -> None:
        conv = event._value
        self._message_t(self.env._now)
        self._message_position(2 * (conv.offset + conv.turn))
        if conv.state == PARKED:
            hours = self.hours[conv.code]
            opening = self.env._now if hours is None else hours.next_open(self.env._now)
            if opening > self.env._now:  # written while closed: waits for the opening
                if opening < math.inf:
                    self.env.call_at(opening, self._on_reopening, conv)
                return
            self._route(conv)  # queues again for a slot; patience no longer applies
        else:
            conv.agent.tasks.append(conv)
            if not conv.agent.busy:
                self._work(conv.agent)

    def _on_reopening(self, event) -> None:
        self._route(event._value)
