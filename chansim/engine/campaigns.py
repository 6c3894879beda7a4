"""Campaigns: proactive notifications sent during the run, the inbound
contacts they make unnecessary, and the recipients who respond (planned
contacts on the campaign's channel)."""

from __future__ import annotations

import math

import numpy as np

from chansim.engine.channel_codes import CHANNEL_CODE, NONE
from chansim.engine.contact_book import ContactBook
from chansim.engine.streams import Streams
from chansim.scenario.models import Scenario

__all__ = ["campaign_sends", "not_prevented", "campaign_responders", "add_campaign_responders", "responder_stream"]


def campaign_sends(scenario: Scenario, streams: Streams):
    """Every campaign send (time, campaign) and which recipients respond when."""
    sends = []
    horizon = scenario.horizon_s
    days = math.ceil(horizon / 86_400.0 - 1e-9)
    for index, campaign in enumerate(scenario.strategies[0].campaigns):
        rng = streams(f"campaign{index}")
        # WhatsApp marketing under a max price: only the share the delivery curve gives is delivered (and
        # billed, and answered); the notifications are the delivered ones
        delivered = campaign.delivered_share()
        per_day = rng.poisson(campaign.per_day * (1.0 if delivered is None else delivered), days)
        t = np.concatenate([d * 86_400.0 + campaign.at_hour * 3600.0 + rng.random(k) * 3600.0
                            for d, k in enumerate(per_day)]) if days else np.empty(0)
        t = np.sort(t[t < horizon])
        responds = rng.random(t.size) < campaign.response_rate
        reply_t = t + campaign.response_delay.sample(rng, t.size)
        sends.append((index, campaign, t, responds, reply_t))
    return sends


def not_prevented(scenario: Scenario, streams: Streams, intent: np.ndarray) -> np.ndarray:
    """Which inbound contacts (by intent) still happen: proactive
    notifications make some of them unnecessary."""
    keep = np.ones(intent.size, dtype=bool)
    intent_names = [i.name for i in scenario.demand.intents]
    for index, campaign in enumerate(scenario.strategies[0].campaigns):
        if campaign.prevents > 0:
            u = streams(f"campaign{index}.prevents").random(intent.size)
            keep &= ~((intent == intent_names.index(campaign.intent)) & (u < campaign.prevents))
    return keep


def campaign_responders(scenario: Scenario, streams: Streams, sends, seg_p: np.ndarray, first_customer: int):
    """Deliver every campaign send (``sends`` from :func:`campaign_sends`) to
    new customers (numbered from ``first_customer``). Returns the responders,
    one ``(index, reply_t, segment, intent, customer, channel)`` per campaign
    with any, in reply order; the deliveries (messages that are not part of a
    contact), the recipients' segments (one array per send batch) and the
    first customer number left after them."""
    demand = scenario.demand
    names = [seg.name for seg in demand.segments]
    intents = [i.name for i in demand.intents]
    responders = []
    deliveries = []
    campaign_segments = []
    next_customer = first_customer
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
        deliveries.append((index, campaign, send_t[sent], customers[sent], delivered[sent]))
        campaign_segments.append(seg[sent])
        keep = sent & responds & (reply_t < scenario.horizon_s)
        if keep.any():
            order = np.argsort(reply_t[keep], kind="stable")
            responders.append((index, reply_t[keep][order], seg[keep][order],
                               np.full(int(keep.sum()), intents.index(campaign.intent), dtype=np.int16),
                               customers[keep][order], delivered[keep][order]))
    return responders, deliveries, campaign_segments, next_customer


def add_campaign_responders(book: ContactBook, scenario: Scenario, streams: Streams, sends, seg_p: np.ndarray) -> None:
    """Deliver every campaign send (``sends`` from :func:`campaign_sends`) to
    new customers and add the responders to ``book``, every draw they need
    made now; the deliveries go to ``book.campaign_sends`` (messages that are
    not part of a contact)."""
    responders, deliveries, segments, next_customer = campaign_responders(scenario, streams, sends, seg_p, book.size)
    for index, reply_t, seg, intent, customers, channel in responders:
        book.add(reply_t, seg, intent, stream=responder_stream(index), customer=customers, channel=channel)
    book.campaign_sends = deliveries
    book.campaign_segments = segments
    book.first_dynamic_customer = next_customer


def responder_stream(index: int) -> str:
    """The streams (prefix) of the responders to campaign ``index``."""
    return f"campaign{index}.responders"
