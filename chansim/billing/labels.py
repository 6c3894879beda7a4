"""Price labels (``unit``, ``rule``, ``card``): a few distinct texts over many
rows, so they are kept as categories (one small code per row, each text once)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["LABEL_COLUMNS", "as_labels", "constant"]

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
