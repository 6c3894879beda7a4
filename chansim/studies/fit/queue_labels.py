"""Whether a log's classes of call can rank the queue.

``fit`` ranks the classes of call by their mean wait (answered sooner = ahead
in the queue). That reading holds when a call's class is set before it meets
the queue: Poisson arrivals of any class see the queue as it is at random
instants (PASTA), so every class finds calls waiting as often as all arrivals
of the same hour do, whatever the queue order. Some ACDs label a call by
what happened to it instead (a caller who found a queue is moved to another
class, or identified only while waiting); then a class finds a queue far
more or far less often than the hour's arrivals, its mean wait says what
the label means, not where the class stands in the queue, and the classes
are fitted as one first-come-first-served queue.

A class is *queue-labelled* when, among at least :data:`MIN_CALLS` arrivals,
the calls it found waiting differ from what the hour's arrivals found by a
ratio outside :data:`RATIO` and by more than :data:`Z` standard errors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["ClassCheck", "found_queue", "queue_labelled", "MIN_CALLS", "RATIO", "Z"]

MIN_CALLS = 200
RATIO = (0.8, 1.25)
Z = 4.0


@dataclass(frozen=True)
class ClassCheck:
    """One class: arrivals, how many found calls waiting, how many the
    hour's arrivals lead to expect, and whether its label follows the queue."""

    name: str
    calls: int
    found: int
    expected: float
    z: float
    follows_queue: bool

    @property
    def ratio(self) -> float:
        return self.found / self.expected if self.expected > 0 else float("nan")


def found_queue(arrival: pd.Series, wait_s: pd.Series) -> np.ndarray:
    """For each call, whether another call was waiting the second before it
    arrived (a call waits from its arrival for ``wait_s``, answered or not)."""
    t = arrival.to_numpy().astype("datetime64[s]").astype(np.int64)
    left = t + np.nan_to_num(wait_s.to_numpy(dtype=float), nan=0.0).astype(np.int64)
    waited = left > t
    starts, ends = np.sort(t[waited]), np.sort(left[waited])
    at = t - 1
    return (np.searchsorted(starts, at, "left") - np.searchsorted(ends, at, "right")) > 0


def queue_labelled(arrival: pd.Series, wait_s: pd.Series, names: pd.Series) -> list[ClassCheck]:
    """Each class's check, against the share of the same hour's arrivals (all
    classes) that found calls waiting."""
    found = pd.Series(found_queue(arrival, wait_s), index=names.index)
    hour = arrival.dt.floor("h")
    p = found.groupby(hour).transform("mean").to_numpy(dtype=float)
    out = []
    for name in sorted(names.unique(), key=str):
        rows = (names == name).to_numpy()
        n, k = int(rows.sum()), int(found.to_numpy()[rows].sum())
        expected = float(p[rows].sum())
        sd = float(np.sqrt((p[rows] * (1.0 - p[rows])).sum()))
        z = (k - expected) / sd if sd > 0 else 0.0
        ratio = k / expected if expected > 0 else 1.0
        follows = n >= MIN_CALLS and abs(z) > Z and not (RATIO[0] <= ratio <= RATIO[1])
        out.append(ClassCheck(str(name), n, k, expected, float(z), bool(follows)))
    return out
