"""How efficiently a staffing covers what is required: agent-hours required
and scheduled on the floor, and over-coverage = scheduled ÷ required − 1.

Both are counted over one week of the pool's roster, on the weekdays the run
simulates (every weekday for a run of a week or more). *Required* is the
per-interval requirement the search found by simulation (``--per-interval``
and ``--shifts``; for ``--per-interval`` the schedule is the requirement, so
over-coverage is 0) or, for a flat search, Erlang C per hour at the targets
(the first guess, the only per-hour requirement it has). *Scheduled* is the
agents the roster puts on the floor (shift breaks excluded), in every
interval, open or closed.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from chansim.scenario.models import Pool
from chansim.scenario.rosters import WEEKDAYS, weekly_roster

__all__ = ["floor_hours", "coverage", "BASIS"]

#: What "required" means, per search mode.
BASIS = {"flat": "Erlang C per hour at the targets",
         "per_interval": "the per-interval requirement found by simulation (the schedule itself)",
         "shifts": "the per-interval requirement found by simulation"}


def floor_hours(pool: Pool, minutes: int) -> np.ndarray:
    """Agent-hours ``pool``'s roster puts on the floor in each interval of
    ``minutes`` of one week (Monday 00:00 first)."""
    interval_s, week = weekly_roster(pool)
    per_minute = np.repeat(np.asarray(week, dtype=float), int(interval_s // 60))
    return per_minute.reshape(-1, minutes).sum(axis=1) / 60.0


def coverage(required_hours: np.ndarray, scheduled_hours: np.ndarray, weekdays: Sequence[int],
             minutes: int, mode: str) -> dict[str, Any]:
    """Agent-hours required and scheduled on ``weekdays`` (both per interval
    of ``minutes``, one week, Monday 00:00 first) and the over-coverage,
    with agents per interval (hours ÷ interval length) by weekday."""
    per_day = 1440 // minutes
    req = np.asarray(required_hours, dtype=float).reshape(7, per_day)
    sch = np.asarray(scheduled_hours, dtype=float).reshape(7, per_day)
    days = sorted(set(int(d) for d in weekdays))
    required = float(req[days].sum())
    scheduled = float(sch[days].sum())
    scale = 60.0 / minutes
    return {
        "required_hours": required,
        "scheduled_hours": scheduled,
        "over_coverage": scheduled / required - 1.0 if required > 0 else None,
        "basis": BASIS[mode],
        "interval_minutes": minutes,
        "required_agents": {WEEKDAYS[d]: [round(float(v) * scale, 2) for v in req[d]] for d in days},
        "scheduled_agents": {WEEKDAYS[d]: [round(float(v) * scale, 2) for v in sch[d]] for d in days},
    }
