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
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.special import stdtr, stdtrit  # Student t: lighter than scipy.stats

from chansim.kpis.address import kpi_of, lookup
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


def _paired(a: np.ndarray, b: np.ndarray) -> dict[str, Any]:
    """Statistics of the paired differences b − a (both already free of nulls)."""
    n = int(a.size)
    out: dict[str, Any] = {"n": n, "baseline_mean": None, "strategy_mean": None, "diff": None, "diff_pct": None,
                           "ci95": None, "low": None, "high": None, "p_value": None, "significant": False}
    if n == 0:
        return out
    d = b - a
    mean = float(d.mean())
    scale = max(float(np.abs(a).max()), float(np.abs(b).max()), 1.0)
    sd = float(d.std(ddof=1)) if n > 1 else math.nan
    if n > 1 and sd <= 1e-12 * scale:  # the same in every replication (floating-point dust aside)
        sd = 0.0
        if abs(mean) <= 1e-12 * scale:
            mean = 0.0
    base = float(a.mean())
    out.update(baseline_mean=base, strategy_mean=float(b.mean()), diff=mean,
               diff_pct=(mean / abs(base) if base else None))
    if n < 2:
        return out  # one replication: a difference, but no interval and no test
    if sd == 0.0:
        # A constant difference: zero means "no effect" (p = 1); otherwise the
        # interval is the single point, which excludes 0 (p = 0).
        out.update(ci95=0.0, low=mean, high=mean, p_value=1.0 if mean == 0.0 else 0.0, significant=mean != 0.0)
        return out
    t = float(stdtrit(n - 1, 0.975))
    half = t * sd / math.sqrt(n)
    p = float(2 * stdtr(n - 1, -abs(mean) / (sd / math.sqrt(n))))
    out.update(ci95=half, low=mean - half, high=mean + half, p_value=p, significant=bool(mean - half > 0 or mean + half < 0))
    return out


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
                stat = _paired(a[ok], b[ok])
            else:
                stat = _paired(np.array([]), np.array([]))
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


def pareto_front(points: Mapping[str, tuple[float | None, float | None]] | Iterable[tuple[str, float | None, float | None]]
                 ) -> list[str]:
    """Names of the points no other point dominates, cheapest first.

    ``points`` maps a name to (cost, quality), lower cost and higher quality
    being better. A point is dominated when another costs no more and is no
    worse, and is strictly better on one of the two. Points with a null
    coordinate are on no frontier. Exact duplicates are both kept."""
    items: Sequence[tuple[str, float | None, float | None]]
    if isinstance(points, Mapping):
        items = [(name, xy[0], xy[1]) for name, xy in points.items()]
    else:
        items = list(points)
    clean = [(n, float(c), float(q)) for n, c, q in items
             if c is not None and q is not None and not math.isnan(float(c)) and not math.isnan(float(q))]
    front = []
    for name, cost, quality in clean:
        dominated = any(c <= cost and q >= quality and (c < cost or q > quality) for _, c, q in clean)
        if not dominated:
            front.append((cost, -quality, name))
    return [name for _, _, name in sorted(front)]
