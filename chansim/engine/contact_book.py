"""The contact book: every contact of one replication as numpy columns, with
its turns and messages.

Contacts that only exist because of what happened in the run (a customer
coming back, a caller taking a messaging link, a chat switching to a call)
are added during the run: a customer coming back gets an id when the repeat
is decided (:meth:`ContactBook.new_id`) and their description and draws
shortly before they arrive, together with every other return decided by then
(:meth:`ContactBook.draw`), which gives the same numbers as drawing for each
in turn.

Planned contacts may likewise have their ids and rows reserved up front and
be described and drawn a day at a time as the run reaches them
(``book.day_plan``: :class:`~chansim.engine.plan.DayPlan`); rows reserved and
not written yet cost no memory (the columns are zeros the operating system
gives untouched, and growing the columns copies only what was written).
"""

from __future__ import annotations

import numpy as np

from chansim.engine.channel_codes import CHANNEL_CODE, NONE
from chansim.engine.draws import ContactDraws, put, rows_of
from chansim.engine.pages import forget_rows, zeros
from chansim.engine.streams import Streams
from chansim.scenario.models import Scenario

__all__ = ["ContactBook", "strategy_bot"]


def strategy_bot(scenario: Scenario):
    """The bot of a scenario resolved for one strategy, even one that answers
    no channel (agent assist only)."""
    own = scenario.strategies[0].bot if len(scenario.strategies) == 1 else None
    return own if own is not None else scenario.bot

_CONTACT_FIELDS = {
    "arrival_t": float, "customer": np.int64, "segment": np.int16, "intent": np.int16, "preferred": np.int8,
    "original": np.int8, "channel": np.int8, "priority": np.int32, "patience": float, "handle_time": float,
    "turns": np.int32, "bot_turns": np.int32, "turn_offset": np.int64, "bot_resolves": bool, "bot_handoff": bool, "bot_call_s": float, "unresolved_u": float,
    "unresolved_p": float, "escalate_turn": np.int32, "deflect": bool, "parent": np.int64,
    "repeat_of": np.int64, "root": np.int64, "attempt": np.int32, "context_lost": bool, "extra_time": float,
}
_TURN_FIELDS = {"work_time": float, "reply_delay": float, "contact": np.int64}
_MESSAGE_FIELDS = {"chars": np.int32, "non_gsm": bool, "media": bool, "extension": np.int32, "emoji": np.int32}


_COPY_BLOCK = 1 << 13  # rows copied at a time when the columns grow (only blocks holding data)


class _Columns:
    """Named numpy columns that grow by doubling."""

    def __init__(self, fields: dict, capacity: int):
        self._fields = fields
        self.size = 0
        self._capacity = max(capacity, 16)
        for name, dtype in fields.items():
            setattr(self, name, zeros(self._capacity, dtype))

    def reserve(self, extra: int) -> int:
        """Make room for ``extra`` rows; returns the first new row."""
        start = self.size
        if start + extra > self._capacity:
            capacity = max(self._capacity * 2, start + extra)
            for name in self._fields:
                old = getattr(self, name)
                new = zeros(capacity, old.dtype)
                for low in range(0, start, _COPY_BLOCK):  # (rows never written keep their pages untouched)
                    block = slice(low, min(start, low + _COPY_BLOCK))
                    if old[block].any() or (old.dtype.kind == "f" and np.signbit(old[block]).any()):
                        new[block] = old[block]
                setattr(self, name, new)
            self._capacity = capacity
        self.size = start + extra
        return start

    def view(self, name: str) -> np.ndarray:
        return getattr(self, name)[: self.size]


