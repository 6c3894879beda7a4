"""The contact center as a SimPy model.

Events are plain SimPy timeouts with a callback (no generator process per
tiny step), so the engine stays small and fast. Same-time events run in the
order they were scheduled (SimPy's event counter), so a run repeats exactly.

Flow of a contact:

* **voice**: arrives, takes an idle agent of a pool that serves voice or
  queues; abandons when its patience runs out before an answer; the call holds
  the agent (every slot and its attention) for the handle time.
* **messaging** (web chat, WhatsApp, SMS, RCS, ...): the customer's first
  message arrives and the conversation waits for a slot (patience applies
  until it is answered, i.e. gets a slot). Then, turn by turn, the agent
  writes a reply (agent time per turn, on the agent's single attention, so
  replies to several conversations queue) and the customer answers after a
  reply delay. When the customer is silent longer than ``park_after`` the slot
  is released and the conversation queues again when the customer writes.
* **email**: like messaging, without patience (deferred work).

Queues are per channel, ordered by intent priority (higher first), then by the
time the contact joined (FIFO). An agent who frees capacity takes the best head
of the queues of its pool's channels; an arriving contact takes the agent with
the most free slots in the first pool (in file order) that has one.
"""

from __future__ import annotations

import heapq
import math

import numpy as np
import simpy
from simpy.core import NORMAL
from simpy.events import Event, Timeout

from chansim.channels import CHANNELS, channel_kind
from chansim.engine.agents import Agent, AgentPool
from chansim.engine.log import (
    ABANDONED,
    RESOLVED,
    UNRESOLVED,
    UNSERVED,
    SpanRecorder,
    ContactRecorder,
    MessageRecorder,
)
from chansim.engine.plan import CHANNEL_CODE, ContactPlan
from chansim.scenario.models import Scenario

__all__ = ["Simulation", "MAX_DRAIN_S"]

#: After the last arrival the model runs on until every contact has ended, for
#: at most this long (s); contacts still open then are ``unserved``/``unresolved``.
MAX_DRAIN_S = 7 * 86_400.0

WAITING, ACTIVE, PARKED, DONE = range(4)


class Clock(simpy.Environment):
    """A SimPy environment that can also schedule at an absolute time.

    A timeout fires at ``now + delay``, which in floating point can land one
    step away from a planned time; arrivals are planned as absolute times, so
    they are scheduled exactly there."""

    def schedule_at(self, event: Event, when: float, priority: int = NORMAL) -> None:
        heapq.heappush(self._queue, (when, priority, next(self._eid), event))


class At(Event):
    """An event that has happened, with ``value``, at the absolute time ``when``."""

    def __init__(self, env: Clock, when: float, value):
        self.env = env
        self.callbacks = []
        self._value = value
        self._ok = True
        env.schedule_at(self, when)


class Conversation:
    """Run-time state of one contact."""

    __slots__ = ("i", "code", "voice", "priority", "state", "agent", "turn", "turns", "offset", "answered")

    def __init__(self, i: int, code: int, voice: bool, priority: int, turns: int, offset: int):
        self.i = i
        self.code = code
        self.voice = voice
        self.priority = priority
        self.state = WAITING
        self.agent: Agent | None = None
        self.turn = 0
        self.turns = turns
        self.offset = offset
        self.answered = False


