"""Comparing strategies: paired differences, best strategy per KPI, Pareto frontier.

Pure functions over a :class:`~chansim.studies.experiment.RunResult` (or plain
numbers); nothing here simulates, prints or writes files.

Every strategy runs the same replication numbers, and replication *r* of every
strategy sees the same customers (common random numbers). So the fair test of
"is B better than A?" pairs replication *r* of B with replication *r* of A and
looks at the differences: the customer-to-customer noise cancels and a real
effect shows with few replications.

Each KPI's direction (lower / higher is better, or unranked) is declared in
the KPI table (:mod:`chansim.kpis.table`): money, time and abandonment lower;
service, resolution, containment and satisfaction higher; counts and
occupancy unranked (counts follow volume and channel mix, and their cost and
rate KPIs carry the judgement; occupancy is a trade-off between idle money and
burnt-out agents).

A KPI not in the table (a key added later) is neutral.

The statistics themselves (the paired t-test, the Pareto filter
:func:`pareto_front`) are those of :mod:`chansim.kpis.statistics`.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import pandas as pd

from chansim.kpis.address import kpi_of, lookup
from chansim.kpis.statistics import paired_test, pareto_front
from chansim.kpis.table import DIRECTION as TABLE_DIRECTION, HIGHER, KPI_KEYS, LOWER, NEUTRAL

__all__ = [
    "DIRECTION",
    "LOWER",
    "HIGHER",
    "NEUTRAL",
    "direction",
    "paired_differences",
    "best_by_kpi",
    "pareto_front",
    "DIFFERENCE_COLUMNS",
]

#: +1: higher is better; -1: lower is better; 0: neither (no "best").
DIRECTION: dict[str, int] = dict(TABLE_DIRECTION)

#: Columns of :func:`paired_differences`.
DIFFERENCE_COLUMNS = [
    "strategy", "baseline", "kpi", "n", "baseline_mean", "strategy_mean", "diff", "diff_pct", "ci95", "low", "high",
    "p_value", "significant", "better",
]


def direction(kpi: str) -> int:
    """+1 higher is better, -1 lower is better, 0 neutral (also for unknown
    KPIs); a breakdown address (``voice.service_level``) has its KPI's."""
    return DIRECTION.get(kpi, DIRECTION.get(kpi_of(kpi), NEUTRAL))


def _kpi_columns(frame: pd.DataFrame) -> list[str]:
    """The overall KPI columns of a replication table, in KPI_KEYS order, then
    any new ones (breakdown columns, whose names hold a dot, are left out)."""
    known = [k for k in KPI_KEYS if k in frame.columns]
    extra = [c for c in frame.columns if c not in known and c not in ("strategy", "replication")
             and not c.startswith("_") and "." not in c]
    return known + extra


def _numeric(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce").astype(float)


def _strategy_names(result: Any) -> list[str]:
    names = [s.name for s in getattr(result, "strategies", [])]
    if not names:
        names = list(dict.fromkeys(result.replication_kpis["strategy"].astype(str)))
    return names


def paired_differences(result: Any, baseline: str | None = None, keys: Sequence[str] | None = None) -> pd.DataFrame:
    """Paired differences of every KPI between each strategy and a baseline.

    For each strategy other than ``baseline`` (default: the first) and each KPI:
    ``diff`` is the mean over replications of (strategy − baseline) on the same
    replication number, ``ci95`` the half-width of its 95 % Student-t interval,
    ``low``/``high`` the interval, ``p_value`` the two-sided paired t-test and
    ``significant`` whether the interval excludes 0. ``diff_pct`` is ``diff``
    relative to the baseline mean, ``better`` True/False when the KPI has a
    direction (:data:`DIRECTION`) and the difference is significant, else null.

    Replications where either value is null are left out (``n`` counts the
    pairs used). A KPI null everywhere gives ``n = 0`` and null numbers; one
    pair gives a difference but no interval; identical values give
    ``diff = 0``, ``ci95 = 0``, ``p_value = 1``, not significant; a constant
    non-zero difference is significant with ``p_value = 0``.

    ``keys``: the KPIs or breakdown addresses to compare (default: every
    overall KPI). An address the run did not measure gives ``n = 0``.
    """
    frame = result.replication_kpis
    names = _strategy_names(result)
    if not names:
        return pd.DataFrame(columns=DIFFERENCE_COLUMNS)
    base = names[0] if baseline is None else baseline
    if base not in names:
        raise ValueError(f"no strategy named {base!r} (have: {', '.join(names)})")
    keys = _kpi_columns(frame) if keys is None else list(keys)
    by = {name: sub.set_index("replication") for name, sub in frame.groupby(frame["strategy"].astype(str), sort=False)}
    rows = []
    for name in names:
        if name == base:
            continue
        a_frame, b_frame = by.get(base), by.get(name)
        reps = a_frame.index.intersection(b_frame.index) if a_frame is not None and b_frame is not None else []
        for key in keys:
            if len(reps) and key in frame.columns:
                a = _numeric(a_frame.loc[reps, key]).to_numpy()
                b = _numeric(b_frame.loc[reps, key]).to_numpy()
                ok = ~(np.isnan(a) | np.isnan(b))
                stat = paired_test(a[ok], b[ok])
            else:
                stat = paired_test(np.array([]), np.array([]))
            way = direction(key)
            better = None
            if stat["significant"] and way != NEUTRAL:
                better = bool(np.sign(stat["diff"]) == way)
            rows.append({"strategy": name, "baseline": base, "kpi": key, **stat, "better": better})
    return pd.DataFrame(rows, columns=DIFFERENCE_COLUMNS)


def _value(strategy: Any, key: str) -> float | None:
    return strategy.kpis.get(key) if "." not in key else lookup(strategy, key)[0]


def best_by_kpi(result: Any, keys: Sequence[str] | None = None) -> dict[str, str]:
    """The strategy with the best mean of each KPI that has a direction.

    Lower is better for costs and times and the abandon rate; higher for
    service level, FCR, containment and CSAT (see :data:`DIRECTION`). Neutral
    KPIs (counts, occupancy) are left out, and so is a KPI that no strategy
    measured or on which every strategy measured the same value (nobody is
    best). A tie for best goes to the first strategy listed."""
    best: dict[str, str] = {}
    strategies = list(result.strategies)
    if keys is None:
        keys = list(dict.fromkeys([k for s in strategies for k in s.kpis]))
    for key in keys:
        way = direction(key)
        if way == NEUTRAL:
            continue
        values = [(s.name, _value(s, key)) for s in strategies]
        values = [(n, float(v)) for n, v in values if v is not None and not math.isnan(float(v))]
        if len({v for _, v in values}) < 2:  # nothing measured, one strategy, or all equal
            continue
        name, _ = max(values, key=lambda nv: way * nv[1])  # max() keeps the first of equals
        best[key] = name
    return best
