"""Where a staffing search starts: an analytic first guess.

The pool's offered load per weekday × hour (contacts per hour on its
channels, from the demand profiles and the strategy's channel choice, × the
mean handle time; for messaging the slot-holding time divided by
``concurrency``, never less than the attention load) and Erlang C for the
service-level or ASA targets. It ignores bots, IVR and repeat contacts: it
only sets where the simulated search begins.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from chansim.analytic import erlang_c_metrics, smallest_agents_for_service_level
from chansim.scenario.channels import CHANNELS, channel_kind
from chansim.scenario.models import Scenario
from chansim.scenario.profiles import intraday_by_weekday
from chansim.kpis.goals import Target

__all__ = ["channel_shares", "work_per_contact", "weekly_load", "erlang_estimate"]


def channel_shares(resolved: Scenario) -> dict[str, float]:
    """Share of contacts on each channel under the (only) strategy of
    ``resolved``: each segment's first preferred channel on offer, then one
    pass of reach → fallback (rough: bots, IVR and repeats are ignored)."""
    offer = resolved.strategies[0].offer
    shares = {ch: 0.0 for ch in CHANNELS}
    total = sum(s.share for s in resolved.demand.segments)
    for seg in resolved.demand.segments:
        pick = next((ch for ch in seg.preference if ch in offer), offer[0])
        share = seg.share / total
        spec = resolved.channels.get(pick)
        reach = 1.0
        if spec is not None:
            reach_for = getattr(spec, "reach_for", None)
            reach = float(reach_for(seg.name)) if reach_for is not None else float(spec.reach)
        shares[pick] += share * reach
        if reach < 1 and spec is not None and spec.fallback is not None:
            shares[spec.fallback] = shares.get(spec.fallback, 0.0) + share * (1.0 - reach)
    return shares


def work_per_contact(resolved: Scenario, channel: str, concurrency: int) -> float:
    """Agent-seconds of capacity one contact on ``channel`` takes from a pool (rough)."""
    intents = resolved.demand.intents
    complexity = sum(i.share * i.complexity for i in intents) / sum(i.share for i in intents)
    spec = resolved.channels[channel]
    if channel_kind(channel) == "voice":
        return spec.handle_time.expected * complexity if spec.handle_time is not None else 0.0
    turns = max(spec.turns.expected, 1.0) if spec.turns is not None else 1.0
    attention = turns * (spec.agent_time_per_turn.expected if spec.agent_time_per_turn is not None else 0.0) * complexity
    delay = spec.customer_reply_delay.expected if spec.customer_reply_delay is not None else 0.0
    if spec.park_after is not None:
        delay = min(delay, spec.park_after)
    hold = attention + (turns - 1.0) * delay
    return max(hold / max(concurrency, 1), attention)


def weekly_load(resolved: Scenario, pool: str) -> tuple[np.ndarray, np.ndarray]:
    """Per weekday (Monday first) × hour of day, shape (7, 24): arrival rate
    (/s) on the pool's channels and offered load (Erlangs of agents)."""
    spec = resolved.pool(pool)
    demand = resolved.demand
    week = np.asarray(demand.weekly, dtype=float)
    per_hour = demand.contacts_per_day * ((week / week.mean())[:, None] * intraday_by_weekday(demand))  # per hour
    shares = channel_shares(resolved)
    rate = np.zeros((7, 24))
    load = np.zeros((7, 24))
    for channel in spec.channels:
        lam = per_hour * shares.get(channel, 0.0) / 3600.0
        rate += lam
        load += lam * work_per_contact(resolved, channel, spec.concurrency)
    return rate, load


def erlang_estimate(rate: float, load: float, targets: Sequence[Target], target_s: float | None) -> int:
    """Agents Erlang C suggests for one hour's rate and load (0 if no load)."""
    if rate <= 0 or load <= 0:
        return 0
    n = math.floor(load) + 1
    aht = load / rate
    for t in targets:
        try:
            if t.address.kpi == "service_level" and t.op == ">=" and target_s is not None and t.value > 0:
                raw, _ = smallest_agents_for_service_level(rate, aht, target_s, min(t.value, 0.999))
                n = max(n, raw)
            elif t.address.kpi == "asa_s" and t.op == "<=":
                m = n
                while m < n + 1000:
                    metrics = erlang_c_metrics(m, rate, aht, target_s or 0.0)
                    if metrics.steady_state and metrics.asa_s is not None and metrics.asa_s <= t.value:
                        break
                    m += 1
                n = max(n, m)
        except (ValueError, OverflowError):  # a rough start: never fatal
            continue
    return n