class ContactBook(ContactDraws):
    """Every contact of one replication (arrival order first, then those made
    during the run), with its turns and messages. What is drawn for each
    contact: :class:`~chansim.engine.draws.ContactDraws`."""

    def __init__(self, scenario: Scenario, streams: Streams, capacity: int = 1024):
        self.scenario = scenario
        self.streams = streams
        self.strategy = scenario.strategies[0]
        self.offer = self.strategy.offer
        self.bot = scenario.active_bot
        self.contacts = _Columns(_CONTACT_FIELDS, capacity)
        self._bind()
        self.turn_data = _Columns(_TURN_FIELDS, capacity * 8)
        self.message_data = _Columns(_MESSAGE_FIELDS, capacity * 16)
        demand = scenario.demand
        self.intent_complexity = np.array([i.complexity for i in demand.intents])
        self._priority = np.array([i.priority for i in demand.intents], dtype=np.int32)
        self._resolvable = np.array([i.bot_resolvable for i in demand.intents])
        self._resolvable_on = {}  # channel code → per intent, where the bot's containment differs from it
        if self.bot is not None and (self.bot.containment or self.bot.channel_containment):
            for ch in self.bot.channels:
                self._resolvable_on[CHANNEL_CODE[ch]] = np.array(self.bot.resolvable(demand.intents, ch))
        self.handover = self.bot.handover() if self.bot is not None else (1.0, 0.0)
        assisted = strategy_bot(scenario)
        self._assist = {CHANNEL_CODE[ch]: r for ch, r in (assisted.assist_reduction.items() if assisted else ()) if r}
        self._unresolved = np.array([i.unresolved_share for i in demand.intents])
        self._skip_bot = np.array([self._triaged(i) for i in demand.intents], dtype=bool)
        self._segment_names = [seg.name for seg in demand.segments]
        self.day_plan = None  # planned contacts still to describe and draw (:func:`chansim.engine.plan.build_plan`)
        self.every_channel = False  # planned contacts draw for every channel, used or not (a plan drawn by day)
        self.bot_time_cursors: dict[str, dict] = {}  # stream → channel code → where its bot turns' times come from

    def _triaged(self, intent) -> bool:
        bot = self.bot
        if bot is None:
            return False
        return (bot.skip_priority is not None and intent.priority >= bot.skip_priority) or (
            bot.skip_value is not None and intent.value >= bot.skip_value
        )

    @property
    def size(self) -> int:
        return self.contacts.size

    def plan_all(self) -> None:
        """Describe and draw every planned contact not drawn yet (a plan drawn
        by day); the book then holds the whole plan."""
        if self.day_plan is not None:
            self.day_plan.plan_all(self)
            self.day_plan = None

    def _bind(self) -> None:
        """Expose each contact column as a plain attribute (book.arrival_t[i]);
        rebound whenever the columns grow."""
        for name in _CONTACT_FIELDS:
            setattr(self, name, getattr(self.contacts, name))

    def release_draws(self, keep: tuple[str, ...]) -> None:
        """Let go of every contact column but ``keep``, and of the turns' work
        times and reply delays: what only the run reads (once it is over,
        nothing is drawn or served from the book again)."""
        for name in _CONTACT_FIELDS:
            if name not in keep:
                setattr(self.contacts, name, None)
                setattr(self, name, None)
        self.turn_data.work_time = self.turn_data.reply_delay = None

    def forget_contacts(self, lo: int, hi: int) -> None:
        """Give back the memory of contacts ``lo..hi-1`` (written out and
        never read again: a long run handed over a chunk at a time)."""
        for name in _CONTACT_FIELDS:
            forget_rows(getattr(self.contacts, name), lo, hi)

    def forget_turns(self, lo: int, hi: int) -> None:
        """Give back the memory of turns ``lo..hi-1`` and of their messages' draws."""
        for name in _TURN_FIELDS:
            forget_rows(getattr(self.turn_data, name), lo, hi)
        for name in _MESSAGE_FIELDS:
            forget_rows(getattr(self.message_data, name), 2 * lo, 2 * hi)

    def release_turns(self) -> None:
        """Let go of the turns and messages (once the messages table has them)."""
        self.turn_data = self.message_data = None

    # ------------------------------------------------------------- contacts
    def add(
        self,
        arrival_t: np.ndarray,
        segment: np.ndarray,
        intent: np.ndarray,
        *,
        stream: str,
        customer: np.ndarray | None = None,
        channel: np.ndarray | None = None,
        parent: np.ndarray | None = None,
        repeat_of: np.ndarray | None = None,
        root: np.ndarray | None = None,
        context_lost: np.ndarray | None = None,
        switch: np.ndarray | None = None,
        attempt: np.ndarray | None = None,
        common: bool = True,
    ) -> np.ndarray:
        """Add contacts and draw everything they need from streams named
        ``stream.*`` (:meth:`new_id`, :meth:`describe`, then :meth:`draw`).
        Returns the new ids."""
        first = self.new_id(arrival_t.size)
        ids = np.arange(first, first + arrival_t.size, dtype=np.int64)
        self.describe(ids, arrival_t, segment, intent, customer=customer, parent=parent, repeat_of=repeat_of,
                      root=root, context_lost=context_lost, attempt=attempt, fresh=True)
        self.draw(ids, stream=stream, channel=channel, switch=switch, common=common, fresh=True)
        return ids

    def new_id(self, n: int = 1) -> int:
        """Rows for ``n`` new contacts, described later (:meth:`describe`);
        returns the first id."""
        first = self.contacts.reserve(n)
        if self.arrival_t is not self.contacts.arrival_t:  # the columns grew
            self._bind()
        return first

    def describe(
        self,
        ids: np.ndarray,
        arrival_t: np.ndarray,
        segment: np.ndarray,
        intent: np.ndarray,
        *,
        customer: np.ndarray | None = None,
        parent: np.ndarray | None = None,
        repeat_of: np.ndarray | None = None,
        root: np.ndarray | None = None,
        context_lost: np.ndarray | None = None,
        attempt: np.ndarray | None = None,
        fresh: bool = False,
    ) -> None:
        """The arrival, who and why of contacts ``ids``; nothing random yet
        (see :meth:`draw`). ``fresh``: the rows were reserved just before
        (:meth:`new_id`) and not written since (zeros are not written)."""
        c = self.contacts
        rows = rows_of(ids)
        c.arrival_t[rows] = arrival_t
        put(c.segment, rows, segment, fresh)
        put(c.intent, rows, intent, fresh)
        c.customer[rows] = ids if customer is None else customer
        c.parent[rows] = NONE if parent is None else parent
        c.repeat_of[rows] = NONE if repeat_of is None else repeat_of
        c.root[rows] = ids if root is None else root
        put(c.attempt, rows, 0 if attempt is None else attempt, fresh)
        put(c.context_lost, rows, False if context_lost is None else context_lost, fresh)
        put(c.priority, rows, self._priority[intent], fresh)
