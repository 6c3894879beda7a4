"""Cost lines: priced messages and calls summed into one line per
(replication, strategy, segment, market, channel, rule, card, unit), the
table the cost KPIs, reports and re-pricing read."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["cost_lines", "COST_LINE_COLUMNS"]

COST_LINE_COLUMNS = ("replication", "strategy", "segment", "market", "channel", "rule", "card", "unit", "count",
                     "units", "cost")


def cost_lines(*priced: pd.DataFrame) -> pd.DataFrame:
    """Sum priced messages and calls into one line per (replication, strategy,
    segment, market, channel, rule, card, unit): ``count`` rows, ``units`` and
    ``cost``, sorted by those keys (keys a table lacks are left out)."""
    keys = ["replication", "strategy", "segment", "market", "channel", "rule", "card", "unit"]
    labels = ("strategy", "segment", "market", "channel", "rule", "card", "unit")
    partial = []
    for frame in priced:
        if not len(frame):
            continue
        present = [k for k in keys if k in frame]
        sums = _sums(frame, present)
        for key in labels:
            if key in sums:
                sums[key] = sums[key].astype(str)
        partial.append(sums)
    if not partial:
        return pd.DataFrame({c: pd.Series(dtype=float if c in ("units", "cost") else object) for c in COST_LINE_COLUMNS})
    lines = pd.concat(partial, ignore_index=True)
    present = [k for k in keys if k in lines]
    if lines.duplicated(present).any():  # the same line in two tables
        lines = lines.groupby(present, sort=False, as_index=False)[["count", "units", "cost"]].sum()
    lines = lines.sort_values(present, kind="stable", ignore_index=True)
    return lines[[c for c in COST_LINE_COLUMNS if c in lines]]


def _sums(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``count`` rows, ``units`` and ``cost`` of ``frame`` per distinct value
    of its ``keys`` (missing values a value of their own), the keys as the
    table has them: the same sums as grouping on the keys (each group's rows
    summed in order), from one small code per row (the keys' codes in mixed
    radix, numbered) instead of a code per key."""
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
        part = frame[keys + ["units", "cost"]].assign(count=1)
        return part.groupby(keys, sort=False, observed=True, as_index=False, dropna=False)[
            ["count", "units", "cost"]].sum()
    row_key = np.zeros(len(frame), dtype=np.int32)
    for code, base in codes:
        if code is not None:
            row_key *= base
            row_key += code
            row_key += 1
    # the keys that occur, numbered 0, 1, ... (a small code per row): grouped on them as categories
    seen = np.zeros(radix, dtype=bool)
    seen[row_key] = True
    present = np.flatnonzero(seen)
    number = np.zeros(radix, dtype=np.int8 if present.size < 128 else np.int32)
    number[present] = np.arange(present.size)
    line = number[row_key]
    del row_key
    grouped = frame[["units", "cost"]].groupby(pd.Categorical.from_codes(line, categories=pd.RangeIndex(present.size)),
                                               sort=False, observed=True)
    totals, sizes = grouped.sum(), grouped.size()
    del grouped, line
    count = sizes.reindex(totals.index).to_numpy() if not sizes.index.equals(totals.index) else sizes.to_numpy()
    value = present[np.asarray(totals.index.codes, dtype=np.int64)]  # (each category is its own number)
    parts = {}
    for key, (code, base), make in reversed(list(zip(keys, codes, decode))):
        parts[key] = make(value % base - 1)
        value //= base  # (a key of one value: base 1, code 0)
    out = pd.DataFrame({key: parts[key] for key in keys})
    out["count"] = count.astype(np.int64)
    out["units"] = totals["units"].to_numpy()
    out["cost"] = totals["cost"].to_numpy()
    return out


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
