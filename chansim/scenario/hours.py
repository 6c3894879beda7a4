"""Opening hours: when agents answer a channel.

A channel's ``hours`` name weekdays (``mon``), ranges of weekdays
(``mon-fri``), ``daily`` (or ``all``) or several of those joined by commas
(``sat,sun``, ``mon-wed,fri``), as a pool's schedule does, each weekday once;
each takes one range of the day (``"07:00-21:00"``, digits 0-9), a list of
ranges, or ``closed``; days not named are closed. ``closed: [2026-12-25,
...]`` closes whole dates. A range ends the same day (``"00:00-24:00"`` is
a whole day; an overnight line is two days: ``mon-fri: ["00:00-02:00",
"18:00-24:00"]``).

:func:`hours_problems` checks a mapping (path and message per problem);
:func:`weekly_hours` reads a valid one; :class:`OpenTimes` answers, for a run
whose time 0 is midnight of ``start_date``, whether a time is open, when the
next opening is, and where a delay counted in open time ends.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any, Mapping

from chansim.scenario.rosters import WEEKDAYS, parse_days

__all__ = ["WEEKDAYS", "WeeklyHours", "OpenTimes", "hours_problems", "weekly_hours"]

DAY_S = 86_400.0
# [0-9], not \d: \d and int() also take Arabic-Indic or full-width digits
_RANGE = re.compile(r"\s*([0-9]{1,2}):([0-9]{2})\s*-\s*([0-9]{1,2}):([0-9]{2})\s*")


@dataclass(frozen=True)
class WeeklyHours:
    """Open ranges (start s, end s within the day) per weekday, Monday first,
    and the dates closed all day."""

    days: tuple[tuple[tuple[float, float], ...], ...]
    closed: frozenset[dt.date]


def _weekdays(key: Any) -> list[int] | str:
    """The weekdays (Monday 0) a key names, or what is wrong with it."""
    try:
        return list(parse_days(key))
    except ValueError as exc:
        return str(exc)


def _range(text: Any) -> tuple[float, float] | str:
    """(start s, end s) of ``"HH:MM-HH:MM"``, or what is wrong with it."""
    match = _RANGE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        return f"must be a range like \"07:00-21:00\" (digits 0-9) or closed (got {text!r})"
    h1, m1, h2, m2 = (int(x) for x in match.groups())
    if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59 or (h1 == 24 and m1) or (h2 == 24 and m2):
        return f"is not a time of day (got {text!r})"
    start, end = h1 * 3600.0 + m1 * 60.0, h2 * 3600.0 + m2 * 60.0
    if end <= start:
        return f"must end after it starts, within the day (got {text!r}; split an overnight range over two days)"
    return start, end


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _parse(spec: Mapping[str, Any]) -> tuple[WeeklyHours, list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    days: list[list[tuple[float, float]]] = [[] for _ in WEEKDAYS]
    named: dict[int, str] = {}
    closed: set[dt.date] = set()
    for key, value in spec.items():
        if key == "closed":
            values = value if isinstance(value, (list, tuple)) else [value]
            for index, item in enumerate(values):
                date = _date(item)
                if date is None:
                    problems.append((f"closed[{index}]", f"must be a date like 2026-12-25 (got {item!r})"))
                else:
                    closed.add(date)
            continue
        weekdays = _weekdays(key)
        if isinstance(weekdays, str):
            problems.append((str(key), weekdays if weekdays.startswith("names") else
                             f"unknown weekday: {weekdays}; use mon ... sun, a range like mon-fri, daily (or all), "
                             "several joined by commas (sat,sun), or closed"))
            continue
        for day in weekdays:
            if day in named:
                problems.append((str(key), f"{WEEKDAYS[day]} is also given by {named[day]!r}; name each day once"))
            named.setdefault(day, key)
        if isinstance(value, str) and value.strip().lower() == "closed":
            continue
        items = list(value) if isinstance(value, (list, tuple)) else [value]
        ranges = []
        for index, item in enumerate(items):
            parsed = _range(item)
            where = key if len(items) == 1 and not isinstance(value, (list, tuple)) else f"{key}[{index}]"
            if isinstance(parsed, str):
                problems.append((where, parsed))
            else:
                ranges.append(parsed)
        ranges.sort()
        for (s1, e1), (s2, e2) in zip(ranges, ranges[1:]):
            if s2 < e1:
                problems.append((str(key), f"ranges overlap ({_hhmm(s1)}-{_hhmm(e1)} and {_hhmm(s2)}-{_hhmm(e2)})"))
        for day in weekdays:
            days[day] = ranges
    return WeeklyHours(tuple(tuple(d) for d in days), frozenset(closed)), problems


def _hhmm(seconds: float) -> str:
    return f"{int(seconds // 3600):02d}:{int(seconds % 3600 // 60):02d}"


def hours_problems(spec: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(path under ``hours``, message) for each problem of ``spec``."""
    return _parse(spec)[1]


def weekly_hours(spec: Mapping[str, Any]) -> WeeklyHours:
    """The opening hours of a valid ``hours`` mapping."""
    hours, problems = _parse(spec)
    if problems:
        raise ValueError("; ".join(f"{path}: {message}" for path, message in problems))
    return hours


class OpenTimes:
    """Open intervals in run time (s from midnight of ``start_date``) over
    ``span_s``, from ``first_day`` (``-1``: the day before ``start_date``,
    whose times are negative); after the span, closed."""

    def __init__(self, hours: WeeklyHours, start_date: dt.date, span_s: float, first_day: int = 0):
        starts: list[float] = []
        ends: list[float] = []
        for day in range(first_day, int(math.ceil(span_s / DAY_S)) + 1):
            date = start_date + dt.timedelta(days=day)
            if date in hours.closed:
                continue
            base = day * DAY_S
            for start, end in hours.days[date.weekday()]:
                if ends and ends[-1] == base + start:
                    ends[-1] = base + end  # open across midnight: one interval
                else:
                    starts.append(base + start)
                    ends.append(base + end)
        self.starts = starts
        self.ends = ends

    def is_open(self, t: float) -> bool:
        k = bisect.bisect_right(self.starts, t) - 1
        return k >= 0 and t < self.ends[k]

    def next_open(self, t: float) -> float:
        """``t`` if open, else the next opening (``inf`` if none)."""
        k = bisect.bisect_right(self.starts, t) - 1
        if k >= 0 and t < self.ends[k]:
            return t
        return self.starts[k + 1] if k + 1 < len(self.starts) else math.inf

    def after_open(self, t: float, seconds: float) -> float:
        """The time at which ``seconds`` of open time have passed since ``t``."""
        k = bisect.bisect_right(self.starts, t) - 1
        if k < 0 or t >= self.ends[k]:
            k += 1
            if k >= len(self.starts):
                return math.inf
            t = self.starts[k]
        while True:
            left = self.ends[k] - t
            if seconds < left:
                return t + seconds
            seconds -= left
            k += 1
            if k >= len(self.starts):
                return math.inf
            t = self.starts[k]
