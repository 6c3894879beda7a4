"""The plan's risk: the hiring plan run over paths where demand and attrition
are off their forecast.

Each path draws a demand factor 1 + N(0, ``uncertainty.demand``) for the
whole horizon and an attrition factor U(1 − ``uncertainty.attrition``, 1 +
``uncertainty.attrition``) (seeded by ``uncertainty.seed``). On a path the
requirement is the simulated one at the path's demand (interpolated, see
:mod:`chansim.studies.plan.requirements`) and the workforce is projected
with the path's attrition; a week is *below target* on a path when
productive FTE plus the overtime allowed fall short of the requirement. The
risk of a week is the share of paths below target there; the expected cost
is the mean over paths of what is paid (agents and the overtime used).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from chansim.studies.plan.hiring import Terms, cover
from chansim.studies.plan.workforce import Rules, project

__all__ = ["Risk", "plan_risk"]

#: FTE of shortfall under which a week counts as met (rounding of the interpolation).
TOLERANCE_FTE = 1e-6


@dataclass(frozen=True)
class Risk:
    """Per pool, the share of paths below target each week, and the expected cost over the paths."""

    below: dict[str, np.ndarray]
    expected_cost: dict[str, np.ndarray]  # per week, mean over paths
    paths: int


def plan_risk(rules: Mapping[str, Rules], terms: Mapping[str, Terms], hires: Mapping[str, np.ndarray],
              required_at: Callable[[str, float], np.ndarray], uncertainty) -> Risk:
    """The risk of ``hires`` (see the module docstring). ``required_at(pool,
    factor)`` is the required FTE per week with demand × ``factor``."""
    rng = np.random.default_rng(uncertainty.seed)
    n = uncertainty.paths
    demand = np.maximum(1.0 + rng.normal(0.0, uncertainty.demand, n), 0.0)
    attrition = rng.uniform(1.0 - uncertainty.attrition, 1.0 + uncertainty.attrition, n)
    below, cost = {}, {}
    for name, r in rules.items():
        count = np.zeros(r.weeks)
        paid = np.zeros(r.weeks)
        for d, a in zip(demand, attrition):
            projection = project(r, hires[name], attrition_scale=float(a))
            c = cover(r, terms[name], projection, required_at(name, float(d)))
            count += c.shortfall > TOLERANCE_FTE
            paid += c.cost
        below[name] = count / n
        cost[name] = paid / n
    return Risk(below, cost, n)
