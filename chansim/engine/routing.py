"""Routing policies: who gets new work, what an agent takes next, which reply
it writes next. One small class per question, chosen by name in the scenario
(``agents.routing``), one instance per pool. The names are declared by the
scenario (:data:`chansim.scenario.models.agents.ROUTING_POLICIES`); each
table here has one class per declared name.

* **Agent choice** (``agents.routing.agent``): which agent of a pool a new
  conversation goes to. ``most_free_slots`` (default): the agent with the
  most free slots, the longest in that state first. ``idle_attention_first``:
  an agent whose attention is free (writing nothing, no reply waiting), most
  free slots first; while every attention is busy the conversation waits in
  the pool and goes to the first agent whose attention frees, or after
  ``agents.routing.spill_after_s`` of waiting to the agent with the most free
  slots (0: at once). ``longest_idle``: the agent whose attention has been
  free the longest, else the most free slots. A call always goes to the agent
  idle the longest.
* **Queue order** (``agents.routing.queue``): what an agent with free
  capacity takes from its pool's queues, and which agents a new call may
  reach. ``priority`` (default): the best head of the queues by intent
  priority then arrival; a call only when the agent holds nothing.
  ``voice_first_interruptible``: calls first; a call may go to an agent
  holding chats whose attention is free (it takes the agent's free slots,
  those its chats free while it lasts, and its attention; the chats' replies
  wait while the call lasts).
  ``voice_first_reservation``: calls first; while a call waits, agents holding
  chats take no new chat, and take the call as their chats end.
* **Reply order** (``agents.routing.replies``): which waiting reply an agent
  writes next. ``in_turn`` (default): as the customers wrote;
  ``first_replies_first``: conversations still waiting for their first reply
  go first.

Per-channel slot caps (``concurrency: {webchat: 2, whatsapp: 6, total: 6}``)
apply under every policy: an agent takes a conversation of a channel only
below that channel's cap.
"""

from __future__ import annotations

import heapq

from chansim.engine.agents import WAITING, Agent, AgentPool
from chansim.scenario.models.agents import ROUTING_POLICIES

__all__ = ["AGENT_CHOICES", "QUEUE_ORDERS", "REPLY_ORDERS", "MostFreeSlots", "IdleAttentionFirst", "LongestIdle",
           "InPriority", "VoiceFirstInterruptible", "VoiceFirstReservation", "InTurn", "FirstRepliesFirst",
           "pool_routing"]


def _named(question: str, table: dict[str, type]) -> dict[str, type]:
    """``table`` (policy name → class), checked to name exactly the policies
    the scenario declares for ``agents.routing.<question>``."""
    declared = ROUTING_POLICIES[question]
    if set(table) != set(declared):
        raise RuntimeError(f"agents.routing.{question}: the scenario names {', '.join(declared)}; "
                          f"the engine has {', '.join(table)}")
    return table


# ----------------------------------------------------------------- agent choice
class MostFreeSlots:
    """A new conversation goes to the agent with the most free slots."""

    #: queued conversations wait for an agent whose attention is free
    #: (:meth:`takes` says which agents may take one)
    pulls = False
    #: seconds a conversation waits for such an agent before :meth:`spill_to`
    spill_after_s = None

    def __init__(self, pool: AgentPool, spill_after_s: float | None = None):
        self.pool = pool

    @staticmethod
    def takes(agent: Agent) -> bool:
        """Whether ``agent`` (with a free slot) may take a queued conversation."""
        return True

    def fits(self, agent: Agent, code: int) -> bool:
        caps = self.pool.caps
        return caps is None or agent.held[code] < caps[code]

    def for_call(self) -> Agent | None:
        """The agent idle the longest (idle: holding nothing)."""
        bucket = self.pool.available[self.pool.capacity]
        return next(iter(bucket)) if bucket else None

    def for_message(self, code: int) -> Agent | None:
        pool = self.pool
        available = pool.available
        if pool.caps is None:
            for free in range(pool.capacity, 0, -1):
                bucket = available[free]
                if bucket:
                    return next(iter(bucket))
            return None
        cap = pool.caps[code]
        for free in range(pool.capacity, 0, -1):
            for agent in available[free]:
                if agent.held[code] < cap:
                    return agent
        return None


