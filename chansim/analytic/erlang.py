"""Erlang B and C: blocking, waiting, service level and ASA for ``N`` agents,
and the smallest staffing that meets a service-level goal.

All times are in seconds, all rates are per second and all loads in Erlangs.

* Offered load: ``A = λ · AHT`` (Erlangs); occupancy ``= A / N``.
* Erlang B by recursion, which needs no factorials and cannot overflow:
  ``B(0) = 1``, ``B(n) = A·B(n−1) / (n + A·B(n−1))``.
* Erlang C, probability that an arrival waits, for ``A < N``:
  ``P(wait) = N·B / (N − A·(1 − B))``.
* Service level within ``t`` seconds:
  ``SL(t) = 1 − P(wait) · exp(−(N − A) · t / AHT)``.
* Average speed of answer (mean wait over all arrivals):
  ``ASA = P(wait) · AHT / (N − A)``.
* Overload (``A ≥ N``): there is no steady state; the queue grows without
  bound. This is reported plainly (``steady_state=False`` and a note), never as
  a negative or infinite wait.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real

__all__ = [
    "QueueMetrics",
    "offered_load",
    "erlang_b",
    "erlang_c",
    "erlang_c_metrics",
    "scheduled_heads",
    "smallest_agents_for_service_level",
]

# Guards ceil() against float fuzz, e.g. 14 / 0.7 == 20.000000000000004.
_CEIL_EPS = 1e-9


def _check_agents(agents: object, name: str = "agents") -> int:
    if isinstance(agents, bool) or not isinstance(agents, Integral):
        raise ValueError(f"{name} must be an integer, got {agents!r}")
    if agents < 0:
        raise ValueError(f"{name} must be >= 0, got {agents}")
    return int(agents)


def _check_real(name: str, value: object, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if value < 0 or (positive and value == 0):
        bound = "> 0" if positive else ">= 0"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return float(value)


def offered_load(arrival_rate_per_s: float, aht_s: float) -> float:
    """Offered load ``A = λ · AHT`` in Erlangs.

    ``arrival_rate_per_s`` is λ in contacts per second (>= 0); ``aht_s`` is the
    average handle time in seconds (> 0).
    """
    lam = _check_real("arrival_rate_per_s", arrival_rate_per_s)
    aht = _check_real("aht_s", aht_s, positive=True)
    return lam * aht


def erlang_b(agents: int, load: float) -> float:
    """Erlang B blocking probability for ``agents`` servers and ``load`` Erlangs.

    Computed by the recursion ``B(0) = 1``, ``B(n) = A·B(n−1)/(n + A·B(n−1))``.
    Raises ValueError unless ``agents`` is an integer >= 0 and ``load`` >= 0.
    """
    n_agents = _check_agents(agents)
    a = _check_real("load", load)
    b = 1.0
    for n in range(1, n_agents + 1):
        b = a * b / (n + a * b)
    return b


def erlang_c(agents: int, load: float) -> float:
    """Erlang C probability that an arrival waits (0..1).

    ``P(wait) = N·B / (N − A·(1 − B))`` for ``A < N``. With ``A ≥ N`` there is
    no steady state and everyone eventually waits: returns 1.0. With zero load
    nobody arrives, so nobody waits: returns 0.0.
    """
    n = _check_agents(agents)
    a = _check_real("load", load)
    if a == 0.0:
        return 0.0
    if a >= n:
        return 1.0
    b = erlang_b(n, a)
    return min(1.0, max(0.0, n * b / (n - a * (1.0 - b))))


@dataclass(frozen=True)
class QueueMetrics:
    """Steady-state Erlang C results for one staffing level.

    ``load`` is in Erlangs, ``asa_s`` in seconds, ``p_wait``, ``service_level``
    and ``occupancy`` are fractions in [0, 1]. Under overload
    (``steady_state=False``) ``asa_s`` and ``service_level`` are None and
    ``note`` says why; otherwise ``note`` is empty.
    """

    agents: int
    load: float
    p_wait: float
    asa_s: float | None
    service_level: float | None
    occupancy: float
    steady_state: bool
    note: str = ""


def _overload_note(load: float, agents: int, slots: int = 1, capacity: float | None = None) -> str:
    if slots == 1 and (capacity is None or capacity == agents):
        who = f"{agents} agents"
    else:
        who = f"capacity {round(capacity, 3):g} Erlangs ({agents} agents \u00d7 {slots} slots)"
    return f"offered load {round(load, 3)} Erlangs \u2265 {who}: no steady state, the queue grows without bound"


def erlang_c_metrics(
    agents: int, arrival_rate_per_s: float, aht_s: float, target_s: float
) -> QueueMetrics:
    """P(wait), ASA (s), service level within ``target_s`` seconds and occupancy.

    Zero arrivals give p_wait 0, ASA 0, SL 1 and occupancy 0. If the offered
    load is at least the number of agents (including 0 agents with load > 0)
    the result is an overload result with ``steady_state=False``; no exception.
    """
    n = _check_agents(agents)
    a = offered_load(arrival_rate_per_s, aht_s)
    aht = float(aht_s)
    target = _check_real("target_s", target_s)
    if a == 0.0:
        return QueueMetrics(n, 0.0, 0.0, 0.0, 1.0, 0.0, True)
    if a >= n:
        return QueueMetrics(n, a, 1.0, None, None, 1.0, False, _overload_note(a, n))
    c = erlang_c(n, a)
    sl = 1.0 - c * math.exp(-(n - a) * target / aht)
    asa = c * aht / (n - a)
    return QueueMetrics(n, a, c, asa, sl, a / n, True)


def scheduled_heads(agents: int, shrinkage: float) -> int:
    """Heads to schedule so that ``agents`` are on the floor: ``ceil(N / (1 − s))``.

    A tiny epsilon keeps float fuzz from adding a head (14 / 0.7 gives 20, not
    21). ``shrinkage`` must be in [0, 1).
    """
    n = _check_agents(agents)
    shrink = _check_real("shrinkage", shrinkage)
    if shrink >= 1.0:
        raise ValueError(f"shrinkage must be < 1, got {shrink}")
    return math.ceil(n / (1.0 - shrink) - _CEIL_EPS)


def smallest_agents_for_service_level(
    arrival_rate_per_s: float,
    aht_s: float,
    target_s: float,
    service_level: float,
    *,
    max_occupancy: float | None = None,
    shrinkage: float = 0.0,
) -> tuple[int, int]:
    """Smallest staffing meeting a service-level goal: ``(raw, scheduled)``.

    ``raw`` is the smallest N with ``A < N``, ``SL(target_s) ≥ service_level``
    and, if given, ``A / N ≤ max_occupancy`` (exact comparisons). ``scheduled``
    is ``ceil(raw / (1 − shrinkage))`` heads, with a tiny epsilon so that e.g.
    14 / 0.7 gives 20, not 21. ``service_level`` must be in [0, 1),
    ``max_occupancy`` in (0, 1] and ``shrinkage`` in [0, 1).
    See :func:`smallest_agents` for ASA, abandonment and concurrency targets.
    """
    a = offered_load(arrival_rate_per_s, aht_s)
    _check_real("target_s", target_s)
    goal = _check_real("service_level", service_level)
    if goal >= 1.0:
        raise ValueError(f"service_level must be < 1 (100% is unreachable), got {goal}")
    shrink = _check_real("shrinkage", shrinkage)
    if shrink >= 1.0:
        raise ValueError(f"shrinkage must be < 1, got {shrink}")
    if max_occupancy is not None:
        cap = _check_real("max_occupancy", max_occupancy, positive=True)
        if cap > 1.0:
            raise ValueError(f"max_occupancy must be <= 1, got {cap}")
    n = math.floor(a) + 1  # smallest integer with A < N
    while True:
        m = erlang_c_metrics(n, arrival_rate_per_s, aht_s, target_s)
        occupancy_ok = max_occupancy is None or m.occupancy <= max_occupancy
        if m.steady_state and m.service_level >= goal and occupancy_ok:
            break
        n += 1
    return n, scheduled_heads(n, shrink)

