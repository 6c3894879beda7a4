"""Required FTE per pool and week, from the simulator.

The weeks of a plan differ by their demand level and their AI level. Weeks
are grouped by AI level; in each group a few demand levels are simulated
(the lowest, the highest and evenly spread quantiles between, about
``plan.week_types`` in all, at least two per AI level unless its demand
hardly varies), each as the real week holding that level: the
scenario with its ``contacts_per_day`` × the level, every intent's
``bot_resolvable`` × the AI level (at most 1) and its ``start_date`` at that
week's first day. For each, the staffing search
(:func:`~chansim.studies.staffing.find_staffing`, Erlang C its first guess)
finds the smallest roster per pool meeting the plan's targets; its staffed
hours per week are the requirement on the floor. The other weeks are
interpolated linearly in demand level between the simulated ones of their
AI group (and extrapolated along the end slopes, for the demand paths of
:mod:`chansim.studies.plan.risk`). Required FTE = hours on the floor ÷
(hours per FTE × (1 − the week's shrinkage)).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from chansim.errors import InputError, Problem
from chansim.kpis.decision import requirements as decision_requirements
from chansim.kpis.goals import Target, parse_target
from chansim.kpis.labor import HOURS_PER_WEEK
from chansim.scenario.models import Scenario
from chansim.studies.plan.calendar import Weeks
from chansim.studies.staffing import find_staffing
from chansim.studies.staffing.goal_checks import goal_problem

#: A group of weeks whose highest demand is within this share of its lowest is one week-type.
NARROW = 0.05

__all__ = ["WeekType", "Requirement", "week_types", "plan_targets", "simulate_requirements"]


@dataclass(frozen=True)
class WeekType:
    """A simulated week: its demand and AI level and the week it stands for."""

    week: int
    demand: float
    ai: float


@dataclass(frozen=True)
class Requirement:
    """Hours on the floor per week each pool needs, by week-type, and the interpolation between them."""

    types: tuple[WeekType, ...]
    hours: dict[str, tuple[float, ...]]  # pool → floor hours per week, one per week-type
    evaluations: int

    def floor_hours(self, pool: str, demand: np.ndarray, ai: np.ndarray) -> np.ndarray:
        """Hours on the floor per week ``pool`` needs at these demand and AI levels."""
        demand = np.asarray(demand, dtype=float)
        out = np.zeros(demand.shape)
        levels = np.array([t.ai for t in self.types])
        for level in np.unique(levels):
            mine = np.isclose(ai, level)
            if not mine.any():
                continue
            picks = [i for i, t in enumerate(self.types) if np.isclose(t.ai, level)]
            x = np.array([self.types[i].demand for i in picks])
            y = np.array([self.hours[pool][i] for i in picks])
            out[mine] = _interpolate(demand[mine], x, y)
        return out

    @property
    def simulated_weeks(self) -> list[int]:
        return sorted(t.week for t in self.types)


def _interpolate(at: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    order = np.argsort(x)
    x, y = x[order], y[order]
    if len(x) == 1:
        return y[0] * at / x[0]
    inside = np.interp(at, x, y)
    low = y[0] + (at - x[0]) * (y[1] - y[0]) / (x[1] - x[0])
    high = y[-1] + (at - x[-1]) * (y[-1] - y[-2]) / (x[-1] - x[-2])
    return np.maximum(np.where(at < x[0], low, np.where(at > x[-1], high, inside)), 0.0)


def week_types(weeks: Weeks, budget: int) -> tuple[WeekType, ...]:
    """The weeks to simulate: per AI level, evenly spread demand quantiles
    (lowest and highest included), or only the median week when the level's
    demand spans less than :data:`NARROW` (scaled in proportion then)."""
    levels = np.unique(weeks.ai)
    per_level = max(2, budget // len(levels))
    types = []
    for level in levels:
        members = np.flatnonzero(np.isclose(weeks.ai, level))
        demand = weeks.demand[members]
        chosen: list[int] = []
        narrow = demand.max() <= demand.min() * (1.0 + NARROW)
        for q in ([0.5] if narrow else np.linspace(0.0, 1.0, per_level)):
            target = np.quantile(demand, q)
            pick = int(members[np.argmin(np.abs(demand - target))])
            if not any(np.isclose(weeks.demand[pick], weeks.demand[c]) for c in chosen):
                chosen.append(pick)
        types += [WeekType(w, float(weeks.demand[w]), float(level)) for w in sorted(chosen)]
    return tuple(types)


def plan_targets(scenario: Scenario) -> list[Target]:
    """The targets each week must meet: ``plan.require``, else the decision's requirements."""
    plan = scenario.plan
    if plan.require is None:
        return decision_requirements(scenario.decision, scenario)[0]
    targets, problems = [], []
    for i, text in enumerate(plan.require):
        where = f"plan.require[{i}]"
        try:
            target = parse_target(text, where)
        except InputError as exc:
            problems += [Problem(p.path or where, p.message, p.line) for p in exc.problems]
            continue
        why = goal_problem(target, scenario)
        if why is not None:
            problems.append(Problem(where, why))
        targets.append(target)
    if problems:
        raise InputError(problems)
    return targets


def week_scenario(scenario: Scenario, weeks: Weeks, kind: WeekType) -> Scenario:
    """The scenario as it stands in the week of ``kind``."""
    overrides = {"demand.contacts_per_day": scenario.demand.contacts_per_day * kind.demand,
                 "start_date": weeks.starts[kind.week].isoformat(), "plan": None}
    if kind.ai != 1.0:
        for i, intent in enumerate(scenario.demand.intents):
            overrides[f"demand.intents[{i}].bot_resolvable"] = min(1.0, intent.bot_resolvable * kind.ai)
    return scenario.with_overrides(overrides)


def simulate_requirements(scenario: Scenario, weeks: Weeks, *, replications: int = 2, per_interval: bool = False,
                          workers: int | None = None, progress: Callable[[str], None] | None = None) -> Requirement:
    """Simulate each week-type's staffing (see the module docstring)."""
    plan = scenario.plan
    pools = list(plan.pools)
    targets = plan_targets(scenario)
    types = week_types(weeks, plan.week_types)
    hours: dict[str, list[float]] = {p: [] for p in pools}
    evaluations = 0
    for number, kind in enumerate(types, 1):
        if progress is not None:
            progress(f"week-type {number} of {len(types)}: week {kind.week + 1} ({weeks.starts[kind.week]}), "
                     f"demand × {kind.demand:.3f}, AI × {kind.ai:g}")
        week = week_scenario(scenario, weeks, kind)
        try:
            result = find_staffing(week, pools, targets, strategy=plan.strategy, per_interval=per_interval,
                                   replications=replications, workers=workers)
        except InputError as exc:
            where = f"week {kind.week + 1} ({weeks.starts[kind.week]}, demand × {kind.demand:.3f}, AI × {kind.ai:g})"
            raise InputError([Problem("plan.require" if p.path == "--target" else p.path, f"{where}: {p.message}")
                              for p in exc.problems]) from None
        evaluations += result.evaluations
        measured_weeks = (week.horizon_s - week.warmup_s) / 3600.0 / HOURS_PER_WEEK
        for p in pools:
            staffed = result.pools[p].labor.get("staffed_hours") or 0.0
            hours[p].append(float(staffed) / measured_weeks)
    return Requirement(types, {p: tuple(v) for p, v in hours.items()}, evaluations)
