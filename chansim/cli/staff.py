"""``chansim staff``: the smallest staffing of pools that meets service targets."""

from __future__ import annotations

import json
import sys
from enum import Enum
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from chansim.cli.common import (
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


class StaffFormat(str, Enum):
    table = "table"
    json = "json"


@app.command()
def staff(
    scenario: ScenarioArg,
    pool: Annotated[
        Optional[list[str]], typer.Option("--pool", "-p", help="Pool to staff (repeatable; searched in this order).")
    ] = None,
    target: Annotated[
        Optional[list[str]],
        typer.Option("--target", "-t", help="KPI>=VALUE or KPI<=VALUE on the pool's channels (repeatable), "
                     "e.g. service_level>=0.8, abandon_rate<=0.05, asa_s<=30."),
    ] = None,
    per_hour: Annotated[
        bool, typer.Option("--per-hour", help="Find a 24-value schedule (agents per hour of day) instead of one headcount.")
    ] = False,
    strategy: Annotated[
        Optional[str], typer.Option("--strategy", "-s", help="Strategy to staff (default: the first).")
    ] = None,
    replications: Annotated[Optional[int], typer.Option(help="Replications per evaluation (≥ 2).", min=1)] = None,
    workers: WorkersOpt = None,
    executor: ExecutorOpt = ExecutorKind.processes,
    scheduler: SchedulerOpt = None,
    set_: SetOpt = None,
    format_: Annotated[StaffFormat, typer.Option("--format", "-f", help="Output format.")] = StaffFormat.table,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress messages.")] = False,
    size_check: SizeCheckOpt = True,
) -> None:
    """Find the smallest headcount (or per-hour schedule) of each pool meeting every target, by simulation.

    A target must hold at the pessimistic end of the 95 % CI (mean − ci95 for ≥, mean + ci95 for ≤)."""
    from chansim.report import jsonable
    from chansim.staffing import find_staffing, parse_target

    status = None
    try:
        if not pool:
            raise InputError("--pool: give at least one pool to staff (--pool NAME)")
        if not target:
            raise InputError("--target: give at least one target (--target service_level>=0.8)")
        targets = [parse_target(t) for t in target]
        loaded = load(scenario, overrides(set_), size_check=size_check)
        if not quiet and sys.stderr.isatty():
            status = stderr.status("searching…")
            status.start()

        def progress(done: int, staffing: str) -> None:
            if status is not None:
                status.update(f"evaluation {done}: {escape(staffing)}")

        result = find_staffing(loaded, pool, targets, strategy=strategy, per_hour=per_hour,
                               replications=replications, workers=workers, executor=executor.value,
                               scheduler=scheduler, progress=progress)
    except InputError as exc:
        if status is not None:
            status.stop()
        fail(exc)
        return
    if status is not None:
        status.stop()
    if format_ is StaffFormat.json:
        print(json.dumps(jsonable(result.to_dict()), indent=2, allow_nan=False))
        return
    stdout.print(_table(result))


def _table(result) -> Table:
    from chansim.report import format_value

    keys = []
    for t in result.targets:
        if t.kpi not in keys:
            keys.append(t.kpi)
    table = Table(
        title=escape(f"staffing for strategy {result.strategy}: {', '.join(map(str, result.targets))}"),
        caption=escape(
            f"{result.evaluations} evaluations × {result.replications} replications (seed {result.seed}); "
            f"KPIs over each pool's channels{' and the whole day (targets are met hour by hour)' if result.per_hour else ''}, "
            f"mean ± 95 % CI half-width; convention: {result.convention}"
        ),
    )
    table.add_column("pool", style="bold")
    table.add_column("channels")
    table.add_column("schedule" if result.per_hour else "headcount", justify="right")
    for key in keys:
        table.add_column(key, justify="right")
    table.add_column("meets targets")
    for p in result.pools.values():
        staffing = " ".join(str(v) for v in p.schedule) if p.schedule is not None else str(p.headcount)
        cells = []
        for key in keys:
            value, ci = p.kpis.get(key), p.ci95.get(key)
            cell = format_value(key, value)
            if ci and value is not None:
                cell += " ± " + (format_value(key, ci).removesuffix(" %").removesuffix(" s")).strip()
            cells.append(cell)
        ok = "yes" if p.meets_targets else "no"
        if result.per_hour:
            ok += " (every hour)" if p.meets_targets else " (some hour fails)"
        table.add_row(escape(p.name), escape(", ".join(p.channels)), staffing, *cells, ok)
    return table
