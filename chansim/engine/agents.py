"""Agents at run time: slots, one unit of attention, shifts.

A messaging agent holds up to ``concurrency`` conversations (slots) but writes
one reply at a time (attention): the replies queue on the agent, so slowdown
under concurrency emerges from the model. A call takes every slot of its agent
(every free one under interruptible voice-first routing). With per-channel
slot caps an agent also counts the conversations it holds per channel.
"""

from __future__ import annotations

from collections import deque

from chansim.engine.log import SlotRecorder
from chansim.scenario.models import Pool

__all__ = ["Agent", "AgentPool", "WAITING", "ACTIVE", "PARKED", "DONE", "WITH_BOT"]

#: States of a conversation at run time.
WAITING, ACTIVE, PARKED, DONE, WITH_BOT = range(5)


class Agent:
    """One agent of a pool."""

    __slots__ = ("pool", "index", "free", "busy", "tasks", "on_shift", "leaving", "leave_t", "held", "on_call",
                 "free_since", "writing")

    def __init__(self, pool: "AgentPool", index: int):
        self.pool = pool
        self.index = index
        self.free = pool.capacity  # free slots
        self.busy = False  # attention in use
        self.tasks: deque = deque()  # conversations waiting for this agent's reply
        self.on_shift = False
        self.leaving = False  # finishes what it holds, takes nothing new
        self.leave_t = 0.0  # when its shift ended while it still held work
        self.held = [0] * len(pool.caps) if pool.caps is not None else None  # conversations held per channel
        self.on_call = False  # on a call (interruptible routing: it may also hold chats)
        self.free_since = 0.0  # when its attention last became free (longest-idle routing)
        self.writing = None  # the conversation whose reply it writes (while busy)

    @property
    def idle(self) -> bool:
        return self.free == self.pool.capacity


class AgentPool:
    """The agents of one pool and which of them can take work.

    ``available[f]`` holds the on-shift agents with ``f`` free slots, in the
    order they reached that state (so the longest-waiting agent is picked)."""

    def __init__(self, index: int, spec: Pool, channel_codes: tuple[int, ...],
                 caps: list[float] | None = None):
        self.index = index
        self.spec = spec
        self.name = spec.name
        self.capacity = spec.concurrency
        self.channel_codes = channel_codes
        self.caps = caps  # slots per channel code (None: only the total)
        self.agents: list[Agent] = []
        self.available: list[dict[Agent, None]] = [{} for _ in range(self.capacity + 1)]
        self.rostered = 0  # on shift and not leaving
        self.overtime: list[tuple[float, float]] = []  # (start, end): work finished after a shift ended
        self.work_down: tuple[int, ...] = ()  # channels whose queue its agents work down after closing
        self.clock = None  # the simulation's environment (its ``_now``), for the slot log
        self.slots = None  # a SlotRecorder of this pool: every change of the slots held, for slot utilisation
        self._slot_t = self._slot_delta = None  # its buffers, appended to directly on the hot path

    # ----------------------------------------------------------- availability
    def occupy(self, agent: Agent, slots: int) -> None:
        if agent.on_shift and not agent.leaving:
            del self.available[agent.free][agent]
            self.available[agent.free - slots][agent] = None
        agent.free -= slots
        if self.slots is not None:
            self._slot_t.append(self.clock._now)
            self._slot_delta.append(slots)

    def release(self, agent: Agent, slots: int) -> None:
        if agent.on_shift and not agent.leaving:
            del self.available[agent.free][agent]
            self.available[agent.free + slots][agent] = None
        agent.free += slots
        if self.slots is not None:
            self._slot_t.append(self.clock._now)
            self._slot_delta.append(-slots)

    def log_slots(self, clock) -> None:
        """Log every change of the slots held, read from ``clock._now``."""
        self.clock, self.slots = clock, SlotRecorder()
        self._slot_t, self._slot_delta = self.slots.t, self.slots.delta

    # ----------------------------------------------------------------- shifts
    def set_staffed(self, target: int, now: float) -> list[Agent]:
        """Bring the roster to ``target`` agents at time ``now``. Returns the
        agents that became available (they may take queued work). Agents going
        off shift with work in hand finish it first, on overtime."""
        joined: list[Agent] = []
        if target > self.rostered:
            for agent in self.agents:  # first keep those about to leave
                if self.rostered == target:
                    break
                if agent.on_shift and agent.leaving:
                    agent.leaving = False
                    self.overtime.append((agent.leave_t, now))
                    self.available[agent.free][agent] = None
                    self.rostered += 1
                    joined.append(agent)
            for agent in self.agents:  # then call back agents off shift
                if self.rostered == target:
                    break
                if not agent.on_shift:
                    agent.on_shift = True
                    self.available[agent.free][agent] = None
                    self.rostered += 1
                    joined.append(agent)
            while self.rostered < target:
                agent = Agent(self, len(self.agents))
                self.agents.append(agent)
                agent.on_shift = True
                self.available[agent.free][agent] = None
                self.rostered += 1
                joined.append(agent)
        elif target < self.rostered:
            for free in range(self.capacity, -1, -1):  # idle agents leave first
                for agent in list(self.available[free]):
                    if self.rostered == target:
                        return joined
                    del self.available[free][agent]
                    self.rostered -= 1
                    if agent.idle:
                        agent.on_shift = False
                    else:
                        agent.leaving = True
                        agent.leave_t = now
        return joined

    def finish_leaving(self, agent: Agent, now: float) -> bool:
        """An agent flagged to leave goes off shift once it holds nothing; the
        time since its shift ended is overtime."""
        if agent.leaving and agent.idle and not agent.busy:
            agent.leaving = False
            agent.on_shift = False
            self.overtime.append((agent.leave_t, now))
            return True
        return False
