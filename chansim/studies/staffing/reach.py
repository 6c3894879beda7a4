"""What staffing can reach, and what a judged staffing still fails.

A per-interval search adds agents where an interval misses its targets. Some
misses no agent fixes: a first reply that takes the agent 40 s to write
against a 60 s target, a backlog written while the channel was closed. The
search probes once (:func:`probe`) at the most it would ever add and steers
by the targets and intervals that staffing can move; the answer names the
rest. :func:`failing_cells` is what the repair rounds raise after judging.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from chansim.studies.staffing.pool_kpis import Measured
from chansim.studies.staffing.searches import MAX_CELL_UP

__all__ = ["probe", "failing_cells"]


def probe(study, n: str, run: Callable[[tuple[int, ...]], Measured], start: np.ndarray, searched: np.ndarray) -> None:
    """What staffing can reach: pool ``n`` simulated once with
    :data:`MAX_CELL_UP` more agents than the first estimate in every
    searched interval (the most the search would add). A target still
    missed there over the run even at the optimistic end of its 95 % CI is
    out of reach of staffing (set by handle or writing times); an interval
    whose mean still misses there is one more agents do not fix on these
    draws (a backlog from closed hours, a handful of contacts whose own
    writing times miss): the search steers by the rest, and the answer says
    what it left out."""
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
    missed = np.flatnonzero(searched & ~reach)
    if missed.size:
        labels = ", ".join(study.cells.label(int(c)) for c in missed[:8]) + (" …" if missed.size > 8 else "")
        notes.append(f"{missed.size} interval(s) miss {', '.join(map(str, steer))} on the search's replications "
                     f"even with {MAX_CELL_UP} more agents ({labels}): more agents there do not help (a backlog "
                     "from closed hours, or too few contacts to steer by), so the search leaves them at its first "
                     "estimate and the verdict judges them like every other interval")
    study.steer[n], study.reach[n] = steer, reach
    if notes:
        study.unreachable[n] = notes


def failing_cells(study, measured: dict[str, Measured], need: dict[str, np.ndarray]) -> dict[str, list[int]]:
    """Per pool, the intervals within reach that the judged staffing does
    not show to pass: failed, or still undecided after replications were
    added (the search steered by means, so an interval at the edge of its
    target gets one more agent rather than an answer that cannot say yes);
    every interval with agents when only the whole run fails."""
    failing = {}
    for n in study.names:
        steer, reach = study.steer.get(n, study.applies[n]), study.reach.get(n)
        failing[n] = [c for c in range(study.cells.count) if study._searched(n, c)
                      and (reach is None or reach[c]) and measured[n].cell_verdict(steer, c) != "pass"]
        if not failing[n] and measured[n].verdict(steer) == "fail":
            failing[n] = [c for c in range(study.cells.count) if need[n][c] > 0]  # only the whole run fails
    return failing