class Simulation:
    """One replication of one strategy."""

    def __init__(self, scenario: Scenario, plan: ContactPlan):
        self.scenario = scenario
        self.plan = plan
        self.env = Clock()
        self.contacts = ContactRecorder(plan.size)
        self.messages = MessageRecorder()
        self.attention = SpanRecorder()
        self.horizon = scenario.horizon_s
        self.in_system = 0
        self._seq = 0
        self.pools = [
            AgentPool(i, spec, tuple(CHANNEL_CODE[c] for c in spec.channels))
            for i, spec in enumerate(scenario.agents.pools)
        ]
        self.pools_for: dict[int, list[AgentPool]] = {
            code: [p for p in self.pools if code in p.channel_codes] for code in range(len(CHANNELS))
        }
        self.queues: dict[int, list] = {code: [] for code in range(len(CHANNELS))}
        self.park_after = [math.inf] * len(CHANNELS)
        for name, spec in scenario.channels.items():
            if spec.park_after is not None:
                self.park_after[CHANNEL_CODE[name]] = spec.park_after

    # ------------------------------------------------------------ scheduling
    def _at(self, delay: float, callback, value) -> None:
        Timeout(self.env, delay, value).callbacks.append(callback)

    def run(self) -> None:
        for pool in self.pools:
            self._staff(pool, pool.spec.staffed_at(0))
        if any(p.spec.schedule is not None for p in self.pools):
            self._at(3600.0, self._on_hour, 1)
        if self.plan.size:
            At(self.env, float(self.plan.arrival_t[0]), 0).callbacks.append(self._on_arrival)
        self.env.run(until=self.horizon + MAX_DRAIN_S)
        self._close_open_contacts()

    def _on_hour(self, event) -> None:
        hour = event.value
        for pool in self.pools:
            if pool.spec.schedule is not None:
                self._staff(pool, pool.spec.schedule[hour % 24])
        if hour * 3600.0 < self.horizon or self.in_system > 0:
            self._at(3600.0, self._on_hour, hour + 1)

    def _staff(self, pool: AgentPool, target: int) -> None:
        for agent in pool.set_staffed(target, self.env.now):
            self._dispatch(agent)

    # ---------------------------------------------------------------- arrivals
    def _on_arrival(self, event) -> None:
        i = event.value
        plan = self.plan
        if i + 1 < plan.size:
            At(self.env, float(plan.arrival_t[i + 1]), i + 1).callbacks.append(self._on_arrival)
        code = int(plan.channel[i])
        voice = channel_kind(CHANNELS[code]) == "voice"
        conv = Conversation(i, code, voice, int(plan.priority[i]), int(plan.turns[i]), int(plan.turn_offset[i]))
        self.in_system += 1
        if not voice:
            self.messages.add(self.env.now, 2 * conv.offset)  # the customer's first message
        patience = plan.patience[i]
        if patience < math.inf:
            self._at(float(patience), self._on_patience, conv)
        self._route(conv)

    def _route(self, conv: Conversation) -> None:
        """Give the conversation to an agent now, or queue it."""
        for pool in self.pools_for[conv.code]:
            agent = pool.pick(whole=conv.voice)
            if agent is not None:
                self._assign(conv, agent)
                return
        conv.state = WAITING
        self._seq += 1
        heapq.heappush(self.queues[conv.code], (-conv.priority, self._seq, conv))

    def _on_patience(self, event) -> None:
        conv = event.value
        if conv.state == WAITING and not conv.answered:
            conv.state = DONE
            self.contacts.end_t[conv.i] = self.env.now
            self.contacts.outcome[conv.i] = ABANDONED
            self.in_system -= 1

    # ----------------------------------------------------------------- agents
    def _assign(self, conv: Conversation, agent: Agent) -> None:
        pool = agent.pool
        now = self.env.now
        conv.state = ACTIVE
        conv.agent = agent
        if not conv.answered:
            conv.answered = True
            self.contacts.answer_t[conv.i] = now
            self.contacts.pool[conv.i] = pool.index
            self.contacts.agent[conv.i] = agent.index
        if conv.voice:
            pool.occupy(agent, pool.capacity)
            agent.busy = True
            duration = float(self.plan.handle_time[conv.i])
            self.contacts.focus_s[conv.i] += duration
            self.attention.add(pool.index, conv.code, now, now + duration)
            self._at(duration, self._on_call_end, conv)
        else:
            pool.occupy(agent, 1)
            agent.tasks.append(conv)
            self._work(agent)

    def _next_for(self, agent: Agent) -> Conversation | None:
        """The best queued conversation this agent can take, removed from its queue."""
        best_key = None
        best_queue = None
        idle = agent.idle
        for code in agent.pool.channel_codes:
            queue = self.queues[code]
            while queue and queue[0][2].state != WAITING:
                heapq.heappop(queue)  # abandoned while queued
            if not queue or (queue[0][2].voice and not idle):
                continue
            if best_key is None or queue[0][:2] < best_key:
                best_key = queue[0][:2]
                best_queue = queue
        return heapq.heappop(best_queue)[2] if best_queue is not None else None

    def _dispatch(self, agent: Agent) -> None:
        """The agent has capacity: take queued work while it can."""
        if not agent.on_shift or agent.leaving:
            return
        while agent.free > 0:
            conv = self._next_for(agent)
            if conv is None:
                break
            self._assign(conv, agent)
            if conv.voice:
                break

    def _freed(self, agent: Agent) -> None:
        """Capacity came back to ``agent`` (a slot or a whole call)."""
        if agent.pool.finish_leaving(agent, self.env.now):
            return
        self._dispatch(agent)
        self._work(agent)

    def _work(self, agent: Agent) -> None:
        """Start the agent's next reply if its attention is free."""
        if agent.busy or not agent.tasks:
            return
        conv = agent.tasks.popleft()
        agent.busy = True
        now = self.env.now
        duration = float(self.plan.agent_time[conv.offset + conv.turn])
        self.contacts.focus_s[conv.i] += duration
        self.attention.add(agent.pool.index, conv.code, now, now + duration)
        self._at(duration, self._on_reply, conv)

    # ------------------------------------------------------------ conversation
    def _on_call_end(self, event) -> None:
        conv = event.value
        agent = conv.agent
        self._end(conv, RESOLVED)
        agent.busy = False
        agent.pool.release(agent, agent.pool.capacity)
        self._freed(agent)

    def _on_reply(self, event) -> None:
        conv = event.value
        agent = conv.agent
        agent.busy = False
        now = self.env.now
        turn = conv.offset + conv.turn
        self.messages.add(now, 2 * turn + 1)
        if conv.turn + 1 >= conv.turns:
            self._end(conv, RESOLVED)
            agent.pool.release(agent, 1)
            self._freed(agent)
            return
        delay = float(self.plan.reply_delay[turn])
        conv.turn += 1
        if delay > self.park_after[conv.code]:
            self._at(self.park_after[conv.code], self._on_park, conv)
        self._at(delay, self._on_customer_message, conv)
        self._work(agent)

    def _on_park(self, event) -> None:
        conv = event.value
        agent = conv.agent
        conv.state = PARKED
        conv.agent = None
        agent.pool.release(agent, 1)
        self._freed(agent)

    def _on_customer_message(self, event) -> None:
        conv = event.value
        self.messages.add(self.env.now, 2 * (conv.offset + conv.turn))
        if conv.state == PARKED:
            self._route(conv)  # queues again for a slot; patience no longer applies
        else:
            conv.agent.tasks.append(conv)
            self._work(conv.agent)

    def _end(self, conv: Conversation, outcome: int) -> None:
        conv.state = DONE
        self.contacts.end_t[conv.i] = self.env.now
        self.contacts.outcome[conv.i] = outcome
        self.in_system -= 1

    def _close_open_contacts(self) -> None:
        open_ = self.contacts.outcome < 0
        answered = ~np.isnan(self.contacts.answer_t)
        self.contacts.outcome[open_ & answered] = UNRESOLVED
        self.contacts.outcome[open_ & ~answered] = UNSERVED
