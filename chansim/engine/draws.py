"""What is drawn for each contact: the channel it takes (the customer's
preference among the channels the strategy offers, then reach and fallback),
patience, handle time, turns, bot (resolves, or hands over deliberately) and
resolution draws, and per turn and
message the work time, reply delay and message size.

Planned contacts draw every per-channel quantity (common random numbers), so
customer *i* keeps them even when a strategy moves them to another channel;
contacts made during the run draw only what their channel needs, in contact
order, so a batch of them gives the same numbers as each in turn.
"""

from __future__ import annotations

import numpy as np

from chansim.engine.channel_codes import CHANNEL_CODE, IS_VOICE, NONE
from chansim.scenario.channels import CHANNELS, channel_kind

__all__ = ["ContactDraws", "DEFAULT_CHARS", "rows_of", "put"]

#: Characters per message when a channel gives no ``chars`` distribution.
DEFAULT_CHARS = 100


def rows_of(ids: np.ndarray) -> np.ndarray | slice:
    """The rows of contacts ``ids``: a slice when they are consecutive and in
    order (a planned batch: reading and writing a slice of a column is much
    faster than by index), else ``ids`` itself."""
    n = ids.size
    if n >= 64 and ids[-1] - ids[0] == n - 1 and (ids[1:] > ids[:-1]).all():
        return slice(int(ids[0]), int(ids[0]) + n)
    return ids


def put(column: np.ndarray, rows: np.ndarray | slice, values, fresh: bool) -> None:
    """``column[rows] = values``, except when the rows are ``fresh`` (never
    written since they were reserved: zero) and every value is a zero: the
    column's memory is then left untouched (a long run's columns that hold
    nothing cost no memory)."""
    if fresh:
        v = np.asarray(values)
        if not v.any() and not (v.dtype.kind == "f" and np.signbit(v).any()):
            return
    column[rows] = values


