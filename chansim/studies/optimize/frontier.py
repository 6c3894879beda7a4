"""What a search returns: its trials, the frontier (or best point), the
points closest to feasible when none is, and each frontier point as a ready
strategy for ``chansim compare``.

A trial is **feasible** when every constraint holds at the pessimistic end
of its CI with all the replications it got. The **frontier** is the feasible
trials (each point once) that no other feasible trial dominates on the
objectives' means (at least as good on every objective, better on one),
ordered by the first objective, best first; with one objective it is the
best point alone (ties: the earliest trial).
"""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Mapping, Sequence

import pandas as pd

from chansim.kpis.address import lookup
from chansim.kpis.statistics import pareto_front
from chansim.kpis.table import KPI_KEYS
from chansim.scenario.models import Scenario
from chansim.studies.optimize.space import Objective, ResolvedSpace
from chansim.version import __version__

__all__ = ["Trial", "OptimizeResult", "frontier_of", "closest_of", "dominates_clearly", "STATUSES"]

#: Draws the figure of a search (``result.plot``): set by the package face to the report's
#: trials figure, which loads matplotlib only when a figure is asked for (the studies never draw).
PLOTTER: Callable[..., Any] | None = None

#: What happened to a trial.
STATUSES = {
    "complete": "simulated with every replication",
    "stopped: infeasible": "stopped after its first replications: a constraint missed even at the optimistic end",
    "stopped: dominated": "stopped after its first replications: clearly dominated by an earlier point",
    "no value": "an objective was not measured (nothing to measure at this point)",
    "repeat": "a point tried before; not simulated again",
    "invalid": "the values are valid one by one but not together: the scenario check refuses the point (see note)",
}


@dataclass
class Trial:
    """One point tried: its values, the ready strategy, KPIs with CIs and the verdict."""

    number: int
    params: dict[str, Any]
    strategy: dict[str, Any]
    replications: int
    status: str
    kpis: dict[str, Any]  # the strategy result's JSON document (kpis, ci95, breakdowns)
    values: dict[str, tuple[float | None, float | None]]  # constraint and objective addresses → (mean, ci95)
    feasible: bool
    shortfall: float  # the worst constraint miss, relative to its bound (≤ 0: every constraint met)
    repeat_of: int | None = None
    note: str = ""  # why a point could not run

    @classmethod
    def measured(cls, number: int, params: dict[str, Any], strategy: dict[str, Any], replications: int,
                 kpis: dict[str, Any], values: dict[str, tuple], space: ResolvedSpace, *, stopped: bool) -> "Trial":
        shortfalls = [c.shortfall(*values[str(c.address)]) for c in space.constraints]
        worst = max(shortfalls, default=-math.inf)
        missing = any(values[str(o.address)][0] is None for o in space.objectives)
        if missing:
            status = "no value"
        elif stopped:
            may = all(c.may_hold(*values[str(c.address)]) for c in space.constraints)
            status = "stopped: dominated" if may else "stopped: infeasible"
        else:
            status = "complete"
        return cls(number, params, strategy, replications, status, kpis, values, worst <= 0.0,
                   worst if math.isfinite(worst) or worst > 0 else 0.0)

    @classmethod
    def not_valid(cls, number: int, params: dict[str, Any], why: str, addresses: Sequence[str]) -> "Trial":
        """A point whose values are each valid but not together (the scenario check refuses it)."""
        return cls(number, params, {}, 0, "invalid", {"kpis": {}, "ci95": {}}, {a: (None, None) for a in addresses},
                   False, math.inf, note=why)

    def repeat(self, number: int) -> "Trial":
        """This point proposed again as trial ``number``."""
        return Trial(number, self.params, self.strategy, self.replications, "repeat", self.kpis, self.values,
                     self.feasible, self.shortfall, repeat_of=self.number, note=self.note)

    def shortfalls(self, space: ResolvedSpace) -> list[float]:
        return [c.shortfall(*self.values[str(c.address)]) for c in space.constraints]

    def objective_values(self, space: ResolvedSpace) -> list[float] | None:
        means = [self.values[str(o.address)][0] for o in space.objectives]
        return None if any(m is None for m in means) else [float(m) for m in means]

    def value(self, address: str) -> tuple[float | None, float | None]:
        """``(mean, ci95)`` of any KPI address at this point."""
        if address in self.values:
            return self.values[address]
        return lookup(self.kpis, address)

    def to_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["values"] = {k: list(v) for k, v in self.values.items()}
        doc["shortfall"] = None if not math.isfinite(self.shortfall) else self.shortfall
        return doc

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> "Trial":
        doc = dict(doc)
        doc["values"] = {k: tuple(v) for k, v in doc["values"].items()}
        doc["shortfall"] = math.inf if doc.get("shortfall") is None else float(doc["shortfall"])
        return cls(**doc)


