"""``chansim plan``: the weeks ahead — required FTE from the simulator, the
cheapest hiring plan (or the user's own, evaluated), its cost and its risk.

:func:`plan_hiring` returns a :class:`PlanResult`; it writes nothing (the
report writes the files).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np
import pandas as pd

from chansim.errors import InputError, Problem
from chansim.scenario.loader import load_scenario
from chansim.scenario.models import Scenario
from chansim.scenario.plan_checks import plan_start
from chansim.studies.plan.calendar import Weeks, plan_weeks
from chansim.studies.plan.hiring import Terms, cheapest_hires, cover
from chansim.studies.plan.requirements import Requirement, plan_targets, simulate_requirements
from chansim.studies.plan.risk import plan_risk
from chansim.studies.plan.workforce import pool_rules, project

__all__ = ["PlanResult", "plan_hiring", "run_plan", "RISK_LEVEL", "WEEKLY_COLUMNS"]

#: A week is at risk when at least this share of the paths falls below target there (or the plan itself does).
RISK_LEVEL = 0.2

#: Columns of the weekly table and their units.
WEEKLY_COLUMNS = {
    "week": "", "week_start": "date", "pool": "", "simulated": "", "demand_index": "× scenario",
    "required_fte": "FTE", "productive_fte": "FTE", "headcount": "heads", "gap_fte": "FTE",
    "hires_starting": "heads", "in_training": "heads", "in_nesting": "heads", "leavers": "heads",
    "overtime_fte": "FTE", "shortfall_fte": "FTE", "labor_cost": "currency", "overtime_cost": "currency",
    "cost": "currency", "risk": "share of paths", "expected_cost": "currency",
}


@dataclass
class PlanResult:
    """What :func:`plan_hiring` returns."""

    weekly: pd.DataFrame  # one row per week and pool (:data:`WEEKLY_COLUMNS`)
    currency: str
    start: dt.date
    targets: list[str]
    simulated_weeks: list[int]  # 0-based weeks whose requirement was simulated
    evaluations: int
    user_plan: bool
    gaps: dict[str, float]  # per pool: how far the program's plan may be from the cheapest (share of cost)
    paths: int
    notes: list[str] = field(default_factory=list)

    @property
    def monthly(self) -> pd.DataFrame:
        return _totals(self.weekly, self.weekly["week_start"].map(lambda d: f"{d.year}-{d.month:02d}"), "month")

    @property
    def yearly(self) -> pd.DataFrame:
        return _totals(self.weekly, self.weekly["week_start"].map(lambda d: str(d.year)), "year")

    @property
    def weeks_at_risk(self) -> pd.DataFrame:
        w = self.weekly
        return w[(w["risk"] >= RISK_LEVEL) | (w["shortfall_fte"] > 1e-6)]

    def summary(self) -> dict[str, dict[str, float]]:
        """Per pool: hires, leavers, cost, expected cost, weeks at risk, the FTE at the start and the end."""
        out = {}
        risky = self.weeks_at_risk
        for pool, rows in self.weekly.groupby("pool", sort=False):
            out[str(pool)] = {
                "hires": float(rows["hires_starting"].sum()), "leavers": float(rows["leavers"].sum()),
                "cost": float(rows["cost"].sum()), "expected_cost": float(rows["expected_cost"].sum()),
                "weeks_at_risk": int((risky["pool"] == pool).sum()),
                "headcount_start": float(rows["headcount"].iloc[0]), "headcount_end": float(rows["headcount"].iloc[-1]),
            }
        return out

    def to_dict(self) -> dict:
        return {"start": self.start.isoformat(), "currency": self.currency, "targets": self.targets,
                "simulated_weeks": [w + 1 for w in self.simulated_weeks], "evaluations": self.evaluations,
                "user_plan": self.user_plan, "optimality_gap": self.gaps, "paths": self.paths, "notes": self.notes,
                "summary": self.summary()}


_SUMS = ("hires_starting", "leavers", "labor_cost", "overtime_cost", "cost", "expected_cost", "shortfall_fte",
         "overtime_fte")
_MEANS = ("required_fte", "productive_fte", "headcount", "gap_fte")


def _totals(weekly: pd.DataFrame, period: pd.Series, name: str) -> pd.DataFrame:
    frame = weekly.assign(**{name: period.to_numpy()})
    grouped = frame.groupby([name, "pool"], sort=True)
    out = grouped[list(_SUMS)].sum()
    out = out.join(grouped[list(_MEANS)].mean().add_prefix("mean_")).join(grouped["risk"].max().rename("max_risk"))
    out = out.join(grouped["week"].count().rename("weeks"))
    return out.reset_index()


def _terms(scenario: Scenario, name: str, weeks: Weeks) -> Terms:
    plan = scenario.plan
    hiring = plan.pools[name].hiring
    return Terms(hiring.lead_time_weeks, hiring.class_min, hiring.class_max, hiring.max_hires_per_month,
                 weeks.months, plan.overtime.cap, plan.overtime.premium, plan.shortfall_penalty)


def _user_hires(scenario: Scenario, name: str) -> np.ndarray:
    plan = scenario.plan
    hires = np.zeros(plan.weeks)
    start = plan_start(scenario)
    for planned in plan.hiring_plan or ():
        if planned.pool == name:
            hires[(planned.start - start).days // 7] += planned.size
    return hires


def plan_hiring(scenario: Scenario, *, required: Mapping[str, np.ndarray] | None = None, replications: int | None = None,
                per_interval: bool = False, workers: int | None = None, time_limit_s: float = 10.0,
                progress: Callable[[str], None] | None = None) -> PlanResult:
    """The plan of ``scenario.plan``: each week's requirement (simulated per
    week-type, or ``required[pool]`` FTE per week when given), the cheapest
    hiring plan (or ``plan.hiring_plan`` evaluated), its cost and its risk.
    ``replications`` per staffing evaluation: default the scenario's, at least 2."""
    plan = scenario.plan
    if plan is None:
        raise InputError(Problem("plan", "the scenario has no plan: section; see docs/howto/plan-next-years-hiring.md"))
    if plan.strategy is not None and plan.strategy not in scenario.strategy_names:
        raise InputError(Problem("plan.strategy", f"no strategy named {plan.strategy!r} "
                                                  f"(have: {', '.join(scenario.strategy_names)})"))
    weeks = plan_weeks(scenario)
    names = list(plan.pools)
    rules = {n: pool_rules(scenario, n) for n in names}
    terms = {n: _terms(scenario, n, weeks) for n in names}
    simulated: Requirement | None = None
    if required is None:
        reps = replications if replications is not None else max(2, scenario.replications)
        simulated = simulate_requirements(scenario, weeks, replications=reps, per_interval=per_interval,
                                          workers=workers, progress=progress)

    def required_at(name: str, factor: float = 1.0) -> np.ndarray:
        if simulated is None:
            return np.asarray(required[name], dtype=float) * factor
        pool = scenario.pool(name)
        own = pool.shrinkage if pool.shrinkage is not None else scenario.agents.shrinkage
        shrinkage = np.where(np.isnan(weeks.shrinkage), own, weeks.shrinkage)
        hours = simulated.floor_hours(name, weeks.demand * factor, weeks.ai)
        return hours / (rules[name].hours_per_fte * (1.0 - shrinkage))

    hires, gaps = {}, {}
    for n in names:
        if plan.hiring_plan is not None:
            hires[n], gaps[n] = _user_hires(scenario, n), 0.0
        else:
            if progress is not None:
                progress(f"hiring plan of pool {n}")
            hires[n], gaps[n] = cheapest_hires(rules[n], terms[n], required_at(n), time_limit_s)
    if progress is not None:
        progress(f"risk over {plan.uncertainty.paths} paths")
    risk = plan_risk(rules, terms, hires, required_at, plan.uncertainty)
    frames = []
    simulated_weeks = simulated.simulated_weeks if simulated is not None else []
    for n in names:
        need = required_at(n)
        p = project(rules[n], hires[n])
        c = cover(rules[n], terms[n], p, need)
        frames.append(pd.DataFrame({
            "week": np.arange(1, plan.weeks + 1), "week_start": list(weeks.starts), "pool": n,
            "simulated": np.isin(np.arange(plan.weeks), simulated_weeks), "demand_index": weeks.demand,
            "required_fte": need, "productive_fte": p.productive, "headcount": p.heads,
            "gap_fte": p.productive - need, "hires_starting": p.hires, "in_training": p.training,
            "in_nesting": p.nesting, "leavers": p.leavers, "overtime_fte": c.overtime, "shortfall_fte": c.shortfall,
            "labor_cost": p.cost, "overtime_cost": c.overtime_cost, "cost": c.cost, "risk": risk.below[n],
            "expected_cost": risk.expected_cost[n]}))
    notes = []
    if simulated is not None:
        notes.append(f"{len(simulated.types)} week-type{'s' if len(simulated.types) != 1 else ''} simulated (weeks "
                     f"{', '.join(str(w + 1) for w in simulated_weeks)}); the others interpolated")
    else:
        notes.append("requirements given, not simulated")
    return PlanResult(pd.concat(frames, ignore_index=True), scenario.currency, weeks.starts[0],
                      [str(t) for t in plan_targets(scenario)] if simulated is not None else [],
                      simulated_weeks, simulated.evaluations if simulated is not None else 0,
                      plan.hiring_plan is not None, gaps, risk.paths, notes)


def run_plan(scenario, overrides=(), **options) -> PlanResult:
    """``chansim.plan(...)``: :func:`plan_hiring` of a scenario file, dict or
    :class:`~chansim.scenario.models.Scenario` with ``overrides``
    (``{"plan.weeks": 26}`` or ``["plan.weeks=26"]``) applied; ``options``
    are those of :func:`plan_hiring` (``replications``, ``per_interval``,
    ``workers``, ``required``, ``progress``)."""
    return plan_hiring(load_scenario(scenario, overrides), **options)
