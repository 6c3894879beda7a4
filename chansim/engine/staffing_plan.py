"""How many agents of a pool are on shift in each interval of the run.

:func:`staffing_plan` is the one place the engine learns a pool's staffing:
``(interval_s, agents)`` where ``agents[k]`` is on shift from ``k ×
interval_s``; the plan repeats after its last value (a week's roster repeats
every week, a one-value plan is a fixed headcount). Lowering the count in an
interval (a break, a shift's end) lets agents finish the contact in hand
first. The roster itself (headcount, a schedule per day or weekday at 15, 30
or 60 minutes, or shifts with breaks) is expanded by
:func:`chansim.scenario.rosters.weekly_roster`.
"""

from __future__ import annotations

import numpy as np

from chansim.scenario.models import Scenario
from chansim.scenario.rosters import weekly_roster

__all__ = ["staffing_plan"]


def staffing_plan(scenario: Scenario, pool_index: int) -> tuple[float, np.ndarray]:
    """(interval length in s, agents on shift per interval) of pool
    ``pool_index``, from 00:00 of the scenario's start date: one week of its
    roster, or one value when the roster never changes."""
    interval_s, week = weekly_roster(scenario.agents.pools[pool_index])
    per_day = int(round(86_400.0 / interval_s))
    plan = np.roll(week, -scenario.start_date.weekday() * per_day)
    if plan.size and (plan == plan[0]).all():
        return interval_s, plan[:1].copy()
    return interval_s, plan
