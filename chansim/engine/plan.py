"""Who arrives, when, on which channel, and every random draw their contact
will need.

Inbound arrivals and campaign responders are drawn up front, vectorised, in
arrival order: that is what makes common random numbers work — a strategy that
changes staffing sees exactly the same customers, patience, handle times and
turns. Per-contact quantities (patience, handle time, turns, bot and
resolution draws) are drawn for every customer on every channel, so customer
*i* keeps them even when a strategy moves them to another channel.

Contacts that only exist because of what happened in the run (a customer
coming back, a caller taking a messaging link, a chat switching to a call)
draw from streams of their own, only what their channel needs, in contact
order: a customer coming back gets an id when the repeat is decided
(:meth:`ContactBook.new_id`) and their description and draws shortly before
they arrive,
together with every other return decided by then (:meth:`ContactBook.draw`),
which gives the same numbers as drawing for each in turn.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from chansim.scenario.channels import CHANNELS, channel_kind
from chansim.engine.arrivals import arrival_times, hourly_rates
from chansim.engine.streams import Streams
from chansim.scenario.models import Scenario
from chansim.scenario.profiles import intraday_by_weekday

__all__ = ["ContactBook", "build_plan", "CHANNEL_CODE", "DEFAULT_CHARS", "NONE"]

CHANNEL_CODE = {name: code for code, name in enumerate(CHANNELS)}
#: Characters per message when a channel gives no ``chars`` distribution.
DEFAULT_CHARS = 100
NONE = -1

_CONTACT_FIELDS = {
    "arrival_t": float, "customer": np.int64, "segment": np.int16, "intent": np.int16, "preferred": np.int8,
    "original": np.int8, "channel": np.int8, "priority": np.int32, "patience": float, "handle_time": float,
    "turns": np.int32, "bot_turns": np.int32, "turn_offset": np.int64, "bot_resolves": bool, "unresolved_u": float,
    "unresolved_p": float, "escalate_turn": np.int32, "deflect": bool, "parent": np.int64,
    "repeat_of": np.int64, "root": np.int64, "attempt": np.int16, "context_lost": bool, "extra_time": float,
}
_TURN_FIELDS = {"work_time": float, "reply_delay": float, "contact": np.int64}
_MESSAGE_FIELDS = {"chars": np.int32, "non_gsm": bool, "media": bool, "extension": np.int32, "emoji": np.int32}


class _Columns:
    """Named numpy columns that grow by doubling."""

    def __init__(self, fields: dict, capacity: int):
        self._fields = fields
        self.size = 0
        self._capacity = max(capacity, 16)
        for name, dtype in fields.items():
            setattr(self, name, np.zeros(self._capacity, dtype=dtype))

    def reserve(self, extra: int) -> int:
        """Make room for ``extra`` rows; returns the first new row."""
        start = self.size
        if start + extra > self._capacity:
            capacity = max(self._capacity * 2, start + extra)
            for name in self._fields:
                old = getattr(self, name)
                new = np.zeros(capacity, dtype=old.dtype)
                if old[:start].any():  # (a column never written keeps its pages untouched)
                    new[:start] = old[:start]
                setattr(self, name, new)
            self._capacity = capacity
        self.size = start + extra
        return start

    def view(self, name: str) -> np.ndarray:
        return getattr(self, name)[: self.size]


class ContactBook:
    """Every contact of one replication (arrival order first, then those made
    during the run), with its turns and messages."""

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
        self._unresolved = np.array([i.unresolved_share for i in demand.intents])
        self._skip_bot = np.array([self._triaged(i) for i in demand.intents], dtype=bool)
        self._segment_names = [seg.name for seg in demand.segments]

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

    def _bind(self) -> None:
        """Expose each contact column as a plain attribute (book.arrival_t[i]);
        rebound whenever the columns grow."""
        for name in _CONTACT_FIELDS:
            setattr(self, name, getattr(self.contacts, name))

    # ------------------------------------------------------------- choices
    def choose(self, segment: np.ndarray, skip: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """First preferred channel the strategy offers (else the first offered);
        with ``skip`` (a channel code per contact), the next offered preference
        after that one."""
        preferred = np.empty(segment.size, dtype=np.int8)
        chosen = np.empty(segment.size, dtype=np.int8)
        for index, seg in enumerate(self.scenario.demand.segments):
            mask = segment == index
            if not mask.any():
                continue
            preferred[mask] = CHANNEL_CODE[seg.preference[0]]
            offered = [ch for ch in seg.preference if ch in self.offer] or [self.offer[0]]
            if skip is None:
                chosen[mask] = CHANNEL_CODE[offered[0]]
            else:
                for k in np.flatnonzero(mask):
                    rest = [ch for ch in offered if CHANNEL_CODE[ch] != skip[k]]
                    chosen[k] = CHANNEL_CODE[rest[0]] if rest else skip[k]
        return preferred, chosen

    def _reach(self, segment: np.ndarray, chosen: np.ndarray, u: dict[str, np.ndarray]) -> np.ndarray:
        """Customers out of a channel's reach: its provider fallback (RCS → SMS),
        or else their next offered preference (no WhatsApp → next channel)."""
        channel = chosen.copy()
        for _ in range(len(CHANNELS)):
            moved = False
            for name, spec in self.scenario.channels.items():
                if spec.reach == 1 or (isinstance(spec.reach, dict) and not spec.reach):
                    continue
                reach = np.array([spec.reach_for(seg) for seg in self._segment_names])[segment]
                out = (channel == CHANNEL_CODE[name]) & (u[name] >= reach)
                if not out.any():
                    continue
                if spec.fallback is not None:
                    channel[out] = CHANNEL_CODE[spec.fallback]
                else:
                    _, nxt = self.choose(segment[out], skip=channel[out])
                    channel[out] = nxt
                u[name] = np.where(out, -1.0, u[name])  # a customer is moved off a channel once
                moved = True
            if not moved:
                break
        return channel

    # ---------------------------------------------------------------- draws
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
                      root=root, context_lost=context_lost, attempt=attempt)
        self.draw(ids, stream=stream, channel=channel, switch=switch, common=common)
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
    ) -> None:
        """The arrival, who and why of contacts ``ids``; nothing random yet
        (see :meth:`draw`)."""
        c = self.contacts
        c.arrival_t[ids] = arrival_t
        c.segment[ids] = segment
        c.intent[ids] = intent
        c.customer[ids] = ids if customer is None else customer
        c.parent[ids] = NONE if parent is None else parent
        c.repeat_of[ids] = NONE if repeat_of is None else repeat_of
        c.root[ids] = ids if root is None else root
        c.attempt[ids] = 0 if attempt is None else attempt
        c.context_lost[ids] = False if context_lost is None else context_lost
        c.priority[ids] = self._priority[intent]

    def draw(
        self,
        ids: np.ndarray,
        *,
        stream: str,
        channel: np.ndarray | None = None,
        switch: np.ndarray | None = None,
        common: bool = True,
    ) -> None:
        """Choose the channel of described contacts ``ids`` and draw everything
        they need from streams named ``stream.*``. ``channel`` forces the
        channel (no choice, no reach); ``switch`` (a channel code per contact,
        or -1) makes those customers take their next offered preference after
        it.

        ``common`` (common random numbers, for planned contacts): every
        per-channel quantity is drawn for every contact, so a customer keeps
        their draws whichever channel a strategy gives them. Without it (for
        contacts made during the run) only what a contact's channel needs is
        drawn, in contact order, so drawing for a batch of contacts gives the
        same numbers as drawing for each of them in turn."""
        s, rng = self.scenario, lambda name: self.streams(f"{stream}.{name}")
        n = ids.size
        c = self.contacts
        segment, intent = c.segment[ids], c.intent[ids]
        complexity = self.intent_complexity[intent]

        if channel is None:
            preferred, chosen = self.choose(segment)
            if switch is not None and (switch >= 0).any():
                moving = switch >= 0
                _, moved = self.choose(segment[moving], skip=switch[moving])
                chosen[moving] = moved
            u = {name: rng(f"reach.{name}").random(n) for name, spec in s.channels.items() if spec.reach != 1}
            actual = self._reach(segment, chosen, u)
        else:
            preferred, _ = self.choose(segment)
            chosen = actual = np.asarray(channel, dtype=np.int8)
        c.preferred[ids], c.original[ids], c.channel[ids] = preferred, chosen, actual

        def sample(dist, name: str, mask: np.ndarray) -> np.ndarray:
            return dist.sample(rng(name), n)[mask] if common else dist.sample(rng(name), int(mask.sum()))

        def uniform(name: str, mask: np.ndarray) -> np.ndarray:
            return rng(name).random(n)[mask] if common else rng(name).random(int(mask.sum()))

        patience = np.full(n, np.inf)
        handle = np.full(n, np.nan)
        turns = np.zeros(n, dtype=np.int64)
        escalate = np.full(n, NONE, dtype=np.int64)
        unresolved_p = self._unresolved[intent].copy()
        used = [name for name in CHANNELS if name in s.channels and np.any(actual == CHANNEL_CODE[name])]
        for name in used:
            spec = s.channels[name]
            mask = actual == CHANNEL_CODE[name]
            unresolved_p[mask] += spec.unresolved_share
            if spec.patience is not None:
                patience[mask] = sample(spec.patience, f"{name}.patience", mask)
            if channel_kind(name) == "voice":
                handle[mask] = sample(spec.handle_time, f"{name}.handle_time", mask) * complexity[mask]
                continue
            drawn = sample(spec.turns, f"{name}.turns", mask) if spec.turns is not None else np.ones(mask.sum())
            turns[mask] = np.maximum(np.rint(drawn), 1).astype(np.int64)
            if spec.escalate_to_voice is not None:
                go = uniform(f"{name}.escalate", mask) < spec.escalate_to_voice.share
                after = np.floor(uniform(f"{name}.escalate_turn", mask) * turns[mask]).astype(np.int64)
                escalate[mask] = np.where(go, np.minimum(after, turns[mask] - 1), NONE)
        c.patience[ids], c.handle_time[ids], c.turns[ids], c.escalate_turn[ids] = patience, handle, turns, escalate
        c.unresolved_p[ids] = np.minimum(unresolved_p, 1.0)
        c.unresolved_u[ids] = rng("unresolved").random(n)
        c.extra_time[ids] = 0.0

        parent = c.parent[ids]
        bot_turns = np.zeros(n, dtype=np.int64)
        resolves = np.zeros(n, dtype=bool)
        if self.bot is not None:
            on_bot = np.isin(actual, [CHANNEL_CODE[ch] for ch in self.bot.channels]) & ~self._skip_bot[intent]
            ivr = self.strategy.ivr_deflection
            if stream != "deflected" or ivr is None or not ivr.via_bot:
                on_bot &= parent < 0  # a continuation goes straight to an agent, but a deflected caller meets the bot
            drawn = np.maximum(np.rint(self.bot.turns.sample(rng("bot.turns"), n)), 1).astype(np.int64)
            bot_turns = np.where(on_bot, drawn, 0)
            resolves = on_bot & (rng("bot.resolves").random(n) < self._resolvable[intent])
        c.bot_turns[ids], c.bot_resolves[ids] = bot_turns, resolves

        ivr = self.strategy.ivr_deflection
        if ivr is not None:  # (streams of their own: drawing them or not changes no other draw)
            u_offer = rng("ivr.offered").random(n)
            u_accept = rng("ivr.accept").random(n)
            c.deflect[ids] = (actual == CHANNEL_CODE["voice"]) & (u_offer < ivr.offered) & (u_accept < ivr.accept)
        else:
            c.deflect[ids] = False
        c.deflect[ids] &= parent < 0  # only first calls are offered the link

        self._draw_turns(ids, actual, bot_turns, turns, complexity, rng, common)

    def _draw_turns(self, ids, actual, bot_turns, turns, complexity, rng, common: bool) -> None:
        """Per turn: work time (bot reply or agent attention × complexity) and
        the customer's reply delay; per message: size, non-GSM, media."""
        s = self.scenario
        total_turns = bot_turns + turns
        first_turn = self.turn_data.reserve(int(total_turns.sum()))
        offsets = first_turn + np.concatenate([[0], np.cumsum(total_turns)[:-1]]).astype(np.int64)
        self.contacts.turn_offset[ids] = offsets
        if not total_turns.sum():
            return
        self.turn_data.contact[first_turn:first_turn + int(total_turns.sum())] = np.repeat(ids, total_turns)
        owner = np.repeat(np.arange(ids.size), total_turns)
        k = np.arange(total_turns.sum()) - np.repeat(offsets - first_turn, total_turns)
        is_bot = k < bot_turns[owner]
        turn_ids = first_turn + np.arange(total_turns.sum())
        work = np.zeros(turn_ids.size)
        delay = np.zeros(turn_ids.size)
        first_message = self.message_data.reserve(2 * turn_ids.size)
        chars = np.zeros(2 * turn_ids.size, dtype=np.int32)
        non_gsm = np.zeros(2 * turn_ids.size, dtype=bool)
        media = np.zeros(2 * turn_ids.size, dtype=bool)
        extension = emoji = None  # (all zero unless a channel has a share: then drawn)
        present = set(actual[owner].tolist())
        for name in s.channels:
            code = CHANNEL_CODE[name]
            if code not in present or channel_kind(name) == "voice":
                continue
            spec = s.channels[name]
            mine = actual[owner] == code
            human = mine & ~is_bot
            bot = mine & is_bot
            m = int(human.sum())
            work[human] = spec.agent_time_per_turn.sample(rng(f"{name}.agent_time"), m) * complexity[owner[human]]
            if spec.customer_reply_delay is not None:
                delay[human] = spec.customer_reply_delay.sample(rng(f"{name}.reply_delay"), m)
            if bot.any():
                b = int(bot.sum())
                if common:
                    work[bot] = self.bot.time_per_turn.sample(rng("bot.time"), b)
                bot_delay = self.bot.customer_reply_delay or spec.customer_reply_delay
                if bot_delay is not None:
                    delay[bot] = bot_delay.sample(rng(f"{name}.bot_reply_delay"), b)
            msg = np.sort(np.concatenate([2 * np.flatnonzero(mine), 2 * np.flatnonzero(mine) + 1]))
            size = msg.size
            chars[msg] = DEFAULT_CHARS if spec.chars is None else np.maximum(np.rint(spec.chars.sample(rng(f"{name}.chars"), size)), 1)
            non_gsm[msg] = rng(f"{name}.non_gsm").random(size) < spec.non_gsm_share
            media[msg] = rng(f"{name}.media").random(size) < spec.media_share
            # extension characters in GSM-7 messages, emoji in the others: binomial counts per message
            if spec.extension_share > 0:
                extension = np.zeros(2 * turn_ids.size, dtype=np.int32) if extension is None else extension
                extension[msg] = np.where(non_gsm[msg], 0, rng(f"{name}.extension").binomial(chars[msg], spec.extension_share))
            if spec.emoji_share > 0:
                emoji = np.zeros(2 * turn_ids.size, dtype=np.int32) if emoji is None else emoji
                emoji[msg] = np.where(non_gsm[msg], rng(f"{name}.emoji").binomial(chars[msg], spec.emoji_share), 0)
        if not common and is_bot.any():  # one stream for every channel's bot turns: draw them in turn order
            work[is_bot] = self.bot.time_per_turn.sample(rng("bot.time"), int(is_bot.sum()))
        self.turn_data.work_time[turn_ids] = work
        self.turn_data.reply_delay[turn_ids] = delay
        span = slice(first_message, first_message + chars.size)
        self.message_data.chars[span], self.message_data.non_gsm[span], self.message_data.media[span] = chars, non_gsm, media
        if extension is not None:
            self.message_data.extension[span] = extension
        if emoji is not None:
            self.message_data.emoji[span] = emoji
        if first_message != 2 * first_turn:
            raise AssertionError("message rows must stay two per turn")


