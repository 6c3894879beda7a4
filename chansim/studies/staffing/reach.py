"""What staffing can reach, and what a judged staffing still fails.

A per-interval search adds agents where an interval misses its targets. Some
misses no agent fixes: a first reply that takes the agent 40 s to write
against a 60 s target. Others need far more agents than the first estimate:
the opening hour after a closed day, when the messages written while closed
all arrive at once. The search probes (:func:`probe`) at
:data:`~chansim.studies.staffing.searches.MAX_CELL_UP` more agents than the
first estimate, then at :data:`ESCALATION` times that in the intervals still
missing, and steers by the targets and intervals that staffing can move
(each escalated interval with the level that met, which the search may climb
to); the answer names the rest. :func:`failing_cells` is what the repair
rounds raise after judging.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from chansim.studies.staffing.pool_kpis import Measured
from chansim.studies.staffing.searches import MAX_CELL_UP

__all__ = ["probe", "failing_cells", "raise_cells", "ESCALATION", "REPAIR_SHARE"]

#: A repair round raises a failing interval by this share of its requirement (at least one agent).
REPAIR_SHARE = 0.02
#: Multiples of (first estimate + MAX_CELL_UP) probed, in turn, in the intervals still missing their targets.
ESCALATION = (2, 4, 8)


def probe(study, n: str, run: Callable[[tuple[int, ...]], Measured], start: np.ndarray, searched: np.ndarray) -> None:
    """What staffing can reach: pool ``n`` simulated once with
    :data:`MAX_CELL_UP` more agents than the first estimate in every
    searched interval. A target still missed there over the run even at the
    optimistic end of its 95 % CI is out of reach of staffing (set by handle
    or writing times). An interval whose mean still misses there is probed
    again at :data:`ESCALATION` times its level, all such intervals together,
    until it meets (the opening hour after a closed day, whose backlog needs
    many agents at once): the level that met is its ceiling
    (``study.ceiling``), up to which the search may climb there. One that
    misses even then is one more agents do not fix on these draws (a handful
    of contacts whose own writing times miss): the search steers by the
    rest, and the answer says what it left out."""
    ample = run(tuple(int(v) + MAX_CELL_UP if searched[c] else int(v) for c, v in enumerate(start)))
    notes, steer = [], []
    for t in study.applies[n]:
        mean, ci = ample.targets[str(t)]
        if mean is not None and not t.may_hold(mean, ci):
            notes.append(f"{t}: {mean:.4g} ± {ci or 0:.2g} over the run with {MAX_CELL_UP} more agents than the "
                         "first estimate in every interval; no staffing within the search's reach meets it")
        else:
            steer.append(t)
    reach = searched.copy()
    for c in np.flatnonzero(searched):
        reach[c] = ample.cell_meets(steer, int(c))
    levels = np.where(searched, np.asarray(start, dtype=np.int64) + MAX_CELL_UP, np.asarray(start, dtype=np.int64))
    ceiling = np.zeros(levels.size, dtype=np.int64)  # a level that met, where it is above the search's usual reach
    for factor in ESCALATION:
        missed = np.flatnonzero(searched & ~reach)
        if not missed.size:
            break
        trial = levels.copy()
        trial[missed] *= factor
        higher = run(tuple(int(v) for v in trial))
        for c in missed:
            if higher.cell_meets(steer, int(c)):
                reach[c], ceiling[c] = True, trial[c]
    missed = np.flatnonzero(searched & ~reach)
    if missed.size:
        labels = ", ".join(study.cells.label(int(c)) for c in missed[:8]) + (" …" if missed.size > 8 else "")
        notes.append(f"{missed.size} interval(s) miss {', '.join(map(str, steer))} on the search's replications "
                     f"even with {ESCALATION[-1]} times the first estimate plus {MAX_CELL_UP} agents ({labels}): "
                     "more agents there do not help (too few contacts to steer by, or work no agent can speed up), "
                     "so the search leaves them at its first estimate and the verdict judges them like every other "
                     "interval")
    study.steer[n], study.reach[n], study.ceiling[n] = steer, reach, ceiling
    if notes:
        study.unreachable[n] = notes


def failing_cells(study, measured: dict[str, Measured], need: dict[str, np.ndarray]) -> dict[str, list[int]]:
    """Per pool, the intervals within reach that the judged staffing does
    not show to pass: failed, or still undecided after replications were
    added (the search steered by means, so an interval at the edge of its
    target gets more agents rather than an answer that cannot say yes);
    every interval with agents when only the whole run fails."""
    failing = {}
    for n in study.names:
        steer, reach = study.steer.get(n, study.applies[n]), study.reach.get(n)
        failing[n] = [c for c in range(study.cells.count) if study._searched(n, c)
                      and (reach is None or reach[c]) and measured[n].cell_verdict(steer, c) != "pass"]
        if not failing[n] and measured[n].verdict(steer) == "fail":
            failing[n] = [c for c in range(study.cells.count) if need[n][c] > 0]  # only the whole run fails
    return failing


def raise_cells(need: np.ndarray, failing: list[int]) -> None:
    """One repair round: each interval in ``failing`` gets
    :data:`REPAIR_SHARE` of its requirement more, rounded up, so at least one
    agent (an interval of 230 agents, the opening after a closed day, gets
    5; one of 40 gets 1)."""
    if failing:
        rows = np.asarray(failing, dtype=np.int64)
        need[rows] += np.maximum(1, np.ceil(need[rows] * REPAIR_SHARE - 1e-9).astype(np.int64))
