"""The contact center as a SimPy model.

Events are plain SimPy events with a callback (no generator process per tiny
step), so the engine stays small and fast. Same-time events run in the order
they were scheduled (SimPy's event counter), so a run repeats exactly.

Journey of a contact:

* **voice**: with IVR deflection, the caller spends ``ivr_seconds`` in the IVR
  and may take a messaging link (the call ends ``deflected``; the customer
  continues as a new conversation). Otherwise the call takes an idle agent of a
  pool that serves voice or queues, and abandons when patience runs out before
  an answer; the call holds the agent (every slot and its attention). A call
  while the line is closed (the channel's ``hours``) ends ``closed``; a share
  of those callers call back within the next opening hours.
* **messaging** (web chat, WhatsApp, SMS, RCS, ...): on a bot channel the bot
  answers first, turn by turn (no queue); it resolves the contact
  (``contained``) or escalates it to the agents' queue, with or without the
  context. With an agent, the conversation waits for a slot (``answer_t``),
  then the agent writes each reply on its single attention (replies to
  several conversations queue) and the customer answers after a reply delay.
  The first reply is sent when written (``first_reply_t``); patience runs
  until then: a customer who holds a slot but has no reply when patience runs
  out abandons (the slot is released, the reply no longer waits on the
  agent), unless the agent is writing that reply at the time. A customer
  silent longer than ``park_after`` releases the slot and queues again when
  they write. A conversation may switch to a call. Messages written while the
  channel is closed wait for the opening (patience starts then).
* **email**: like messaging, without patience.

A handled contact ends ``resolved`` or ``unresolved``; an unresolved one (and
a share of abandoned ones) brings the customer back later as a repeat contact,
within the opening hours of its channel. Queues are per channel. Who takes
what follows the pool's routing policies (:mod:`chansim.engine.routing`); by
default an agent who frees capacity takes the best head of the queues of its
pool's channels (intent priority, then FIFO) and an arriving contact takes the
agent with the most free slots in the first pool (in file order) that has
one. Agents on shift follow each pool's staffing plan
(:func:`chansim.engine.staffing_plan.staffing_plan`).
"""

from __future__ import annotations

import heapq
import math
from functools import partial
from heapq import heappop, heappush

import numpy as np
import simpy
from simpy.core import NORMAL
from simpy.events import Event

from chansim.scenario.channels import CHANNELS, channel_kind
from chansim.engine.agents import ACTIVE, DONE, PARKED, WAITING, WITH_BOT, Agent, AgentPool
from chansim.engine.log import (
    ABANDONED,
    CLOSED,
    CONTAINED,
    DEFLECTED,
    RESOLVED,
    UNRESOLVED,
    UNSERVED,
    ContactRecorder,
    MessageRecorder,
    SpanRecorder,
)
from chansim.engine.plan import CHANNEL_CODE, NONE, ContactBook
from chansim.engine.routing import InTurn, pool_routing
from chansim.engine.staffing_plan import staffing_plan
from chansim.engine.streams import Drawn
from chansim.scenario.hours import OpenTimes, weekly_hours
from chansim.scenario.models import Scenario
from chansim.scenario.rosters import DRAIN_S

__all__ = ["Simulation", "MAX_DRAIN_S"]

#: After the last arrival the model runs on until every contact has ended, for
#: at most this long (s); contacts still open then are ``unserved``/``unresolved``.
MAX_DRAIN_S = DRAIN_S

ARRIVAL_CHUNK = 4096  # planned arrivals read from the plan at a time
VOICE = CHANNEL_CODE["voice"]
IS_VOICE = [channel_kind(name) == "voice" for name in CHANNELS]


class Call(Event):
    """A SimPy event that is already triggered with ``value`` and has one
    callback: the engine's unit of work, scheduled by :meth:`Clock.call_at`."""

    def __init__(self, env: "Clock", callback, value):
        self.env = env
        self.callbacks = [callback]
        self._value = value
        self._ok = True


