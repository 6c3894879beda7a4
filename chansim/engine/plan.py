"""Who arrives, when, on which channel, and every random draw their contact
will need, made up front and vectorised before the simulation starts.

Drawing everything per contact in arrival order (not in event order) is what
makes common random numbers work: a strategy that changes staffing sees exactly
the same customers, patience, handle times and turns. Per-contact quantities
(patience, handle time, turns) are drawn for every customer on every channel,
so customer *i* keeps their patience even when a strategy moves them to another
channel; per-turn quantities are drawn for the contacts of each channel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chansim.channels import CHANNELS, channel_kind
from chansim.engine.arrivals import arrival_times, hourly_rates
from chansim.engine.streams import Streams
from chansim.scenario.models import Scenario

__all__ = ["ContactPlan", "build_plan", "CHANNEL_CODE", "DEFAULT_CHARS"]

CHANNEL_CODE = {name: code for code, name in enumerate(CHANNELS)}
#: Characters per message when a channel gives no ``chars`` distribution.
DEFAULT_CHARS = 100


@dataclass(frozen=True)
class ContactPlan:
    """Arrays indexed by contact (arrival order), turn or message."""

    arrival_t: np.ndarray  # s
    segment: np.ndarray  # index into demand.segments
    intent: np.ndarray  # index into demand.intents
    preferred: np.ndarray  # channel code of the segment's first preference
    original: np.ndarray  # channel code chosen from the offer, before fallback
    channel: np.ndarray  # channel code actually used
    priority: np.ndarray
    patience: np.ndarray  # s; inf = waits indefinitely
    handle_time: np.ndarray  # s of agent time for a call (× complexity); nan off voice
    turns: np.ndarray  # customer-message/agent-reply pairs; 0 on voice
    turn_offset: np.ndarray  # first turn of each contact in the per-turn arrays
    agent_time: np.ndarray  # per turn: s of agent attention for the reply (× complexity)
    reply_delay: np.ndarray  # per turn: s from the agent's reply to the customer's next message
    msg_chars: np.ndarray  # per message (2 per turn: customer then agent)
    msg_non_gsm: np.ndarray
    msg_media: np.ndarray

    @property
    def size(self) -> int:
        return int(self.arrival_t.size)


def _choose_channels(scenario: Scenario, offer: tuple[str, ...], segment: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First preferred channel the strategy offers (else the first offered)."""
    preferred = np.empty(segment.size, dtype=np.int8)
    chosen = np.empty(segment.size, dtype=np.int8)
    for index, seg in enumerate(scenario.demand.segments):
        mask = segment == index
        preferred[mask] = CHANNEL_CODE[seg.preference[0]]
        pick = next((ch for ch in seg.preference if ch in offer), offer[0])
        chosen[mask] = CHANNEL_CODE[pick]
    return preferred, chosen


def _apply_reach(scenario: Scenario, chosen: np.ndarray, streams: Streams) -> np.ndarray:
    """Customers out of a channel's reach get its fallback (e.g. RCS → SMS)."""
    channel = chosen.copy()
    for _ in range(len(CHANNELS)):  # fallbacks may chain; a chain is at most this long
        moved = False
        for name, spec in scenario.channels.items():
            if spec.reach >= 1 or spec.fallback is None:
                continue
            u = streams(f"reach.{name}").random(channel.size)
            out = (channel == CHANNEL_CODE[name]) & (u >= spec.reach)
            if out.any():
                channel[out] = CHANNEL_CODE[spec.fallback]
                moved = True
        if not moved:
            break
    return channel


