"""The weekday × interval grid of a per-interval staffing search, and which
of its cells are closed.

A cell is one interval of one weekday (Monday 00:00 first), pooled over the
simulated weeks: contacts arriving on any Monday between 09:00 and 09:15 are
in the same cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from chansim.scenario.models import Scenario
from chansim.scenario.rosters import WEEKDAYS, parse_clock, parse_days, values_per_day

__all__ = ["Cells", "closed_cells", "open_cells", "closed_at"]


@dataclass(frozen=True)
class Cells:
    """Weekday × interval cells of a per-interval search."""

    minutes: int
    first_weekday: int
    days: float

    @property
    def per_day(self) -> int:
        return values_per_day(self.minutes)

    @property
    def count(self) -> int:
        return 7 * self.per_day

    @property
    def weekdays(self) -> list[int]:
        """Simulated weekdays, in run order."""
        days = max(1, math.ceil(self.days - 1e-9))
        return [(self.first_weekday + d) % 7 for d in range(min(days, 7))]

    def of(self, contacts) -> np.ndarray:
        t = contacts["arrival_t"].to_numpy(dtype=float)
        day = np.floor(t / 86_400.0).astype(np.int64)
        weekday = (self.first_weekday + day) % 7
        slot = np.floor((t - day * 86_400.0) / (self.minutes * 60.0)).astype(np.int64).clip(0, self.per_day - 1)
        return weekday * self.per_day + slot

    def schedule(self, cells: Sequence[int]) -> dict[str, list[int]]:
        """The weekday schedule of a cell vector: every weekday of the week,
        those not simulated keeping the last simulated weekday's values."""
        rows = np.asarray(cells, dtype=np.int64).reshape(7, self.per_day)
        simulated = self.weekdays
        last = simulated[-1]
        return {WEEKDAYS[d]: rows[d if d in simulated else last].tolist() for d in range(7)}

    def shown(self, cells: Sequence[int]) -> dict[str, list[int]]:
        rows = np.asarray(cells).reshape(7, self.per_day)
        return {WEEKDAYS[d]: rows[d].tolist() for d in sorted(self.weekdays)}

    def label(self, cell: int) -> str:
        d, s = divmod(cell, self.per_day)
        start = s * self.minutes
        return f"{WEEKDAYS[d]} {start // 60:02d}:{start % 60:02d}"

    def hourly(self, values: np.ndarray) -> np.ndarray:
        """A (7, 24) array of hourly values spread over the cells."""
        per_hour = 60 // self.minutes
        return np.repeat(np.asarray(values).reshape(7, 24), per_hour, axis=1).reshape(-1)


def closed_cells(resolved: Scenario, pool: str, minutes: int) -> np.ndarray:
    """Cells (weekday × interval of ``minutes``, Monday 00:00 first) in which
    every channel of ``pool`` is closed, from the channels' opening ``hours``
    (``{mon-fri: "07:00-21:00", sat: "09:00-17:00", closed: [dates]}``; a
    weekday not named is closed; a channel without hours is always open).
    An interval partly open counts as open."""
    per_day = values_per_day(minutes)
    closed = np.ones(7 * per_day, dtype=bool)
    for channel in resolved.pool(pool).channels:
        hours = getattr(resolved.channels[channel], "hours", None)
        if hours is None:
            return np.zeros(7 * per_day, dtype=bool)
        closed &= ~open_cells(hours, minutes)
    return closed


def open_cells(hours: Any, minutes: int) -> np.ndarray:
    spec = hours.model_dump(mode="json", exclude_none=True) if hasattr(hours, "model_dump") else dict(hours)
    per_day = values_per_day(minutes)
    open_minutes = np.zeros(7 * 1440, dtype=bool)
    for key, ranges in spec.items():
        if key == "closed" or ranges is None:
            continue  # closures by date do not change the weekly pattern
        for d in parse_days(key):
            for text in [ranges] if isinstance(ranges, str) else list(ranges):
                start, _, end = str(text).partition("-")
                a = parse_clock(start)
                b = 1440 if end.strip() in ("24:00",) else parse_clock(end)
                span = np.arange(a, b if b > a else b + 1440)
                open_minutes[(d * 1440 + span) % (7 * 1440)] = True
    return open_minutes.reshape(7 * per_day, minutes).any(axis=1)


def closed_at(mask: Any, minutes: int) -> np.ndarray:
    """A weekly closed mask (7 × 24, 7 × 48 or 7 × 96 values, Monday 00:00
    first) at ``minutes``: a coarser interval is closed when all of it is."""
    flat = np.asarray(mask, dtype=bool).reshape(-1)
    per_day = flat.size // 7
    if flat.size % 7 or per_day not in (24, 48, 96):
        raise ValueError(f"a closed mask has 7 × 24, 7 × 48 or 7 × 96 values (got {flat.size})")
    want = values_per_day(minutes)
    days = flat.reshape(7, per_day)
    if want >= per_day:
        return np.repeat(days, want // per_day, axis=1).reshape(-1)
    return days.reshape(7, want, per_day // want).all(axis=2).reshape(-1)
