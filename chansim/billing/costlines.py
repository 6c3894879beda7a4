"""Cost lines: priced messages and calls summed into one line per
(replication, strategy, segment, market, channel, rule, card, unit), the
table the cost KPIs, reports and re-pricing read."""

from __future__ import annotations

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
        part = frame[present + ["units", "cost"]].assign(count=1)
        # grouped on the labels as they are (categories: one code per row), then named
        sums = part.groupby(present, sort=False, observed=True, as_index=False, dropna=False)[
            ["count", "units", "cost"]].sum()
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
