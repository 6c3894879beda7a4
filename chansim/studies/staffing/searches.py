"""The two searches of a staffing study, over a function that simulates.

* :func:`search_level`: the smallest level N (a headcount, or the peak of a
  scaled roster) that passes, assuming more agents never hurt: gallop from a
  start, then bisect. N passes and N − 1 (if within reach) was simulated and
  failed.
* :func:`search_cells`: agents per cell (weekday × interval): add agents
  to every failing cell until all pass, then cut one from every cell not yet
  known to be minimal, all at once, undoing the cut where a failure is blamed
  on it (a failing cell blames itself if it was cut, else the nearest earlier
  cut cell, whose backlog it inherited); a cell that fails round after round
  (the opening hour after a closed day) climbs by doubling steps and comes
  down by halving cuts. A cell passes or fails here on the
  mean of its replications: an interval holds a few contacts, whose CI at the
  search's replications is too wide to decide anything; the answer is then
  judged with replications added until each interval is decided
  (:mod:`~chansim.studies.staffing.judging`).

When no staffing within a search's cap passes, it raises :class:`CapReached`
with the largest staffing it tried: that is still an answer (judged "no"),
not bad input.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from chansim.studies.staffing.cells import Cells
from chansim.studies.staffing.pool_kpis import Measured
from chansim.kpis.goals import CONVENTION, Target

__all__ = ["search_level", "search_cells", "CapReached", "MAX_CELL_UP"]

#: Rounds of "add one agent to every failing cell" before giving up.
MAX_CELL_UP = 40


class CapReached(Exception):
    """No staffing within the search's cap meets the targets: ``staffing`` is
    the largest one tried, ``why`` says so in words."""

    def __init__(self, staffing, why: str):
        super().__init__(why)
        self.staffing = staffing
        self.why = why


def search_level(passes: Callable[[int], bool], start: int, floor: int, cap: int, pool: str,
                      targets: Sequence[Target]) -> int:
    """Smallest N in [floor, cap] that passes, assuming more agents never hurt:
    gallop from ``start`` then bisect. N passes and N − 1 (if ≥ floor) failed.
    Raises :class:`CapReached` (with ``cap``) when ``cap`` fails too."""
    seen: dict[int, bool] = {}

    def ok(n: int) -> bool:
        if n not in seen:
            seen[n] = passes(n)
        return seen[n]

    start = min(max(start, floor), cap)
    if ok(start):
        hi, lo, step = start, None, 1
        while hi > floor:
            candidate = max(hi - step, floor)
            if ok(candidate):
                hi, step = candidate, step * 2
            else:
                lo = candidate
                break
        if lo is None:
            return hi
    else:
        lo, hi, step = start, None, 1
        while hi is None:
            if lo >= cap:
                raise CapReached(cap, f"pool {pool!r}: no staffing up to {cap} agents meets "
                                      f"{', '.join(map(str, targets))} (under the convention: {CONVENTION}); "
                                      f"this is {cap} agents, the largest level tried")
            candidate = min(lo + step, cap)
            if ok(candidate):
                hi = candidate
            else:
                lo, step = candidate, step * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def search_cells(evaluate: Callable[[tuple[int, ...]], Measured], start: Sequence[int], floor: Sequence[int],
                  searched: np.ndarray, targets: Sequence[Target], pool: str, cells: Cells,
                  ceiling: Sequence[int] | None = None) -> tuple[int, ...]:
    """Per-interval search (module docstring) over the ``searched`` cells;
    the others stay at their start value. Raises :class:`CapReached` (with
    the schedule after :data:`MAX_CELL_UP` rounds of adding agents) when
    some cell still fails then.

    A cell that keeps failing climbs by doubling steps (1, 2, 4, … agents
    while it fails round after round; one again once it passes), never past
    its ``ceiling`` in one step (a level known to meet its targets, 0: none;
    :func:`~chansim.studies.staffing.reach.probe`), and comes down by halving
    cuts between the last level that failed and the one that met."""
    n = len(start)
    schedule = [max(s, f) for s, f in zip(start, floor)]
    order = [c for c in range(n) if searched[c]]
    top = [int(v) for v in ceiling] if ceiling is not None else [0] * n
    step = [1] * n
    below = [-1] * n  # per cell, the last level that failed (-1: none)
    failing: list[int] = []
    for _ in range(MAX_CELL_UP):
        entry = evaluate(tuple(schedule))
        failing = [c for c in order if not entry.cell_meets(targets, c)]
        if not failing:
            break
        missing = set(failing)
        for c in order:
            if c not in missing:
                step[c] = 1  # a cell that passes climbs one agent at a time again
                continue
            below[c] = schedule[c]
            climb = step[c] if top[c] <= schedule[c] else min(step[c], top[c] - schedule[c])
            schedule[c] += climb
            step[c] *= 2
    else:
        raise CapReached(tuple(schedule), f"pool {pool!r}: no schedule meets {', '.join(map(str, targets))} in "
                         f"every interval after {MAX_CELL_UP} rounds of adding agents; this is the largest schedule "
                         "tried")
    fixed: set[int] = set()
    while True:
        cuts = {c: max(1, (schedule[c] - below[c]) // 2) if below[c] >= 0 else 1
                for c in order if c not in fixed and schedule[c] > floor[c]}
        if not cuts:
            return tuple(schedule)
        trial = list(schedule)
        for c, cut in cuts.items():
            trial[c] = max(trial[c] - cut, floor[c])
        entry = evaluate(tuple(trial))
        failing = [c for c in order if not entry.cell_meets(targets, c)]
        if not failing:
            schedule = trial
            continue
        blamed_cells = set()
        for c in failing:
            blamed = next(((c - back) % n for back in range(n) if (c - back) % n in cuts), None)
            if blamed is not None:
                blamed_cells.add(blamed)
        for c in blamed_cells:  # every cut is undone; a blamed cell is minimal, or halves its gap next time
            if cuts[c] > 1:
                below[c] = trial[c]
            else:
                fixed.add(c)
