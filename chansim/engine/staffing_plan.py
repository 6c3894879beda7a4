"""How many agents of a pool are on shift in each interval of the run.

:func:`staffing_plan` is the one place the engine learns a pool's staffing:
``(interval_s, agents)`` where ``agents[k]`` is on shift from ``k ×
interval_s``; the plan repeats after its last value (a one-day plan is every
day's, a one-value plan is a fixed headcount). Lowering the count in an
interval (a break, a shift's end) lets agents finish the contact in hand
first.
"""

from __future__ import annotations

import numpy as np

from chansim.scenario.models import Scenario

__all__ = ["staffing_plan"]

HOUR_S = 3600.0


def staffing_plan(scenario: Scenario, pool_index: int) -> tuple[float, np.ndarray]:
    """(interval length in s, agents on shift per interval) of pool
    ``pool_index``: its headcount at every hour, or its 24-hour schedule."""
    pool = scenario.agents.pools[pool_index]
    if pool.schedule is None:
        return HOUR_S, np.array([pool.headcount], dtype=np.int64)
    return HOUR_S, np.asarray(pool.schedule, dtype=np.int64)
