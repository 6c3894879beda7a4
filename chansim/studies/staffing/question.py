"""A staffing study's question, checked before anything is simulated: the
strategy, the pools to staff (each with contacts to serve), the targets and
the pools each one applies to, the replications, the grid of a per-interval
search and the cells closed to each pool. Every problem is an
:class:`~chansim.errors.InputError` naming the option at fault.
"""

from __future__ import annotations

import math

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from chansim.errors import InputError, Problem
from chansim.kpis.goals import Target, parse_target
from chansim.scenario.models import Scenario
from chansim.scenario.profiles import intraday_by_weekday
from chansim.studies.staffing.cells import Cells, closed_at, closed_cells
from chansim.studies.staffing.first_guess import weekly_load
from chansim.studies.staffing.goal_checks import member_problem, value_problem
from chansim.studies.staffing.pool_kpis import INTERVAL_KPIS, closed_days

__all__ = ["Question", "check_question"]


@dataclass(frozen=True)
class Question:
    """What a staffing study is asked, checked against the scenario."""

    resolved: Scenario  # the scenario under the strategy (its ``set`` applied)
    strategy: str
    names: list[str]  # the pools to staff, in search order
    targets: list[Target]
    replications: int
    channels: dict[str, tuple[str, ...]]  # each pool's channels
    applies: dict[str, list[Target]]  # the targets that apply to each pool
    rates: dict[str, np.ndarray]  # each pool's arrival rate per weekday × hour (:func:`weekly_load`)
    loads: dict[str, np.ndarray]  # and its offered load
    cells: Cells | None  # the grid of a per-interval or shifts search
    closed: dict[str, np.ndarray]  # each pool's closed cells (hours in a flat search)


def check_question(scenario: Scenario, pools: Sequence[str], targets: Sequence[Target | str], strategy: str | None,
                   mode: str, minutes: int, replications: int | None,
                   closed: Mapping[str, np.ndarray] | None = None) -> Question:
    """The question of :func:`~chansim.studies.staffing.search.find_staffing`
    (``mode``: ``flat``, ``per_interval`` or ``shifts``), checked."""
    parsed = [parse_target(t) for t in targets]
    if not parsed:
        raise InputError(Problem("--target", "give at least one target, e.g. service_level>=0.8"))
    names = list(pools)
    if not names:
        raise InputError(Problem("--pool", "give at least one pool to staff"))
    strategy = strategy if strategy is not None else scenario.strategy_names[0]
    if strategy not in scenario.strategy_names:
        raise InputError(Problem("--strategy", f"no strategy named {strategy!r} "
                                               f"(have: {', '.join(scenario.strategy_names)})"))
    resolved = scenario.for_strategy(strategy)
    known = [p.name for p in resolved.agents.pools]
    problems = [Problem("--pool", f"no pool named {n!r} (have: {', '.join(known)})") for n in names if n not in known]
    problems += [Problem("--pool", f"pool {n!r} is named twice") for i, n in enumerate(names) if n in names[:i]]
    if problems:
        raise InputError(problems)
    _check_goals(resolved, parsed)
    reps = resolved.replications if replications is None else int(replications)
    if reps < 2:
        raise InputError(Problem("--replications",
                                 f"need at least 2 replications for a confidence interval (got {reps})"))
    if mode != "flat":
        if int(minutes) not in (15, 30, 60):
            raise InputError(Problem("--interval", f"must be 15, 30 or 60 minutes (got {minutes})"))
        bad = sorted({t.address.kpi for t in parsed if t.address.kpi not in INTERVAL_KPIS
                      or t.address.breakdown not in (None, "channel")})
        if bad:
            raise InputError(Problem("--target", f"per-interval targets can name only contact KPIs, overall or "
                                                 f"by channel ({', '.join(INTERVAL_KPIS)}); not {', '.join(bad)}"))
    if mode == "shifts":
        bare = [n for n in names if resolved.pool(n).shifts is None]
        if bare:
            raise InputError([Problem("--shifts", f"pool {n!r} has no shift patterns to choose from: give it "
                                                  f"`shifts:` in the scenario (their `agents` may be 0)")
                              for n in bare])
    channels = {n: tuple(resolved.pool(n).channels) for n in names}
    applies = _targets_by_pool(resolved, names, channels, parsed)
    rates, loads = {}, {}
    for n in names:
        try:
            rates[n], loads[n] = weekly_load(resolved, n)
        except (AttributeError, TypeError, KeyError, ValueError, ZeroDivisionError):
            # only a starting point: start from one agent in every hour with demand
            weights = intraday_by_weekday(resolved.demand)
            rates[n], loads[n] = (weights > 0).astype(float), np.zeros((7, 24))
        if rates[n].sum() <= 0:
            raise InputError(Problem("--pool", f"pool {n!r} serves {', '.join(channels[n])}, which get no "
                                               f"contacts under strategy {strategy!r}: nothing to staff"))
    cells = Cells(int(minutes), resolved.start_date.weekday(), resolved.days) if mode != "flat" else None
    shut = {}
    for n in names:
        mask_minutes = cells.minutes if cells is not None else 60
        given = None if closed is None else closed.get(n)
        try:
            shut[n] = closed_cells(resolved, n, mask_minutes) if given is None else closed_at(given, mask_minutes)
        except ValueError as exc:
            raise InputError(Problem("closed", f"pool {n!r}: {exc}")) from None
        if given is None:  # a weekday simulated only on closed dates (a holiday) has nothing to staff
            off = set(closed_days(resolved, resolved.pool(n).channels))
            days = max(1, math.ceil(resolved.days - 1e-9))
            first = resolved.start_date.weekday()
            rows = shut[n].reshape(7, -1)
            for w in range(7):
                dates = [d for d in range(days) if (first + d) % 7 == w]
                if dates and all(d in off for d in dates):
                    rows[w] = True
    return Question(resolved, strategy, names, parsed, reps, channels, applies, rates, loads, cells, shut)


