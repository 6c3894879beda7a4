"""Bots: on a bot channel the bot answers first, turn by turn (no queue); it
resolves the contact (``contained``) or passes it to the agents' queue, with or
without the context: deliberately (``handoff``, a ``bot.handoff_share`` of
the sessions it does not resolve) or because it failed (``escalated``). What it hands over is harder: the agent's turns
take ``bot.handover_aht_factor`` × as long and the unresolved share rises by
``bot.handover_unresolved_shift`` (defaults: :meth:`Bot.handover`).

On voice (an AI agent answering calls) the bot talks for the contact's
``bot.call_time`` draw instead of turns, then ends the call contained or puts
it in the voice queue with its handle time × the handover factor."""

from __future__ import annotations

from chansim.engine.agents import WAITING
from chansim.engine.log import CONTAINED

__all__ = ["Bots"]


class Bots:
    """The bot handlers of :class:`~chansim.engine.simulation.Simulation`."""

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
            self._hand_over(i)
            factor = book.handover[0]
            if factor != 1.0:  # what the bot hands over is harder: longer agent turns
                conv.work[conv.bot_turns:] = [w * factor for w in conv.work[conv.bot_turns:]]
            self._at(delay, self._on_escalation_message, conv)

    def _hand_over(self, i: int) -> None:
        """Contact ``i`` leaves the bot for the agents: handed over or failed,
        its unresolved share shifted, its context lost if the bot keeps none."""
        book = self.book
        self.contacts.bot[i] = 4 if book.bot_handoff[i] else 3
        shift = book.handover[1]
        if shift:
            book.unresolved_p[i] = min(1.0, book.unresolved_p[i] + shift)
        if not self.bot.keeps_context:
            book.context_lost[i] = True
            book.extra_time[i] = self.bot.lost_context_extra_s * self.book.intent_complexity[book.intent[i]]
            book.unresolved_p[i] = min(1.0, book.unresolved_p[i] + self.bot.lost_context_unresolved)
        self.contacts.transfers[i] += 1

    def _on_bot_call_end(self, event) -> None:
        """A voice AI agent's talk ends: the call is contained, or joins the
        voice queue, its handle time × the handover factor."""
        conv = event._value
        i = conv.i
        if self.book.bot_resolves[i]:
            self.contacts.bot[i] = 2
            self._end(conv, CONTAINED)
            return
        self._hand_over(i)
        self.book.handle_time[i] *= self.book.handover[0]
        self._queue_or_assign(conv)

    def _on_bot_customer(self, event) -> None:
        conv = event._value
        self.messages.add(self.env._now, 2 * (conv.offset + conv.turn))
        self._at(conv.work[conv.turn], self._on_bot_reply, conv)

    def _on_escalation_message(self, event) -> None:
        conv = event._value
        self.messages.add(self.env._now, 2 * (conv.offset + conv.turn))
        conv.state = WAITING
        self._queue_or_assign(conv)
