"""The cheapest shift counts that cover a requirement, as an integer program.

Given agents required on the floor in each interval of a week and a list of
allowed shift patterns (each covers some intervals of the week: its start,
length, weekdays and breaks, see :func:`chansim.scenario.rosters.shift_cover`),
find how many agents to put on each pattern:

    minimise    Σ_j cost_j · x_j
    subject to  Σ_j cover_j[t] · x_j ≥ required[t]   for every interval t
                x_j ≥ 0, integer

where ``cost_j`` is what one agent on pattern ``j`` costs a week (paid hours
× cost per hour). Solved with :func:`scipy.optimize.milp` (HiGHS, branch and
bound), which proves the answer optimal. Pure: arrays in, a plan out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from chansim.errors import InputError, Problem

__all__ = ["ShiftPlan", "cheapest_shifts", "rounded_up_shifts", "MILP_TIME_LIMIT_S"]

#: Seconds the solver may take before it returns the best plan found so far.
MILP_TIME_LIMIT_S = 60.0


@dataclass(frozen=True)
class ShiftPlan:
    """Agents per shift pattern, what they cost, and the agents they put on the floor."""

    counts: dict[str, int]
    cost: float
    covered: np.ndarray
    #: The linear-programming bound: no integer plan costs less.
    lower_bound: float
    optimal: bool = True


def _matrix(required: np.ndarray, covers: Mapping[str, np.ndarray], costs: Mapping[str, float],
            labels: Sequence[str] | None) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    names = list(covers)
    if not names:
        raise InputError(Problem("shifts", "no shift patterns to choose from"))
    required = np.asarray(required, dtype=float)
    cover = np.stack([np.asarray(covers[n], dtype=float) for n in names], axis=1)
    if cover.shape[0] != required.size:
        raise ValueError("every cover must have one value per interval of the requirement")
    bare = (required > 0) & (cover.sum(axis=1) == 0)
    if bare.any():
        t = int(np.flatnonzero(bare)[0])
        where = labels[t] if labels is not None else f"interval {t}"
        raise InputError(Problem("shifts", f"no shift pattern covers {where}, where {required[t]:g} agents are "
                                           f"needed ({int(bare.sum())} such intervals); add a pattern that does"))
    cost = np.array([float(costs[n]) for n in names])
    return names, required, cover, cost


def _lp(required: np.ndarray, cover: np.ndarray, cost: np.ndarray) -> tuple[float, np.ndarray]:
    rows = required > 0
    if not rows.any():
        return 0.0, np.zeros(cost.size)
    out = linprog(cost, A_ub=-cover[rows], b_ub=-required[rows], bounds=[(0, None)] * cost.size, method="highs")
    if out.status != 0:
        raise RuntimeError(f"linear relaxation failed: {out.message}")
    return float(out.fun), np.asarray(out.x)


def cheapest_shifts(required: np.ndarray, covers: Mapping[str, np.ndarray], costs: Mapping[str, float], *,
                    labels: Sequence[str] | None = None, time_limit_s: float = MILP_TIME_LIMIT_S) -> ShiftPlan:
    """The cheapest whole numbers of agents per pattern covering ``required``.

    ``required``: agents needed in each interval; ``covers[name]``: 1 where
    one agent of that pattern is on the floor (same length); ``costs[name]``:
    the cost of one agent on it. ``labels`` name the intervals in messages.
    Raises :class:`InputError` when some needed interval no pattern covers."""
    names, req, cover, cost = _matrix(required, covers, costs, labels)
    bound, _ = _lp(req, cover, cost)
    rows = req > 0
    if not rows.any():
        counts = np.zeros(len(names))
        optimal = True
    else:
        out = milp(cost, constraints=LinearConstraint(cover[rows], lb=req[rows], ub=np.inf),
                   integrality=np.ones(len(names)), bounds=Bounds(0, np.inf),
                   options={"time_limit": float(time_limit_s)})
        if out.x is None:
            raise RuntimeError(f"shift plan: the solver found no plan ({out.message})")
        counts = np.round(out.x)
        optimal = out.status == 0
    counts = counts.astype(np.int64)
    return ShiftPlan(
        counts={n: int(c) for n, c in zip(names, counts)},
        cost=float(cost @ counts),
        covered=(cover @ counts).astype(np.int64),
        lower_bound=bound,
        optimal=optimal,
    )


def rounded_up_shifts(required: np.ndarray, covers: Mapping[str, np.ndarray],
                      costs: Mapping[str, float]) -> ShiftPlan:
    """The fractional (linear-programming) plan rounded up pattern by
    pattern: also a plan that covers ``required``, never cheaper than
    :func:`cheapest_shifts` (a yardstick for it)."""
    names, req, cover, cost = _matrix(required, covers, costs, None)
    bound, x = _lp(req, cover, cost)
    counts = np.array([math.ceil(v - 1e-9) for v in x], dtype=np.int64)
    return ShiftPlan({n: int(c) for n, c in zip(names, counts)}, float(cost @ counts),
                     (cover @ counts).astype(np.int64), bound, optimal=False)
