"""Rosters: how many agents of a pool are on shift in each interval.

A pool is staffed in one of three ways (exactly one):

``headcount: 12``
    12 agents on shift at every hour of every day.
``schedule``
    agents on shift per interval of the day: one list for every day
    (``schedule: [0, 0, ..., 12, 14, ...]``) or one list per weekday
    (``schedule: {mon-fri: [...], sat: [...], sun: [...]}``), at
    ``interval_minutes`` of 15, 30 or 60 (default 60): each list holds exactly
    ``24 × 60 / interval_minutes`` values, the first for the interval starting
    at 00:00. A weekday missing from the mapping has no one on shift. The
    mapping may also give calendar dates (``"2026-03-17": [...]``, ISO
    ``YYYY-MM-DD``): a dated list staffs that date only and wins over the
    weekday's list on it, for a known day that differs from the pattern (a
    training day, a planned absence, the agents actually on duty when
    replaying a past period).
``shifts``
    shift patterns with a start time, a length, the weekdays they run, the
    agents working them and their breaks: ``{name: early, start: "07:00",
    hours: 8, days: mon-fri, agents: 12, breaks: [{after_h: 4, minutes:
    30}]}``. An agent is on shift from its start for ``hours`` (breaks
    included), except during its breaks; a shift may run past midnight into
    the next day (Sunday's night shift into Monday).

Weekday keys are ``mon`` ... ``sun``, ranges ``mon-fri`` (``fri-mon`` wraps
over the weekend), ``all``, or several joined by commas (``mon-wed,fri``).

A roster is a standing **weekly pattern**: the simulated period starts on
the scenario's ``start_date`` (its weekday picks where in the week the run
begins) and the pattern repeats, so a Sunday night shift is on the floor in
the first hours of a run starting on a Monday, and the roster goes on while
the engine drains the contacts still in the system after the horizon.
Dated lists replace the pattern on their own dates and nowhere else.

:func:`roster_plan` is the one place a roster becomes agents per interval
from a given date (:func:`on_shift`: from the scenario's start date).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

import numpy as np

from chansim.errors import InputError, Problem

if TYPE_CHECKING:  # pragma: no cover
    from chansim.scenario.models import Pool, Scenario, Shift

__all__ = [
    "ROSTER_KEYS",
    "WEEKDAYS",
    "INTERVAL_MINUTES",
    "DRAIN_S",
    "parse_days",
    "weekday_owners",
    "parse_clock",
    "values_per_day",
    "weekly_roster",
    "is_date_key",
    "parse_date_key",
    "dated_schedules",
    "roster_plan",
    "shift_cover",
    "shift_step",
    "on_shift",
    "roster_problems",
]

#: The keys of a pool that give its roster; a pool has exactly one of them.
ROSTER_KEYS = ("headcount", "schedule", "shifts")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Interval lengths a ``schedule`` may use, minutes.
INTERVAL_MINUTES = (15, 30, 60)
#: How long the engine keeps running after the horizon to finish the contacts
#: still in the system (the engine's ``MAX_DRAIN_S``); rosters cover it too.
DRAIN_S = 7 * 86_400.0
_WEEK_MIN = 7 * 24 * 60
# [0-9], not \d or str.isdigit(): those also take Arabic-Indic or full-width digits
_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


# ------------------------------------------------------------------ parsing
def parse_days(text: str | Sequence[str]) -> tuple[int, ...]:
    """Weekday numbers (Monday 0) named by ``text``: ``"mon"``, ``"mon-fri"``,
    ``"fri-mon"`` (wraps), ``"all"``, ``"mon-wed,fri"`` or a list of those.
    Raises ``ValueError`` naming the part it does not understand."""
    parts: list[str] = []
    for item in ([text] if isinstance(text, str) else list(text)):
        if not isinstance(item, str):
            raise ValueError(f"{item!r} is not a weekday (mon ... sun, a range like mon-fri, or all)")
        parts += [p.strip().lower() for p in item.split(",")]
    days: list[int] = []
    for part in parts:
        if part in ("all", "daily", "mon-sun"):
            days += range(7)
            continue
        first, dash, last = part.partition("-")
        if first not in WEEKDAYS or (dash and last not in WEEKDAYS):
            raise ValueError(f"{part!r} is not a weekday (mon ... sun, a range like mon-fri, or all)")
        a = WEEKDAYS.index(first)
        b = WEEKDAYS.index(last) if dash else a
        days += [(a + k) % 7 for k in range((b - a) % 7 + 1)]
    if not days:
        raise ValueError("names no weekday")
    seen = [d for i, d in enumerate(days) if d in days[:i]]
    if seen:
        raise ValueError(f"names {', '.join(WEEKDAYS[d] for d in sorted(set(seen)))} twice")
    return tuple(sorted(days))


def weekday_owners(mapping: Mapping[str, object], where: str) -> tuple[dict[int, str], list[Problem]]:
    """Which key of a per-weekday ``mapping`` gives each weekday (Monday 0),
    and the problems of its keys (not a weekday, a weekday given twice), each
    at ``where.key``."""
    owner: dict[int, str] = {}
    problems: list[Problem] = []
    for key in mapping:
        path = f"{where}.{key}" if str(key).strip() else where
        try:
            days = parse_days(key)
        except ValueError as exc:
            problems.append(Problem(path, str(exc)))
            continue
        for d in days:
            if d in owner:
                problems.append(Problem(path, f"{WEEKDAYS[d]} is also given by {owner[d]!r}; each weekday once"))
            owner.setdefault(d, key)
    return owner, problems


def is_date_key(key: object) -> bool:
    """Whether a schedule key is meant as a calendar date (it starts with a
    digit; weekday keys never do)."""
    return isinstance(key, str) and key.strip()[:1].isascii() and key.strip()[:1].isdigit()


def parse_date_key(key: str) -> dt.date:
    """The calendar date of a dated schedule key ``"YYYY-MM-DD"``; raises
    ``ValueError`` saying what is wrong."""
    text = key.strip()
    if _DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError as exc:
            raise ValueError(f"{key!r} is not a calendar date ({exc})") from None
    raise ValueError(f"{key!r} is not a calendar date YYYY-MM-DD in digits 0-9, e.g. 2026-03-17")


def parse_clock(text: str) -> int:
    """Minutes after midnight of a clock time ``"HH:MM"`` (00:00 to 23:59)."""
    if not isinstance(text, str):
        raise ValueError(f"must be a clock time HH:MM, quoted (got {text!r})")
    match = _CLOCK.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"must be a clock time HH:MM in digits 0-9, e.g. \"07:30\" (got {text!r})")
    hours, minutes = int(match[1]), int(match[2])
    if hours > 23 or minutes > 59:
        raise ValueError(f"must be a time within the day, 00:00 to 23:59 (got {text!r})")
    return hours * 60 + minutes


def values_per_day(interval_minutes: int) -> int:
    """Values a day's schedule holds at ``interval_minutes``: 24 × 60 / interval."""
    return 24 * 60 // int(interval_minutes)


