"""The statistics behind every comparison: the 95 % confidence interval of a
mean over replications, the paired test of two strategies, and the Pareto
filter (the points no other point dominates).

Confidence intervals are Student t at 95 %: half-width ``t(0.975, n − 1) ·
sd / √n`` over the ``n`` replications that measured the value. Pure
functions over numbers; nothing here simulates, prints or writes files.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
from scipy.special import stdtr, stdtrit  # Student t: lighter than scipy.stats

__all__ = ["ci95_halfwidth", "paired_test", "pareto_front"]


def _halfwidth(sd: float, n: int) -> float:
    """Half-width of the 95 % Student-t interval of a mean of ``n`` values with standard deviation ``sd``."""
    return float(stdtrit(n - 1, 0.975) * sd / math.sqrt(n))


def ci95_halfwidth(values: Sequence[float | None]) -> float | None:
    """Half-width of the 95 % Student-t interval of the mean (null below 2 values)."""
    xs = np.array([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    if xs.size < 2:
        return None
    return _halfwidth(xs.std(ddof=1), xs.size)


def paired_test(a: np.ndarray, b: np.ndarray) -> dict[str, Any]:
    """Statistics of the paired differences b − a (both already free of nulls).

    ``n``, both means, ``diff`` (mean of b − a), ``diff_pct`` (relative to the
    mean of a), ``ci95`` and ``low``/``high`` (the 95 % Student-t interval of
    ``diff``), ``p_value`` (two-sided paired t-test) and ``significant``
    (the interval excludes 0). No pair: nulls; one pair: a difference but no
    interval; identical values: ``diff = 0``, ``ci95 = 0``, ``p_value = 1``;
    a constant non-zero difference: significant with ``p_value = 0``."""
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
    half = _halfwidth(sd, n)
    p = float(2 * stdtr(n - 1, -abs(mean) / (sd / math.sqrt(n))))
    out.update(ci95=half, low=mean - half, high=mean + half, p_value=p, significant=bool(mean - half > 0 or mean + half < 0))
    return out


def _better(sign: int, a: float, b: float) -> bool:
    """Whether ``a`` is better than ``b`` on a coordinate where ``sign`` is +1 (higher is better) or -1."""
    return sign * (a - b) > 0


def pareto_front(points: Mapping[Any, Sequence[float | None]] | Iterable[Sequence[Any]],
                 signs: Sequence[int] = (-1, 1)) -> list[Any]:
    """Names of the points no other point dominates, best first.

    ``points`` maps a name to its coordinates, or is a list of ``(name,
    coordinate, ...)``; ``signs`` says, per coordinate, whether higher (+1)
    or lower (-1) is better: by default (cost, quality), lower cost and
    higher quality being better. A point is dominated when another is at
    least as good on every coordinate and strictly better on one. Points
    with a null coordinate are on no frontier. Exact duplicates are all
    kept. The front is ordered best first on the first coordinate, then on
    the next, then by name."""
    items: list[tuple[Any, Sequence[Any]]]
    if isinstance(points, Mapping):
        items = [(name, tuple(xs)) for name, xs in points.items()]
    else:
        items = [(p[0], tuple(p[1:])) for p in points]
    clean = [(name, [float(x) for x in xs]) for name, xs in items
             if all(x is not None and not math.isnan(float(x)) for x in xs)]
    front = []
    for name, mine in clean:
        dominated = any(all(not _better(s, v, w) for s, v, w in zip(signs, mine, other))
                        and any(_better(s, w, v) for s, v, w in zip(signs, mine, other))
                        for _, other in clean)
        if not dominated:
            front.append(([-s * v for s, v in zip(signs, mine)], name))
    return [name for _, name in sorted(front, key=lambda kn: (kn[0], kn[1]))]
