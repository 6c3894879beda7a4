"""Who arrives, when, on which channel, and every random draw their contact
will need.

Inbound arrivals and campaign responders are planned in arrival order from
streams of their own: that is what makes common random numbers work — a
strategy that changes staffing sees exactly the same customers, patience,
handle times and turns. Per-contact quantities (patience, handle time, turns,
bot and resolution draws) are drawn for every customer on every channel, so
customer *i* keeps them even when a strategy moves them to another channel
(:mod:`chansim.engine.draws`).

The plan may be drawn a day at a time as the run reaches it
(``build_plan(..., by_day=True)``, :class:`DayPlan`: what a replication
runs), so a replication holds the draws of the days it has reached, not of
the whole run. What numbers the contacts and is a few bytes each is drawn up
front: the hourly arrival counts, every customer's segment and intent, and
which contacts a campaign makes unnecessary. Every other stream of the plan
gives each planned contact its values in contact order, one quantity per
stream, so drawing day after day gives the numbers drawing everything at once
gives — with one exception handled here: the times of the bot's turns come
from one stream, channel after channel, so each channel's bot turns take them
from their own place in that stream (:func:`_bot_time_cursors`).

Contacts that only exist because of what happened in the run (a customer
coming back, a caller taking a messaging link, a chat switching to a call)
draw from streams of their own, only what their channel needs, in contact
order (:class:`~chansim.engine.contact_book.ContactBook`). Campaigns:
:mod:`chansim.engine.campaigns`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np

from chansim.engine.arrivals import hourly_counts, hourly_rates, times_in_hours
from chansim.engine.campaigns import (add_campaign_responders, campaign_responders, campaign_sends, not_prevented,
                                      responder_stream)
from chansim.engine.channel_codes import CHANNEL_CODE, IS_VOICE, NONE
from chansim.engine.contact_book import ContactBook
from chansim.engine.draws import DEFAULT_CHARS
from chansim.engine.streams import Streams
from chansim.scenario.models import Scenario
from chansim.scenario.profiles import intraday_by_weekday

__all__ = ["ContactBook", "DayPlan", "build_plan", "CHANNEL_CODE", "DEFAULT_CHARS", "NONE"]

DAY_S = 86_400.0
_SKIP_BLOCK = 1 << 20  # values drawn at a time when moving a stream forward


def build_plan(scenario: Scenario, streams: Streams, *, arrivals: np.ndarray | None = None,
               by_day: bool = False) -> ContactBook:
    """The contact book of every inbound arrival and campaign responder, plus
    the campaign sends (messages that are not part of a contact).

    Poisson arrivals cover the ``warmup_days`` before the start date too
    (negative times). ``arrivals`` (times in seconds) replaces the Poisson
    arrivals, for hand-built cases.

    ``by_day``: the planned contacts have their ids (inbound first, then the
    responders of each campaign) and rows, and are described and drawn a day
    at a time as the run reaches them (``book.day_plan``, :class:`DayPlan`;
    ``book.plan_all()`` draws the rest at once). Otherwise (the default)
    everything is drawn now. Both give the same contacts and the same draws."""
    demand = scenario.demand
    parts = _arrival_hours(scenario, streams) if arrivals is None else None
    given = None if parts is not None else np.sort(np.asarray(arrivals, dtype=float))
    n_raw = given.size if parts is None else int(sum(int(p[3].sum()) for p in parts))
    seg_p = np.array([s.share for s in demand.segments])
    int_p = np.array([i.share for i in demand.intents])
    segment = _choice(streams, "segments", seg_p, n_raw)
    intent = _choice(streams, "intents", int_p, n_raw)
    keep = not_prevented(scenario, streams, intent)
    if keep.all():
        keep = None
    else:
        segment, intent = segment[keep], intent[keep]
    sends = campaign_sends(scenario, streams)
    book = ContactBook(scenario, streams, capacity=int(segment.size * 1.2) + 64)
    if not by_day:
        t = given if parts is None else np.concatenate([_times(p, 0, p[3].size) for p in parts])
        book.add(t if keep is None else t[keep], segment, intent, stream="inbound")
        add_campaign_responders(book, scenario, streams, sends, seg_p)
        return book
    inbound = _Inbound(book.new_id(segment.size), segment, intent, keep, parts, given)
    book.first_campaign_customer = book.size  # (campaign recipients are customers numbered from here)
    responders, book.campaign_sends, book.campaign_segments, book.first_dynamic_customer = campaign_responders(
        scenario, streams, sends, seg_p, book.size)
    groups = [inbound] + [_Responders(book.new_id(r[1].size), *r) for r in responders]
    book.every_channel = True
    book.day_plan = DayPlan(book, groups)  # (the plan holds no reference back to the book)
    return book


class DayPlan:
    """The planned contacts of a book (their ids and rows already reserved),
    described and drawn a day at a time into the book: :meth:`days` plans
    each day as it is asked for it."""

    def __init__(self, book: ContactBook, groups: list):
        self.groups = groups
        self.keys = sorted({int(k) for g in groups for k in g.keys})  # the days with planned contacts
        self.planned = 0  # days planned so far (the first ones of ``keys``)
        if book.bot is not None and sum(not IS_VOICE[CHANNEL_CODE[ch]] for ch in book.bot.channels) > 1:
            for group in groups:
                _bot_time_cursors(book, group)

    def days(self, book: ContactBook) -> Iterator[np.ndarray]:
        """Per day with planned contacts, in order: plan it (if not yet) and
        give its planned contacts in arrival order (ties in id order: the
        order of every planned contact by arrival, a day at a time)."""
        for k, key in enumerate(self.keys):
            self.plan_through(book, k)
            ids = np.concatenate([g.ids(key) for g in self.groups])
            yield ids[np.argsort(book.arrival_t[ids], kind="stable")]

    def plan_through(self, book: ContactBook, k: int) -> None:
        """Describe and draw the planned contacts of the first ``k + 1`` days."""
        while self.planned <= min(k, len(self.keys) - 1):
            key = self.keys[self.planned]
            for group in self.groups:
                group.plan(book, key)
            self.planned += 1

    def plan_all(self, book: ContactBook) -> None:
        """Describe and draw every planned contact not drawn yet."""
        self.plan_through(book, len(self.keys) - 1)

    @property
    def described(self) -> int:
        """How many planned contacts are described and drawn so far."""
        return sum(g.done for g in self.groups)


class _Group:
    """Planned contacts with consecutive ids from ``first``, drawn from
    streams ``stream.*``, a day at a time: day ``keys[j]`` holds the ids
    ``first + bounds[j]`` to ``first + bounds[j + 1]``."""

    stream: str
    channel: np.ndarray | None = None

    def __init__(self, first: int, keys: np.ndarray, bounds: np.ndarray):
        self.first = first
        self.keys = keys
        self.bounds = bounds
        self._index = {int(k): j for j, k in enumerate(keys)}
        self.done = 0

    def ids(self, key: int) -> np.ndarray:
        j = self._index.get(key)
        if j is None:
            return np.empty(0, dtype=np.int64)
        return np.arange(self.first + self.bounds[j], self.first + self.bounds[j + 1], dtype=np.int64)

    def plan(self, book: ContactBook, key: int) -> None:
        j = self._index.get(key)
        if j is None:
            return
        lo, hi = int(self.bounds[j]), int(self.bounds[j + 1])
        ids = np.arange(self.first + lo, self.first + hi, dtype=np.int64)
        book.describe(ids, self.times(j), self.segment[lo:hi], self.intent[lo:hi],
                      customer=None if self.customer is None else self.customer[lo:hi], fresh=True)
        book.draw(ids, stream=self.stream, channel=None if self.channel is None else self.channel[lo:hi], fresh=True)
        self.done += hi - lo

    def chunks(self) -> Iterator[slice]:
        """The days' rows (relative), in order."""
        for j in range(len(self.keys)):
            yield slice(int(self.bounds[j]), int(self.bounds[j + 1]))


