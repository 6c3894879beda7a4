"""Cost lines: priced messages and calls summed into one line per
(replication, strategy, segment, market, channel, rule, card, unit), the
table the cost KPIs, reports and re-pricing read.

The ``units`` and ``cost`` of a line are exact sums (:mod:`chansim.billing.exact`):
kept as integers while rows are added and rounded once, so they are the same
whatever the order of the rows and however they were split into parts
(:class:`LineSums` adds a log a part at a time)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chansim.billing import exact

__all__ = ["cost_lines", "COST_LINE_COLUMNS", "LineSums", "LINE_KEYS"]

COST_LINE_COLUMNS = ("replication", "strategy", "segment", "market", "channel", "rule", "card", "unit", "count",
                     "units", "cost")
#: The keys of a line.
LINE_KEYS = COST_LINE_COLUMNS[:-3]
_LABELS = ("strategy", "segment", "market", "channel", "rule", "card", "unit")
_ABSENT = object()  # a key the table lacks


def cost_lines(*priced: pd.DataFrame) -> pd.DataFrame:
    """Sum priced messages and calls into one line per (replication, strategy,
    segment, market, channel, rule, card, unit): ``count`` rows, ``units`` and
    ``cost`` (exact sums, correctly rounded), sorted by those keys (keys a
    table lacks are left out)."""
    sums = LineSums()
    for frame in priced:
        sums.add(frame)
    return sums.lines()


class LineSums:
    """Running exact sums per cost line: add priced tables (or their lines'
    keys and sums), then :meth:`lines`. Holds one entry per line."""

    def __init__(self):
        self.totals: dict[tuple, list[int]] = {}  # line key → [count, units, cost] (sums in 2**-SCALE)
        self.dtypes: dict[str, object] = {}  # the dtype of each key that is not a label, as first seen

    def add(self, frame: pd.DataFrame) -> None:
        """Add the rows of a priced table (``units``, ``cost`` and the line keys it has)."""
        if not len(frame):
            return
        present = [k for k in LINE_KEYS if k in frame]
        line, k, values = _line_codes(frame, present)
        count = np.bincount(line, minlength=k)
        units = exact.scaled_by_group(line, k, _finite(frame["units"]))
        cost = exact.scaled_by_group(line, k, _finite(frame["cost"]))
        for key in present:
            if key not in _LABELS:
                self.dtypes.setdefault(key, values[key].dtype)
        columns = [[_ABSENT] * k if key not in values else values[key].astype(str).tolist() if key in _LABELS
                   else list(values[key]) for key in LINE_KEYS]
        for i, key in enumerate(zip(*columns)):
            self.add_line(key, int(count[i]), units[i], cost[i])

    def add_line(self, key: tuple, count: int, units: int, cost: int) -> None:
        """Add ``count`` rows of ``units`` and ``cost`` (exact sums, in
        ``2**-SCALE``) to the line ``key`` (a value per :data:`LINE_KEYS`)."""
        total = self.totals.get(key)
        if total is None:
            self.totals[key] = [count, units, cost]
        else:
            total[0] += count
            total[1] += units
            total[2] += cost

    def lines(self) -> pd.DataFrame:
        """The cost lines of everything added, sorted by their keys."""
        if not self.totals:
            return pd.DataFrame({c: pd.Series(dtype=float if c in ("units", "cost") else object)
                                 for c in COST_LINE_COLUMNS})
        keys = list(self.totals)
        columns = {}
        for j, name in enumerate(LINE_KEYS):
            values = [key[j] for key in keys]
            if all(v is _ABSENT for v in values):
                continue
            values = [np.nan if v is _ABSENT else v for v in values]
            if name in _LABELS:  # (texts, as added; missing where a table lacks the key)
                columns[name] = pd.Series(values, dtype=object).astype(str) if not any(
                    v is np.nan for v in values) else pd.Series(values)
            else:
                column = pd.Series(values)
                dtype = self.dtypes.get(name)
                columns[name] = column.astype(dtype) if dtype is not None and not column.isna().any() else column
        totals = list(self.totals.values())
        out = pd.DataFrame(columns)
        out["count"] = np.array([t[0] for t in totals], dtype=np.int64)
        out["units"] = np.array([exact.to_float(t[1]) for t in totals], dtype=float)
        out["cost"] = np.array([exact.to_float(t[2]) for t in totals], dtype=float)
        present = [k for k in LINE_KEYS if k in out]
        out = out.sort_values(present, kind="stable", ignore_index=True)
        return out[[c for c in COST_LINE_COLUMNS if c in out]]


def _finite(column: pd.Series) -> np.ndarray:
    """The values of a sum column, missing ones as 0 (as a table's sum leaves them out)."""
    values = column.to_numpy(dtype=float, na_value=np.nan)
    return np.nan_to_num(values, nan=0.0) if np.isnan(values).any() else values


def _line_codes(frame: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, int, dict[str, pd.Series]]:
    """The line of each row of ``frame`` (codes 0..k-1), k, and each key's
    value on each line (missing values a value of their own), from one small
    code per row (the keys' codes in mixed radix, numbered) instead of a code
    per key."""
    codes, decode, radix = [], [], 1
    for key in keys:
        column = frame[key]
        one = _one_value(column)
        if one is not None:  # the same value on every row (one replication, one strategy): not in the key
            codes.append((None, 1))
            decode.append(lambda c, one=one: one.take(np.zeros(c.size, dtype=np.int64)))
            continue
        if isinstance(column.dtype, pd.CategoricalDtype):
            code = column.cat.codes.to_numpy()
            count = len(column.cat.categories)
            decode.append(lambda c, column=column: pd.Categorical.from_codes(c, dtype=column.dtype))
        else:
            code, uniques = pd.factorize(column, use_na_sentinel=True)
            count = len(uniques)
            decode.append(lambda c, uniques=uniques: uniques.take(c, allow_fill=True, fill_value=np.nan) if (c < 0).any()
                          else uniques.take(c))
        codes.append((code, count + 1))  # code -1 (missing) is 0 in the key
        radix *= count + 1
    if radix > 2**24:  # (keys of too many values for a table of them: grouped on each key)
        grouped = frame[keys].groupby(keys, sort=False, observed=True, dropna=False)
        line = grouped.ngroup().to_numpy()
        firsts = frame[keys].iloc[np.unique(line, return_index=True)[1]]
        return line, len(firsts), {key: firsts[key].reset_index(drop=True) for key in keys}
    row_key = np.zeros(len(frame), dtype=np.int64)
    for code, base in codes:
        if code is not None:
            row_key *= base
            row_key += code
            row_key += 1
    # the keys that occur, numbered 0, 1, ...
    seen = np.zeros(radix, dtype=bool)
    seen[row_key] = True
    present = np.flatnonzero(seen)
    number = np.zeros(radix, dtype=np.int64)
    number[present] = np.arange(present.size)
    line = number[row_key]
    value = present.copy()
    parts = {}
    for key, (code, base), make in reversed(list(zip(keys, codes, decode))):
        parts[key] = pd.Series(make(value % base - 1))
        value //= base  # (a key of one value: base 1, code 0)
    return line, present.size, parts


def _one_value(column: pd.Series):
    """The column's first row (as a one-row array of its type) when every row
    holds that same value (not missing); else None."""
    values = column.array
    if not len(values) or column.hasnans:
        return None
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = values.codes
        return values[:1] if (codes == codes[0]).all() else None
    if isinstance(values, pd.arrays.NumpyExtensionArray) and column.dtype.kind in "iub":
        raw = column.to_numpy()
        return values[:1] if (raw == raw[0]).all() else None
    return None
