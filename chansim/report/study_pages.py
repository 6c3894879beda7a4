"""The report pages of studies: a sweep (``sweep --out``), a staffing
search (``staff --out``) and a search of the options (``optimize --out``).
Same page, same rules as the run report (:mod:`chansim.report.html`), on the
same base (:mod:`chansim.report.page`): self-contained, every user string
escaped."""

from __future__ import annotations

import re

from pathlib import Path
from typing import Any

import pandas as pd

from chansim.kpis.table import BY_KEY
from chansim.report.formats import fmt, fmt_ci, fmt_value
from chansim.report.page import environment, scenario_summary, svg
from chansim.report.trials_figure import trials_figure

__all__ = ["render_sweep_report", "render_staff_report", "render_optimize_report", "stored_sweep_meta"]


# ---------------------------------------------------------------- sweeps
def stored_sweep_meta(run_dir: Path) -> dict[str, str]:
    """What a stored sweep does not record: its figure shows cost per contact."""
    return {"kpi": "cost_per_contact", "title": f"{run_dir.name}: cost_per_contact", "currency": ""}


def render_sweep_report(frame: pd.DataFrame, kpi: str, fig, *, title: str = "", currency: str = "") -> str:
    """The HTML report of a sweep: the chosen KPI by grid point and strategy
    (mean ± 95 % CI), its figure, and the other KPIs of the table."""
    from markupsafe import Markup

    from chansim.version import __version__

    keys = list(frame.columns[: list(frame.columns).index("strategy")]) if "strategy" in frame else []
    shown = [kpi] + [k for k in ("service_level", "asa_s", "abandon_rate", "occupancy", "cost_per_issue",
                                 "cost_per_contact") if k != kpi and k in frame]
    rows = []
    for record in frame.to_dict(orient="records"):
        rows.append({"point": [str(record[k]) for k in keys], "strategy": str(record["strategy"]),
                     "cells": [{"value": fmt(record.get(k), k, currency),
                                "ci": fmt_ci(record.get(f"{k}_ci95"), k, record.get(k))} for k in shown]})
    context = {"title": title or f"sweep of {kpi}", "kpi": kpi, "description": BY_KEY[kpi].description
               if kpi in BY_KEY else "", "keys": keys, "shown": shown, "rows": rows, "figure": Markup(svg(fig)),
               "generated_by": f"chansim {__version__}"}
    return environment().get_template("sweep.html.j2").render(**context)


# ---------------------------------------------------------------- staffing
def render_staff_report(result, scenario) -> str:
    """The HTML report of a staffing search (:class:`~chansim.studies.staffing.result.StaffingResult`
    of ``scenario``): the staffing each pool needs, how efficiently it covers
    what is required (agent-hours, over-coverage, occupancy, FTE, cost), its
    KPIs against every target at the pessimistic end of the CI, its verdict
    and its confirmation on fresh seeds, and, when searched per interval, the
    agents required and scheduled and the KPIs interval by interval."""
    from chansim.version import __version__

    currency = getattr(scenario, "currency", "")
    keys = [str(t) for t in result.targets]
    pools = []
    for p in result.pools.values():
        cells = []
        for t in result.targets:
            got = p.targets.get(str(t))
            if got is None:
                cells.append({"value": "—", "ci": "", "ok": True})
                continue
            cells.append({"value": fmt(got.get("mean"), t.kpi),
                          "ci": fmt_ci(got.get("ci95"), t.kpi, got.get("mean")),
                          "ok": bool(got.get("holds"))})
        eff = dict(p.efficiency or {})
        eff.setdefault("fte", p.labor.get("fte"))
        eff.setdefault("cost_labor", p.labor.get("cost_labor"))
        pools.append({"name": p.name, "channels": ", ".join(p.channels), "staffing": _roster_text(p),
                      "efficiency": _efficiency_cells(eff, currency), "cells": cells, "meets": p.meets_targets,
                      "verdict": _verdict_text(p.verdict) if p.verdict else ("yes" if p.meets_targets else "no"),
                      "confirmation": _verdict_text(p.confirmation), **_by_interval(p, result)})
    totals = result.totals
    first = next(iter(result.pools.values()), None)
    fresh = (first.confirmation or {}) if first is not None else {}
    context = {
        "title": f"{scenario.name}: staffing for {result.strategy}",
        "strategy": result.strategy, "targets": [str(t) for t in result.targets], "keys": keys, "pools": pools,
        "per_hour": result.mode != "flat",
        "total": _efficiency_cells(totals, currency) if totals and len(pools) > 1 else None,
        "basis": ((first.efficiency or {}).get("basis") if first is not None else None) or "—",
        "scenario": scenario_summary(_scenario_for(scenario, result.strategy)),
        "run": {"seed": result.seed, "replications": result.replications, "evaluations": result.evaluations,
                "convention": result.convention, "version": __version__,
                "judged": result.judged_replications or result.replications, "rule": result.rule or "—",
                "fresh": (f"{fresh['replications']} replications of seed {fresh['seed']}" if fresh else "—")},
        "generated_by": f"chansim {__version__}",
    }
    return environment().get_template("staffing.html.j2").render(**context)


def _efficiency_cells(eff: dict[str, Any], currency: str) -> list[str]:
    def hours(v) -> str:
        return "—" if v is None else f"{v:,.0f}"

    over = eff.get("over_coverage")
    fte = eff.get("fte")
    return [hours(eff.get("required_hours")), hours(eff.get("scheduled_hours")),
            "—" if over is None else f"{over:+.1%}", fmt(eff.get("occupancy"), "occupancy"),
            "—" if fte is None else f"{fte:,.1f}", fmt(eff.get("cost_labor"), "cost_labor", currency)]


