"""The days a dated card (a channel's rate card, an AI card) is in force:
``effective_from`` to ``effective_to``, inclusive, open-ended when absent."""

from __future__ import annotations

import datetime as dt

__all__ = ["DatedCard"]


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
