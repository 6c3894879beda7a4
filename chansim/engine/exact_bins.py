"""Exact sums of seconds per cell (a pool's staffing interval): the same
totals whatever the order the values come in and however a run's records are
split into parts before they are added.

Every finite double is an integer multiple of ``2**-SCALE``, so a cell's sum is
kept as a Python integer in those units (exact) and rounded to a float once,
when read (:meth:`ExactCells.floats`: the correctly rounded value, what
:func:`math.fsum` of the cell's values gives).

Vectorised: each double is split, from its bits, into its exponent and two
26-bit halves of its signed mantissa; the halves are summed per (cell,
exponent) with ``np.bincount``, whose float sums stay exact below ``2**53``.

:func:`span_pieces` cuts spans of time into their parts per interval, each
part computed from its span alone (so the parts do not depend on which spans
are cut together).
"""

from __future__ import annotations

import numpy as np

__all__ = ["SCALE", "ExactCells", "span_pieces"]

#: Sums are integers in units of 2**-SCALE (the smallest double, 2**-1074, is 2**52 of them).
SCALE = 1126
_HALF = 26
_LOW = (1 << _HALF) - 1
_PART = 1 << 16  #: values summed at a time (few temporaries); |half| < 2**27, so each float sum stays below 2**52


class ExactCells:
    """Exact sums of float values in cells ``0..k-1``."""

    __slots__ = ("totals",)

    def __init__(self, k: int):
        self.totals = [0] * k  # per cell, in units of 2**-SCALE

    def __len__(self) -> int:
        return len(self.totals)

    def add(self, cells: np.ndarray, values: np.ndarray) -> None:
        """Add each of ``values`` (finite) to its cell (``cells``: one code per
        value; values of codes outside ``0..k-1`` are left out)."""
        x = np.ascontiguousarray(values, dtype=float).ravel()
        c = np.asarray(cells, dtype=np.int64).ravel()
        if x.size != c.size:
            raise ValueError("one cell per value")
        inside = (c >= 0) & (c < len(self.totals))
        if not inside.all():
            x, c = x[inside], c[inside]
        for lo in range(0, x.size, _PART):
            self._add_part(c[lo:lo + _PART], x[lo:lo + _PART])

    def _add_part(self, c: np.ndarray, x: np.ndarray) -> None:
        if not x.size:
            return
        bits = x.view(np.int64)
        field = bits >> 52
        field &= 0x7FF  # the biased exponent (0: subnormal, 0x7FF: not finite)
        if field.max() == 0x7FF:
            raise ValueError("exact sums take finite values only")
        normal = np.minimum(field, 1)
        whole = bits & ((1 << 52) - 1)
        whole |= normal << 52  # the mantissa, with its implicit leading bit where the double is normal
        sign = bits >> 63  # -1 or 0
        whole ^= sign
        whole -= sign  # x = whole * 2**(max(field, 1) - 1075), |whole| < 2**53
        field |= 1 - normal  # (a subnormal's exponent is that of field 1)
        low_field = int(field.min())
        fields = int(field.max()) - low_field + 1
        low_cell = int(c.min())
        key = c - low_cell
        key *= fields
        key += field - low_field  # one key per (cell, exponent) met
        keys = (int(c.max()) - low_cell + 1) * fields
        codes = None
        if keys > max(4 * x.size, 1 << 16):  # (few values over many cells: only the keys met)
            codes, key = np.unique(key, return_inverse=True)
            keys = codes.size
        high = np.bincount(key, weights=(whole >> _HALF).astype(float), minlength=keys)
        whole &= _LOW
        low = np.bincount(key, weights=whole.astype(float), minlength=keys)
        totals = self.totals
        for k in np.flatnonzero((high != 0) | (low != 0)).tolist():
            cell, f = divmod(k if codes is None else int(codes[k]), fields)
            totals[low_cell + cell] += ((int(high[k]) << _HALF) + int(low[k])) << (low_field + f - 1075 + SCALE)

    def floats(self, lo: int = 0, hi: int | None = None) -> np.ndarray:
        """The sums of cells ``lo..hi-1``, each rounded once to the nearest
        float (ties to even)."""
        scale = 1 << SCALE
        return np.array([t / scale if t else 0.0 for t in self.totals[lo:hi]], dtype=float)


def span_pieces(start: np.ndarray, end: np.ndarray, interval: float, count: int, until: float,
                weight: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The parts of spans [start, end) in intervals ``0..count-1`` of
    ``interval`` s: (span, interval, seconds × ``weight`` of the span), the
    parts of zero length left out. What is before time 0 (the warm-up) and
    after ``until`` (the end of the run) is not counted."""
    end = np.minimum(end, until)
    start = np.minimum(start, end)
    start = np.maximum(start, 0.0)
    end = np.maximum(end, start)
    first, last = _bins(start, interval), _bins(end, interval)
    pieces = np.clip(np.minimum(last, count - 1) - first + 1, 0, None)
    span = np.repeat(np.arange(start.size), pieces)
    where = first[span] + (np.arange(span.size) - np.repeat(np.cumsum(pieces) - pieces, pieces))
    seconds = np.minimum(end[span], (where + 1) * interval) - np.maximum(start[span], where * interval)
    keep = seconds > 0
    span, where, seconds = span[keep], where[keep], seconds[keep]
    if weight is not None:
        seconds *= weight[span]
    return span, where, seconds


def _bins(t: np.ndarray, interval: float) -> np.ndarray:
    """The interval each time falls in: floor(t / interval)."""
    x = t / interval
    np.floor(x, out=x)
    return x.astype(np.int64)
