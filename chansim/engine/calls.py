"""Calls: IVR deflection to a messaging link, the end of a call, and a chat
that switches to a call."""

from __future__ import annotations

from chansim.engine.channel_codes import CHANNEL_CODE, IS_VOICE, VOICE
from chansim.engine.conversation import Conversation
from chansim.engine.log import DEFLECTED

__all__ = ["Calls"]


class Calls:
    """The call handlers of :class:`~chansim.engine.simulation.Simulation`."""

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

    # ------------------------------------------------------------------- calls
    def _on_call_end(self, event) -> None:
        conv = event._value
        agent = conv.agent
        self._finish(conv)
        agent.busy = False
        agent.on_call = False
        agent.free_since = self.env._now
        agent.pool.release(agent, conv.slots)
        self._freed(agent)

    def _switch_to_voice(self, conv: Conversation) -> None:
        """The customer calls instead of going on writing: the chat ends, a call starts."""
        escalation = self.escalation[conv.code]
        self._end(conv, DEFLECTED)
        lost = not escalation.keeps_history
        extra = escalation.lost_context_extra_s * self.book.intent_complexity[self.book.intent[conv.i]] if lost else 0.0
        self._spawn(conv.i, VOICE, stream="escalated", context_lost=lost, extra_s=extra)
