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
from concurrent.futures import Executor
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import pandas as pd

from chansim.billing.price import check_scenario
from chansim.engine import EventLog, run_replication
from chansim.engine.fast_path import fast_path_enabled, fast_path_reason
from chansim.engine.replication import hand_over_replication
from chansim.engine.log import LOG_LEVELS, LOG_TABLES
from chansim.errors import InputError, Problem
from chansim.kpis.address import BREAKDOWNS, flatten, lookup
from chansim.kpis.pipeline import Measuring, kpi_options, measure
from chansim.kpis.statistics import ci95_halfwidth
from chansim.kpis.table import KPI_KEYS
from chansim.runtime.parallel import capacity, check_executor, executor as open_executor, ordered_results
from chansim.scenario.models import Scenario
from chansim.version import __version__

__all__ = ["simulate", "measure_replication", "aggregate_replications", "kpi_options", "RunResult", "StrategyResult", "ci95_halfwidth", "LOG_LEVELS", "LOG_TABLES",
           "log_level"]



#: The breakdown keys of a strategy's result, in order.
BREAKDOWN_KEYS = tuple(BREAKDOWNS.values())
#: KPIs beyond the table's: ``cost_bot`` by billing unit (``cost_bot_per_outcome``, ...) and the part of
#: ``cost_labor`` that agent-assist seats cost (``cost_labor_assist_seats``), aggregated alike.
BOT_UNIT_PREFIX = ("cost_bot_", "cost_labor_")


def _mean(values: Sequence[float | None]) -> float | None:
    xs = [v for v in values if v is not None and not math.isnan(v)]
    return float(sum(xs) / len(xs)) if xs else None


#: Draws a result's figures (``result.plot``): set by the package face to the report's figures, which
#: load matplotlib only when a figure is asked for (the studies never draw).
PLOTTER: Callable[["RunResult"], Any] | None = None

