"""``chansim run``, ``validate`` and ``schema``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from chansim.cli.common import (
    EXIT_BAD_INPUT,
    Format,
    FormatOpt,
    ScenarioArg,
    SetOpt,
    app,
    fail,
    load,
    overrides,
    progress_bar,
    stderr,
    stdout,
)
from chansim.errors import InputError
from chansim.experiment import simulate
from chansim.scenario import Scenario


@app.command()
def run(
    scenario: ScenarioArg,
    strategy: Annotated[
        Optional[list[str]], typer.Option("--strategy", "-s", help="Strategy to run (repeatable; default all).")
    ] = None,
    replications: Annotated[Optional[int], typer.Option(help="Replications per strategy.", min=1)] = None,
    seed: Annotated[Optional[int], typer.Option(help="Seed of every random stream.", min=0)] = None,
    days: Annotated[Optional[float], typer.Option(help="Days to simulate.")] = None,
    set_: SetOpt = None,
    format_: FormatOpt = Format.table,
    out: Annotated[
        Optional[Path],
        typer.Option("--out", help="Write summary.json/.csv, the resolved scenario and the event log (Parquet) here."),
    ] = None,
    workers: Annotated[
        int, typer.Option(help="Processes running replications in parallel (0: one per core). Same numbers for any count.", min=0)
    ] = 1,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Simulate a scenario's strategies and print their KPIs with 95 % CIs."""
    from chansim import report

    try:
        loaded = load(scenario, overrides(set_, seed=seed, days=days, replications=replications))
        if out is not None:
            report.check_out_dir(out)
        bar = progress_bar(quiet)
        if bar is None:
            result = simulate(loaded, strategy, workers=workers, keep_log=out is not None)
        else:
            with bar:
                task = bar.add_task("runs", total=None)
                result = simulate(loaded, strategy, workers=workers, keep_log=out is not None,
                                  progress=lambda done, total: bar.update(task, completed=done, total=total))
        if out is not None:
            report.write_run_dir(result, out)
    except InputError as exc:
        fail(exc)
        return
    if format_ is Format.json:
        print(report.to_json(result))
    elif format_ is Format.csv:
        sys.stdout.write(report.to_csv(result))
    else:
        stdout.print(report.to_table(result))
    if out is not None and not quiet:
        stderr.print(f"wrote {out}", highlight=False, markup=False)


@app.command()
def validate(
    scenarios: Annotated[list[Path], typer.Argument(help="Scenario files to check.", show_default=False)],
    set_: SetOpt = None,
) -> None:
    """Check scenario files and report every problem with its path; exit 2 if any is invalid."""
    bad = 0
    for path in scenarios:
        try:
            loaded = load(path, overrides(set_))
        except InputError as exc:
            bad += 1
            stderr.print(f"[bold red]invalid:[/] {escape(exc.render())}", highlight=False)
            continue
        names = ", ".join(loaded.strategy_names)
        stdout.print(f"ok: {escape(str(path))} ({len(loaded.strategies)} strategies: {escape(names)})", highlight=False)
    if bad:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files."""
    print(json.dumps(Scenario.model_json_schema(), indent=2))
