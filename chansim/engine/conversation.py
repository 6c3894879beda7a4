"""Run-time state of one contact: where its conversation is, with which
agent, at which turn."""

from __future__ import annotations

from chansim.engine.agents import WAITING, Agent
from chansim.engine.channel_codes import IS_VOICE

__all__ = ["Conversation"]


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