def _better(sign: int, a: float, b: float) -> bool:
    return sign * (a - b) > 0


def dominates_clearly(winner: Mapping[str, tuple], loser: Mapping[str, tuple], objectives: Sequence[Objective]) -> bool:
    """Whether ``winner`` at the pessimistic end of its CI is at least as good
    as ``loser`` at its optimistic end on every objective."""
    for o in objectives:
        (wm, wc), (lm, lc) = winner[str(o.address)], loser[str(o.address)]
        if wm is None or lm is None:
            return False
        worst_w = wm - o.sign * (wc or 0.0)
        best_l = lm + o.sign * (lc or 0.0)
        if _better(o.sign, best_l, worst_w):
            return False
    return True


def frontier_of(trials: Sequence[Trial], space: ResolvedSpace) -> list[Trial]:
    """The frontier (see the module docstring)."""
    seen: set[int] = set()
    pool = []
    for t in trials:
        if t.repeat_of is None and t.status == "complete" and t.feasible and t.number not in seen:
            seen.add(t.number)
            pool.append(t)
    objectives = space.objectives
    means = [(t.number, *(t.values[str(o.address)][0] for o in objectives)) for t in pool]
    kept = set(pareto_front(means, [o.sign for o in objectives]))
    front = [t for t in pool if t.number in kept]
    first = objectives[0]
    front.sort(key=lambda t: (-first.sign * t.values[str(first.address)][0], t.number))
    if len(objectives) == 1:
        return front[:1]
    unique, keys = [], set()
    for t in front:  # two points with the same objective means: keep the earlier
        key = tuple(t.values[str(o.address)][0] for o in objectives)
        if key not in keys:
            keys.add(key)
            unique.append(t)
    return unique


def closest_of(trials: Sequence[Trial], count: int = 5) -> list[Trial]:
    """The points nearest to feasible (smallest worst constraint miss), for a search that found none."""
    tried = [t for t in trials if t.repeat_of is None and math.isfinite(t.shortfall)]
    return sorted(tried, key=lambda t: (t.shortfall, t.number))[:count]


def _rows(trials: Sequence[Trial], space: ResolvedSpace) -> pd.DataFrame:
    goals = [str(c.address) for c in space.constraints] + [str(o.address) for o in space.objectives]
    goals = list(dict.fromkeys(g for g in goals if g not in KPI_KEYS))
    rows = []
    for t in trials:
        row: dict[str, Any] = {"trial": t.number}
        row.update(t.params)
        row.update(status=t.status, feasible=t.feasible, replications=t.replications)
        for address in goals:
            row[address], row[f"{address}_ci95"] = t.value(address)
        for key in KPI_KEYS:
            row[key] = t.kpis["kpis"].get(key)
            row[f"{key}_ci95"] = (t.kpis.get("ci95") or {}).get(key)
        rows.append(row)
    columns = ["trial", *space.paths, "status", "feasible", "replications"]
    columns += [c for g in goals for c in (g, f"{g}_ci95")] + [c for k in KPI_KEYS for c in (k, f"{k}_ci95")]
    return pd.DataFrame(rows, columns=columns)


