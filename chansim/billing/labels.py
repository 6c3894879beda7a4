"""Price labels (``unit``, ``rule``, ``card``): a few distinct texts over many
rows, so they are kept as categories (one small code per row, each text once)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["LABEL_COLUMNS", "as_labels", "constant", "stitch"]

#: Price columns that hold labels.
LABEL_COLUMNS = ("unit", "rule", "card")


def as_labels(values) -> pd.Categorical:
    """``values`` (texts, one per row) as a categorical."""
    if isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
        return values.array if isinstance(values, pd.Series) else values
    return pd.Categorical(values)


def constant(text: str, n: int) -> pd.Categorical:
    """``text`` on each of ``n`` rows."""
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[text])


def stitch(parts: list[tuple[np.ndarray, pd.Categorical]], n: int) -> pd.Categorical:
    """One column of ``n`` rows from labels priced in parts: ``(rows, labels)``
    puts ``labels`` at positions ``rows``; rows in no part are missing."""
    categories = pd.Index(pd.unique(np.concatenate([np.asarray(cat.categories, dtype=object) for _, cat in parts]))
                          if parts else [], dtype=object).astype(str)
    codes = np.full(n, -1, dtype=np.int32)
    for rows, cat in parts:
        to_new = categories.get_indexer(cat.categories)
        own = np.asarray(cat.codes)
        codes[rows] = np.where(own >= 0, to_new[own], -1)
    return pd.Categorical.from_codes(codes, categories=categories)
