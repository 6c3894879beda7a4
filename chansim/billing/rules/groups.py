"""Pricing a table a group of rows at a time (a channel and market, or a
card): the rows and columns a group's rules read, and the price columns
filled group by group."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chansim.billing.labels import LABEL_COLUMNS, as_labels, stitch

__all__ = ["Parts", "rows_read"]


class Parts:
    """Price columns of ``n`` rows filled part by part (a channel and market,
    or a card): each part's rows get its billable, units, cost, labels and,
    when the WhatsApp allowance is shared, its allowance."""

    def __init__(self, n: int, fill: float, shared_allowance: bool = False):
        self.n = n
        self.billable = np.zeros(n, dtype=bool)
        self.units = np.full(n, fill)
        self.cost = np.full(n, fill)
        self.allowance = np.zeros(n, dtype=np.int64) if shared_allowance else None
        self.labels: dict[str, list] = {column: [] for column in LABEL_COLUMNS}

    def put(self, rows: np.ndarray, priced: pd.DataFrame) -> None:
        """``priced`` on rows ``rows`` (a mask or positions); one priced row
        goes on every row."""
        self.billable[rows] = priced["billable"].to_numpy(dtype=bool)
        self.units[rows] = priced["units"].to_numpy(dtype=float)
        self.cost[rows] = priced["cost"].to_numpy(dtype=float)
        if self.allowance is not None and "allowance" in priced:
            self.allowance[rows] = priced["allowance"].to_numpy(dtype=np.int64)
        for column in LABEL_COLUMNS:
            self.labels[column].append((rows, as_labels(priced[column])))

    def label(self, column: str) -> pd.Categorical:
        return stitch(self.labels[column], self.n)


def rows_read(table: pd.DataFrame, rows: np.ndarray | None, *rules) -> pd.DataFrame:
    """The rows of mask ``rows`` of ``table`` (None: all of them) with the
    columns the ``rules`` read (each rule's ``reads``; a rule without it
    reads them all): a group's rows are copied, but only the columns its
    rules read."""
    reads = [getattr(rule, "reads", None) for rule in rules]
    names = list(table.columns)
    if all(r is not None for r in reads):
        wanted = set().union(*reads)
        names = [c for c in names if c in wanted]
    if rows is None:
        return table if len(names) == len(table.columns) else table[names]  # (selecting columns copies nothing)
    if not table.columns.is_unique:
        return table[names].iloc[rows]
    # the rows taken column by column, on a new index: a rule reads positions only (and keeps the index it is
    # given, which the pricer does not read)
    return pd.DataFrame({c: table[c].array[rows] for c in names}, index=pd.RangeIndex(np.count_nonzero(rows)),
                        copy=False)