class Clock(simpy.Environment):
    """A SimPy environment with two fast paths for the engine.

    * :meth:`call_at` schedules a callback at an absolute time. A timeout fires
      at ``now + delay``, which in floating point can land one step away from a
      planned time; arrivals are planned as absolute times, so they are
      scheduled exactly there.
    * :meth:`run_until` is ``Environment.run(until)`` without a method call
      and a ``try`` per event: the same queue, the same order (time, priority,
      then scheduling order), the same handling of failed events."""

    def call_at(self, when: float, callback, value) -> None:
        heappush(self._queue, (when, NORMAL, next(self._eid), Call(self, callback, value)))

    def call_in(self, delay: float, callback, value) -> None:
        heappush(self._queue, (self._now + delay, NORMAL, next(self._eid), Call(self, callback, value)))

    def run_until(self, until: float) -> None:
        """Process every event before ``until``; then the clock reads ``until``."""
        if until <= self._now:
            raise ValueError(f"until ({until}) must be greater than the current simulation time")
        next(self._eid)  # the place SimPy's own stop event takes in the order
        queue = self._queue
        while queue and queue[0][0] < until:
            self._now, _, _, event = heappop(queue)
            callbacks, event.callbacks = event.callbacks, None
            for callback in callbacks:
                callback(event)
            if not event._ok and not hasattr(event, "_defused"):
                raise event._value
        self._now = until


class Conversation:
    """Run-time state of one contact."""

    __slots__ = ("i", "code", "voice", "priority", "state", "agent", "turn", "turns", "bot_turns", "escalate_at",
                 "offset", "answered", "replied", "work", "delay", "slots")

    def __init__(self, i: int, code: int, priority: int, bot_turns: int, turns: int, escalate_turn: int, offset: int):
        self.i = i
        self.code = code
        self.voice = IS_VOICE[code]
        self.priority = priority
        self.state = WAITING
        self.agent: Agent | None = None
        self.turn = 0  # index of the turn in progress (bot turns first)
        self.bot_turns = bot_turns
        self.turns = bot_turns + turns  # bot + agent turns
        self.escalate_at = bot_turns + escalate_turn if escalate_turn >= 0 else -1  # turn after which they call
        self.offset = offset  # first turn in the plan's per-turn arrays
        self.answered = False  # holds (or held) a slot
        self.replied = False  # the agent's first reply was sent
        self.work: list[float] | tuple = ()  # per turn: the bot's or the agent's work time (s)
        self.delay: list[float] | tuple = ()  # per turn: the customer's reply delay after it (s)