class ContactDraws:
    """The draws of :class:`~chansim.engine.contact_book.ContactBook`: the
    channel choice and everything random a contact needs."""

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
    def draw(
        self,
        ids: np.ndarray,
        *,
        stream: str,
        channel: np.ndarray | None = None,
        switch: np.ndarray | None = None,
        common: bool = True,
        fresh: bool = False,
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
        same numbers as drawing for each of them in turn.

        ``fresh``: the rows were reserved just before and nothing but
        :meth:`describe` wrote them (zeros are then not written)."""
        s, rng = self.scenario, lambda name: self.streams(f"{stream}.{name}")
        n = ids.size
        c = self.contacts
        rows = rows_of(ids)
        segment, intent = c.segment[rows], c.intent[rows]
        complexity = self.intent_complexity[intent]

        preferred, chosen, actual = self._channels(segment, rng, channel, switch)
        put(c.preferred, rows, preferred, fresh)
        put(c.original, rows, chosen, fresh)
        put(c.channel, rows, actual, fresh)

        def sample(dist, name: str, mask: np.ndarray | slice) -> np.ndarray:
            return dist.sample(rng(name), n)[mask] if common else dist.sample(rng(name), count(mask))

        def uniform(name: str, mask: np.ndarray | slice) -> np.ndarray:
            return rng(name).random(n)[mask] if common else rng(name).random(count(mask))

        def count(mask: np.ndarray | slice) -> int:
            return n if isinstance(mask, slice) else int(mask.sum())

        patience = np.full(n, np.inf)
        handle = np.full(n, np.nan)
        turns = np.zeros(n, dtype=np.int64)
        escalate = np.full(n, NONE, dtype=np.int64)
        unresolved_p = self._unresolved[intent].copy()
        used = [name for name in CHANNELS if name in s.channels and (
            (common and self.every_channel) or np.any(actual == CHANNEL_CODE[name]))]
        for name in used:
            spec = s.channels[name]
            mask = actual == CHANNEL_CODE[name]
            if len(used) == 1 and mask.all():  # every contact on this channel: all rows, without a mask
                mask = slice(None)
            unresolved_p[mask] += spec.unresolved_share
            if spec.patience is not None:
                patience[mask] = sample(spec.patience, f"{name}.patience", mask)
            if channel_kind(name) == "voice":
                handle[mask] = sample(spec.handle_time, f"{name}.handle_time", mask) * complexity[mask]
                if CHANNEL_CODE[name] in self._assist:
                    handle[mask] *= 1.0 - self._assist[CHANNEL_CODE[name]]
                continue
            drawn = sample(spec.turns, f"{name}.turns", mask) if spec.turns is not None else np.ones(count(mask))
            turns[mask] = np.maximum(np.rint(drawn), 1).astype(np.int64)
            if spec.escalate_to_voice is not None:
                go = uniform(f"{name}.escalate", mask) < spec.escalate_to_voice.share
                after = np.floor(uniform(f"{name}.escalate_turn", mask) * turns[mask]).astype(np.int64)
                escalate[mask] = np.where(go, np.minimum(after, turns[mask] - 1), NONE)
        c.patience[rows], c.handle_time[rows], c.escalate_turn[rows] = patience, handle, escalate
        put(c.turns, rows, turns, fresh)
        put(c.unresolved_p, rows, np.minimum(unresolved_p, 1.0), fresh)
        del patience, handle, escalate, unresolved_p  # (a large batch's turns need the room)
        c.unresolved_u[rows] = rng("unresolved").random(n)
        put(c.extra_time, rows, 0.0, fresh)

        parent = c.parent[rows]
        bot_turns = np.zeros(n, dtype=np.int64)
        resolves = np.zeros(n, dtype=bool)
        if self.bot is not None:
            on_bot = self._on_bot(actual, intent, parent, stream)
            on_call, bot_turns = self._bot_turns(on_bot, actual, rng)
            if self.bot.call_time is not None:
                c.bot_call_s[rows] = np.where(on_call, np.maximum(self.bot.call_time.sample(rng("bot.call_time"), n),
                                                                 1e-9), 0.0)
            share = self._resolvable[intent]
            if self._resolvable_on:
                share = share.copy()
                for code, by_intent in self._resolvable_on.items():
                    here = actual == code
                    share[here] = by_intent[intent[here]]
            resolves = on_bot & (rng("bot.resolves").random(n) < share)
        handoff = np.zeros(n, dtype=bool)
        if self.bot is not None and self.bot.handoff_share > 0:  # (a stream of its own: no other draw moves)
            handoff = on_bot & ~resolves & (rng("bot.handoff").random(n) < self.bot.handoff_share)
        put(c.bot_turns, rows, bot_turns, fresh)
        put(c.bot_resolves, rows, resolves, fresh)
        put(c.bot_handoff, rows, handoff, fresh)

        ivr = self.strategy.ivr_deflection
        deflect = False
        if ivr is not None:  # (streams of their own: drawing them or not changes no other draw)
            u_offer = rng("ivr.offered").random(n)
            u_accept = rng("ivr.accept").random(n)
            deflect = (actual == CHANNEL_CODE["voice"]) & (u_offer < ivr.offered) & (u_accept < ivr.accept)
            deflect &= parent < 0  # only first calls are offered the link
        put(c.deflect, rows, deflect, fresh)

        self._draw_turns(ids, actual, bot_turns, turns, complexity, rng, common, fresh,
                         self.bot_time_cursors.get(stream))

    def _channels(self, segment: np.ndarray, rng, channel: np.ndarray | None = None,
                  switch: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The preferred, chosen and actual channel of customers ``segment``
        (one reach draw per contact and channel with a reach); ``channel``
        forces the channel, ``switch`` as in :meth:`draw`."""
        if channel is not None:
            preferred, _ = self.choose(segment)
            chosen = np.asarray(channel, dtype=np.int8)
            return preferred, chosen, chosen
        preferred, chosen = self.choose(segment)
        if switch is not None and (switch >= 0).any():
            moving = switch >= 0
            _, moved = self.choose(segment[moving], skip=switch[moving])
            chosen[moving] = moved
        n = segment.size
        u = {name: rng(f"reach.{name}").random(n) for name, spec in self.scenario.channels.items() if spec.reach != 1}
        return preferred, chosen, self._reach(segment, chosen, u)

    def _on_bot(self, actual: np.ndarray, intent: np.ndarray, parent: np.ndarray, stream: str) -> np.ndarray:
        """Which contacts meet the bot first."""
        on_bot = np.isin(actual, [CHANNEL_CODE[ch] for ch in self.bot.channels]) & ~self._skip_bot[intent]
        ivr = self.strategy.ivr_deflection
        if stream != "deflected" or ivr is None or not ivr.via_bot:
            on_bot &= parent < 0  # a continuation goes straight to an agent, but a deflected caller meets the bot
        return on_bot

    def _bot_turns(self, on_bot: np.ndarray, actual: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
        """Which contacts talk to a voice AI agent (for bot.call_time, no
        turns), and the bot turns of each (one draw per contact)."""
        drawn = np.maximum(np.rint(self.bot.turns.sample(rng("bot.turns"), actual.size)), 1).astype(np.int64)
        on_call = on_bot & np.asarray(IS_VOICE, dtype=bool)[actual]
        return on_call, np.where(on_bot & ~on_call, drawn, 0)

    def bot_turns_by_channel(self, segment: np.ndarray, intent: np.ndarray, rng,
                             channel: np.ndarray | None = None) -> np.ndarray:
        """The bot turns (per channel code) that :meth:`draw` gives planned
        contacts ``segment``/``intent`` (of ``channel``, if forced) with the
        streams ``rng`` (fresh copies of the ones :meth:`draw` will use): the
        channel choice and the bot's turns only."""
        _, _, actual = self._channels(segment, rng, channel)
        if self.bot is None:
            return np.zeros(len(CHANNELS), dtype=np.int64)
        on_bot = self._on_bot(actual, intent, np.full(actual.size, NONE), "")
        _, turns = self._bot_turns(on_bot, actual, rng)
        return np.bincount(actual, weights=turns, minlength=len(CHANNELS)).astype(np.int64)

    def _draw_turns(self, ids, actual, bot_turns, turns, complexity, rng, common: bool, fresh: bool,
                    cursors: dict | None = None) -> None:
        """Per turn: work time (bot reply or agent attention × complexity) and
        the customer's reply delay; per message: size, non-GSM, media.

        ``cursors`` (channel code → generator): where each channel's bot
        turns of planned contacts take their times from, when the plan is
        drawn a batch at a time (see :class:`~chansim.engine.plan.DayPlan`);
        else from stream ``bot.time``, channel after channel.

        Written straight into the book's rows for these turns and messages
        (reserved just before: zero until written), so a large batch holds no
        second copy of them."""
        s = self.scenario
        total_turns = bot_turns + turns
        n_turns = int(total_turns.sum())
        first_turn = self.turn_data.reserve(n_turns)
        if not total_turns.any():  # (calls only: every offset is the first turn)
            put(self.contacts.turn_offset, rows_of(ids), first_turn, fresh)
            return
        offsets = first_turn + np.concatenate([[0], np.cumsum(total_turns)[:-1]]).astype(np.int64)
        self.contacts.turn_offset[ids] = offsets
        first_message = self.message_data.reserve(2 * n_turns)
        if first_message != 2 * first_turn:
            raise AssertionError("message rows must stay two per turn")
        span, message_span = slice(first_turn, first_turn + n_turns), slice(first_message, first_message + 2 * n_turns)
        owner = np.repeat(np.arange(ids.size, dtype=np.int32 if ids.size < 2**31 else np.int64), total_turns)
        np.take(np.asarray(ids, dtype=np.int64), owner, out=self.turn_data.contact[span])
        if bot_turns.any():
            k = np.arange(n_turns) - np.repeat(offsets - first_turn, total_turns)
            is_bot = k < bot_turns[owner]
            del k
        else:
            is_bot = np.zeros(n_turns, dtype=bool)
        del offsets, total_turns
        work, delay = self.turn_data.work_time[span], self.turn_data.reply_delay[span]
        messages = self.message_data
        chars, non_gsm, media = messages.chars[message_span], messages.non_gsm[message_span], messages.media[message_span]
        turn_channel = actual[owner]
        for name in s.channels:
            code = CHANNEL_CODE[name]
            if channel_kind(name) == "voice":
                continue
            mine = turn_channel == code
            if not mine.any():
                continue
            spec = s.channels[name]
            human = mine & ~is_bot
            bot = mine & is_bot
            m = int(human.sum())
            if m == n_turns:  # every turn is an agent's on this channel: all rows, without a mask
                human = slice(None)
            drawn = spec.agent_time_per_turn.sample(rng(f"{name}.agent_time"), m)
            drawn *= complexity[owner[human]]
            work[human] = drawn
            del drawn
            if code in self._assist:  # agent assist: each agent turn shorter
                work[human] *= 1.0 - self._assist[code]
            if spec.customer_reply_delay is not None:
                delay[human] = spec.customer_reply_delay.sample(rng(f"{name}.reply_delay"), m)
            del human
            if bot.any():
                b = int(bot.sum())
                if common:
                    source = cursors.get(code) if cursors else None
                    work[bot] = self.bot.time_per_turn.sample(rng("bot.time") if source is None else source, b)
                bot_delay = self.bot.customer_reply_delay or spec.customer_reply_delay
                if bot_delay is not None:
                    delay[bot] = bot_delay.sample(rng(f"{name}.bot_reply_delay"), b)
            del bot
            size = 2 * int(mine.sum())
            msg = slice(None) if size == 2 * n_turns else np.repeat(mine, 2)  # both messages of each turn, in order
            del mine
            if spec.chars is None:
                chars[msg] = DEFAULT_CHARS
            else:
                drawn = spec.chars.sample(rng(f"{name}.chars"), size)
                chars[msg] = np.maximum(np.rint(drawn, out=drawn), 1, out=drawn)
                del drawn
            non_gsm[msg] = rng(f"{name}.non_gsm").random(size) < spec.non_gsm_share
            media[msg] = rng(f"{name}.media").random(size) < spec.media_share
            # extension characters in GSM-7 messages, emoji in the others: binomial counts per message
            if spec.extension_share > 0:
                messages.extension[message_span][msg] = np.where(
                    non_gsm[msg], 0, rng(f"{name}.extension").binomial(chars[msg], spec.extension_share))
            if spec.emoji_share > 0:
                messages.emoji[message_span][msg] = np.where(
                    non_gsm[msg], rng(f"{name}.emoji").binomial(chars[msg], spec.emoji_share), 0)
        if not common and is_bot.any():  # one stream for every channel's bot turns: draw them in turn order
            work[is_bot] = self.bot.time_per_turn.sample(rng("bot.time"), int(is_bot.sum()))