def _whole_minutes(value: float) -> int | None:
    if not math.isfinite(value):
        return None
    rounded = round(value)
    return int(rounded) if abs(value - rounded) < 1e-6 else None


# ------------------------------------------------------------------ shifts
def shift_cover(shift: "Shift", interval_minutes: int) -> np.ndarray:
    """Over one week (Monday 00:00 first) at ``interval_minutes``: 1 where
    one agent of ``shift`` is on the floor (on shift and not on a break), for
    each day the shift runs; a shift past midnight wraps into the next day
    (and Sunday's into Monday)."""
    per_week = _WEEK_MIN // interval_minutes
    cover = np.zeros(per_week, dtype=np.int64)
    start = parse_clock(shift.start)
    length = _whole_minutes(shift.hours * 60)
    assert length is not None
    off = [(_whole_minutes(b.after_h * 60), _whole_minutes(b.minutes)) for b in shift.breaks]
    for day in parse_days(shift.days):
        begin = day * 24 * 60 + start
        minutes = np.ones(length, dtype=bool)
        for after, duration in off:
            minutes[after:after + duration] = False
        # a minute-level mask folded into intervals: an interval counts when the whole of it is on the floor
        idx = (begin + np.arange(length)) % _WEEK_MIN
        on = np.zeros(_WEEK_MIN, dtype=np.int64)
        on[idx[minutes]] = 1
        cover += on.reshape(per_week, interval_minutes).min(axis=1)
    return cover