class _Inbound(_Group):
    """The inbound arrivals: hourly counts drawn up front, the times of a day
    when it is planned (less the contacts campaigns made unnecessary)."""

    stream = "inbound"
    customer = None

    def __init__(self, first, segment, intent, keep, parts, given):
        self.segment, self.intent, self.keep, self.given = segment, intent, keep, given
        self.sources: list[tuple] = []  # per day: (hours part, first hour, end hour, first raw arrival, end)
        keys, raw_bounds = [], [0]
        if given is not None:
            days, counts = np.unique(np.floor(given / DAY_S), return_counts=True)
            for key, k in zip(days.tolist(), counts.tolist()):
                keys.append(int(key))
                raw_bounds.append(raw_bounds[-1] + k)
                self.sources.append((None, 0, 0, raw_bounds[-2], raw_bounds[-1]))
        else:
            for part in parts:
                counts, first_day = part[3], part[5]
                for h0 in range(0, counts.size, 24):
                    k = int(counts[h0:h0 + 24].sum())
                    if k:
                        keys.append(first_day + h0 // 24)
                        raw_bounds.append(raw_bounds[-1] + k)
                        self.sources.append((part, h0, h0 + 24, raw_bounds[-2], raw_bounds[-1]))
        raw = np.asarray(raw_bounds, dtype=np.int64)
        bounds = raw if keep is None else np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])[raw]
        super().__init__(first, np.asarray(keys, dtype=np.int64), bounds)

    def times(self, j: int) -> np.ndarray:
        part, h0, h1, lo, hi = self.sources[j]
        t = self.given[lo:hi] if part is None else _times(part, h0, h1)
        return t if self.keep is None else t[self.keep[lo:hi]]


