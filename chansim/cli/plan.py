"""``chansim plan``: the weeks ahead — hires, FTE, cost and risk, week by week."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from chansim.cli.common import (
    QuietMessagesOpt,
    ScenarioArg,
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
def plan(
    scenario: ScenarioArg,
    replications: Annotated[Optional[int], typer.Option(
        help="Replications per staffing evaluation (≥ 2; default the scenario's, at least 2).", min=2)] = None,
    week_types: Annotated[Optional[int], typer.Option(
        "--week-types", help="Week-types simulated at most (default: the plan's week_types).", min=2)] = None,
    quick: Annotated[bool, typer.Option("--quick", help="Two week-types and 50 risk paths: a first look.")] = False,
    per_interval: Annotated[bool, typer.Option(
        "--per-interval", help="Requirements met in every hour (slower) instead of over the week with the pool's "
        "own roster scaled.")] = False,
    workers: WorkersOpt = None,
    set_: SetOpt = None,
    format_: TableOrJsonOpt = TableOrJson.table,
    out: Annotated[Optional[Path], typer.Option(
        "--out", help="Write the weekly, monthly and yearly tables (CSV, Parquet), plan.xlsx, the figures and "
        "report.html here.")] = None,
    quiet: QuietMessagesOpt = False,
    size_check: SizeCheckOpt = True,
) -> None:
    """Plan the weeks ahead from the scenario's `plan:` section: each week's required FTE per pool from the
    simulator (per week-type, interpolated), the cheapest hiring classes (an integer program) or your own
    `hiring_plan` evaluated, overtime, cost, and the share of demand and attrition paths below target."""
    from chansim.studies.plan import plan_hiring

    started = time.monotonic()

    def progress(line: str) -> None:
        if not quiet:
            stderr.print(f"[{duration_text(time.monotonic() - started)}] {line}", highlight=False, markup=False)

    sets: dict = {}
    try:
        sets = overrides(set_)
        if week_types is not None or quick:
            sets["plan.week_types"] = 2 if quick else week_types
        if quick:
            sets["plan.uncertainty.paths"] = 50
        loaded = load(scenario, sets, size_check=size_check)
        if out is not None:
            from chansim.report.plan_files import check_plan_dir

            check_plan_dir(out)
        result = plan_hiring(loaded, replications=replications, per_interval=per_interval, workers=workers,
                             progress=progress)
        if out is not None:
            from chansim.report.plan_files import write_plan_dir

            write_plan_dir(result, loaded, out)
    except InputError as exc:
        fail(_located(exc, scenario, sets))
    if format_ is TableOrJson.json:
        from chansim.report import jsonable

        doc = result.to_dict() | {"weekly": result.weekly.assign(
            week_start=result.weekly["week_start"].map(str)).to_dict(orient="records")}
        print(json.dumps(jsonable(doc), indent=2, allow_nan=False))
    else:
        stdout.print(_table(result))
        for pool, s in result.summary().items():
            stdout.print(escape(f"{pool}: {s['hires']:.0f} hires, {s['leavers']:.1f} leavers, cost "
                                f"{s['cost']:,.0f} {result.currency} (expected over {result.paths} paths "
                                f"{s['expected_cost']:,.0f}), {s['weeks_at_risk']} weeks at risk"), highlight=False)
        for note in result.notes:
            stdout.print(escape(note), highlight=False)
    if out is not None and not quiet:
        stderr.print(f"wrote {out} in {duration_text(time.monotonic() - started)}", highlight=False, markup=False)


def _located(exc: InputError, scenario: Path, sets: dict) -> InputError:
    """A problem the plan found in the scenario's own fields (``plan.require[0]``),
    given the scenario file and the field's line; one on an option (``--set``,
    ``--replications``) as it is."""
    if exc.source is not None or all(p.path.startswith("--") for p in exc.problems):
        return exc
    from chansim.scenario.paths import line_of
    from chansim.studies.optimize.space_file import file_lines

    lines = file_lines(scenario)
    problems = []
    for p in exc.problems:
        given = [k for k in sets if p.path == k or p.path.startswith((f"{k}.", f"{k}["))]
        if given:
            problems.append(Problem(p.path, f"{p.message} (given as an override, not in the file)", p.line))
        else:
            problems.append(Problem(p.path, p.message, p.line if p.line is not None else line_of(lines, p.path)))
    return InputError(problems, source=str(scenario))


def _table(result) -> Table:
    table = Table(title=escape(f"hiring plan from {result.start} ({'your plan' if result.user_plan else 'cheapest'}"
                               f"; targets: {', '.join(result.targets) or 'given'})"),
                  caption=escape("FTE = heads of full-time paid hours; risk = share of demand and attrition paths "
                                 "below target; * = week simulated"))
    for name in ("week", "start", "pool", "required FTE", "productive FTE", "heads", "hires", "training",
                 "nesting", "leavers", "overtime FTE", f"cost ({result.currency})", "risk"):
        table.add_column(name, justify="left" if name in ("start", "pool") else "right")
    for row in result.weekly.itertuples():
        table.add_row(f"{row.week}{'*' if row.simulated else ''}", str(row.week_start), escape(str(row.pool)),
                      f"{row.required_fte:.1f}", f"{row.productive_fte:.1f}", f"{row.headcount:.1f}",
                      f"{row.hires_starting:.0f}" if row.hires_starting else "", f"{row.in_training:.1f}",
                      f"{row.in_nesting:.1f}", f"{row.leavers:.1f}", f"{row.overtime_fte:.1f}", f"{row.cost:,.0f}",
                      f"{100 * row.risk:.0f} %")
    return table