@dataclass(frozen=True)
class StrategyResult:
    """One strategy's KPIs over the replications."""

    name: str
    kpis: dict[str, float | None]
    ci95: dict[str, float | None]
    by_channel: dict[str, dict[str, float | None]]
    by_pool: dict[str, dict[str, float | None]]
    by_segment: dict[str, dict[str, float | None]] = field(default_factory=dict)
    by_intent: dict[str, dict[str, float | None]] = field(default_factory=dict)
    by_market: dict[str, dict[str, float | None]] = field(default_factory=dict)
    #: ci95 of each breakdown: ``{"by_channel": {member: {kpi: half-width}}, ...}``
    breakdown_ci95: dict[str, dict[str, dict[str, float | None]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kpis": self.kpis, "ci95": self.ci95}
        for key in BREAKDOWN_KEYS:
            out[key] = getattr(self, key)
            out[f"{key}_ci95"] = self.breakdown_ci95.get(key, {})
        return out

    def value(self, address: str) -> tuple[float | None, float | None]:
        """``(mean, ci95)`` of a KPI or a breakdown (``voice.service_level``,
        ``pool.digital.occupancy``, ``segment.seniors.cost_per_issue``)."""
        return lookup(self, address)


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
    log_level: str = "messages"  # which log tables were kept (LOG_LEVELS), in ``log`` or streamed to ``on_log``

    def strategy(self, name: str) -> StrategyResult:
        return next(s for s in self.strategies if s.name == name)

    def __repr__(self) -> str:  # the tables are large: say what the run is, not what it holds
        names = ", ".join(s.name for s in self.strategies)
        return (f"<RunResult {self.scenario.name!r}: {len(self.strategies)} strategies ({names}), "
                f"{self.replications} replications, seed {self.seed}, {self.run_time_s:.1f} s>")

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
    def plot(self):
        """Figures for notebooks: ``result.plot.frontier()``, ``.cost_breakdown()``,
        ``.service_by_hour()``, ``.occupancy_by_pool()`` (matplotlib Figures)."""
        if PLOTTER is None:  # pragma: no cover - the package face sets it on import
            raise RuntimeError("figures need chansim.report: import chansim")
        return PLOTTER(self)

    def _repr_html_(self) -> str:
        """Jupyter shows a result as its KPI table: strategies as columns, mean ± CI."""
        table = self.summary.copy()
        table["value"] = [
            "—" if m is None else (f"{m:,.4g}" + ("" if c is None else f" ± {c:,.2g}"))
            for m, c in zip(table["mean"], table["ci95"])
        ]
        wide = table.pivot(index="kpi", columns="strategy", values="value")
        wide = wide.reindex(index=list(KPI_KEYS), columns=[s.name for s in self.strategies])
        head = (f"<p><b>{self.scenario.name}</b>: {self.replications} replications, seed {self.seed}; "
                f"mean ± 95 % CI half-width</p>")
        return head + wide.to_html(escape=True)

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


def aggregate_replications(name: str, per_rep: list) -> StrategyResult:
    """Means over the replications, with the 95 % CI half-width of each KPI,
    overall and in every breakdown."""
    overall = [r.overall for r in per_rep]
    kpi_mean = {k: _mean([o[k] for o in overall]) for k in KPI_KEYS}
    kpi_ci = {k: ci95_halfwidth([o[k] for o in overall]) for k in KPI_KEYS}
    # cost_bot by billing unit (a strategy whose bot names an AI card): a replication without a unit's charge paid 0
    units = [k for k in dict.fromkeys(k for o in overall for k in o) if k.startswith(BOT_UNIT_PREFIX) and k not in kpi_mean]
    kpi_mean.update({k: _mean([o.get(k, 0.0) for o in overall]) for k in units})
    kpi_ci.update({k: ci95_halfwidth([o.get(k, 0.0) for o in overall]) for k in units})
    tables: dict[str, dict] = {}
    cis: dict[str, dict] = {}
    for key in BREAKDOWN_KEYS:
        members = [m for r in per_rep for m in r.breakdowns.get(key, {})]
        if key == "by_channel":
            members = sorted(members)
        tables[key], cis[key] = {}, {}
        for member in dict.fromkeys(members):
            rows = [r.breakdowns[key][member] for r in per_rep if member in r.breakdowns.get(key, {})]
            names = list(dict.fromkeys(k for row in rows for k in row))
            tables[key][member] = {k: _mean([row.get(k) for row in rows]) for k in names}
            cis[key][member] = {k: ci95_halfwidth([row.get(k) for row in rows]) for k in names}
    return StrategyResult(name, kpi_mean, kpi_ci, tables["by_channel"], tables["by_pool"], tables["by_segment"],
                          tables["by_intent"], tables["by_market"], cis)


def log_level(log: str | None = None, keep_log: bool | None = None) -> str:
    """The log level of ``simulate(log=..., keep_log=...)``: ``keep_log`` is the
    older spelling (True: ``"messages"``, False: ``"none"``); neither: ``"messages"``."""
    if log is not None and log not in LOG_LEVELS:
        raise InputError(Problem("--log", f"{log!r} is not a log level (choose from {', '.join(LOG_LEVELS)})"))
    if keep_log is None:
        return log or "messages"
    implied = "messages" if keep_log else "none"
    if log is not None and log != implied:
        raise InputError(Problem("--log", f"log={log!r} contradicts keep_log={keep_log!r}; give only log="))
    return implied


def _kept_log(log: EventLog, keep: bool | str) -> EventLog | None:
    """What a replication sends back of its log (``keep``: a log level or a bool)."""
    level = keep if isinstance(keep, str) else ("messages" if keep else "none")
    if level == "none":
        return None
    if level == "contacts":
        return EventLog(log.contacts, log.messages.iloc[:0].copy(), log.staffing, log.meta)
    return log


#: Contacts a replication is expected to bring (inbound, warm-up included) above which, with no log
#: kept, it is measured a chunk of customers at a time as it runs (memory by the day, not the horizon).
HAND_OVER_CONTACTS = 250_000


def _fast(scenario: Scenario, name: str) -> bool:
    """The replication takes the fast path (which reads its whole plan: measured whole)."""
    return fast_path_enabled() and fast_path_reason(scenario.for_strategy(name)) is None


def _expected_contacts(scenario: Scenario) -> float:
    return float(scenario.demand.contacts_per_day) * (float(scenario.days) + float(scenario.warmup_days or 0))


def measure_replication(scenario: Scenario, name: str, r: int, keep_log: bool | str):
    """Simulate one replication of one strategy and measure it with the
    measurement pipeline (:func:`chansim.kpis.pipeline.measure`); runs in a
    worker. Returns the KPIs, the cost lines, the labor and what is kept of
    the log.

    With no log kept, a long run (more than :data:`HAND_OVER_CONTACTS`
    contacts expected) hands its log to the measurement a chunk of customers
    at a time as it goes (:func:`chansim.engine.replication.hand_over_replication`):
    the same numbers, with memory held by the days in play, not the horizon;
    a shorter one is measured whole, which is faster."""
    level = keep_log if isinstance(keep_log, str) else ("messages" if keep_log else "none")
    if level == "none" and _expected_contacts(scenario) > HAND_OVER_CONTACTS and not _fast(scenario, name):
        measuring = Measuring(scenario.for_strategy(name), r)
        staffing = hand_over_replication(scenario, name, r, measuring.add)
        measured, costs, labor = measuring.finish(staffing)
        return measured, costs, labor, None
    log = run_replication(scenario, name, r)
    kept = _kept_log(log, keep_log)
    # with no log kept, the measurement lets the tables go as soon as it has what it measures
    measured, costs, labor = measure(scenario.for_strategy(name), log, r, release=kept is None)
    return measured, costs, labor, kept


def simulate(
    scenario: Scenario,
    strategies: Sequence[str] | None = None,
    replications: int | None = None,
    *,
    workers: int | None = None,
    executor: str | Executor = "processes",
    scheduler: str | None = None,
    log: str | None = None,
    keep_log: bool | None = None,
    on_log: Callable[[str, int, EventLog], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Simulate every (chosen) strategy for every replication.

    ``workers`` > 1 runs replications in that many processes (0: one per
    core); ``executor`` picks where: ``"processes"`` (a local process pool),
    ``"dask"`` (the Dask cluster whose scheduler is at ``scheduler``),
    ``"dask-local"`` (a Dask cluster of ``workers`` processes started for the
    run), or an open :class:`concurrent.futures.Executor` (see
    :func:`chansim.runtime.parallel.executor`), used as is. The numbers are the same
    whatever the executor and the count, because each replication's random
    streams depend only on the seed and its number.

    ``log`` says how much of the event log to keep (:data:`LOG_LEVELS`):
    ``"messages"`` every table, ``"contacts"`` contacts and staffing (no
    messages), ``"none"`` nothing (KPIs and cost lines only); workers drop the
    rest before sending a replication back. ``keep_log`` is the older
    spelling (True: ``"messages"``, False: ``"none"``). With ``on_log``, each
    replication's kept log is handed to ``on_log(strategy, replication, log)``
    in task order (strategy, then replication), whatever order they finish
    in, and not kept: ``RunResult.log`` is then None. ``progress(done,
    total)`` is called after each replication."""
    started = time.perf_counter()
    level = log_level(log, keep_log)
    names = list(strategies) if strategies else scenario.strategy_names
    unknown = [n for n in names if n not in scenario.strategy_names]
    if unknown:
        raise InputError(
            [Problem("--strategy", f"no strategy named {n!r} (have: {', '.join(scenario.strategy_names)})") for n in unknown]
        )
    reps = scenario.replications if replications is None else int(replications)
    if reps < 1:
        raise InputError(Problem("replications", "must be ≥ 1"))
    if isinstance(executor, Executor):
        if workers is not None and workers < 0:
            raise InputError(Problem("--workers", "must be ≥ 0"))
    else:
        check_executor(executor, scheduler, workers)
    for name in names:
        scenario.for_strategy(name)  # resolve (and cache) before any fork
    check_scenario(scenario)  # every channel can be priced: fail before simulating
    keys = [(name, r) for name in names for r in range(reps)]
    tasks = [(scenario, name, r, level) for name, r in keys]
    outputs: dict[tuple[str, int], tuple] = {}
    opened = (nullcontext(executor) if isinstance(executor, Executor)
              else open_executor(workers, executor, scheduler, tasks=len(tasks)))
    with opened as pool:
        streaming = on_log is not None and level != "none"
        # streamed logs wait in memory only until the earlier ones are handed on: bound how many
        window = 2 * capacity(pool) + 1 if streaming else None
        results_in_order = ordered_results(pool, measure_replication, tasks, window=window, progress=progress)
        for (name, r), (measured, costs, labor, replication_log) in zip(keys, results_in_order):
            if streaming and replication_log is not None:
                on_log(name, r, replication_log)
                replication_log = None
            outputs[name, r] = (measured, costs, labor, replication_log)

    results, rows, logs, cost_frames, labor_frames = [], [], [], [], []
    for name in names:
        per_rep = []
        for r in range(reps):
            measured, costs, labor, replication_log = outputs[name, r]
            per_rep.append(measured)
            rows.append({"strategy": name, "replication": r, **measured.overall, **flatten(measured.breakdowns)})
            cost_frames.append(costs)
            labor_frames.append(labor)
            if replication_log is not None:
                logs.append(replication_log)
        results.append(aggregate_replications(name, per_rep))
    return RunResult(
        scenario=scenario,
        seed=scenario.seed,
        replications=reps,
        strategies=results,
        replication_kpis=pd.DataFrame(rows),
        log=EventLog.concat(logs) if logs else None,
        log_level=level,
        costs=pd.concat(cost_frames, ignore_index=True) if cost_frames else pd.DataFrame(),
        labor=pd.concat(labor_frames, ignore_index=True) if labor_frames else pd.DataFrame(),
        run_time_s=time.perf_counter() - started,
    )
