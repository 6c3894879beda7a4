"""A staffing study's answer assembled from its final staffing: per pool the
roster, its KPIs and targets, its verdict (interval by interval, with
replications added to decide), its confirmation on fresh seeds and how
efficiently it covers what is required."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chansim.studies.staffing.efficiency import coverage, floor_hours
from chansim.studies.staffing.judging import MAX_REPLICATIONS, confirm, stopping_rule, verdict_of
from chansim.studies.staffing.pool_kpis import Measured
from chansim.studies.staffing.result import PoolStaffing, StaffingResult
from chansim.studies.staffing.scaling import roster_overrides

__all__ = ["study_result"]


def _efficiency(study, n: str, state: dict[str, dict[str, Any]], requirement: dict[str, tuple[int, ...]],
                entry: Measured) -> dict[str, Any]:
    cells = study.cells
    minutes = cells.minutes if cells is not None else 60
    spec = study.resolved.pool(n)
    scheduled = floor_hours(study.resolved.with_overrides(roster_overrides(spec, state[n])).pool(n), minutes)
    if cells is not None:
        required = np.asarray(requirement[n], dtype=float) * minutes / 60.0
        weekdays = cells.weekdays
    else:
        open_hours = ~study.closed[n].reshape(7, 24) & study._simulated_hours()
        required = np.where(open_hours, study._erlang(n, state), 0).astype(float).reshape(-1)
        weekdays = [d for d in range(7) if study._simulated_hours()[d].any()]
    out = coverage(required, scheduled, weekdays, minutes, study.mode)
    out.update(occupancy=entry.kpis.get("occupancy"), fte=entry.labor.get("fte"),
               cost_labor=entry.labor.get("cost_labor"))
    return out


def study_result(study, state: dict[str, dict[str, Any]], final: dict[str, Measured],
                 requirement: dict[str, tuple[int, ...]], plans: dict, rounds: int) -> StaffingResult:
    """The :class:`StaffingResult` of ``study`` (a search of
    :mod:`~chansim.studies.staffing.search`) at its final staffing."""
    cells = study.cells
    count = cells.count if cells is not None else 0
    judged = study._searched if cells is not None else None
    label = cells.label if cells is not None else None
    confirmation = confirm(study.evaluate, state, count, judged, label)
    judged_with = study.evaluate.replications_of(state)
    out = {}
    for n in study.names:
        entry = final[n]
        applies = study.applies[n]
        targets = {str(t): {"mean": entry.targets[str(t)][0], "ci95": entry.targets[str(t)][1],
                            "holds": t.holds(*entry.targets[str(t)])} for t in applies}
        verdict = verdict_of(entry, applies, count, None if judged is None else (lambda c, n=n: judged(n, c)), label)
        if n in study.capped:
            verdict["search"] = study.capped[n]
        if n in study.unreachable:
            verdict["unreachable"] = study.unreachable[n]
        by_interval = None
        roster = dict(state[n])
        if cells is not None:
            by_interval = {}
            for t in applies:
                means, cis, _ = entry.cells[str(t)]
                by_interval[str(t)] = {"mean": _nullable(cells.shown(means)), "ci95": _nullable(cells.shown(cis))}
        if study.mode == "per_interval":
            roster = {"schedule": cells.shown(requirement[n]), "interval_minutes": cells.minutes}
        plan = None
        if n in plans:
            p = plans[n]
            plan = {"cost_per_week": p.cost, "lower_bound_per_week": p.lower_bound, "optimal": p.optimal}
        out[n] = PoolStaffing(
            name=n,
            channels=study.channels[n],
            roster=roster,
            kpis=entry.kpis,
            ci95=entry.ci95,
            labor=entry.labor,
            targets=targets,
            meets_targets=verdict["verdict"] == "yes",
            by_interval=by_interval,
            requirement=cells.shown(requirement[n]) if study.mode == "shifts" else None,
            plan=plan,
            verdict=verdict,
            confirmation=confirmation[n],
            efficiency=_efficiency(study, n, state, requirement, entry),
        )
    return StaffingResult(
        pools=out,
        evaluations=study.evaluate.count,
        targets=study.targets,
        strategy=study.strategy,
        replications=study.reps,
        seed=study.resolved.seed,
        mode=study.mode,
        interval_minutes=cells.minutes if cells is not None else None,
        rounds=rounds,
        judged_replications=judged_with,
        max_replications=MAX_REPLICATIONS,
        rule=stopping_rule(),
    )


def _nullable(rows: dict[str, list[float]]) -> dict[str, list[float | None]]:
    return {k: [None if (v is None or math.isnan(v)) else float(v) for v in vs] for k, vs in rows.items()}
