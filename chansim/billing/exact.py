"""Exact sums of floats: the same total whatever the order of the values and
however they are split into parts.

A long run is measured a part at a time (a chunk of its customers, then the
next); a float sum such as ``np.sum`` rounds after every addition, so the
same values summed in two parts can end one bit apart from summing them
at once. Here every finite double is an integer multiple of ``2**-SCALE``,
so a sum is kept as a Python integer in those units — exact — and rounded
to a float once, at the end (:func:`to_float`: the correctly rounded value,
the same as :func:`math.fsum` of all the values). The arithmetic is the
engine's (:class:`chansim.engine.exact_bins.ExactCells`, which bins a run's
staffing the same way).
"""

from __future__ import annotations

import numpy as np

from chansim.engine.exact_bins import SCALE, ExactCells

__all__ = ["SCALE", "scaled", "scaled_by_group", "to_float", "exact_sum"]


def scaled_by_group(groups: np.ndarray, k: int, values: np.ndarray) -> list[int]:
    """The exact sum of ``values`` per group ``0..k-1`` (``groups``: one code
    per value; values of other codes are left out), in units of
    ``2**-SCALE``. The values must be finite."""
    cells = ExactCells(k)
    cells.add(groups, values)
    return cells.totals


def scaled(values: np.ndarray) -> int:
    """The exact sum of finite ``values``, in units of ``2**-SCALE``."""
    x = np.asarray(values, dtype=float).ravel()
    return scaled_by_group(np.zeros(x.size, dtype=np.int64), 1, x)[0]


def to_float(total: int) -> float:
    """The float nearest an exact sum (ties to even): what :func:`math.fsum`
    of the values gives."""
    return total / (1 << SCALE) if total else 0.0


def exact_sum(values) -> float:
    """The correctly rounded sum of finite ``values``, whatever their order."""
    return to_float(scaled(np.asarray(values, dtype=float)))
