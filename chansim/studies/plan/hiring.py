"""The hiring plan: class sizes and start weeks at the least cost, and the
cost of any plan.

Per pool, an integer program (``scipy.optimize.milp``, HiGHS): the size
``x_s`` of a class starting in week ``s`` (an integer, 0 or between the
class minimum and maximum; no class before the lead time), overtime ``o_w``
and shortfall ``u_w`` (FTE) in each week, minimising

    Σ_s x_s × (paid cost of one agent hired in s over the horizon)
    + Σ_w o_w × hours per FTE × rate × premium + Σ_w u_w × shortfall penalty

subject to productive FTE + o_w + u_w ≥ required FTE, o_w ≤ cap ×
productive FTE, and the hires of each calendar month within the recruiters'
cap. Attrition, training, nesting and the learning curve enter through the
projection (:mod:`chansim.studies.plan.workforce`), which is linear in the
class sizes.

:func:`cover` costs a given plan the same way: each week's gap is covered by
overtime up to its cap when overtime is cheaper than the penalty, the rest is
shortfall.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from chansim.errors import InputError, Problem
from chansim.studies.plan.workforce import Projection, Rules, project

__all__ = ["Terms", "Cover", "cheapest_hires", "cover"]

#: Seconds HiGHS may take per pool.
TIME_LIMIT_S = 10.0
#: The program stops when its plan costs at most this share more than the best possible (of the whole cost).
GAP = 1e-5


@dataclass(frozen=True)
class Terms:
    """What constrains and prices one pool's hiring."""

    lead_time_weeks: int
    class_min: int
    class_max: int
    monthly_cap: int | None
    months: np.ndarray  # calendar month key of each week
    overtime_cap: float
    overtime_premium: float
    penalty: float  # per FTE-week short

    def overtime_rate(self, rules: Rules) -> float:
        """Cost of one FTE-week of overtime."""
        return rules.hours_per_fte * rules.rate * self.overtime_premium


@dataclass(frozen=True)
class Cover:
    """How a projection covers the requirement, week by week, and its cost."""

    overtime: np.ndarray  # FTE
    shortfall: np.ndarray  # FTE
    overtime_cost: np.ndarray
    cost: np.ndarray  # paid + overtime (the penalty is not a cost paid)


def cover(rules: Rules, terms: Terms, projection: Projection, required: np.ndarray) -> Cover:
    """Overtime and shortfall of ``projection`` against ``required`` FTE."""
    gap = np.maximum(np.asarray(required, dtype=float) - projection.productive, 0.0)
    rate = terms.overtime_rate(rules)
    room = terms.overtime_cap * projection.productive if rate < terms.penalty else np.zeros_like(gap)
    overtime = np.minimum(gap, room)
    shortfall = gap - overtime
    overtime_cost = overtime * rate
    return Cover(overtime, shortfall, overtime_cost, projection.cost + overtime_cost)


def objective(rules: Rules, terms: Terms, projection: Projection, required: np.ndarray) -> float:
    """The program's objective for a plan: cost paid plus the shortfall's penalty."""
    c = cover(rules, terms, projection, required)
    return float(c.cost.sum() + terms.penalty * c.shortfall.sum())


def cheapest_hires(rules: Rules, terms: Terms, required: np.ndarray,
                   time_limit_s: float = TIME_LIMIT_S) -> tuple[np.ndarray, float]:
    """Hires per week (integers) of the cheapest plan for one pool, and the
    share of the whole cost by which a better plan could still be cheaper (0
    when proven optimal; the program stops after ``time_limit_s``)."""
    weeks = rules.weeks
    required = np.asarray(required, dtype=float)
    base = rules.base()
    starts = list(range(min(terms.lead_time_weeks, weeks), weeks))
    if not starts:
        return np.zeros(weeks), 0.0
    k, n = len(starts), len(starts)
    # variables: x (k), y (k), o (weeks), u (weeks)
    size = 2 * k + 2 * weeks
    profiles = [rules.profile(s) for s in starts]
    prod = np.array([p["productive"] for p in profiles]).T  # weeks × k
    paid = np.array([p["cost"].sum() for p in profiles])
    c = np.concatenate([paid, np.zeros(k), np.full(weeks, terms.overtime_rate(rules)), np.full(weeks, terms.penalty)])
    eye = np.eye(weeks)
    rows, lower, upper = [], [], []
    # cover: prod·x + o + u ≥ required − base
    rows.append(np.hstack([prod, np.zeros((weeks, k)), eye, eye]))
    lower.append(required - base["productive"])
    upper.append(np.full(weeks, np.inf))
    # overtime: o − cap·prod·x ≤ cap·base
    rows.append(np.hstack([-terms.overtime_cap * prod, np.zeros((weeks, k)), eye, np.zeros((weeks, weeks))]))
    lower.append(np.full(weeks, -np.inf))
    upper.append(terms.overtime_cap * base["productive"])
    # class: class_min·y ≤ x ≤ class_max·y
    ident = np.eye(k)
    rows.append(np.hstack([ident, -terms.class_max * ident, np.zeros((k, 2 * weeks))]))
    lower.append(np.full(k, -np.inf))
    upper.append(np.zeros(k))
    rows.append(np.hstack([ident, -terms.class_min * ident, np.zeros((k, 2 * weeks))]))
    lower.append(np.zeros(k))
    upper.append(np.full(k, np.inf))
    if terms.monthly_cap is not None:
        months = terms.months[starts]
        for m in np.unique(months):
            row = np.zeros(size)
            row[:n][months == m] = 1.0
            rows.append(row[None, :])
            lower.append(np.array([-np.inf]))
            upper.append(np.array([float(terms.monthly_cap)]))
    integrality = np.concatenate([np.ones(2 * k), np.zeros(2 * weeks)])
    bounds = Bounds(np.zeros(size), np.concatenate([np.full(k, terms.class_max), np.ones(k),
                                                    np.full(2 * weeks, np.inf)]))
    # the cost of the agents already there, as a variable fixed at 1: the gap is then relative to the whole cost
    constant = float(base["cost"].sum())
    c = np.append(c, constant)
    matrix = np.hstack([np.vstack(rows), np.zeros((sum(len(r) for r in rows), 1))])
    constraint = LinearConstraint(matrix, np.concatenate(lower), np.concatenate(upper))
    integrality = np.append(integrality, 0)
    bounds = Bounds(np.append(bounds.lb, 1.0), np.append(bounds.ub, 1.0))
    result = milp(c, constraints=constraint, integrality=integrality, bounds=bounds,
                  options={"time_limit": time_limit_s, "mip_rel_gap": GAP})
    if result.x is None:
        raise InputError(Problem(f"plan.pools.{rules.name}.hiring", f"no hiring plan found: {result.message}"))
    hires = np.zeros(weeks)
    hires[starts] = np.round(result.x[:k])
    gap = 0.0 if result.status == 0 else float(result.mip_gap or 0.0)
    return hires, gap


def evaluate(rules: Rules, terms: Terms, hires: np.ndarray, required: np.ndarray) -> tuple[Projection, Cover]:
    """The projection of ``hires`` and how it covers ``required``."""
    projection = project(rules, hires)
    return projection, cover(rules, terms, projection, required)
