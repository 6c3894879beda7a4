"""Simulating the staffings a search tries and measuring the searched pools.

A staffing is ``{pool: roster}``, each roster a pool's ``headcount``,
``schedule`` or ``shifts``. Every staffing is simulated with the scenario's
seed (common random numbers), replications ``0, 1, …``; asked again it is
not simulated again, and asked with more replications it gets only the
missing ones (:mod:`~chansim.studies.staffing.replications`).
"""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any, Callable, Mapping

from chansim.kpis.goals import Target
from chansim.scenario.models import Scenario
from chansim.studies.staffing.cells import Cells
from chansim.studies.staffing.pool_kpis import Measured, measure
from chansim.studies.staffing.replications import Replications
from chansim.studies.staffing.scaling import describe, roster_overrides

__all__ = ["Evaluator", "Progress", "state_key"]

#: ``progress(evaluations, rule, staffing)``: told after each simulation: the
#: evaluations done so far, the search's stopping rule in words, and the
#: staffing just simulated.
Progress = Callable[[int, str, str], None]


class Evaluator:
    """Simulates staffings and measures the searched pools."""

    def __init__(self, resolved: Scenario, strategy: str, pools: dict[str, tuple[str, ...]],
                 targets: dict[str, list[Target]], replications: int, pool_for: Callable[[int], Executor],
                 cells: Cells | None, progress: Progress | None):
        self.resolved = resolved
        self.strategy = strategy
        self.pools = pools
        self.targets = targets
        self.replications = replications
        self.pool_for = pool_for  # opens the executor on the first simulation, kept for the whole search
        self.pool: Executor | None = None
        self.cells = cells
        self.progress = progress
        self.runs: dict[Any, Replications] = {}
        self.measured: dict[Any, dict[str, Measured]] = {}
        self.count = 0  # evaluations: simulations of a staffing (a batch of replications each)
        self.replications_run = 0
        self.rule = "stops when the search has found the smallest staffing"  # told to ``progress``

    def __call__(self, state: dict[str, dict[str, Any]], replications: int | None = None) -> dict[str, Measured]:
        """Each searched pool's figures at ``state``, over at least
        ``replications`` (default: the study's) replications."""
        key = state_key(state)
        want = self.replications if replications is None else int(replications)
        runs = self.runs.get(key)
        if runs is not None and runs.count >= want:
            return self.measured[key]
        if runs is None:
            overrides: dict[str, Any] = {}
            for pool, roster in state.items():
                overrides.update(roster_overrides(self.resolved.pool(pool), roster))
            runs = self.runs[key] = Replications(self.resolved.with_overrides(overrides), self.strategy)
        if self.pool is None:
            self.pool = self.pool_for(self.replications)
        before = runs.count
        runs.extend(want, self.pool)
        self.count += 1
        self.replications_run += runs.count - before
        cells = (self.cells.of, self.cells.count) if self.cells is not None else None
        self.measured[key] = measure(runs.result(), self.pools, self.targets, cells)
        if self.progress is not None:
            self.progress(self.count, self.rule, describe(state))
        return self.measured[key]

    def replications_of(self, state: Mapping[str, Mapping[str, Any]]) -> int:
        """How many replications of ``state`` have been run."""
        runs = self.runs.get(state_key(state))
        return 0 if runs is None else runs.count


def state_key(state: Mapping[str, Mapping[str, Any]]) -> Any:
    """A hashable key of a staffing (``{pool: roster}``), the same for equal staffings."""

    def freeze(v: Any) -> Any:
        if isinstance(v, Mapping):
            return tuple(sorted((k, freeze(x)) for k, x in v.items()))
        if isinstance(v, (list, tuple)):
            return tuple(freeze(x) for x in v)
        return v

    return freeze(state)
