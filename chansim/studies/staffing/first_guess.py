"""Where a staffing search starts: an analytic first guess.

The pool's offered load per weekday × hour (contacts per hour on its
channels, from the demand profiles and the strategy's channel choice, × the
mean handle time; for messaging the slot-holding time divided by
``concurrency``, never less than the attention load) and Erlang C for the
service-level or ASA targets, less the agents of other pools that serve
only the pool's channels. It ignores bots, IVR and repeat contacts: it
only sets where the simulated search begins.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np

from chansim.analytic import erlang_c_metrics, smallest_agents_for_service_level
from chansim.scenario.channels import CHANNELS, channel_kind
from chansim.scenario.models import Scenario
from chansim.scenario.profiles import intraday_by_weekday
from chansim.scenario.rosters import weekly_roster
from chansim.kpis.goals import Target
from chansim.studies.staffing.scaling import roster_overrides

__all__ = ["channel_shares", "work_per_contact", "weekly_load", "erlang_estimate", "helpers_by_hour",
           "erlang_by_hour"]


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


def _service_target_s(resolved: Scenario, pool: str) -> float | None:
    """The strictest service-level answer time of the pool's channels (None if none has one)."""
    ts = [resolved.channels[ch].service_level_target_s for ch in resolved.pool(pool).channels
          if resolved.channels[ch].service_level_target_s is not None]
    return min(ts) if ts else None


def helpers_by_hour(resolved: Scenario, pool: str, state: Mapping[str, Mapping[str, Any]]) -> np.ndarray:
    """Per weekday × hour: agents of other pools that serve only channels of
    ``pool`` (they take part of its load), as staffed in ``state`` (``{pool: roster}``)."""
    mine = set(resolved.pool(pool).channels)
    total = np.zeros((7, 24))
    for p in resolved.agents.pools:
        if p.name != pool and set(p.channels) <= mine:
            spec = p
            if p.name in state:
                spec = resolved.with_overrides(roster_overrides(p, state[p.name])).pool(p.name)
            interval, week = weekly_roster(spec)
            per_hour = int(round(3600.0 / interval))
            total += week.reshape(7 * 24, per_hour).mean(axis=1).reshape(7, 24)
    return total


def erlang_by_hour(resolved: Scenario, pool: str, rate: np.ndarray, load: np.ndarray, targets: Sequence[Target],
                   state: Mapping[str, Mapping[str, Any]]) -> np.ndarray:
    """Per weekday × hour: Erlang C's agents for ``pool`` (arrival ``rate``
    and offered ``load`` from :func:`weekly_load`), less the helpers
    (:func:`helpers_by_hour`)."""
    helpers = helpers_by_hour(resolved, pool, state)
    target_s = _service_target_s(resolved, pool)
    out = np.zeros((7, 24), dtype=np.int64)
    for d in range(7):
        for h in range(24):
            need = erlang_estimate(float(rate[d, h]), float(load[d, h]), targets, target_s)
            out[d, h] = max(need - int(helpers[d, h]), 0)
    return out