class Simulation:
    """One replication of one strategy."""

    def __init__(self, scenario: Scenario, book: ContactBook):
        self.scenario = scenario
        self.book = book
        self.env = Clock()
        self.contacts = ContactRecorder(book.size)
        self.messages = MessageRecorder()
        self.system_messages: list[tuple] = []  # (t, contact, customer, channel, category, chars, non_gsm, media)
        self.attention = SpanRecorder()
        attention = self.attention
        self._attend = (attention.pool.append, attention.channel.append, attention.start.append, attention.end.append)
        self._message_t, self._message_position = self.messages.t.append, self.messages.position.append
        self.horizon = scenario.horizon_s
        self.in_system = 0
        self._seq = 0
        self.ivr = scenario.strategies[0].ivr_deflection
        self.repeats = scenario.repeats
        self.bot = scenario.active_bot
        self._pending: list[tuple] = []  # returns with an id only: (id, repeat of, when, switch), ids ascending
        self._repeat_u = Drawn(book.streams("repeat.choice").random)
        # (no reference back to the simulation: it is freed as soon as its log is made)
        self._repeat_delay = Drawn(partial(self.repeats.delay.sample, book.streams("repeat.delay")))
        self._at = self.env.call_in  # schedule ``callback(event)`` in ``delay`` s, with ``event._value``
        self.pools = [
            AgentPool(i, spec, tuple(CHANNEL_CODE[c] for c in spec.channels), _caps(spec))
            for i, spec in enumerate(scenario.agents.pools)
        ]
        self.pools_for: dict[int, list[AgentPool]] = {
            code: [p for p in self.pools if code in p.channel_codes] for code in range(len(CHANNELS))
        }
        self.queues: dict[int, list] = {code: [] for code in range(len(CHANNELS))}
        voice_codes = {code for code in range(len(CHANNELS)) if IS_VOICE[code]}
        for pool in self.pools:
            pool.order, replies = pool_routing(scenario.agents.routing, pool, self.queues, voice_codes)
            pool.agent_for = pool.order.agent_for  # (bound once: the hot paths call them per contact)
            pool.interrupts = pool.order.interrupts
            # an agent whose attention frees may take queued work even with no slot freed
            pool.redispatch = pool.interrupts or pool.order.choice.pulls
            pool.spill_after = pool.order.choice.spill_after_s if pool.order.choice.pulls else None
            pool.next_reply = None if replies is InTurn else replies.next_reply
        # per channel: seconds a queued conversation waits for a free attention before it spills
        self.spill_after = [min((p.spill_after for p in self.pools_for[code] if p.spill_after is not None),
                                default=None) for code in range(len(CHANNELS))]
        self.plans = [staffing_plan(scenario, i) for i in range(len(self.pools))]
        for pool in self.pools:  # a voice-only pool holds its slots exactly while its attention is busy
            if not all(IS_VOICE[code] for code in pool.channel_codes):
                pool.log_slots(self.env)
        self.hours: list[OpenTimes | None] = [None] * len(CHANNELS)
        for name, spec in scenario.channels.items():
            if spec.hours is not None:
                self.hours[CHANNEL_CODE[name]] = OpenTimes(weekly_hours(spec.hours), scenario.start_date,
                                                           self.horizon + MAX_DRAIN_S)
        self.park_after = [math.inf] * len(CHANNELS)
        self.escalation = [None] * len(CHANNELS)
        for name, spec in scenario.channels.items():
            if spec.park_after is not None:
                self.park_after[CHANNEL_CODE[name]] = spec.park_after
            self.escalation[CHANNEL_CODE[name]] = spec.escalate_to_voice

    # ------------------------------------------------------------ scheduling
    def run(self) -> None:
        for pool, (_, agents) in zip(self.pools, self.plans):
            self._staff(pool, int(agents[0]))
        timed: dict[float, list[int]] = {}  # interval length -> pools whose staffing changes
        for index, (interval, agents) in enumerate(self.plans):
            if agents.size > 1:
                timed.setdefault(interval, []).append(index)
        for interval, pools in timed.items():
            self._at(interval, self._on_interval, (interval, pools, 1))
        self._planned = self._planned_arrivals()
        first = next(self._planned, None)
        if first is not None:
            self.env.call_at(first[0], self._on_planned_arrival, first[1])
        self.env.run_until(self.horizon + MAX_DRAIN_S)
        self.env._queue.clear()  # nothing runs after the end (and no timer keeps the simulation alive)
        self._close_open_contacts()
        for pool in self.pools:  # (the policies refer to the queues: nothing keeps the run alive after it)
            pool.order = pool.agent_for = pool.next_reply = pool.clock = None

    def _on_interval(self, event) -> None:
        """Interval ``k`` of a staffing plan starts: its pools take its staffing."""
        interval, pools, k = event._value
        for index in pools:
            agents = self.plans[index][1]
            self._staff(self.pools[index], int(agents[k % agents.size]))
        if k * interval < self.horizon or self.in_system > 0:
            self._at(interval, self._on_interval, (interval, pools, k + 1))

    def _staff(self, pool: AgentPool, target: int) -> None:
        for agent in pool.set_staffed(target, self.env._now):
            self._dispatch(agent)

    # ---------------------------------------------------------------- arrivals
    def _planned_arrivals(self):
        """(time, contact) of every planned contact in arrival order, read from
        the plan a chunk at a time (one pending arrival event at a time)."""
        order = np.argsort(self.book.arrival_t[: self.book.size], kind="stable")
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
        self.in_system += 1
        if IS_VOICE[code]:  # (a call has no turns, no bot and no escalation: nothing more to read)
            conv = Conversation(i, code, book.priority.item(i), 0, 0, -1, 0)
            hours = self.hours[code]
            if hours is not None and not hours.is_open(self.env._now):
                self._end(conv, CLOSED)  # the closed message
                if self.repeats.after_closed > 0:
                    self._maybe_repeat(i, self.repeats.after_closed)
                return
            if self.ivr is not None and book.parent.item(i) < 0:
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

    # --------------------------------------------------------------------- IVR
    def _after_ivr(self, event) -> None:
        conv = event._value
        i = conv.i
        if self.book.deflect[i] and (self.ivr.when == "always" or not self._agent_free(VOICE)):
            self._deflect(conv)
        else:
            self._queue_or_assign(conv)

    def _agent_free(self, code: int) -> bool:
        return any(pool.agent_for(code, IS_VOICE[code]) is not None for pool in self.pools_for[code])

    def _deflect(self, conv: Conversation) -> None:
        """The caller takes the messaging link: the call ends, a conversation starts."""
        book, now, i = self.book, self.env._now, conv.i
        link = CHANNEL_CODE[self.ivr.link_channel]
        self._end(conv, DEFLECTED)
        child = self._spawn(i, CHANNEL_CODE[self.ivr.to], stream="deflected", context_lost=False)
        self.system_messages.append((now, int(child), int(book.customer[i]), link, "utility", self.ivr.link_chars,
                                     False, False))

    # --------------------------------------------------------------------- bot
    def _on_bot_reply(self, event) -> None:
        conv = event._value
        book, i = self.book, conv.i
        self.messages.add(self.env._now, 2 * (conv.offset + conv.turn) + 1)
        delay = conv.delay[conv.turn]
        conv.turn += 1
        if conv.turn < conv.bot_turns:
            self._at(delay, self._on_bot_customer, conv)
        elif book.bot_resolves[i]:
            self.contacts.bot[i] = 2
            self._end(conv, CONTAINED)
        else:
            self.contacts.bot[i] = 3
            if not self.bot.keeps_context:
                book.context_lost[i] = True
                book.extra_time[i] = self.bot.lost_context_extra_s * self.book.intent_complexity[book.intent[i]]
                book.unresolved_p[i] = min(1.0, book.unresolved_p[i] + self.bot.lost_context_unresolved)
            self.contacts.transfers[i] += 1
            self._at(delay, self._on_escalation_message, conv)

    def _on_bot_customer(self, event) -> None:
        conv = event._value
        self.messages.add(self.env._now, 2 * (conv.offset + conv.turn))
        self._at(conv.work[conv.turn], self._on_bot_reply, conv)

    def _on_escalation_message(self, event) -> None:
        conv = event._value
        self.messages.add(self.env._now, 2 * (conv.offset + conv.turn))
        conv.state = WAITING
        self._queue_or_assign(conv)

    # ----------------------------------------------------------------- agents
    def _assign(self, conv: Conversation, agent: Agent) -> None:
        pool = agent.pool
        now = self.env._now
        conv.state = ACTIVE
        conv.agent = agent
        if not conv.answered:
            conv.answered = True
            self.contacts.answer_t[conv.i] = now
            self.contacts.pool[conv.i] = pool.index
            self.contacts.agent[conv.i] = agent.index
        if conv.voice:
            conv.slots = agent.free  # every slot; under interruptible routing, every free one
            pool.occupy(agent, conv.slots)
            agent.on_call = True
            agent.busy = True
            agent.writing = conv
            i = conv.i
            duration = self.book.handle_time.item(i) + self.book.extra_time.item(i)
            self.contacts.focus_s[i] = duration  # (a call is answered once, and is all its agent's time)
            add_pool, add_channel, add_start, add_end = self._attend
            add_pool(pool.index)
            add_channel(conv.code)
            add_start(now)
            add_end(now + duration)
            self._at(duration, self._on_call_end, conv)
        else:
            pool.occupy(agent, 1)
            if agent.held is not None:
                agent.held[conv.code] += 1
            agent.tasks.append(conv)
            self._work(agent)

    def _release_slot(self, agent: Agent, conv: Conversation) -> None:
        if agent.held is not None:
            agent.held[conv.code] -= 1
        if agent.on_call:  # a chat ended during a call: the call holds every free slot of its agent
            agent.writing.slots += 1
            return
        agent.pool.release(agent, 1)

    def _dispatch(self, agent: Agent) -> None:
        """The agent has capacity: take queued work while it can."""
        if not agent.on_shift or agent.leaving:
            return
        order = agent.pool.order
        if agent.pool.interrupts:
            call = order.next_call(agent)
            if call is not None:
                self._assign(call, agent)
                return
        next_for = order.next_for
        while agent.free > 0:
            conv = next_for(agent)
            if conv is None:
                break
            self._assign(conv, agent)
            if conv.voice:
                break

    def _freed(self, agent: Agent) -> None:
        """Capacity came back to ``agent`` (a slot or a whole call)."""
        if agent.leaving and agent.pool.finish_leaving(agent, self.env._now):
            return
        self._dispatch(agent)
        if agent.tasks and not agent.busy:
            self._work(agent)

    def _work(self, agent: Agent) -> None:
        """Start the agent's next reply if its attention is free."""
        if agent.busy or not agent.tasks:
            return
        next_reply = agent.pool.next_reply
        conv = agent.tasks.popleft() if next_reply is None else next_reply(agent)
        agent.busy = True
        agent.writing = conv
        now = self.env._now
        duration = conv.work[conv.turn]
        if conv.turn == conv.bot_turns:  # the agent's first reply: catch up on lost context
            duration += float(self.book.extra_time[conv.i])
        self.contacts.focus_s[conv.i] += duration
        add_pool, add_channel, add_start, add_end = self._attend
        add_pool(agent.pool.index)
        add_channel(conv.code)
        add_start(now)
        add_end(now + duration)
        self._at(duration, self._on_reply, conv)

    # ------------------------------------------------------------ conversation
    def _on_call_end(self, event) -> None:
        conv = event._value
        agent = conv.agent
        self._finish(conv)
        agent.busy = False
        agent.on_call = False
        agent.free_since = self.env._now
        agent.pool.release(agent, conv.slots)
        self._freed(agent)

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

    def _switch_to_voice(self, conv: Conversation) -> None:
        """The customer calls instead of going on writing: the chat ends, a call starts."""
        escalation = self.escalation[conv.code]
        self._end(conv, DEFLECTED)
        lost = not escalation.keeps_history
        extra = escalation.lost_context_extra_s * self.book.intent_complexity[self.book.intent[conv.i]] if lost else 0.0
        self._spawn(conv.i, VOICE, stream="escalated", context_lost=lost, extra_s=extra)

    # ------------------------------------------------------------------- ends
    def _finish(self, conv: Conversation) -> None:
        """An agent finished the contact: resolved, or the customer will be back."""
        i = conv.i
        book = self.book
        unresolved = book.unresolved_u.item(i) < book.unresolved_p.item(i)
        conv.state = DONE  # (:meth:`_end`, inline)
        contacts = self.contacts
        contacts.end_t[i] = self.env._now
        contacts.outcome[i] = UNRESOLVED if unresolved else RESOLVED
        self.in_system -= 1
        if unresolved:
            self._maybe_repeat(i, 1.0)

    def _end(self, conv: Conversation, outcome: int) -> None:
        conv.state = DONE
        self.contacts.end_t[conv.i] = self.env._now
        self.contacts.outcome[conv.i] = outcome
        self.in_system -= 1

    def _spawn(self, parent: int, code: int, *, stream: str, context_lost: bool, extra_s: float = 0.0) -> int:
        """A continuation of contact ``parent`` on channel ``code``, starting
        now; ``extra_s`` of agent time to catch up on lost context."""
        book = self.book
        ids = book.add(
            np.array([self.env._now]), book.segment[[parent]], book.intent[[parent]], stream=stream,
            customer=book.customer[[parent]], channel=np.array([code], dtype=np.int8), parent=np.array([parent]),
            root=book.root[[parent]], context_lost=np.array([context_lost]), attempt=book.attempt[[parent]],
            common=False,
        )
        child = int(ids[0])
        book.extra_time[child] = extra_s
        self.contacts.ensure(book.size)
        self.contacts.transfers[child] = 1
        self._arrive(child)
        return child

    def _maybe_repeat(self, i: int, share: float) -> None:
        """The customer comes back after a delay (if within the run). The
        return gets its id now, its description and draws when the first
        pending return arrives (see :meth:`_draw_pending`)."""
        if share < 1 and self._repeat_u() >= share:
            return
        hours = self.hours[self.book.channel.item(i)]
        if hours is None:
            when = self.env._now + self._repeat_delay()
        else:  # the delay runs in the channel's opening hours
            when = hours.after_open(self.env._now, self._repeat_delay())
        if when >= self.horizon:
            return
        switch = self.book.channel.item(i) if self._repeat_u() < self.repeats.switch_share else NONE
        new = self.book.new_id()
        self._pending.append((new, i, when, switch))
        self.contacts.ensure(self.book.size)
        self.env.call_at(when, self._on_return, new)

    def _on_return(self, event) -> None:
        i = event._value
        if self._pending and i >= self._pending[0][0]:
            self._draw_pending()
        self._arrive(i)

    def _draw_pending(self) -> None:
        """Describe and draw every return decided so far, in one batch."""
        book = self.book
        new, parent, when, switch = (np.array(column) for column in zip(*self._pending))
        book.describe(new, when.astype(float), book.segment[parent], book.intent[parent],
                      customer=book.customer[parent], repeat_of=parent, root=book.root[parent],
                      attempt=book.attempt[parent] + 1)
        book.draw(new, stream="repeat", switch=switch.astype(np.int64), common=False)
        self._pending.clear()

    def _close_open_contacts(self) -> None:
        if self._pending:
            self._draw_pending()
        self.contacts.ensure(self.book.size)
        n = self.book.size
        open_ = self.contacts.outcome[:n] < 0
        answered = ~np.isnan(self.contacts.answer_t[:n])
        self.contacts.outcome[:n][open_ & answered] = UNRESOLVED
        self.contacts.outcome[:n][open_ & ~answered] = UNSERVED


def _caps(spec) -> list[float] | None:
    """Slots per channel code of a pool with per-channel caps (None: only the total)."""
    if not spec.slot_caps:
        return None
    caps = [float(spec.concurrency)] * len(CHANNELS)
    for name, cap in spec.slot_caps.items():
        caps[CHANNEL_CODE[name]] = float(cap)
    return caps
