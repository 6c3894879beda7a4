"""Staffing inversions over every queue model: the smallest number of agents
meeting any mix of service level, ASA, abandonment and occupancy targets, and
the scheduled heads after shrinkage."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from chansim.analytic.chains import ChainMetrics, _chain_metrics, _check_patience, _speed_curve
from chansim.analytic.erlang import _check_agents, _check_real, offered_load, scheduled_heads

__all__ = ["Staffing", "smallest_agents"]


@dataclass(frozen=True)
class Staffing:
    """The smallest staffing meeting a set of targets.

    ``agents`` on the floor (raw), ``scheduled`` heads after shrinkage
    (``ceil(agents / (1 − shrinkage))``), the queue's ``metrics`` at that
    staffing and, when a target time was given, its ``service_level``.
    """

    agents: int
    scheduled: int
    metrics: ChainMetrics
    service_level: float | None = None


def smallest_agents(
    arrival_rate_per_s: float,
    aht_s: float,
    *,
    target_s: float | None = None,
    service_level: float | None = None,
    max_asa_s: float | None = None,
    max_abandon_rate: float | None = None,
    max_occupancy: float | None = None,
    patience_s: float | None = None,
    slots: int = 1,
    speed: Sequence[float] | None = None,
    shrinkage: float = 0.0,
    max_agents: int | None = None,
) -> Staffing:
    """Smallest number of agents meeting every target given.

    Targets (any combination, at least one): ``service_level`` answered within
    ``target_s`` seconds (both needed; SL over all arrivals, see
    :meth:`ChainMetrics.service_level`), ``max_asa_s``, ``max_abandon_rate``
    (needs ``patience_s``: without patience nobody abandons) and
    ``max_occupancy``. Comparisons are exact (``≥`` / ``≤``).

    The model is Erlang C, Erlang A with ``patience_s``, and the pooled chat
    model with ``slots > 1`` or a ``speed`` curve (:func:`pooled_concurrency`).
    Staffing levels with no steady state never qualify.

    The search starts from a lower bound no smaller N can meet (stability
    without patience; with patience, the answered share is at most
    ``N·f(k)/A``), then doubles a step until the targets are met and bisects.
    This relies on every metric improving with more agents. That holds for
    Erlang C and Erlang A, and for the pooled model without patience: given
    the speed-curve conditions of :func:`pooled_concurrency`, one more agent
    completes chats at least as fast in every state, so the chain is
    stochastically smaller. For the pooled model with patience it is assumed
    (the tests check it on random cases). A ValueError is raised when nothing
    up to ``max_agents`` (default: generous, from the load) meets the targets.
    """
    load = offered_load(arrival_rate_per_s, aht_s)
    k = _check_agents(slots, "slots")
    if k < 1:
        raise ValueError(f"slots must be >= 1, got {k}")
    f = _speed_curve(k, speed)
    theta = _check_patience(patience_s)
    shrink = _check_real("shrinkage", shrinkage)
    if shrink >= 1.0:
        raise ValueError(f"shrinkage must be < 1, got {shrink}")
    if (service_level is None) != (target_s is None):
        raise ValueError("service_level and target_s go together (answered within target_s seconds)")
    if service_level is not None:
        _check_real("target_s", target_s)
        if _check_real("service_level", service_level) >= 1.0:
            raise ValueError(f"service_level must be < 1 (100% is unreachable), got {service_level}")
    if max_asa_s is not None:
        _check_real("max_asa_s", max_asa_s, positive=True)
    if max_abandon_rate is not None:
        if theta == 0.0:
            raise ValueError("max_abandon_rate needs patience_s: without patience nobody abandons")
        if _check_real("max_abandon_rate", max_abandon_rate, positive=True) > 1.0:
            raise ValueError(f"max_abandon_rate must be <= 1, got {max_abandon_rate}")
    if max_occupancy is not None:
        if _check_real("max_occupancy", max_occupancy, positive=True) > 1.0:
            raise ValueError(f"max_occupancy must be <= 1, got {max_occupancy}")
    if all(x is None for x in (service_level, max_asa_s, max_abandon_rate, max_occupancy)):
        raise ValueError("give at least one target: service_level, max_asa_s, max_abandon_rate or max_occupancy")

    per_agent = load / f[k]  # Erlangs an agent can carry with every slot busy
    if load == 0.0:
        low = 0
    elif theta == 0.0:
        low = math.floor(per_agent) + 1
    else:
        answered = max(service_level or 0.0, 1.0 - (max_abandon_rate if max_abandon_rate is not None else 1.0))
        low = max(0, math.floor(answered * per_agent) - 1)
    limit = max_agents if max_agents is not None else low + 1000 + 20 * math.ceil(per_agent)
    limit = _check_agents(limit, "max_agents")

    def check(n: int) -> Staffing | None:
        m = _chain_metrics(n, k, arrival_rate_per_s, aht_s, patience_s, speed)
        sl = m.service_level(target_s) if target_s is not None else None
        ok = m.steady_state and (
            (service_level is None or sl >= service_level)
            and (max_asa_s is None or m.asa_s <= max_asa_s)
            and (max_abandon_rate is None or m.abandon_rate <= max_abandon_rate)
            and (max_occupancy is None or m.occupancy <= max_occupancy)
        )
        return Staffing(n, scheduled_heads(n, shrink), m, None if sl is None else float(sl)) if ok else None

    if low > limit:
        raise ValueError(f"no staffing up to {limit} agents meets the targets")
    best = check(low)
    if best is not None:
        return best
    failing, step = low, 1  # failing: the largest N known to miss a target
    while True:
        n = min(low + step, limit)
        best = check(n)
        if best is not None:
            break
        if n == limit:
            raise ValueError(f"no staffing up to {limit} agents meets the targets")
        failing, step = n, step * 2
    while best.agents - failing > 1:
        middle = (failing + best.agents) // 2
        found = check(middle)
        if found is None:
            failing = middle
        else:
            best = found
    return best