class IdleAttentionFirst(MostFreeSlots):
    """An agent whose attention is free (most free slots among them). While
    none is, the conversation waits in the pool for the first attention to
    free, up to ``spill_after_s`` (None: as long as it takes; 0: none), then
    goes to the agent with the most free slots."""

    def __init__(self, pool: AgentPool, spill_after_s: float | None = None):
        super().__init__(pool)
        self.spill_after_s = spill_after_s
        self.pulls = spill_after_s != 0

    @staticmethod
    def takes(agent: Agent) -> bool:
        return not agent.busy and not agent.tasks

    def for_message(self, code: int) -> Agent | None:
        pool = self.pool
        for free in range(pool.capacity, 0, -1):
            for agent in pool.available[free]:
                if not agent.busy and not agent.tasks and self.fits(agent, code):
                    return agent
        return None if self.pulls else super().for_message(code)

    def spill_to(self, code: int) -> Agent | None:
        """The agent a conversation that waited ``spill_after_s`` goes to."""
        return super().for_message(code)


class LongestIdle(MostFreeSlots):
    """The agent whose attention has been free the longest, else the agent
    with the most free slots."""

    def for_message(self, code: int) -> Agent | None:
        pool = self.pool
        best = None
        for free in range(pool.capacity, 0, -1):
            for agent in pool.available[free]:
                if not agent.busy and not agent.tasks and self.fits(agent, code) and (
                        best is None or agent.free_since < best.free_since):
                    best = agent
        return best if best is not None else super().for_message(code)


AGENT_CHOICES = _named("agent", {"most_free_slots": MostFreeSlots, "idle_attention_first": IdleAttentionFirst,
                                 "longest_idle": LongestIdle})


# ------------------------------------------------------------------ queue order
def _head(queue: list):
    """The first waiting conversation of a queue (dropping those that left)."""
    while queue and queue[0][2].state != WAITING:
        heapq.heappop(queue)  # abandoned while queued
    return queue[0] if queue else None


class InPriority:
    """Best queued contact by intent priority, then arrival; a call only for
    an agent holding nothing."""

    interrupts = False  # calls may go to agents holding chats

    def __init__(self, pool: AgentPool, queues: dict[int, list], choice: MostFreeSlots, voice_codes: set[int]):
        self.pool = pool
        self.choice = choice
        self.pulls = choice.pulls
        self.own = [(code, queues[code]) for code in pool.channel_codes]
        self.voice_queues = [queues[code] for code in pool.channel_codes if code in voice_codes]
        self.message_queues = [(code, queues[code]) for code in pool.channel_codes if code not in voice_codes]
        if type(self) is InPriority and type(choice) is MostFreeSlots and pool.caps is None:
            self.agent_for = self._most_free_slots

    def agent_for(self, code: int, voice: bool) -> Agent | None:
        """The agent a new contact on channel ``code`` goes to now, if any."""
        return self.choice.for_call() if voice else self.choice.for_message(code)

    def _most_free_slots(self, code: int, voice: bool) -> Agent | None:
        """:meth:`agent_for` of the default policies, without a detour."""
        available = self.pool.available
        capacity = self.pool.capacity
        if voice:
            bucket = available[capacity]
            return next(iter(bucket)) if bucket else None
        for free in range(capacity, 0, -1):
            bucket = available[free]
            if bucket:
                return next(iter(bucket))
        return None

    def next_for(self, agent: Agent):
        """The queued conversation this agent takes next (removed from its
        queue), or None. Called while the agent has a free slot."""
        best_key = None
        best_queue = None
        idle = agent.free == self.pool.capacity
        caps = self.pool.caps
        pulls = self.pulls
        for code, queue in self.own:
            while queue and queue[0][2].state != WAITING:
                heapq.heappop(queue)  # abandoned while queued
            if not queue or (queue[0][2].voice and not idle):
                continue
            if (caps is not None or pulls) and not queue[0][2].voice and (
                    (caps is not None and agent.held[code] >= caps[code]) or (pulls and not self.choice.takes(agent))):
                continue
            if best_key is None or queue[0][:2] < best_key:
                best_key = queue[0][:2]
                best_queue = queue
        return heapq.heappop(best_queue)[2] if best_queue is not None else None

    def _best_message(self, agent: Agent):
        if self.choice.pulls and not self.choice.takes(agent):
            return None
        caps = self.pool.caps
        best = None
        for code, queue in self.message_queues:
            head = _head(queue)
            if head is None or (caps is not None and agent.held[code] >= caps[code]):
                continue
            if best is None or head[:2] < best[0][:2]:
                best = (head, queue)
        return heapq.heappop(best[1])[2] if best is not None else None

    def _best_call(self):
        best = None
        for queue in self.voice_queues:
            head = _head(queue)
            if head is not None and (best is None or head[:2] < best[0][:2]):
                best = (head, queue)
        return heapq.heappop(best[1])[2] if best is not None else None

    def call_waiting(self) -> bool:
        return any(_head(queue) is not None for queue in self.voice_queues)