def _campaign_sends(scenario: Scenario, streams: Streams):
    """Every campaign send (time, campaign) and which recipients respond when."""
    sends = []
    horizon = scenario.horizon_s
    days = math.ceil(horizon / 86_400.0 - 1e-9)
    for index, campaign in enumerate(scenario.strategies[0].campaigns):
        rng = streams(f"campaign{index}")
        per_day = rng.poisson(campaign.per_day, days)
        t = np.concatenate([d * 86_400.0 + campaign.at_hour * 3600.0 + rng.random(k) * 3600.0
                            for d, k in enumerate(per_day)]) if days else np.empty(0)
        t = np.sort(t[t < horizon])
        responds = rng.random(t.size) < campaign.response_rate
        reply_t = t + campaign.response_delay.sample(rng, t.size)
        sends.append((index, campaign, t, responds, reply_t))
    return sends


def build_plan(scenario: Scenario, streams: Streams, *, arrivals: np.ndarray | None = None):
    """The contact book with every inbound arrival and campaign responder, plus
    the campaign sends (messages that are not part of a contact).

    ``arrivals`` (times in seconds) replaces the Poisson arrivals, for
    hand-built cases."""
    demand = scenario.demand
    if arrivals is None:
        intraday = intraday_by_weekday(demand) if isinstance(demand.intraday, Mapping) else demand.intraday
        starts, lengths, rates = hourly_rates(
            demand.contacts_per_day, intraday, demand.weekly, scenario.start_date.weekday(), scenario.horizon_s
        )
        t = arrival_times(starts, lengths, rates, streams("arrivals"))
    else:
        t = np.sort(np.asarray(arrivals, dtype=float))
    seg_p = np.array([s.share for s in demand.segments])
    int_p = np.array([i.share for i in demand.intents])
    segment = streams("segments").choice(seg_p.size, size=t.size, p=seg_p / seg_p.sum()).astype(np.int16)
    intent = streams("intents").choice(int_p.size, size=t.size, p=int_p / int_p.sum()).astype(np.int16)

    # proactive notifications make some inbound contacts unnecessary
    keep = np.ones(t.size, dtype=bool)
    intent_names = [i.name for i in demand.intents]
    for index, campaign in enumerate(scenario.strategies[0].campaigns):
        if campaign.prevents > 0:
            u = streams(f"campaign{index}.prevents").random(t.size)
            keep &= ~((intent == intent_names.index(campaign.intent)) & (u < campaign.prevents))
    t, segment, intent = t[keep], segment[keep], intent[keep]

    sends = _campaign_sends(scenario, streams)
    book = ContactBook(scenario, streams, capacity=int(t.size * 1.2) + 64)
    book.add(t, segment, intent, stream="inbound")
    names = [seg.name for seg in demand.segments]
    intents = [i.name for i in demand.intents]
    campaign_sends = []
    campaign_segments = []  # the recipients' segments, one array per campaign send batch
    next_customer = book.size
    for index, campaign, send_t, responds, reply_t in sends:
        k = send_t.size
        customers = np.arange(next_customer, next_customer + k, dtype=np.int64)
        next_customer += k
        rng = streams(f"campaign{index}.recipients")
        if campaign.segment is not None:
            seg = np.full(k, names.index(campaign.segment), dtype=np.int16)
        else:
            seg = rng.choice(seg_p.size, size=k, p=seg_p / seg_p.sum()).astype(np.int16)
        # delivery: customers out of the channel's reach get the provider fallback, or nothing
        spec = scenario.channels[campaign.channel]
        reach = np.array([spec.reach_for(name) for name in names])[seg]
        reached = rng.random(k) < reach
        delivered = np.where(reached, CHANNEL_CODE[campaign.channel],
                             CHANNEL_CODE[spec.fallback] if spec.fallback else NONE).astype(np.int8)
        sent = delivered >= 0
        campaign_sends.append((index, campaign, send_t[sent], customers[sent], delivered[sent]))
        campaign_segments.append(seg[sent])
        keep = sent & responds & (reply_t < scenario.horizon_s)
        if keep.any():
            order = np.argsort(reply_t[keep], kind="stable")
            book.add(
                reply_t[keep][order], seg[keep][order],
                np.full(int(keep.sum()), intents.index(campaign.intent), dtype=np.int16),
                stream=f"campaign{index}.responders", customer=customers[keep][order],
                channel=delivered[keep][order],
            )
    book.campaign_sends = campaign_sends
    book.campaign_segments = campaign_segments
    book.first_dynamic_customer = next_customer
    return book
