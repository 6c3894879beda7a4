"""Replications and strategies: ``simulate(scenario) -> RunResult``.

Each strategy runs the same replication numbers; replication *r* draws from
streams seeded by (scenario seed, r), so every strategy sees the same customers
(common random numbers) and differences come from the strategy, not from noise.
KPIs are means over replications with the half-width of a Student-t 95 %
confidence interval.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from chansim.billing.fees import channel_costs
from chansim.engine import EventLog, run_replication
from chansim.errors import InputError, Problem
from chansim.labor import labor_costs
from chansim.metrics import KPI_KEYS, kpis, measured_window
from chansim.scenario.models import Scenario
from chansim.version import __version__

__all__ = ["simulate", "RunResult", "StrategyResult", "ci95_halfwidth"]


def ci95_halfwidth(values: Sequence[float | None]) -> float | None:
    """Half-width of the 95 % Student-t interval of the mean (null below 2 values)."""
    xs = np.array([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    if xs.size < 2:
        return None
    return float(stats.t.ppf(0.975, xs.size - 1) * xs.std(ddof=1) / math.sqrt(xs.size))


def _mean(values: Sequence[float | None]) -> float | None:
    xs = [v for v in values if v is not None and not math.isnan(v)]
    return float(sum(xs) / len(xs)) if xs else None


@dataclass(frozen=True)
class StrategyResult:
    """One strategy's KPIs over the replications."""

    name: str
    kpis: dict[str, float | None]
    ci95: dict[str, float | None]
    by_channel: dict[str, dict[str, float | None]]
    by_pool: dict[str, dict[str, float | None]]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kpis": self.kpis, "ci95": self.ci95, "by_channel": self.by_channel,
                "by_pool": self.by_pool}


@dataclass
class RunResult:
    """What a run returns: KPIs per strategy, the log, and how it was made."""

    scenario: Scenario
    seed: int
    replications: int
    strategies: list[StrategyResult]
    replication_kpis: pd.DataFrame
    log: EventLog | None
    costs: pd.DataFrame
    labor: pd.DataFrame
    run_time_s: float = 0.0
    version: str = __version__
    extra: dict[str, Any] = field(default_factory=dict)

    def strategy(self, name: str) -> StrategyResult:
        return next(s for s in self.strategies if s.name == name)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``chansim run --format json``."""
        return {
            "scenario": self.scenario.name,
            "chansim_version": self.version,
            "seed": self.seed,
            "replications": self.replications,
            "strategies": [s.to_dict() for s in self.strategies],
            "run_time_s": round(self.run_time_s, 3),
        }

    @property
    def summary(self) -> pd.DataFrame:
        """One row per strategy × KPI: mean and 95 % CI half-width."""
        rows = [
            {"strategy": s.name, "kpi": key, "mean": s.kpis[key], "ci95": s.ci95[key]}
            for s in self.strategies
            for key in KPI_KEYS
        ]
        return pd.DataFrame(rows)

    @property
    def contacts(self) -> pd.DataFrame:
        return self.log.contacts if self.log is not None else pd.DataFrame()

    @property
    def messages(self) -> pd.DataFrame:
        return self.log.messages if self.log is not None else pd.DataFrame()

    @property
    def staffing(self) -> pd.DataFrame:
        return self.log.staffing if self.log is not None else pd.DataFrame()


def _aggregate(name: str, per_rep: list[tuple[dict, dict, dict]]) -> StrategyResult:
    overall = [r[0] for r in per_rep]
    kpi_mean = {k: _mean([o[k] for o in overall]) for k in KPI_KEYS}
    kpi_ci = {k: ci95_halfwidth([o[k] for o in overall]) for k in KPI_KEYS}
    by_channel: dict[str, dict[str, float | None]] = {}
    for channel in sorted({ch for r in per_rep for ch in r[1]}):
        rows = [r[1][channel] for r in per_rep if channel in r[1]]
        by_channel[channel] = {k: _mean([row[k] for row in rows]) for k in KPI_KEYS}
    by_pool: dict[str, dict[str, float | None]] = {}
    for pool in [p for p in per_rep[0][2]]:
        rows = [r[2][pool] for r in per_rep if pool in r[2]]
        by_pool[pool] = {k: _mean([row[k] for row in rows]) for k in rows[0]}
    return StrategyResult(name, kpi_mean, kpi_ci, by_channel, by_pool)


def simulate(
    scenario: Scenario,
    strategies: Sequence[str] | None = None,
    replications: int | None = None,
    *,
    keep_log: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Simulate every (chosen) strategy for every replication.

    ``progress(done, total)`` is called after each replication."""
    started = time.perf_counter()
    names = list(strategies) if strategies else scenario.strategy_names
    unknown = [n for n in names if n not in scenario.strategy_names]
    if unknown:
        raise InputError(
            [Problem("--strategy", f"no strategy named {n!r} (have: {', '.join(scenario.strategy_names)})") for n in unknown]
        )
    reps = scenario.replications if replications is None else int(replications)
    if reps < 1:
        raise InputError(Problem("replications", "must be ≥ 1"))
    total = len(names) * reps
    done = 0
    results, rows, logs, cost_frames, labor_frames = [], [], [], [], []
    for name in names:
        resolved = scenario.for_strategy(name)
        targets = {ch: spec.service_level_target_s for ch, spec in resolved.channels.items()
                   if spec.service_level_target_s is not None}
        per_rep = []
        for r in range(reps):
            log = run_replication(scenario, name, r)
            contacts, messages = measured_window(log.contacts, log.messages, resolved.warmup_s)
            costs = channel_costs(contacts, messages, resolved.pricing)
            labor = labor_costs(log.staffing, resolved)
            per_rep.append(kpis(contacts, messages, labor, costs, targets=targets))
            rows.append({"strategy": name, "replication": r, **per_rep[-1][0]})
            cost_frames.append(costs)
            labor_frames.append(labor)
            if keep_log:
                logs.append(log)
            done += 1
            if progress is not None:
                progress(done, total)
        results.append(_aggregate(name, per_rep))
    return RunResult(
        scenario=scenario,
        seed=scenario.seed,
        replications=reps,
        strategies=results,
        replication_kpis=pd.DataFrame(rows),
        log=EventLog.concat(logs) if logs else None,
        costs=pd.concat(cost_frames, ignore_index=True) if cost_frames else pd.DataFrame(),
        labor=pd.concat(labor_frames, ignore_index=True) if labor_frames else pd.DataFrame(),
        run_time_s=time.perf_counter() - started,
    )
