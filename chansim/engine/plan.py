"""Who arrives, when, on which channel, and every random draw their contact
will need.

Inbound arrivals and campaign responders are drawn up front, vectorised, in
arrival order: that is what makes common random numbers work — a strategy that
changes staffing sees exactly the same customers, patience, handle times and
turns. Per-contact quantities (patience, handle time, turns, bot and
resolution draws) are drawn for every customer on every channel, so customer
*i* keeps them even when a strategy moves them to another channel
(:mod:`chansim.engine.draws`).

Contacts that only exist because of what happened in the run (a customer
coming back, a caller taking a messaging link, a chat switching to a call)
draw from streams of their own, only what their channel needs, in contact
order (:class:`~chansim.engine.contact_book.ContactBook`). Campaigns:
:mod:`chansim.engine.campaigns`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from chansim.engine.arrivals import arrival_times, hourly_rates
from chansim.engine.campaigns import add_campaign_responders, campaign_sends, not_prevented
from chansim.engine.channel_codes import CHANNEL_CODE, NONE
from chansim.engine.contact_book import ContactBook
from chansim.engine.draws import DEFAULT_CHARS
from chansim.engine.streams import Streams
from chansim.scenario.models import Scenario
from chansim.scenario.profiles import intraday_by_weekday

__all__ = ["ContactBook", "build_plan", "CHANNEL_CODE", "DEFAULT_CHARS", "NONE"]


def build_plan(scenario: Scenario, streams: Streams, *, arrivals: np.ndarray | None = None):
    """The contact book with every inbound arrival and campaign responder, plus
    the campaign sends (messages that are not part of a contact).

    Poisson arrivals cover the ``warmup_days`` before the start date too
    (negative times). ``arrivals`` (times in seconds) replaces the Poisson
    arrivals, for hand-built cases."""
    demand = scenario.demand
    if arrivals is None:
        intraday = intraday_by_weekday(demand) if isinstance(demand.intraday, Mapping) else demand.intraday
        starts, lengths, rates = hourly_rates(
            demand.contacts_per_day, intraday, demand.weekly, scenario.start_date.weekday(), scenario.horizon_s
        )
        t = arrival_times(starts, lengths, rates, streams("arrivals"))
        if scenario.warmup_days:  # the warm-up days before the start date, from a stream of their own
            lead_s = scenario.warmup_days * 86_400.0
            starts, lengths, rates = hourly_rates(
                demand.contacts_per_day, intraday, demand.weekly,
                (scenario.start_date.weekday() - scenario.warmup_days) % 7, lead_s,
            )
            t = np.concatenate([arrival_times(starts, lengths, rates, streams("arrivals.warmup")) - lead_s, t])
    else:
        t = np.sort(np.asarray(arrivals, dtype=float))
    seg_p = np.array([s.share for s in demand.segments])
    int_p = np.array([i.share for i in demand.intents])
    segment = _choice(streams, "segments", seg_p, t.size)
    intent = _choice(streams, "intents", int_p, t.size)
    keep = not_prevented(scenario, streams, intent)
    if not keep.all():
        t, segment, intent = t[keep], segment[keep], intent[keep]

    sends = campaign_sends(scenario, streams)
    book = ContactBook(scenario, streams, capacity=int(t.size * 1.2) + 64)
    book.add(t, segment, intent, stream="inbound")
    add_campaign_responders(book, scenario, streams, sends, seg_p)
    return book


def _choice(streams: Streams, name: str, p: np.ndarray, n: int) -> np.ndarray:
    """``n`` picks among ``p.size`` options with weights ``p``, from stream
    ``name`` (its only use); with one option, every pick is it."""
    if p.size == 1:
        return np.zeros(n, dtype=np.int16)
    return streams(name).choice(p.size, size=n, p=p / p.sum()).astype(np.int16)
