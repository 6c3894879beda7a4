"""Simulating the staffings a search tries, each once, and measuring the
searched pools.

A staffing is ``{pool: roster}``, each roster a pool's ``headcount``,
``schedule`` or ``shifts``. Every staffing is simulated with the scenario's
seed (common random numbers), so trying one again gives the same figures:
it is not simulated again.
"""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any, Callable, Mapping

from chansim.kpis.goals import Target
from chansim.scenario.models import Scenario
from chansim.studies.experiment import simulate
from chansim.studies.staffing.cells import Cells
from chansim.studies.staffing.pool_kpis import Measured, measure
from chansim.studies.staffing.scaling import describe, roster_overrides

__all__ = ["Evaluator", "Progress", "state_key"]

#: ``progress(done, expected, staffing)``: told after each simulation.
Progress = Callable[[int, int, str], None]


class Evaluator:
    """Simulates staffings (each once) and measures the searched pools."""

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
        self.cache: dict[Any, dict[str, Measured]] = {}
        self.count = 0
        self.remaining = 1  # the search's estimate of the evaluations still to come

    def __call__(self, state: dict[str, dict[str, Any]]) -> dict[str, Measured]:
        key = state_key(state)
        if key in self.cache:
            return self.cache[key]
        overrides: dict[str, Any] = {}
        for pool, roster in state.items():
            overrides.update(roster_overrides(self.resolved.pool(pool), roster))
        scenario = self.resolved.with_overrides(overrides)
        if self.pool is None:
            self.pool = self.pool_for(self.replications)
        result = simulate(scenario, [self.strategy], self.replications, executor=self.pool, log="messages")
        self.count += 1
        cells = (self.cells.of, self.cells.count) if self.cells is not None else None
        measured = measure(result, self.pools, self.targets, cells)
        self.cache[key] = measured
        if self.progress is not None:
            self.progress(self.count, self.count + max(self.remaining - 1, 0), describe(state))
        return measured


def state_key(state: Mapping[str, Mapping[str, Any]]) -> Any:
    """A hashable key of a staffing (``{pool: roster}``), the same for equal staffings."""

    def freeze(v: Any) -> Any:
        if isinstance(v, Mapping):
            return tuple(sorted((k, freeze(x)) for k, x in v.items()))
        if isinstance(v, (list, tuple)):
            return tuple(freeze(x) for x in v)
        return v

    return freeze(state)