@dataclass
class OptimizeResult:
    """What :func:`chansim.optimize` returns."""

    scenario: Scenario
    space: ResolvedSpace
    records: list[Trial]
    evaluations: int
    replications_run: int
    stopped: str
    run_time_s: float = 0.0
    version: str = __version__
    _front: list[Trial] | None = field(default=None, repr=False)

    @property
    def frontier_records(self) -> list[Trial]:
        if self._front is None:
            self._front = frontier_of(self.records, self.space)
        return self._front

    @property
    def frontier(self) -> pd.DataFrame:
        """The frontier (or the best point): one row per point, its values, every KPI with ``_ci95``."""
        frame = _rows(self.frontier_records, self.space)
        frame.insert(0, "name", self.names)
        return frame

    @property
    def trials(self) -> pd.DataFrame:
        """Every trial, in order, repeats included: values, status, feasibility, every KPI with ``_ci95``."""
        return _rows(self.records, self.space)

    @property
    def closest(self) -> list[Trial]:
        """With no feasible point: the points nearest to feasible; otherwise empty."""
        return [] if self.frontier_records else closest_of(self.records)

    @property
    def names(self) -> list[str]:
        """The names of the frontier's strategies."""
        if len(self.space.objectives) == 1:
            return ["optimum"] * len(self.frontier_records)
        return [f"frontier-{i}" for i in range(1, len(self.frontier_records) + 1)]

    @property
    def strategies(self) -> list[dict[str, Any]]:
        """Each frontier point as a ready strategy (the searched strategy with its ``set``)."""
        out = []
        for name, t in zip(self.names, self.frontier_records):
            strategy = copy.deepcopy(t.strategy)
            strategy["name"] = name
            goals = ", ".join(f"{o.address} {_show(t.values[str(o.address)])}" for o in self.space.objectives)
            strategy["description"] = f"Found by chansim optimize from {self.space.strategy!r} (trial {t.number}): {goals}"
            strategy["set"] = strategy.pop("set")  # the overrides last, after the strategy's own fields
            out.append({"name": name, **{k: v for k, v in strategy.items() if k != "name"}})
        return out

    def scenario_with_frontier(self) -> dict[str, Any]:
        """The scenario (as data) with the searched strategy followed by the
        frontier's strategies and no ``optimize`` section: ``chansim compare``
        runs it as is."""
        data = self.scenario.to_dict()
        data.pop("optimize", None)
        base = self.scenario.strategy(self.space.strategy).model_dump(mode="json", exclude_none=True)
        data["strategies"] = [base] + self.strategies
        return data

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``chansim optimize --format json``."""
        space = self.space
        return {
            "scenario": self.scenario.name,
            "chansim_version": self.version,
            "strategy": space.strategy,
            "seed": self.scenario.seed,
            "search_seed": space.seed,
            "replications": space.replications,
            "first_replications": space.first_replications,
            "variables": {v.path: str(v.domain) if not hasattr(v.domain, "values") else list(v.domain.values)
                          for v in space.variables},
            "constraints": [str(c) for c in space.constraints],
            "objectives": [{"kpi": str(o.address), "direction": o.direction} for o in space.objectives],
            "budget": space.trials,
            "points_tried": sum(1 for t in self.records if t.repeat_of is None),
            "evaluations": self.evaluations,
            "replications_run": self.replications_run,
            "stopped": self.stopped,
            "feasible": bool(self.frontier_records),
            "frontier": [{"name": name, **_point_doc(t)} for name, t in zip(self.names, self.frontier_records)],
            "closest": [_point_doc(t) for t in self.closest],
            "strategies": self.strategies,
            "trials": [_point_doc(t, kpis=False) for t in self.records],
            "run_time_s": round(self.run_time_s, 3),
        }

    def plot(self, x: str | None = None, y: str | None = None):
        """A matplotlib Figure of every trial (feasible filled, infeasible hollow)
        on two objectives (or the objective by trial), the frontier drawn over them
        (:func:`chansim.report.trials_figure.trials_figure`)."""
        if PLOTTER is None:  # pragma: no cover - the package face sets it on import
            raise RuntimeError("figures need chansim.report: import chansim")
        return PLOTTER(self, x=x, y=y)


def _show(value: tuple) -> str:
    """``mean ± ci`` with the CI to two significant digits and the mean to the same decimals."""
    mean, ci = value
    if mean is None:
        return "—"
    if not ci:
        return f"{mean:,.6g}"
    decimals = max(0, 1 - math.floor(math.log10(abs(ci))))
    return f"{mean:,.{decimals}f} ± {ci:,.{decimals}f}"


def _point_doc(t: Trial, *, kpis: bool = True) -> dict[str, Any]:
    doc: dict[str, Any] = {"trial": t.number, "values": t.params, "status": t.status, "feasible": t.feasible,
                           "replications": t.replications,
                           "goals": {k: {"mean": m, "ci95": c} for k, (m, c) in t.values.items()},
                           "shortfall": t.shortfall if math.isfinite(t.shortfall) else None}
    if t.repeat_of is not None:
        doc["repeat_of"] = t.repeat_of
    if t.note:
        doc["note"] = t.note
    if kpis:
        doc.update({k: v for k, v in t.kpis.items() if k != "name"})
    return doc