class _Responders(_Group):
    """The responders to one campaign, in reply order."""

    def __init__(self, first, index, reply_t, segment, intent, customer, channel):
        self.stream = responder_stream(index)
        self.reply_t, self.segment, self.intent = reply_t, segment, intent
        self.customer, self.channel = customer, channel
        day = np.floor(reply_t / DAY_S).astype(np.int64)
        keys, starts = np.unique(day, return_index=True)
        super().__init__(first, keys, np.append(starts, day.size).astype(np.int64))

    def times(self, j: int) -> np.ndarray:
        return self.reply_t[self.bounds[j]:self.bounds[j + 1]]


def _arrival_hours(scenario: Scenario, streams: Streams) -> list[tuple]:
    """The hours of the Poisson arrivals, warm-up days first, each part
    ``(stream, starts, lengths, counts, shift, first day)``: the counts are
    drawn now (one per hour), the times when a day is planned (:func:`_times`)."""
    demand = scenario.demand
    intraday = intraday_by_weekday(demand) if isinstance(demand.intraday, Mapping) else demand.intraday
    starts, lengths, rates = hourly_rates(
        demand.contacts_per_day, intraday, demand.weekly, scenario.start_date.weekday(), scenario.horizon_s
    )
    rng = streams("arrivals")
    parts = [(rng, starts, lengths, hourly_counts(lengths, rates, rng), 0.0, 0)]
    if scenario.warmup_days:  # the warm-up days before the start date, from a stream of their own
        lead_s = scenario.warmup_days * DAY_S
        starts, lengths, rates = hourly_rates(
            demand.contacts_per_day, intraday, demand.weekly,
            (scenario.start_date.weekday() - scenario.warmup_days) % 7, lead_s,
        )
        rng = streams("arrivals.warmup")
        parts.insert(0, (rng, starts, lengths, hourly_counts(lengths, rates, rng), lead_s, -scenario.warmup_days))
    return parts


def _times(part: tuple, h0: int, h1: int) -> np.ndarray:
    """The sorted arrival times of hours ``h0`` to ``h1`` of ``part`` (drawn
    after those of the hours before them)."""
    rng, starts, lengths, counts, shift, _ = part
    t = times_in_hours(starts[h0:h1], lengths[h0:h1], counts[h0:h1], rng)
    return t - shift if shift else t


def _bot_time_cursors(book: ContactBook, group: _Group) -> None:
    """Drawn all at once, the bot's turns of a group take their times from
    stream ``bot.time`` one channel after the other (every contact's turns on
    the first channel, then on the next one). Drawn by day, each channel gets
    a copy of that stream moved past the turns of the channels before it:
    counted here from fresh copies of the streams of the channel choice and
    the bot's turns."""
    fresh = Streams(book.streams.seed, book.streams.replication)
    turns = np.zeros(len(IS_VOICE), dtype=np.int64)
    for rows in group.chunks():
        channel = None if group.channel is None else group.channel[rows]
        turns += book.bot_turns_by_channel(group.segment[rows], group.intent[rows],
                                           lambda name: fresh(f"{group.stream}.{name}"), channel)
    order = [CHANNEL_CODE[name] for name in book.scenario.channels if turns[CHANNEL_CODE[name]] > 0]
    if len(order) < 2:
        return  # one channel's turns only: the stream itself, in order
    cursors, skip = {}, 0
    for code in order:
        rng = Streams(book.streams.seed, book.streams.replication)(f"{group.stream}.bot.time")
        for done in range(0, skip, _SKIP_BLOCK):
            book.bot.time_per_turn.sample(rng, min(_SKIP_BLOCK, skip - done))
        cursors[code] = rng
        skip += int(turns[code])
    book.bot_time_cursors[group.stream] = cursors


def _choice(streams: Streams, name: str, p: np.ndarray, n: int) -> np.ndarray:
    """``n`` picks among ``p.size`` options with weights ``p``, from stream
    ``name`` (its only use); with one option, every pick is it."""
    if p.size == 1:
        return np.zeros(n, dtype=np.int16)
    rng, out = streams(name), np.empty(n, dtype=np.int16)
    for lo in range(0, n, _PICKS):  # a part at a time (the same picks: one uniform each, in order)
        out[lo:lo + _PICKS] = rng.choice(p.size, size=min(_PICKS, n - lo), p=p / p.sum())
    return out


_PICKS = 1 << 16  #: picks drawn at a time
