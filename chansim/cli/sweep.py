"""``chansim sweep``: simulate a grid of scenario values and tabulate/plot a KPI."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.markup import escape
from rich.table import Table

from chansim.cli.common import (
    DaysOpt,
    ExecutorKind,
    ExecutorOpt,
    Format,
    FormatOpt,
    ScenarioArg,
    SchedulerOpt,
    SeedOpt,
    SizeCheckOpt,
    app,
    fail,
    load,
    overrides,
    stderr,
    stdout,
    with_progress,
    workers_option,
)
from chansim.errors import InputError, Problem

#: KPIs the table shows besides the chosen one.
_TABLE_KPIS = ("service_level", "asa_s", "abandon_rate", "occupancy", "cost_per_issue")


@app.command()
def sweep(
    scenario: ScenarioArg,
    set_: Annotated[
        Optional[list[str]],
        typer.Option("--set", help="A swept value by dotted path (repeatable): key=v1,v2,... (values read as YAML), "
                     "key=a..b:step (numbers, end included) or key=value; the grid is every combination."),
    ] = None,
    kpi: Annotated[str, typer.Option("--kpi", help="KPI to show and plot: a KPI or a breakdown, e.g. "
                                                    "voice.service_level, pool.digital.occupancy.")] = "cost_per_issue",
    strategy: Annotated[
        Optional[list[str]], typer.Option("--strategy", "-s", help="Strategy to run (repeatable; default all).")
    ] = None,
    replications: Annotated[Optional[int], typer.Option(help="Replications per strategy and point.", min=1)] = None,
    seed: SeedOpt = None,
    days: DaysOpt = None,
    workers: workers_option("grid points") = None,
    executor: ExecutorOpt = ExecutorKind.processes,
    scheduler: SchedulerOpt = None,
    format_: FormatOpt = Format.table,
    out: Annotated[
        Optional[Path], typer.Option("--out", help="Write sweep.csv, sweep.json, a figure (sweep.png, sweep.svg) and report.html here.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    size_check: SizeCheckOpt = True,
) -> None:
    """Simulate every combination of the --set values (same seed at every point) and print one row per point × strategy."""
    from chansim.kpis.address import parse_address
    from chansim.report.sweep_files import check_sweep_dir, rows_json, write_sweep_dir
    from chansim.studies.sweep import parse_axes, sweep as run_sweep

    try:
        kpi = str(parse_address(kpi, "--kpi"))
        if not set_:
            raise InputError(Problem("--set", "give at least one key to sweep: --set key=v1,v2,... or key=a..b:step"))
        axes = parse_axes(set_)
        loaded = load(scenario, overrides(None, seed=seed, days=days), size_check=size_check)
        if out is not None:
            check_sweep_dir(out)
        frame = with_progress(run_sweep, loaded, axes, strategies=strategy, replications=replications,
                              workers=workers, executor=executor.value, scheduler=scheduler, quiet=quiet,
                              label="points", kpis=[kpi])
        if out is not None:
            write_sweep_dir(frame, out, kpi, title=f"{loaded.name}: {kpi}", currency=loaded.currency)
    except InputError as exc:
        fail(exc)
        return
    if format_ is Format.json:
        print(rows_json(frame))
    elif format_ is Format.csv:
        sys.stdout.write(frame.to_csv(index=False))
    else:
        stdout.print(_table(frame, list(axes), kpi, loaded.name, loaded.currency))
    if out is not None and not quiet:
        stderr.print(f"wrote {out}", highlight=False, markup=False)


def _table(frame, keys: list[str], kpi: str, name: str, currency: str) -> Table:
    from chansim.report import with_ci

    shown = [kpi] + [k for k in _TABLE_KPIS if k != kpi]
    table = Table(
        title=escape(f"{name}: sweep of {', '.join(keys)}"),
        caption=f"mean ± 95 % CI half-width over replications; money in {currency}; — = not measured",
    )
    for key in keys:
        table.add_column(escape(key), justify="right")
    table.add_column("strategy")
    for key in shown:
        table.add_column(key, justify="right", style="bold" if key == kpi else None)
    for row in frame.to_dict(orient="records"):
        cells = [escape(_plain(row[k])) for k in keys] + [escape(str(row["strategy"]))]
        for key in shown:
            value, ci = _num(row[key]), _num(row[f"{key}_ci95"])
            cells.append(with_ci(key, value, ci if value is not None else None))
        table.add_row(*cells)
    return table


def _num(value: Any) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if value != value else value


def _plain(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
