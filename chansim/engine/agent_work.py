"""Agents at work: taking a contact, taking queued work when capacity frees,
writing replies one at a time on their single attention, releasing slots."""

from __future__ import annotations

from chansim.engine.agents import ACTIVE, Agent
from chansim.engine.conversation import Conversation

__all__ = ["AgentWork"]


class AgentWork:
    """The agent handlers of :class:`~chansim.engine.simulation.Simulation`."""

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
        if agent.leaving:
            if agent.pool.work_down:
                self._work_down(agent)  # past closing time: the queue is worked down first
            if agent.pool.finish_leaving(agent, self.env._now):
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
