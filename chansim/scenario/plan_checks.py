"""Cross-field rules of the ``plan:`` section (:mod:`chansim.scenario.models.plan`).

Pools that exist, tenure bands in order, classes within the monthly cap,
seasonality and shrinkage of the right length, an AI ramp with a bot to act
on, and a user's hiring plan inside the horizon.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from chansim.errors import Problem

if TYPE_CHECKING:  # pragma: no cover
    from chansim.scenario.models import Scenario

__all__ = ["plan_problems", "plan_start"]

#: Lengths a seasonality may have: by calendar month, by ISO week.
SEASONALITY_LENGTHS = (12, 52)


def plan_start(s: "Scenario") -> dt.date:
    """The first day of the plan: its ``start``, else the scenario's ``start_date``."""
    return s.plan.start if s.plan is not None and s.plan.start is not None else s.start_date


def _bands(path: str, bands) -> list[Problem]:
    problems = []
    previous = 0
    for i, band in enumerate(bands):
        if band.up_to_weeks is None:
            if i != len(bands) - 1:
                problems.append(Problem(f"{path}[{i}].up_to_weeks", "only the last band may be open-ended"))
            continue
        if band.up_to_weeks <= previous:
            problems.append(Problem(f"{path}[{i}].up_to_weeks",
                                    f"bands must go up in tenure (got {band.up_to_weeks} after {previous})"))
        previous = band.up_to_weeks
    if bands and bands[-1].up_to_weeks is not None:
        problems.append(Problem(f"{path}[{len(bands) - 1}]", "the last band must be open-ended (no up_to_weeks)"))
    return problems


def plan_problems(s: "Scenario") -> list[Problem]:
    """Every cross-field problem of ``s.plan`` (none without a plan)."""
    plan = s.plan
    if plan is None:
        return []
    problems: list[Problem] = []
    pools = {p.name for p in s.agents.pools}
    for name, spec in plan.pools.items():
        where = f"plan.pools.{name}"
        if name not in pools:
            problems.append(Problem(where, f"no pool named {name!r} under agents.pools (have: {', '.join(sorted(pools))})"))
        hiring = spec.hiring
        if hiring.class_min > hiring.class_max:
            problems.append(Problem(f"{where}.hiring.class_min",
                                    f"larger than class_max ({hiring.class_min} > {hiring.class_max})"))
        if hiring.max_hires_per_month is not None and hiring.class_min > hiring.max_hires_per_month:
            problems.append(Problem(f"{where}.hiring.class_min", f"larger than max_hires_per_month "
                                    f"({hiring.class_min} > {hiring.max_hires_per_month}): no class could run"))
        if spec.cost_per_hour is not None:
            problems += _bands(f"{where}.cost_per_hour", spec.cost_per_hour)
    problems += _bands("plan.attrition", plan.attrition)
    if plan.seasonality is not None and len(plan.seasonality) not in SEASONALITY_LENGTHS:
        problems.append(Problem("plan.seasonality", f"give 12 values (by calendar month) or 52 (by ISO week); "
                                                    f"got {len(plan.seasonality)}"))
    if plan.shrinkage is not None and len(plan.shrinkage) != 12:
        problems.append(Problem("plan.shrinkage", f"give 12 values, January first; got {len(plan.shrinkage)}"))
    for i, event in enumerate(plan.events):
        if event.end < event.start:
            problems.append(Problem(f"plan.events[{i}].end", f"before its start ({event.end} < {event.start})"))
    if any(v != 1 for v in plan.ai_ramp) and s.active_bot is None and not any(st.bot for st in s.strategies):
        problems.append(Problem("plan.ai_ramp", "the scenario has no bot: an AI ramp has nothing to act on"))
    start = plan_start(s)
    end = start + dt.timedelta(weeks=plan.weeks)
    for i, planned in enumerate(plan.hiring_plan or ()):
        where = f"plan.hiring_plan[{i}]"
        if planned.pool not in plan.pools:
            problems.append(Problem(f"{where}.pool", f"{planned.pool!r} is not one of plan.pools "
                                                     f"({', '.join(plan.pools)})"))
        else:
            hiring = plan.pools[planned.pool].hiring
            if planned.size > hiring.class_max:
                problems.append(Problem(f"{where}.size", f"larger than the pool's class_max ({planned.size} > "
                                                         f"{hiring.class_max})"))
        if planned.start < start:
            problems.append(Problem(f"{where}.start", f"before the plan starts ({planned.start} < {start})"))
        elif planned.start >= end:
            problems.append(Problem(f"{where}.start", f"after the plan ends ({planned.start} ≥ {end})"))
    return problems