def build_plan(
    scenario: Scenario,
    offer: tuple[str, ...],
    streams: Streams,
    *,
    arrivals: np.ndarray | None = None,
) -> ContactPlan:
    """Draw every contact of one replication. ``arrivals`` (sorted times in
    seconds) replaces the Poisson arrivals, for hand-built cases."""
    demand = scenario.demand
    if arrivals is None:
        starts, lengths, rates = hourly_rates(
            demand.contacts_per_day, demand.intraday, demand.weekly, scenario.start_date.weekday(), scenario.horizon_s
        )
        t = arrival_times(starts, lengths, rates, streams("arrivals"))
    else:
        t = np.sort(np.asarray(arrivals, dtype=float))
    n = t.size
    seg_p = np.array([s.share for s in demand.segments])
    int_p = np.array([i.share for i in demand.intents])
    segment = streams("segments").choice(seg_p.size, size=n, p=seg_p / seg_p.sum()).astype(np.int16)
    intent = streams("intents").choice(int_p.size, size=n, p=int_p / int_p.sum()).astype(np.int16)
    complexity = np.array([i.complexity for i in demand.intents])[intent]
    priority = np.array([i.priority for i in demand.intents], dtype=np.int32)[intent]
    preferred, original = _choose_channels(scenario, offer, segment)
    channel = _apply_reach(scenario, original, streams)

    patience = np.full(n, np.inf)
    handle_time = np.full(n, np.nan)
    turns = np.zeros(n, dtype=np.int64)
    used = [name for name in CHANNELS if name in scenario.channels and np.any(channel == CHANNEL_CODE[name])]
    for name in used:
        spec = scenario.channels[name]
        mask = channel == CHANNEL_CODE[name]
        if spec.patience is not None:
            patience[mask] = spec.patience.sample(streams(f"{name}.patience"), n)[mask]
        if channel_kind(name) == "voice":
            handle_time[mask] = spec.handle_time.sample(streams(f"{name}.handle_time"), n)[mask] * complexity[mask]
        elif spec.turns is None:
            turns[mask] = 1
        else:
            drawn = np.rint(spec.turns.sample(streams(f"{name}.turns"), n)[mask]).astype(np.int64)
            turns[mask] = np.maximum(drawn, 1)

    turn_offset = np.zeros(n, dtype=np.int64)
    np.cumsum(turns[:-1], out=turn_offset[1:])
    total = int(turns.sum())
    agent_time = np.zeros(total)
    reply_delay = np.zeros(total)
    msg_chars = np.zeros(2 * total, dtype=np.int32)
    msg_non_gsm = np.zeros(2 * total, dtype=bool)
    msg_media = np.zeros(2 * total, dtype=bool)
    owner = np.repeat(np.arange(n), turns)  # contact of each turn
    for name in used:
        if channel_kind(name) == "voice":
            continue
        spec = scenario.channels[name]
        turn_idx = np.flatnonzero(channel[owner] == CHANNEL_CODE[name])
        k = turn_idx.size
        agent_time[turn_idx] = spec.agent_time_per_turn.sample(streams(f"{name}.agent_time"), k) * complexity[owner[turn_idx]]
        if spec.customer_reply_delay is not None:
            reply_delay[turn_idx] = spec.customer_reply_delay.sample(streams(f"{name}.reply_delay"), k)
        msg_idx = np.concatenate([2 * turn_idx, 2 * turn_idx + 1])
        msg_idx.sort()
        m = msg_idx.size
        if spec.chars is None:
            msg_chars[msg_idx] = DEFAULT_CHARS
        else:
            msg_chars[msg_idx] = np.maximum(np.rint(spec.chars.sample(streams(f"{name}.chars"), m)), 1)
        msg_non_gsm[msg_idx] = streams(f"{name}.non_gsm").random(m) < spec.non_gsm_share
        msg_media[msg_idx] = streams(f"{name}.media").random(m) < spec.media_share

    return ContactPlan(
        arrival_t=t,
        segment=segment,
        intent=intent,
        preferred=preferred,
        original=original,
        channel=channel,
        priority=priority,
        patience=patience,
        handle_time=handle_time,
        turns=turns,
        turn_offset=turn_offset,
        agent_time=agent_time,
        reply_delay=reply_delay,
        msg_chars=msg_chars,
        msg_non_gsm=msg_non_gsm,
        msg_media=msg_media,
    )
