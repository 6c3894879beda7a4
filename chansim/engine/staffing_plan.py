"""How many agents of a pool are on shift in each interval of the run.

:func:`staffing_plan` is the one place the engine learns a pool's staffing:
``(interval_s, agents)`` where ``agents[k]`` is on shift from ``k ×
interval_s`` after the start of the run (the first warm-up day, if any); the
plan repeats after its last value (a week's roster repeats every week, a
one-value plan is a fixed headcount). Lowering the count in an interval (a
break, a shift's end) lets agents finish the contact in hand first. The
roster itself (headcount, a schedule per day or weekday at 15, 30 or 60
minutes, or shifts with breaks, and the schedule's dated lists on their
dates) is expanded by :func:`chansim.scenario.rosters.roster_plan`.

On a date every channel of the pool is closed (``hours.closed``) no one of
the pool is scheduled, unless the pool is ``paid_on_closed_dates``.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from chansim.scenario.hours import weekly_hours
from chansim.scenario.models import Scenario
from chansim.scenario.rosters import DRAIN_S, roster_plan

__all__ = ["staffing_plan", "closed_dates"]


def closed_dates(scenario: Scenario, pool_index: int) -> frozenset[dt.date]:
    """The dates on which every channel of pool ``pool_index`` is closed all day."""
    pool = scenario.agents.pools[pool_index]
    common: frozenset[dt.date] | None = None
    for name in pool.channels:
        spec = scenario.channels.get(name)
        if spec is None or spec.hours is None:
            return frozenset()
        closed = weekly_hours(spec.hours).closed
        common = closed if common is None else common & closed
    return common or frozenset()


def staffing_plan(scenario: Scenario, pool_index: int) -> tuple[float, np.ndarray]:
    """(interval length in s, agents on shift per interval) of pool
    ``pool_index``, from 00:00 of the first day simulated (``warmup_days``
    before the scenario's start date): one week of its roster, or one value
    when the roster never changes, or the whole run when closed dates take
    agents off or dated lists staff some of its dates."""
    pool = scenario.agents.pools[pool_index]
    first = scenario.start_date - dt.timedelta(days=scenario.warmup_days)
    days = math.ceil((scenario.horizon_s + DRAIN_S) / 86_400.0) + scenario.warmup_days + 1
    interval_s, plan = roster_plan(pool, first, days)
    per_day = int(round(86_400.0 / interval_s))
    closed = frozenset() if pool.paid_on_closed_dates else closed_dates(scenario, pool_index)
    off = [d for d in range(days) if first + dt.timedelta(days=d) in closed]
    if off and plan.any():
        if plan.size == 7 * per_day:  # one week: laid out over the run (dated lists already are)
            plan = np.tile(plan, math.ceil(days / 7))
        for d in off:
            plan[d * per_day:(d + 1) * per_day] = 0
        return interval_s, plan
    if plan.size and (plan == plan[0]).all():
        return interval_s, plan[:1].copy()
    return interval_s, plan
