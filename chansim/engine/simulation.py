"""The contact center as a SimPy model: the run's state, its clock
(:mod:`chansim.engine.clock`) and its event handlers, grouped by concern.

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

import math
from functools import partial

from chansim.engine.agent_work import AgentWork
from chansim.engine.agents import AgentPool
from chansim.engine.bots import Bots
from chansim.engine.calls import Calls
from chansim.engine.channel_codes import CHANNEL_CODE, IS_VOICE
from chansim.engine.clock import Clock
from chansim.engine.closing import Closing
from chansim.engine.contact_book import ContactBook
from chansim.engine.endings import Endings
from chansim.engine.log import ContactRecorder, MessageRecorder, SpanRecorder
from chansim.engine.messaging import Messaging
from chansim.engine.queues import Queues
from chansim.engine.routing import InTurn, pool_routing
from chansim.engine.staffing_changes import StaffingChanges
from chansim.engine.staffing_plan import staffing_plan
from chansim.engine.staffing_table import StaffingBins
from chansim.engine.streams import Drawn
from chansim.scenario.channels import CHANNELS
from chansim.scenario.hours import OpenTimes, weekly_hours
from chansim.scenario.models import Scenario
from chansim.scenario.rosters import DRAIN_S

__all__ = ["Simulation", "MAX_DRAIN_S"]

#: After the last arrival the model runs on until every contact has ended, for
#: at most this long (s); contacts still open then are ``unserved``/``unresolved``.
MAX_DRAIN_S = DRAIN_S


class Simulation(Queues, Calls, Bots, AgentWork, Messaging, Endings, StaffingChanges, Closing):
    """One replication of one strategy: the state of the run (here) and its
    event handlers (the classes it is made of, one per concern):

    * :class:`~chansim.engine.queues.Queues`: arrivals, opening hours, queues,
      patience and spill;
    * :class:`~chansim.engine.calls.Calls`: IVR deflection, calls, chats
      switching to a call;
    * :class:`~chansim.engine.bots.Bots`: bot turns, containment, escalation;
    * :class:`~chansim.engine.agent_work.AgentWork`: agents taking work and
      writing replies;
    * :class:`~chansim.engine.messaging.Messaging`: the customer's side of a
      conversation with an agent, parking;
    * :class:`~chansim.engine.endings.Endings`: outcomes, continuations,
      repeat contacts;
    * :class:`~chansim.engine.staffing_changes.StaffingChanges`: staffing
      plans over the run;
    * :class:`~chansim.engine.closing.Closing`: closing time (work down or
      close the queue) and channels offline while closed.

    The run starts ``warmup_days`` before time 0 (midnight of ``start_date``):
    those days are simulated and left out of the measured log."""

    def __init__(self, scenario: Scenario, book: ContactBook, *, lazy: bool = False):
        self.scenario = scenario
        self.book = book
        self.start = -86_400.0 * scenario.warmup_days  # the warm-up days run before time 0
        self.env = Clock(self.start)
        #: ``lazy``: the results of the planned contacts are filled as their days come (a plan drawn by day)
        self.contacts = ContactRecorder(book.size, lazy=lazy)
        self.handover = None  # a Handover: the log handed over a chunk of customers at a time
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
        self._pending: list[tuple] = []  # returns with an id only: (id, repeat of, when, switch, what it takes from it)
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
        self.closes_queue: list[int] = []  # channels whose queue ends ``closed`` at closing time
        self.offline: list[bool] = [False] * len(CHANNELS)  # messaging not offered while closed
        for name, spec in scenario.channels.items():
            if spec.hours is not None:
                code = CHANNEL_CODE[name]
                self.hours[code] = OpenTimes(weekly_hours(spec.hours), scenario.start_date,
                                             self.horizon + MAX_DRAIN_S, -scenario.warmup_days)
                if spec.at_close == "closed":
                    self.closes_queue.append(code)
                self.offline[code] = spec.while_closed == "offline" and not IS_VOICE[code]
        for pool in self.pools:  # channels whose queue the agents work down past closing time
            pool.work_down = tuple(code for code in pool.channel_codes if self.hours[code] is not None
                                   and code not in self.closes_queue)
        self.park_after = [math.inf] * len(CHANNELS)
        self.escalation = [None] * len(CHANNELS)
        for name, spec in scenario.channels.items():
            if spec.park_after is not None:
                self.park_after[CHANNEL_CODE[name]] = spec.park_after
            self.escalation[CHANNEL_CODE[name]] = spec.escalate_to_voice
        # attention, overtime and slots held, binned per staffing interval as the run goes (see Queues)
        self.bins = StaffingBins.of(self)

    def run(self) -> None:
        self._start_staffing()
        self._schedule_closings()
        self._planned = self._planned_arrivals()
        first = next(self._planned, None)
        if first is not None:
            self.env.call_at(first[0], self._on_planned_arrival, first[1])
        self.env.run_until(self.horizon + MAX_DRAIN_S)
        self.env._queue.clear()  # nothing runs after the end (and no timer keeps the simulation alive)
        self._close_open_contacts()
        for pool in self.pools:  # (the policies refer to the queues: nothing keeps the run alive after it)
            pool.order = pool.agent_for = pool.next_reply = pool.clock = None


def _caps(spec) -> list[float] | None:
    """Slots per channel code of a pool with per-channel caps (None: only the total)."""
    if not spec.slot_caps:
        return None
    caps = [float(spec.concurrency)] * len(CHANNELS)
    for name, cap in spec.slot_caps.items():
        caps[CHANNEL_CODE[name]] = float(cap)
    return caps
