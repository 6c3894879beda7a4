"""Exact sums of floats: the same total whatever the order of the values and
however they are split into parts.

A long run is measured a part at a time (a chunk of its customers, then the
next); a float sum such as ``np.sum`` rounds after every addition, so the
same values summed in two parts can end one bit apart from summing them
at once. Here every finite double is an integer multiple of ``2**-SCALE``,
so a sum is kept as a Python integer in those units — exact — and rounded
to a float once, at the end (:func:`to_float`: the correctly rounded value,
the same as :func:`math.fsum` of all the values).

Vectorised: each double is split, from its bits, into its exponent and two
26-bit halves of its signed mantissa; the halves are summed per (group, exponent) with
``np.bincount``, whose float sums stay exact below ``2**53``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SCALE", "scaled", "scaled_by_group", "to_float", "exact_sum"]

#: Sums are integers in units of 2**-SCALE (the smallest double, 2**-1074, is 2**52 of them).
SCALE = 1126
_BINS = 2100  #: exponents of the 53-bit mantissas, shifted by SCALE: 0 .. 2098
_HALF = 26
_LOW = (1 << _HALF) - 1
_PART = 1 << 25  #: values per bincount: |half| < 2**27, so each bin's float sum stays below 2**52


def scaled_by_group(groups: np.ndarray, k: int, values: np.ndarray) -> list[int]:
    """The exact sum of ``values`` per group ``0..k-1`` (``groups``: one code
    per value; values of other codes are left out), in units of
    ``2**-SCALE``. The values must be finite."""
    x = np.asarray(values, dtype=float).ravel()
    g = np.asarray(groups, dtype=np.int64).ravel()
    if x.size != g.size:
        raise ValueError("one group per value")
    totals = [0] * k
    if not x.size or not k:
        return totals
    if k == 1 and not (g != 0).any():
        g = None  # (one group holding every value)
    else:
        inside = (g >= 0) & (g < k)
        if not inside.all():
            x, g = x[inside], g[inside]
    for lo in range(0, x.size, _PART):
        _add_part(totals, None if g is None else g[lo:lo + _PART], k, x[lo:lo + _PART])
    return totals


def _add_part(totals: list[int], g: np.ndarray | None, k: int, x: np.ndarray) -> None:
    bits = x.view(np.int64)
    field = bits >> 52
    field &= 0x7FF  # the biased exponent (0: subnormal, 0x7FF: not finite)
    if field.max(initial=0) == 0x7FF:
        raise ValueError("exact sums take finite values only")
    normal = np.minimum(field, 1)
    whole = bits & ((1 << 52) - 1)
    whole |= normal << 52  # the mantissa, with its implicit leading bit where the double is normal
    sign = bits >> 63  # -1 or 0
    whole ^= sign
    whole -= sign  # x = whole * 2**(max(field, 1) - 1075), |whole| < 2**53
    field |= 1 - normal  # (a subnormal's exponent is that of field 1)
    field += SCALE - 1075  # x = whole * 2**(field - SCALE), field >= 0
    if g is not None:
        field += g * _BINS
    high = np.bincount(field, weights=(whole >> _HALF).astype(float), minlength=k * _BINS)
    whole &= _LOW
    low = np.bincount(field, weights=whole.astype(float), minlength=k * _BINS)
    for c in np.flatnonzero((high != 0) | (low != 0)).tolist():
        group, shift = divmod(c, _BINS)
        totals[group] += ((int(high[c]) << _HALF) + int(low[c])) << shift


def scaled(values: np.ndarray) -> int:
    """The exact sum of finite ``values``, in units of ``2**-SCALE``."""
    x = np.asarray(values, dtype=float).ravel()
    totals = [0]
    for lo in range(0, x.size, _PART):
        _add_part(totals, None, 1, x[lo:lo + _PART])
    return totals[0]


def to_float(total: int) -> float:
    """The float nearest an exact sum (ties to even): what :func:`math.fsum`
    of the values gives."""
    return total / (1 << SCALE) if total else 0.0


def exact_sum(values) -> float:
    """The correctly rounded sum of finite ``values``, whatever their order."""
    return to_float(scaled(np.asarray(values, dtype=float)))