class VoiceFirstInterruptible(InPriority):
    """Calls first; a call may go to an agent holding chats whose attention
    is free."""

    interrupts = True

    def agent_for(self, code: int, voice: bool) -> Agent | None:
        if not voice:
            return self.choice.for_message(code)
        agent = self.choice.for_call()
        if agent is not None:
            return agent
        pool = self.pool
        for free in range(pool.capacity - 1, -1, -1):
            for agent in pool.available[free]:
                if not agent.busy and not agent.on_call:
                    return agent
        return None

    def next_call(self, agent: Agent):
        """A queued call for this agent, if its attention is free."""
        if agent.busy or agent.on_call or not self.voice_queues:
            return None
        return self._best_call()

    def next_for(self, agent: Agent):
        if agent.on_call:
            return None
        call = self.next_call(agent)
        return call if call is not None else self._best_message(agent)


class VoiceFirstReservation(InPriority):
    """Calls first; while a call waits, agents holding chats take no new chat
    and take the call as their chats end."""

    def agent_for(self, code: int, voice: bool) -> Agent | None:
        if voice:
            return self.choice.for_call()
        if self.voice_queues and self.call_waiting():
            return None
        return self.choice.for_message(code)

    def next_for(self, agent: Agent):
        if self.voice_queues and self.call_waiting():
            return self._best_call() if agent.free == self.pool.capacity else None
        return self._best_message(agent)


QUEUE_ORDERS = _named("queue", {"priority": InPriority, "voice_first_interruptible": VoiceFirstInterruptible,
                                "voice_first_reservation": VoiceFirstReservation})


# ------------------------------------------------------------------ reply order
class InTurn:
    """Replies in the order the customers wrote."""

    @staticmethod
    def next_reply(agent: Agent):
        return agent.tasks.popleft()


class FirstRepliesFirst:
    """A conversation still waiting for its first reply before the others."""

    @staticmethod
    def next_reply(agent: Agent):
        tasks = agent.tasks
        for conv in tasks:
            if not conv.replied:
                tasks.remove(conv)
                return conv
        return tasks.popleft()


REPLY_ORDERS = _named("replies", {"in_turn": InTurn, "first_replies_first": FirstRepliesFirst})


def pool_routing(routing, pool: AgentPool, queues: dict[int, list], voice_codes: set[int]):
    """(queue order, reply order) of ``pool`` under the scenario's
    ``agents.routing``; the queue order holds the agent choice."""
    choice = AGENT_CHOICES[routing.agent](pool, routing.spill_after_s)
    return QUEUE_ORDERS[routing.queue](pool, queues, choice, voice_codes), REPLY_ORDERS[routing.replies]
