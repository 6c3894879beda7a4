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
    duration_text,
    TableOrJson,
    TableOrJsonOpt,
    WorkersOpt,
    ExecutorKind,
    ExecutorOpt,
    ScenarioArg,
    SchedulerOpt,
    SetOpt,
    SizeCheckOpt,
    app,
    fail,
    load,
    overrides,
    stderr,
    stdout,
)
from chansim.errors import InputError




@app.command()
def staff(
    scenario: ScenarioArg,
    pool: Annotated[
        Optional[list[str]], typer.Option("--pool", "-p", help="Pool to staff (repeatable; searched in this order).")
    ] = None,
    target: Annotated[
        Optional[list[str]],
        typer.Option("--target", "-t", help="KPI>=VALUE or KPI<=VALUE (repeatable). A bare KPI is measured over the "
                     "pool's channels, a dotted one on one channel or pool: service_level>=0.8, "
                     "voice.service_level>=0.8, webchat.asa_s<=60, pool.digital.occupancy<=0.9."),
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
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress messages.")] = False,
    size_check: SizeCheckOpt = True,
) -> None:
    """Find the smallest roster of each pool meeting every target, by simulation: the pool's own roster scaled
    (default), a schedule per weekday × interval (--per-interval) or shift counts (--shifts).

    A target must hold at the pessimistic end of the 95 % CI (mean − ci95 for ≥, mean + ci95 for ≤)."""
    from chansim.report import jsonable
    from chansim.studies.staffing.search import find_staffing, parse_target
    from chansim.report.staffing_files import check_staff_dir, write_staff_dir

    status = None
    try:
        if not pool:
            raise InputError("--pool: give at least one pool to staff (--pool NAME)")
        if not target:
            raise InputError("--target: give at least one target (--target service_level>=0.8)")
        if per_interval and shifts:
            raise InputError("--shifts: already finds the per-interval requirement; give one of --per-interval "
                             "and --shifts")
        targets = [parse_target(t) for t in target]
        loaded = load(scenario, overrides(set_), size_check=size_check)
        if out is not None:
            check_staff_dir(out)
        if not quiet and sys.stderr.isatty():
            status = stderr.status("searching…")
            status.start()
        started = time.monotonic()

        def progress(done: int, expected: int, staffing: str) -> None:
            if quiet:
                return
            elapsed = time.monotonic() - started
            left = max(expected - done, 0) * elapsed / done
            line = f"evaluation {done} of about {expected} (ETA {duration_text(left)}): {staffing}"
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


def _table(result) -> Table:
    from chansim.report import format_value

    keys = [str(t) for t in result.targets]
    what = {"flat": "the pool's roster scaled over the whole run",
            "per_interval": f"a schedule per weekday × {result.interval_minutes} min, targets met in each interval",
            "shifts": f"the cheapest shift counts covering the requirement per {result.interval_minutes} min, "
                      f"re-simulated"}[result.mode]
    table = Table(
        title=escape(f"staffing for strategy {result.strategy}: {', '.join(keys)}"),
        caption=escape(
            f"{what}; {result.evaluations} evaluations × {result.replications} replications (seed {result.seed}); "
            f"KPIs mean ± 95 % CI half-width; convention: {result.convention}"
        ),
    )
    table.add_column("pool", style="bold")
    table.add_column("channels")
    table.add_column({"flat": "roster", "per_interval": "schedule", "shifts": "agents per shift"}[result.mode])
    table.add_column("FTE", justify="right")
    table.add_column("labor cost", justify="right")
    table.add_column("staffed h", justify="right")
    for key in keys:
        table.add_column(key, justify="right")
    table.add_column("meets targets")
    for p in result.pools.values():
        cells = []
        for t in result.targets:
            got = p.targets.get(str(t))
            cells.append("n/a (not this pool's)" if got is None else _with_ci(t.address.kpi, got["mean"], got["ci95"]))
        fte = p.labor.get("fte")
        ok = "yes" if p.meets_targets else "no"
        if result.mode != "flat":
            ok += " (every interval)" if p.meets_targets else " (some interval fails)"
        table.add_row(escape(p.name), escape(", ".join(p.channels)), escape(_roster(p)),
                      "—" if fte is None else f"{fte:,.1f}", format_value("cost_labor", p.labor.get("cost_labor")),
                      "—" if p.labor.get("staffed_hours") is None else f"{p.labor['staffed_hours']:,.0f}",
                      *cells, ok)
    return table
