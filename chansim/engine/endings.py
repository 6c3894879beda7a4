"""How contacts end, and the contacts that follow: outcomes, continuations on
another channel, repeat contacts (an unresolved contact, and a share of
abandoned and closed ones, bring the customer back later, within the opening
hours of the channel), and the contacts still open when the run ends."""

from __future__ import annotations

import numpy as np

from chansim.engine.agents import DONE
from chansim.engine.channel_codes import NONE
from chansim.engine.conversation import Conversation
from chansim.engine.log import RESOLVED, UNRESOLVED, UNSERVED

__all__ = ["Endings"]


class Endings:
    """The ending and repeat handlers of :class:`~chansim.engine.simulation.Simulation`."""

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
        book = self.book
        switch = book.channel.item(i) if self._repeat_u() < self.repeats.switch_share else NONE
        new = book.new_id()
        # what the return takes from this contact, read now: a finished contact's row may be let go before then
        self._pending.append((new, i, when, switch, book.segment.item(i), book.intent.item(i), book.customer.item(i),
                              book.root.item(i), book.attempt.item(i)))
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
        new, parent, when, switch, segment, intent, customer, root, attempt = (
            np.array(column) for column in zip(*self._pending))
        book.describe(new, when.astype(float), segment.astype(book.segment.dtype), intent.astype(book.intent.dtype),
                      customer=customer.astype(np.int64), repeat_of=parent, root=root.astype(np.int64),
                      attempt=(attempt + 1).astype(book.attempt.dtype))
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
