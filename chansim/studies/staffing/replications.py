"""Replications of one staffing, run a batch at a time: a staffing judged
undecided gets more replications (numbers ``n, n+1, …`` of the same seed),
and the run so far is assembled as one
:class:`~chansim.studies.experiment.RunResult`, the same as
:func:`~chansim.studies.experiment.simulate` with that many replications
would give (replication *r* depends only on the seed and *r*)."""

from __future__ import annotations

from concurrent.futures import Executor

import pandas as pd

from chansim.billing.price import check_scenario
from chansim.engine import EventLog
from chansim.kpis.address import flatten
from chansim.runtime.parallel import ordered_results
from chansim.scenario.models import Scenario
from chansim.studies.experiment import RunResult, aggregate_replications, measure_replication

__all__ = ["Replications"]


class Replications:
    """The replications run so far of one strategy of one scenario."""

    def __init__(self, scenario: Scenario, strategy: str):
        scenario.for_strategy(strategy)  # resolve (and cache) before any fork
        check_scenario(scenario)
        self.scenario = scenario
        self.strategy = strategy
        self.outputs: list[tuple] = []

    @property
    def count(self) -> int:
        return len(self.outputs)

    def extend(self, total: int, pool: Executor) -> None:
        """Run replications up to ``total`` (those already run are kept)."""
        tasks = [(self.scenario, self.strategy, r, "messages") for r in range(self.count, total)]
        self.outputs.extend(ordered_results(pool, measure_replication, tasks))

    def result(self) -> RunResult:
        """The replications run so far, as one run."""
        rows, logs = [], []
        for r, (measured, _, _, log) in enumerate(self.outputs):
            rows.append({"strategy": self.strategy, "replication": r, **measured.overall,
                         **flatten(measured.breakdowns)})
            if log is not None:
                logs.append(log)
        costs = [o[1] for o in self.outputs]
        labor = [o[2] for o in self.outputs]
        return RunResult(
            scenario=self.scenario,
            seed=self.scenario.seed,
            replications=self.count,
            strategies=[aggregate_replications(self.strategy, [o[0] for o in self.outputs])],
            replication_kpis=pd.DataFrame(rows),
            log=EventLog.concat(logs) if logs else None,
            log_level="messages",
            costs=pd.concat(costs, ignore_index=True) if costs else pd.DataFrame(),
            labor=pd.concat(labor, ignore_index=True) if labor else pd.DataFrame(),
        )
