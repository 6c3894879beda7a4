"""The plan's weeks: their dates, demand level, shrinkage and AI level.

A week's demand level is a multiplier of the scenario's ``contacts_per_day``:
(1 + growth)^(years since the start) × the seasonality index of the week (the
calendar month of its first day, or its ISO week) × the events' factors
averaged over its seven days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from chansim.scenario.models import Scenario
from chansim.scenario.plan_checks import plan_start

__all__ = ["Weeks", "plan_weeks", "DAYS_PER_YEAR", "WEEKS_PER_MONTH"]

DAYS_PER_YEAR = 365.25
#: Weeks in an average month: attrition per month becomes per week with it.
WEEKS_PER_MONTH = 52.0 / 12.0
#: AI levels closer than this are one week-type.
AI_STEP = 0.05


@dataclass(frozen=True)
class Weeks:
    """Per week of the plan (arrays of length ``count``)."""

    starts: tuple[dt.date, ...]
    demand: np.ndarray  # multiplier of the scenario's contacts_per_day
    shrinkage: np.ndarray  # share of paid time off the floor (NaN: each pool's own)
    ai: np.ndarray  # multiplier of every intent's bot_resolvable (bucketed)
    months: np.ndarray  # calendar month key (year × 12 + month − 1) of each week's first day

    @property
    def count(self) -> int:
        return len(self.starts)


def _season(plan, day: dt.date) -> float:
    if plan.seasonality is None:
        return 1.0
    if len(plan.seasonality) == 12:
        return float(plan.seasonality[day.month - 1])
    week = min(day.isocalendar()[1], 52)
    return float(plan.seasonality[week - 1])


def _events(plan, day: dt.date) -> float:
    factors = []
    for d in range(7):
        today = day + dt.timedelta(days=d)
        f = 1.0
        for event in plan.events:
            if event.start <= today <= event.end:
                f *= event.factor
        factors.append(f)
    return float(np.mean(factors))


def plan_weeks(scenario: Scenario) -> Weeks:
    """The weeks of ``scenario.plan``."""
    plan = scenario.plan
    start = plan_start(scenario)
    starts = tuple(start + dt.timedelta(weeks=w) for w in range(plan.weeks))
    demand = np.array([(1.0 + plan.growth_per_year) ** ((day - start).days / DAYS_PER_YEAR)
                       * _season(plan, day) * _events(plan, day) for day in starts])
    shrinkage = np.array([plan.shrinkage[day.month - 1] if plan.shrinkage is not None else np.nan for day in starts])
    ramp = plan.ai_ramp or (1.0,)
    months = np.array([day.year * 12 + day.month - 1 for day in starts])
    index = np.minimum(months - months[0], len(ramp) - 1)
    ai = np.round(np.asarray(ramp, dtype=float)[index] / AI_STEP) * AI_STEP
    return Weeks(starts, demand, shrinkage.astype(float), ai, months)
