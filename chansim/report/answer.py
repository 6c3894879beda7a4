"""The director's question and its answer: which strategy is cheapest per
customer need while meeting the service targets, and what it gives up.

Pure functions over a :class:`~chansim.studies.experiment.RunResult`; nothing here
prints or draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from chansim.kpis.compare import paired_differences
from chansim.kpis.table import BY_KEY

__all__ = ["Answer", "Tradeoff", "answer", "cost_kpi", "SERVICE_GOAL", "TRADEOFF_KPIS"]

#: The service target a strategy must meet to be recommended: this share of
#: the contacts offered to agents answered within their channel's target time.
SERVICE_GOAL = 0.80
#: KPIs a cheaper strategy may give up, in the order they are told.
TRADEOFF_KPIS = ("service_level", "csat", "fcr_rate", "abandon_rate", "asa_s", "frt_s", "response_time_s",
                 "ttr_s", "containment_rate")


@dataclass(frozen=True)
class Tradeoff:
    """``kpi`` is significantly better under ``better_strategy`` than under the answer."""

    kpi: str
    better_strategy: str
    answer_value: float | None
    better_value: float | None
    diff: float
    ci95: float | None


@dataclass(frozen=True)
class Answer:
    """The recommended strategy (None when no strategy has a cost) and why."""

    strategy: str | None
    cost_kpi: str
    meets_goal: bool
    goal: float
    #: strategies meeting the service goal (service level not measured counts as not meeting it)
    meeting: tuple[str, ...]
    tradeoffs: tuple[Tradeoff, ...] = field(default_factory=tuple)


def _num(value: Any) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def cost_kpi(result: Any) -> str:
    """``cost_per_issue`` when the run measured it, else ``cost_per_contact``."""
    if any(_num(s.kpis.get("cost_per_issue")) is not None for s in result.strategies):
        return "cost_per_issue"
    return "cost_per_contact"


def answer(result: Any, goal: float = SERVICE_GOAL) -> Answer:
    """The cheapest strategy (on :func:`cost_kpi`) among those whose service
    level is at least ``goal``; when none meets it, the cheapest of all,
    flagged ``meets_goal=False``. Its trade-offs are the KPIs of
    :data:`TRADEOFF_KPIS` on which another strategy is significantly better
    (paired over the same customers), the largest gain per KPI."""
    key = cost_kpi(result)
    costs = {s.name: _num(s.kpis.get(key)) for s in result.strategies}
    priced = [n for n, c in costs.items() if c is not None]
    meeting = tuple(s.name for s in result.strategies
                    if (_num(s.kpis.get("service_level")) or 0.0) >= goal - 1e-12)
    pool = [n for n in priced if n in meeting]
    meets = bool(pool)
    if not pool:
        pool = priced
    if not pool:
        return Answer(None, key, False, goal, meeting)
    chosen = min(pool, key=lambda n: costs[n])  # min() keeps the first of equals
    return Answer(chosen, key, meets, goal, meeting, tuple(_tradeoffs(result, chosen)))


def _tradeoffs(result: Any, chosen: str) -> list[Tradeoff]:
    if len(result.strategies) < 2 or result.replication_kpis is None or not len(result.replication_kpis):
        return []
    diffs = paired_differences(result, baseline=chosen)
    mine = result.strategy(chosen).kpis
    out = []
    for key in TRADEOFF_KPIS:
        sign = BY_KEY[key].sign if key in BY_KEY else 0
        if not sign:
            continue
        rows = diffs[(diffs["kpi"] == key) & diffs["significant"].astype(bool)]
        rows = rows[rows["diff"].astype(float) * sign > 0]  # the other strategy is better on it
        if not len(rows):
            continue
        best = rows.loc[rows["diff"].abs().astype(float).idxmax()]
        other = result.strategy(str(best["strategy"])).kpis
        out.append(Tradeoff(key, str(best["strategy"]), _num(mine.get(key)), _num(other.get(key)),
                            float(best["diff"]), _num(best["ci95"])))
    return out
