"""The workforce week by week: cohorts by tenure, attrition, training,
nesting and the learning curve, deterministic.

An agent hired in week ``s`` has tenure ``w − s`` weeks in week ``w``. Each
week a share 1 − (1 − a)^(12/52) of a cohort leaves at its end, ``a`` being
its tenure band's attrition per month (so exactly ``a`` of it leaves in a
month). An agent's productivity at tenure ``t`` is 0 in training, the
nesting productivity while nesting, else 1, divided by the learning curve's
handle-time multiplier at ``t`` (shortened under agent assist that helps new
agents more: :func:`assisted_curve`). Productive FTE = heads × productivity. Every
head is paid ``agents.hours_per_fte`` hours a week at its tenure's rate.

Everything is linear in the hires: the projection of a plan is the projection
of the agents already there plus each class's size × the projection of one
agent hired that week (:meth:`Rules.profile`), which is what the hiring
program (:mod:`chansim.studies.plan.hiring`) optimises over.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chansim.scenario.models import Scenario
from chansim.studies.plan.calendar import WEEKS_PER_MONTH

__all__ = ["Rules", "Projection", "pool_rules", "project", "assisted_curve"]

_FIELDS = ("heads", "productive", "training", "nesting", "leavers", "cost")


def _banded(bands, tenure: np.ndarray, value: str, default: float) -> np.ndarray:
    out = np.full(tenure.shape, float(default))
    for band in reversed(bands):  # later bands first, earlier ones overwrite
        limit = np.inf if band.up_to_weeks is None else band.up_to_weeks
        out = np.where(tenure < limit, float(getattr(band, value)), out)
    return out


@dataclass(frozen=True)
class Rules:
    """One pool's rules of the projection."""

    name: str
    weeks: int
    hours_per_fte: float
    training_weeks: int
    nesting_weeks: int
    nesting_productivity: float
    learning_curve: tuple[float, ...]
    attrition: tuple  # of AttritionBand
    rates: tuple  # of RateBand
    rate: float  # cost per hour where no band applies, and of overtime (× premium)
    cohorts: tuple[tuple[int, int], ...]  # (headcount, tenure weeks at the start)

    def retention(self, tenure: np.ndarray, attrition_scale: float = 1.0) -> np.ndarray:
        """Share of a cohort still there at the end of a week, by tenure."""
        monthly = np.clip(_banded(self.attrition, tenure, "per_month", 0.0) * attrition_scale, 0.0, 1.0)
        return (1.0 - monthly) ** (1.0 / WEEKS_PER_MONTH)

    def productivity(self, tenure: np.ndarray) -> np.ndarray:
        """Productive FTE of one agent by tenure."""
        trained = self.training_weeks
        nested = trained + self.nesting_weeks
        base = np.where(tenure < trained, 0.0, np.where(tenure < nested, self.nesting_productivity, 1.0))
        curve = np.asarray(self.learning_curve + (1.0,), dtype=float)
        return base / curve[np.minimum(tenure, len(curve) - 1)]

    def hourly(self, tenure: np.ndarray) -> np.ndarray:
        return _banded(self.rates, tenure, "per_hour", self.rate)

    def cohort(self, tenure0: int, first_week: int, attrition_scale: float = 1.0) -> dict[str, np.ndarray]:
        """One agent of tenure ``tenure0`` in week ``first_week``, week by week
        (zero before it): heads, productive FTE, in training, in nesting,
        leavers and paid cost."""
        out = {key: np.zeros(self.weeks) for key in _FIELDS}
        if first_week >= self.weeks:
            return out
        tenure = tenure0 + np.arange(self.weeks - first_week)
        kept = self.retention(tenure, attrition_scale)
        heads = np.concatenate([[1.0], np.cumprod(kept)[:-1]])
        span = slice(first_week, self.weeks)
        out["heads"][span] = heads
        out["productive"][span] = heads * self.productivity(tenure)
        out["training"][span] = heads * (tenure < self.training_weeks)
        out["nesting"][span] = heads * ((tenure >= self.training_weeks)
                                        & (tenure < self.training_weeks + self.nesting_weeks))
        out["leavers"][span] = heads * (1.0 - kept)
        out["cost"][span] = heads * self.hours_per_fte * self.hourly(tenure)
        return out

    def profile(self, week: int, attrition_scale: float = 1.0) -> dict[str, np.ndarray]:
        """One agent hired in ``week`` (tenure 0 then)."""
        return self.cohort(0, week, attrition_scale)

    def base(self, attrition_scale: float = 1.0) -> dict[str, np.ndarray]:
        """The agents on the payroll at the start."""
        out = {key: np.zeros(self.weeks) for key in _FIELDS}
        for heads, tenure in self.cohorts:
            one = self.cohort(tenure, 0, attrition_scale)
            for key in _FIELDS:
                out[key] += heads * one[key]
        return out


def assisted_curve(scenario: Scenario) -> tuple[float, ...]:
    """The plan's learning curve under its strategy's agent assist: each
    week's extra handle time (multiplier − 1) cut by
    ``plan.assist_learning_cut`` where the strategy's bot has agent assist."""
    plan = scenario.plan
    name = plan.strategy or scenario.strategy_names[0]
    bot = next((s.bot for s in scenario.strategies if s.name == name), None)
    cut = plan.assist_learning_cut if bot is not None and (bot.assist_reduction or bot.assist_card) else 0.0
    return tuple(1.0 + (m - 1.0) * (1.0 - cut) if cut else m for m in plan.learning_curve)


def pool_rules(scenario: Scenario, name: str) -> Rules:
    """The projection rules of pool ``name`` under ``scenario.plan``."""
    plan = scenario.plan
    spec = plan.pools[name]
    hiring = spec.hiring
    pool_rate = next((p.cost_per_hour for p in scenario.agents.pools if p.name == name), 0.0)
    rates = tuple(spec.cost_per_hour or ())
    return Rules(name=name, weeks=plan.weeks, hours_per_fte=float(scenario.agents.hours_per_fte),
                 training_weeks=hiring.training_weeks, nesting_weeks=hiring.nesting_weeks,
                 nesting_productivity=hiring.nesting_productivity, learning_curve=assisted_curve(scenario),
                 attrition=tuple(plan.attrition), rates=rates,
                 rate=float(rates[-1].per_hour) if rates else float(pool_rate),
                 cohorts=tuple((c.headcount, c.tenure_weeks) for c in spec.workforce))


@dataclass(frozen=True)
class Projection:
    """A pool's workforce week by week under a hiring plan."""

    hires: np.ndarray  # agents starting each week
    heads: np.ndarray
    productive: np.ndarray
    training: np.ndarray
    nesting: np.ndarray
    leavers: np.ndarray
    cost: np.ndarray  # paid hours × rate, before overtime


def project(rules: Rules, hires: np.ndarray, attrition_scale: float = 1.0) -> Projection:
    """The workforce of ``rules``'s pool with ``hires[w]`` agents starting in week ``w``."""
    hires = np.asarray(hires, dtype=float)
    total = rules.base(attrition_scale)
    for week in np.flatnonzero(hires):
        one = rules.profile(int(week), attrition_scale)
        for key in _FIELDS:
            total[key] = total[key] + hires[week] * one[key]
    return Projection(hires, **total)