def shift_step(shifts: Iterable["Shift"]) -> int:
    """The longest interval (minutes, dividing 60) on which every shift
    starts, ends and breaks."""
    step = 60
    for s in shifts:
        marks = [parse_clock(s.start), _whole_minutes(s.hours * 60)]
        for b in s.breaks:
            marks += [_whole_minutes(b.after_h * 60), _whole_minutes(b.minutes)]
        for m in marks:
            step = math.gcd(step, int(m or 0))
    return max(step, 1)


# --------------------------------------------------------------- the roster
def weekly_roster(pool: "Pool") -> tuple[float, np.ndarray]:
    """``(interval_s, agents)``: agents of ``pool`` on shift in each interval
    of one week, Monday 00:00 first (the weekly pattern: dated lists left
    out, see :func:`roster_plan`). Raises :class:`InputError` for a roster
    :func:`roster_problems` rejects."""
    problems = _pool_problems(pool, "pool")
    if problems:
        raise InputError(problems)
    if pool.shifts is not None:
        step = shift_step(pool.shifts)
        week = np.zeros(_WEEK_MIN // step, dtype=np.int64)
        for shift in pool.shifts:
            week += shift.agents * shift_cover(shift, step)
        return step * 60.0, week
    if pool.schedule is None:
        return 3600.0, np.full(7 * 24, int(pool.headcount or 0), dtype=np.int64)
    step = int(pool.interval_minutes)
    per_day = values_per_day(step)
    if isinstance(pool.schedule, Mapping):
        days = np.zeros((7, per_day), dtype=np.int64)
        for key, values in pool.schedule.items():
            for d in () if is_date_key(key) else parse_days(key):
                days[d] = values
        return step * 60.0, days.reshape(-1)
    return step * 60.0, np.tile(np.asarray(pool.schedule, dtype=np.int64), 7)


def dated_schedules(pool: "Pool") -> dict[dt.date, np.ndarray]:
    """The dated lists of ``pool``'s schedule by date (none for a roster
    without them)."""
    if not isinstance(pool.schedule, Mapping):
        return {}
    return {parse_date_key(key): np.asarray(values, dtype=np.int64)
            for key, values in pool.schedule.items() if is_date_key(key)}


def roster_plan(pool: "Pool", first: dt.date, days: int) -> tuple[float, np.ndarray]:
    """``(interval_s, agents)``: agents of ``pool`` on shift in each interval
    from 00:00 of ``first``: the weekly pattern from ``first``'s weekday (one
    week, to repeat) or, when dated lists fall within the ``days`` from
    ``first``, those days in full with each dated list on its own date (the
    weekly pattern on every other date)."""
    interval_s, week = weekly_roster(pool)
    per_day = int(round(86_400.0 / interval_s))
    plan = np.roll(week, -first.weekday() * per_day)
    dated = {(date - first).days: values for date, values in dated_schedules(pool).items()
             if 0 <= (date - first).days < days}
    if dated:
        plan = np.tile(plan, math.ceil(days / 7))
        for d, values in dated.items():
            plan[d * per_day:(d + 1) * per_day] = values
    return interval_s, plan


def on_shift(scenario: "Scenario", pool_index: int) -> tuple[float, np.ndarray]:
    """``(interval_s, agents)``: agents of pool ``pool_index`` on shift in
    each interval from the start of the run to the end of the engine's drain
    (``horizon_s + DRAIN_S``), the first interval starting at time 0 =
    00:00 of ``start_date``. A ``headcount`` or a 24-value ``schedule`` give
    hourly intervals, the same values the engine has always used."""
    pool = scenario.agents.pools[pool_index]
    interval_s, _ = weekly_roster(pool)
    count = math.ceil((scenario.horizon_s + DRAIN_S) / interval_s - 1e-9)
    interval_s, plan = roster_plan(pool, scenario.start_date, math.ceil(count * interval_s / 86_400.0))
    return interval_s, plan[np.arange(count) % plan.size]


# --------------------------------------------------------------- problems
def _pool_problems(pool: "Pool", where: str) -> list[Problem]:
    problems: list[Problem] = []
    if pool.schedule is not None:
        step = int(pool.interval_minutes)
        if step not in INTERVAL_MINUTES:
            problems.append(Problem(f"{where}.interval_minutes", f"must be one of {', '.join(map(str, INTERVAL_MINUTES))} "
                                                                 f"(got {step})"))
            return problems
        need = values_per_day(step)
        lists: list[tuple[str, Sequence[int]]]
        if isinstance(pool.schedule, Mapping):
            lists = [(f"{where}.schedule.{key}", values) for key, values in pool.schedule.items()]
            weekly = {key: values for key, values in pool.schedule.items() if not is_date_key(key)}
            problems += weekday_owners(weekly, f"{where}.schedule")[1]
            dates: dict[dt.date, str] = {}
            for key in pool.schedule:
                if is_date_key(key):
                    try:
                        date = parse_date_key(key)
                    except ValueError as exc:
                        problems.append(Problem(f"{where}.schedule.{key}", str(exc)))
                        continue
                    if date in dates:
                        problems.append(Problem(f"{where}.schedule.{key}", f"{date} is also given by "
                                                                           f"{dates[date]!r}; each date once"))
                    dates.setdefault(date, key)
        else:
            lists = [(f"{where}.schedule", pool.schedule)]
        for path, values in lists:
            if len(values) != need:
                problems.append(Problem(path, f"needs exactly {need} values, one per {step}-minute interval of the "
                                              f"day from 00:00 (got {len(values)})"))
            if any(v < 0 for v in values):
                problems.append(Problem(path, "agents on shift must be ≥ 0"))
    for i, shift in enumerate(pool.shifts or ()):
        problems += _shift_problems(shift, f"{where}.shifts[{i}]")
    names = [s.name for s in pool.shifts or ()]
    for i, name in enumerate(names):
        if name in names[:i]:
            problems.append(Problem(f"{where}.shifts[{i}].name", f"{name!r} is used twice; names must be unique"))
    return problems


def _shift_problems(shift: "Shift", where: str) -> list[Problem]:
    problems = []
    try:
        parse_clock(shift.start)
    except ValueError as exc:
        problems.append(Problem(f"{where}.start", str(exc)))
    try:
        parse_days(shift.days)
    except ValueError as exc:
        problems.append(Problem(f"{where}.days", str(exc)))
    length = _whole_minutes(shift.hours * 60)
    if length is None:
        problems.append(Problem(f"{where}.hours", f"must be whole minutes (got {shift.hours:g} hours)"))
    elif length > 24 * 60:
        problems.append(Problem(f"{where}.hours", f"a shift lasts at most 24 hours (got {shift.hours:g})"))
    spans = []
    for j, b in enumerate(shift.breaks):
        after, duration = _whole_minutes(b.after_h * 60), _whole_minutes(b.minutes)
        if after is None:
            problems.append(Problem(f"{where}.breaks[{j}].after_h", f"must be whole minutes (got {b.after_h:g} hours)"))
        if duration is None:
            problems.append(Problem(f"{where}.breaks[{j}].minutes", f"must be whole minutes (got {b.minutes:g})"))
        if after is None or duration is None or length is None:
            continue
        if after + duration > length:
            problems.append(Problem(f"{where}.breaks[{j}]",
                                    f"ends {(after + duration) / 60:g} h into a {shift.hours:g}-hour shift: a break "
                                    f"must end within its shift"))
        else:
            spans.append((after, after + duration, j))
    spans.sort()
    for (a0, a1, j0), (b0, b1, j1) in zip(spans, spans[1:]):
        if b0 < a1:
            problems.append(Problem(f"{where}.breaks[{j1}]", f"overlaps breaks[{j0}]"))
    if length is not None and spans and sum(e - s for s, e, _ in spans) >= length:
        problems.append(Problem(f"{where}.breaks", "breaks take the whole shift"))
    return problems


def roster_problems(scenario: "Scenario") -> list[Problem]:
    """Every problem of the pools' rosters, with its path in the file
    (``agents.pools[0].schedule.mon: needs exactly 96 values ...``)."""
    problems = []
    for i, pool in enumerate(scenario.agents.pools):
        problems += _pool_problems(pool, f"agents.pools[{i}]")
    return problems