def _check_goals(resolved: Scenario, parsed: list[Target]) -> None:
    """A segment, intent or market the scenario has, and a value the KPI can
    take, for every target (channels and pools: :func:`_targets_by_pool`)."""
    problems = []
    for t in parsed:
        why = member_problem(t.address, resolved) if t.address.breakdown in ("segment", "intent", "market") else None
        if why is None and (why := value_problem(t)) is not None:
            why = f"{str(t)!r}: {why}"
        if why is not None:
            problems.append(Problem("--target", why))
    if problems:
        raise InputError(problems)


def _targets_by_pool(resolved: Scenario, names: list[str], channels: dict[str, tuple[str, ...]],
                     parsed: list[Target]) -> dict[str, list[Target]]:
    """The targets that apply to each pool searched: a channel's to the pools
    serving it, a pool's (``pool.NAME.KPI``) to that pool when it is searched,
    any other to every pool searched."""
    out: dict[str, list[Target]] = {n: [] for n in names}
    for t in parsed:
        a = t.address
        if a.breakdown == "channel":
            if a.member not in resolved.channels:
                raise InputError(Problem("--target", f"{str(t)!r}: no channel {a.member!r} in the scenario "
                                                     f"(have: {', '.join(resolved.channels)})"))
            served = [n for n in names if a.member in channels[n]]
            if not served:
                raise InputError(Problem("--target", f"{str(t)!r}: none of the pools searched "
                                                     f"({', '.join(names)}) serves {a.member}"))
        elif a.breakdown == "pool":
            if a.member not in [p.name for p in resolved.agents.pools]:
                raise InputError(Problem("--target", f"{str(t)!r}: no pool named {a.member!r}"))
            served = [a.member] if a.member in names else list(names)
        else:
            served = list(names)
        for n in served:
            out[n].append(t)
    return out