def _kpi_of(goal: str) -> str:
    """The KPI of a goal as written (``voice.service_level>=0.8`` → ``voice.service_level``)."""
    return re.split("[<>=\u2264\u2265 ]", goal)[0]


def _verdict_text(v: dict[str, Any] | None) -> str:
    if not v:
        return "—"
    counts = v.get("intervals")
    if not counts:
        return v["verdict"]
    text = (f"{v['verdict']}: {counts.get('pass', 0)} intervals pass, {counts.get('undecided', 0)} undecided, "
            f"{counts.get('fail', 0)} fail")
    failing = v.get("failing_kpis") or {}
    if failing:  # which intervals fail, and by what
        shown = [f"{where} ({', '.join(f'{k}: {fmt(x, _kpi_of(k))}' for k, x in kpis.items())})"
                 for where, kpis in list(failing.items())[:6]]
        text += ": " + "; ".join(shown) + ("; …" if len(failing) > 6 else "")
    return (text + (f" — {v['search']}" if v.get("search") else "")
            + (f" — out of reach of staffing: {'; '.join(v['unreachable'])}" if v.get("unreachable") else ""))


def _by_interval(p, result) -> dict[str, Any]:
    """The hour-by-hour grid of a pool: per weekday, agents required and
    scheduled and each target's KPI per interval."""
    eff = p.efficiency or {}
    minutes = eff.get("interval_minutes") or result.interval_minutes or 60
    slots = [f"{m // 60:02d}:{m % 60:02d}" if m % 60 else f"{m // 60:02d}" for m in range(0, 1440, minutes)]
    required, scheduled = eff.get("required_agents") or {}, eff.get("scheduled_agents") or {}
    rows: list[dict[str, Any]] = []
    for day in (required or (p.by_interval and next(iter(p.by_interval.values()))["mean"]) or {}):
        lines = [("required", [_agents(v) for v in required.get(day, [])]),
                 ("scheduled", [_agents(v) for v in scheduled.get(day, [])])]
        for t in result.targets:
            got = (p.by_interval or {}).get(str(t))
            if got is not None and day in got["mean"]:
                lines.append((str(t.address), [fmt(v, t.address.kpi) if v is not None else "—"
                                               for v in got["mean"][day]]))
        for i, (label, cells) in enumerate(lines):
            rows.append({"day": day if i == 0 else None, "span": len(lines), "label": label, "cells": cells})
    return {"hours": rows, "slots": slots}


def _agents(v) -> str:
    return "—" if v is None else (f"{v:g}" if float(v).is_integer() else f"{v:.1f}")


def _roster_text(p) -> str:
    """A pool's roster in a few words: headcount, a schedule's peak, or shift counts."""
    if p.shifts:
        return ", ".join(f"{name} × {count}" for name, count in p.shifts.items())
    schedule = p.schedule
    if schedule is None:
        return f"{p.headcount} agents"
    values = [v for day in (schedule.values() if isinstance(schedule, dict) else [schedule]) for v in day]
    return f"schedule, peak {max(values) if values else 0} agents"


def _scenario_for(scenario, strategy: str):
    """The scenario as it stands under the staffed strategy."""
    return scenario.for_strategy(strategy) if strategy in scenario.strategy_names else scenario


# ---------------------------------------------------------------- optimize
def render_optimize_report(result) -> str:
    """The HTML report of a search (:class:`~chansim.studies.optimize.frontier.OptimizeResult`):
    the question, the frontier (or best point, or the closest points when
    none is feasible) with its objectives and constraints, and the figure of
    every trial."""
    from markupsafe import Markup

    from chansim.version import __version__

    space = result.space
    paths = list(space.paths)
    shown = list(dict.fromkeys([str(o.address) for o in space.objectives] + [str(c.address) for c in space.constraints]
                               + ["cost_per_issue", "service_level", "abandon_rate", "csat"]))
    currency = result.scenario.currency

    def rows_of(frame: pd.DataFrame, names: list[str]) -> list[dict[str, Any]]:
        rows = []
        for name, record in zip(names, frame.to_dict(orient="records")):
            rows.append({"name": name, "point": [fmt_value(record.get(p), p) for p in paths],
                         "cells": [{"value": fmt(record.get(k), k, currency),
                                    "ci": fmt_ci(record.get(f"{k}_ci95"), k, record.get(k))} for k in shown]})
        return rows

    frontier = result.frontier
    rows = rows_of(frontier, list(frontier["name"])) if len(frontier) else []
    closest = []
    if not rows and result.closest:
        trials = result.trials
        picked = trials[trials["trial"].isin([t.number for t in result.closest])]
        closest = rows_of(picked, [f"trial {n}" for n in picked["trial"]])
    context = {
        "title": f"{result.scenario.name}: optimize {space.strategy}",
        "scenario": result.scenario.name, "strategy": space.strategy, "paths": paths, "shown": shown,
        "objectives": [f"{o.address} ({'lower' if o.sign < 0 else 'higher'})"
                       for o in space.objectives],
        "constraints": [str(c) for c in space.constraints], "rows": rows, "closest": closest,
        "figure": Markup(svg(trials_figure(result))),
        "run": {"trials": result.evaluations, "replications": result.replications_run, "stopped": result.stopped,
                "seed": getattr(space, "seed", result.scenario.seed), "version": __version__},
        "generated_by": f"chansim {__version__}",
    }
    return environment().get_template("optimize.html.j2").render(**context)
