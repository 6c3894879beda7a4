"""Demand profiles: when in the day and the week contacts arrive.

``demand.weekly`` gives each weekday's volume (7 weights, Monday first,
normalised to mean 1). ``demand.intraday`` gives the hourly shape of a day:

``intraday: [w0, ..., w23]``
    one shape for every day: 24 weights, hour 0 = 00:00-01:00, normalised to
    sum 1.
``intraday: {mon-fri: [...], sat: [...], sun: [...]}``
    a shape per weekday (keys as in rosters: ``mon`` ... ``sun``, ranges
    ``mon-fri``, ``all``, several joined by commas), every weekday exactly
    once, each a list of 24 weights normalised to sum 1 on its own, so the
    weekly weights still say how much each day brings.

:func:`intraday_by_weekday` is the one place a profile becomes a 7 × 24
table; :func:`profile_problems` says what is wrong with one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from chansim.errors import Problem
from chansim.scenario.rosters import WEEKDAYS, parse_days, weekday_owners

if TYPE_CHECKING:  # pragma: no cover
    from chansim.scenario.models import Demand, Scenario

__all__ = ["HOURS", "intraday_by_weekday", "profile_problems"]

HOURS = 24


def intraday_by_weekday(demand: "Demand") -> np.ndarray:
    """Share of each weekday's contacts (Monday first) in each hour of the day,
    shape (7, 24), every row summing to 1."""
    table = np.zeros((7, HOURS))
    if isinstance(demand.intraday, Mapping):
        for key, weights in demand.intraday.items():
            for day in parse_days(key):
                table[day] = np.asarray(weights, dtype=float)
    else:
        table[:] = np.asarray(demand.intraday, dtype=float)
    return table / table.sum(axis=1, keepdims=True)


def _weights_problems(path: str, weights) -> list[Problem]:
    if len(weights) != HOURS:
        return [Problem(path, f"needs exactly {HOURS} values (got {len(weights)})")]
    if any(w < 0 for w in weights) or sum(weights) <= 0:
        return [Problem(path, "intraday weights must be ≥ 0 and not all 0")]
    return []


def profile_problems(scenario: "Scenario") -> list[Problem]:
    """What is wrong with the demand profiles (keys, lengths, weights, weekdays
    given twice or not at all)."""
    intraday = scenario.demand.intraday
    if not isinstance(intraday, Mapping):
        return _weights_problems("demand.intraday", intraday)
    owner, problems = weekday_owners(intraday, "demand.intraday")
    for key, weights in intraday.items():
        problems += _weights_problems(f"demand.intraday.{key}" if str(key).strip() else "demand.intraday", weights)
    missing = [WEEKDAYS[d] for d in range(7) if d not in owner]
    if missing and not problems:
        problems.append(Problem("demand.intraday", f"no hourly shape for {', '.join(missing)}: give every weekday "
                                                   "(e.g. mon-fri, sat, sun) or one list for every day"))
    return problems
