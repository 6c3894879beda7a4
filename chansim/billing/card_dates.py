"""The days a dated card (a channel's rate card, an AI card) is in force:
``effective_from`` to ``effective_to``, inclusive, open-ended when absent;
and the day of each time of a log (seconds from midnight of its first day)."""

from __future__ import annotations

import datetime as dt

import numpy as np

__all__ = ["DatedCard", "DAY_S", "day_index", "dates_of"]

DAY_S = 86_400.0


def day_index(t: np.ndarray) -> np.ndarray:
    """The day of each time (s), counted from the log's first day (0)."""
    return np.floor(np.asarray(t, dtype=float) / DAY_S).astype(np.int64)


def dates_of(start: dt.date | str, t: np.ndarray) -> np.ndarray:
    """The calendar date (``datetime64[D]``) of each time (s), the log's first day being ``start``."""
    return np.datetime64(start, "D") + day_index(t).astype("timedelta64[D]")


class DatedCard:
    """What a card model with ``effective_from`` and ``effective_to`` fields
    tells of its days."""

    def covers(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def overlaps(self, other: DatedCard) -> bool:
        end = self.effective_to or dt.date.max
        other_end = other.effective_to or dt.date.max
        return self.effective_from <= other_end and other.effective_from <= end

    @property
    def period(self) -> str:
        return f"{self.effective_from} – {self.effective_to or 'open'}"
