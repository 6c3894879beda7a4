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
    DaysOpt,
    ExecutorKind,
    ExecutorOpt,
    FormatOpt,
    LogLevel,
    QuietOpt,
    ReplicationsOpt,
    SizeCheckOpt,
    StrictOpt,
    ScenarioArg,
    SchedulerOpt,
    SeedOpt,
    SetOpt,
    WorkersOpt,
    app,
    fail,
    load,
    safe_text,
    overrides,
    simulate_with_progress,
    stderr,
    stdout,
    with_progress,
)
from chansim.errors import InputError

__all__ = ["run", "validate", "schema", "print_decision"]


def print_decision(result) -> None:
    """The decision lines under a table."""
    from chansim.report.answer import decision_lines
    from chansim.kpis.decision import decide

    for line in decision_lines(decide(result), result.scenario.currency):
        stdout.print(escape(safe_text(line)), highlight=False)


@app.command()
def run(
    scenario: ScenarioArg,
    strategy: Annotated[
        Optional[list[str]], typer.Option("--strategy", "-s", help="Strategy to run (repeatable; default all).")
    ] = None,
    replications: ReplicationsOpt = None,
    seed: SeedOpt = None,
    days: DaysOpt = None,
    set_: SetOpt = None,
    format_: FormatOpt = Format.table,
    out: Annotated[
        Optional[Path],
        typer.Option("--out", help="Write summary.json/.csv, the resolved scenario, the event log (Parquet) and report.html here."),
    ] = None,
    log: Annotated[
        LogLevel,
        typer.Option("--log", help="How much of the event log --out writes: messages (every table), contacts "
                     "(contacts and staffing, no messages), none (summaries and costs only). Streamed to Parquet as "
                     "replications finish; ignored without --out."),
    ] = LogLevel.messages,
    workers: WorkersOpt = None,
    executor: ExecutorOpt = ExecutorKind.processes,
    scheduler: SchedulerOpt = None,
    quiet: QuietOpt = False,
    strict: StrictOpt = False,
    size_check: SizeCheckOpt = True,
) -> None:
    """Simulate a scenario's strategies and print their KPIs with 95 % CIs."""
    from chansim import report

    options = {"workers": workers, "executor": executor.value, "scheduler": scheduler}
    try:
        loaded = load(scenario, overrides(set_, seed=seed, days=days, replications=replications),
                              strict=strict, size_check=size_check, workers=workers)
        if out is None:
            result = simulate_with_progress(loaded, strategy, log="none", quiet=quiet, source=str(scenario), **options)
        else:
            report.check_out_dir(out)
            result = with_progress(report.simulate_to_dir, loaded, out, strategy, log=log.value, quiet=quiet,
                                   source=str(scenario), **options)
    except InputError as exc:
        fail(exc)
        return
    if format_ is Format.json:
        print(report.to_json(result))
    elif format_ is Format.csv:
        sys.stdout.write(report.to_csv(result))
    else:
        stdout.print(report.to_table(result))
        print_decision(result)
    if out is not None and not quiet:
        stderr.print(f"wrote {out}", highlight=False, markup=False)


@app.command()
def validate(
    scenarios: Annotated[list[Path], typer.Argument(help="Scenario files to check.", show_default=False)],
    set_: SetOpt = None,
    strict: StrictOpt = False,
    size_check: SizeCheckOpt = True,
) -> None:
    """Check scenario files as run does before simulating (fields, cross-field rules, pricing, size) and
    report every problem with its path and line; exit 2 if any is invalid."""
    bad = 0
    for path in scenarios:
        try:
            loaded = load(path, overrides(set_), strict=strict, size_check=size_check)
        except InputError as exc:
            bad += 1
            stderr.print(f"[bold red]invalid:[/] {escape(safe_text(exc.render()))}", highlight=False)
            continue
        names = safe_text(", ".join(loaded.strategy_names))
        stdout.print(f"ok: {escape(safe_text(str(path)))} ({len(loaded.strategies)} strategies: {escape(names)})",
                     highlight=False)
    if bad:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files."""
    from chansim.scenario import Scenario

    print(json.dumps(Scenario.model_json_schema(), indent=2))
