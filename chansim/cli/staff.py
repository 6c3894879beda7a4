"""``chansim staff``: the smallest staffing of pools that meets service targets."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from chansim.cli.common import (
    ExecutorKind,
    ExecutorOpt,
    QuietMessagesOpt,
    ScenarioArg,
    SchedulerOpt,
    SetOpt,
    SizeCheckOpt,
    TableOrJson,
    TableOrJsonOpt,
    WorkersOpt,
    app,
    duration_text,
    fail,
    load,
    overrides,
    stderr,
    stdout,
)
from chansim.errors import InputError, Problem


@app.command()
def staff(
    scenario: ScenarioArg,
    pool: Annotated[
        Optional[list[str]], typer.Option("--pool", "-p", help="Pool to staff (repeatable; searched in this order; default: every "
                                                    "pool of the scenario, in its order).")
    ] = None,
    target: Annotated[
        Optional[list[str]],
        typer.Option("--target", "-t", help="KPI>=VALUE or KPI<=VALUE (repeatable). A bare KPI is measured over the "
                     "pool's channels, a dotted one on one channel or pool: service_level>=0.8, "
                     "voice.service_level>=0.8, webchat.asa_s<=60, pool.digital.occupancy<=0.9. Default: the "
                     "scenario's decision requirements (decision.require, else each offered channel's own answer-time "
                     "target met for 80 % of its contacts)."),
    ] = None,
    per_interval: Annotated[
        bool, typer.Option("--per-interval", help="Find a schedule per weekday × interval (targets met in each).")
    ] = False,
    shifts: Annotated[
        bool, typer.Option("--shifts", help="Find the cheapest agents per shift pattern of the pool's `shifts` "
                           "covering the per-interval requirement, then re-simulate it.")
    ] = False,
    interval: Annotated[
        int, typer.Option("--interval", help="Interval of --per-interval and --shifts requirements: 15, 30 or 60 "
                          "minutes.")
    ] = 60,
    per_hour: Annotated[bool, typer.Option("--per-hour", hidden=True, help="Same as --per-interval --interval 60.")
                        ] = False,
    strategy: Annotated[
        Optional[str], typer.Option("--strategy", "-s", help="Strategy to staff (default: the first).")
    ] = None,
    replications: Annotated[Optional[int], typer.Option(help="Replications per evaluation (≥ 2).", min=1)] = None,
    workers: WorkersOpt = None,
    executor: ExecutorOpt = ExecutorKind.processes,
    scheduler: SchedulerOpt = None,
    set_: SetOpt = None,
    format_: TableOrJsonOpt = TableOrJson.table,
    out: Annotated[
        Optional[Path], typer.Option("--out", help="Write staffing.json (the JSON document) and report.html here.")
    ] = None,
    quiet: QuietMessagesOpt = False,
    size_check: SizeCheckOpt = True,
) -> None:
    """Find the smallest roster of each pool meeting every target, by simulation: the pool's own roster scaled
    (default), a schedule per weekday × interval (--per-interval) or shift counts (--shifts).

    A target must hold at the pessimistic end of the 95 % CI (mean − ci95 for ≥, mean + ci95 for ≤). The answer
    gets replications added until every interval is decided (or 40 replications: then it says "undecided"), is
    confirmed on fresh seeds (5 replications, more while an interval is undecided, up to 40), and shows
    agent-hours required and scheduled, over-coverage, occupancy, FTE and labor cost.

    Without --pool every pool is staffed; without --target the scenario's decision requirements are the
    targets. A target no staffing within the search's reach can meet (a first reply that takes longer to
    write than its goal allows) is named as out of reach instead of being chased with agents."""
    from chansim.kpis.decision import requirements as decision_requirements
    from chansim.report import jsonable
    from chansim.studies.staffing.search import find_staffing, parse_target
    from chansim.report.staffing_files import check_staff_dir, write_staff_dir

    status = None
    try:
        if per_interval and shifts:
            raise InputError("--shifts: already finds the per-interval requirement; give one of --per-interval "
                             "and --shifts")
        if interval not in (15, 30, 60):
            raise InputError(Problem("--interval", f"must be 15, 30 or 60 minutes (got {interval})"))
        targets = [parse_target(t) for t in target or ()]
        loaded = load(scenario, overrides(set_), size_check=size_check)
        pool = list(pool or (p.name for p in loaded.agents.pools))
        if not pool:
            raise InputError("--pool: the scenario has no agent pool to staff")
        if not targets:
            targets, assumed = decision_requirements(loaded.decision, loaded)
            if not targets:
                raise InputError("--target: the scenario states no requirement (decision.require) and no offered "
                                 "channel has an answer-time target: give one (--target service_level>=0.8)")
            if not quiet:
                stderr.print("targets: " + ", ".join(str(t) for t in targets) + " (the scenario's decision"
                             + ("; assumed: " + "; ".join(assumed) if assumed else "") + ")",
                             highlight=False, markup=False)
        if out is not None:
            check_staff_dir(out)
        if not quiet and sys.stderr.isatty():
            status = stderr.status("searching…")
            status.start()
        started = time.monotonic()

        def progress(done: int, rule: str, staffing: str) -> None:
            if quiet:
                return
            elapsed = duration_text(time.monotonic() - started)
            line = f"{done} evaluation{'s' if done != 1 else ''} in {elapsed}; {rule}: {staffing}"
            if status is not None:
                status.update(escape(line))
            else:
                stderr.print(escape(line), highlight=False)

        result = find_staffing(loaded, pool, targets, strategy=strategy, per_interval=per_interval or per_hour,
                               shifts=shifts, interval_minutes=interval, replications=replications, workers=workers,
                               executor=executor.value, scheduler=scheduler, progress=progress)
        if out is not None:
            write_staff_dir(result, loaded, out)
    except InputError as exc:
        fail(exc)
    finally:
        if status is not None:
            status.stop()
    if format_ is TableOrJson.json:
        print(json.dumps(jsonable(result.to_dict()), indent=2, allow_nan=False))
    else:
        stdout.print(_table(result))
    if out is not None and not quiet:
        stderr.print(f"wrote {out}", highlight=False, markup=False)


def _roster(p) -> str:
    if p.shifts is not None:
        return ", ".join(f"{name}: {count}" for name, count in p.shifts.items())
    if p.schedule is not None:
        schedule = p.schedule
        if isinstance(schedule, dict):
            return "\n".join(f"{day}: {' '.join(map(str, values))}" for day, values in schedule.items())
        return " ".join(map(str, schedule))
    return str(p.headcount)


def _with_ci(kpi: str, value, ci) -> str:
    from chansim.report import with_ci

    return with_ci(kpi, value, ci if value is not None else None)


def _percent(value) -> str:
    return "—" if value is None else f"{value:+.1%}"


def _hours(value) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _verdict(v: dict | None, per_interval: bool, kpis: dict[str, str] | None = None) -> str:
    if not v:
        return "—"
    text = v["verdict"]
    if not per_interval:
        return text
    counts = v.get("intervals") or {}
    if text == "yes":
        return f"yes (all {counts.get('pass', 0)} intervals)"
    parts = []
    values = v.get("failing_kpis") or {}
    for kind, word in (("failing", "fail"), ("undecided", "undecided")):
        named = v.get(kind) or []
        if named:
            shown = ", ".join(_with_values(c, values.get(c), kpis or {}) for c in named[:3]) + (", …" if len(named) > 3 else "")
            parts.append(f"{len(named)} {word}: {shown}")
    if v.get("whole_run") not in (None, "pass"):
        parts.append(f"whole run {v['whole_run']}")
    return f"{text} ({'; '.join(parts)})"


def _with_values(cell: str, values: dict | None, kpis: dict[str, str]) -> str:
    """An interval's label, with its targets' means when it fails."""
    from chansim.report import format_value

    if not values:
        return cell
    shown = ", ".join(f"{kpis.get(t, t)} {format_value(kpis.get(t, t), m)}" for t, m in values.items())
    return f"{cell} ({shown})"


def _table(result) -> Table:
    from chansim.report import format_value

    keys = [str(t) for t in result.targets]
    kpi_of = {str(t): t.address.kpi for t in result.targets}
    per_interval = result.mode != "flat"
    what = {"flat": "the pool's roster scaled over the whole run",
            "per_interval": f"a schedule per weekday × {result.interval_minutes} min, targets met in each interval",
            "shifts": f"the cheapest shift counts covering the requirement per {result.interval_minutes} min, "
                      f"re-simulated"}[result.mode]
    first = next(iter(result.pools.values()), None)
    fresh = first.confirmation if first is not None and first.confirmation else {}
    basis = first.efficiency.get("basis") if first is not None and first.efficiency else ""
    judged = (f"judged on {result.judged_replications} replications ({result.rule})"
              if result.judged_replications else f"{result.replications} replications")
    table = Table(
        title=escape(f"staffing for strategy {result.strategy}: {', '.join(keys)}"),
        caption=escape(
            f"{what}; {result.evaluations} evaluations (seed {result.seed}), the answer {judged}; fresh seeds: "
            f"{fresh.get('replications', '—')} replications of seed {fresh.get('seed', '—')}. Agent-hours on the "
            f"floor per simulated week; required: {basis}; over-coverage = scheduled ÷ required − 1. "
            f"KPIs mean ± 95 % CI half-width; convention: {result.convention}; undecided = the CI still straddles "
            f"the target" + "".join(f". {p.verdict['search']}" for p in result.pools.values()
                                     if p.verdict and p.verdict.get("search"))
            + "".join(f". Out of reach of staffing in pool {p.name}: {'; '.join(p.verdict['unreachable'])}"
                      for p in result.pools.values() if p.verdict and p.verdict.get("unreachable"))
        ),
    )
    table.add_column("pool", style="bold")
    table.add_column("channels")
    table.add_column({"flat": "roster", "per_interval": "schedule", "shifts": "agents per shift"}[result.mode])
    for name in ("required h", "scheduled h", "over-coverage", "occupancy", "FTE", "labor cost"):
        table.add_column(name, justify="right")
    for key in keys:
        table.add_column(key, justify="right")
    table.add_column("meets targets")
    table.add_column("on fresh seeds")
    for p in result.pools.values():
        cells = []
        for t in result.targets:
            got = p.targets.get(str(t))
            cells.append("n/a (not this pool's)" if got is None else _with_ci(t.address.kpi, got["mean"], got["ci95"]))
        eff = p.efficiency or {}
        fte = p.labor.get("fte")
        table.add_row(escape(p.name), escape(", ".join(p.channels)), escape(_roster(p)),
                      _hours(eff.get("required_hours")), _hours(eff.get("scheduled_hours")),
                      _percent(eff.get("over_coverage")), format_value("occupancy", eff.get("occupancy")),
                      "—" if fte is None else f"{fte:,.1f}", format_value("cost_labor", p.labor.get("cost_labor")),
                      *cells, escape(_verdict(p.verdict, per_interval, kpi_of)),
                      escape(_verdict(p.confirmation, per_interval, kpi_of)))
    totals = result.totals
    if totals and len(result.pools) > 1:
        table.add_row("total", "", "", _hours(totals["required_hours"]), _hours(totals["scheduled_hours"]),
                      _percent(totals["over_coverage"]), format_value("occupancy", totals["occupancy"]),
                      "—" if totals["fte"] is None else f"{totals['fte']:,.1f}",
                      format_value("cost_labor", totals["cost_labor"]), *["" for _ in keys], "", "", style="bold")
    return table
