"""``chansim fit`` and ``chansim backtest``: a scenario from your exports,
and how well it reproduces them."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from chansim.cli.common import (
    TableOrJson,
    TableOrJsonOpt,
    EXIT_REGRESSION,
    QuietOpt,
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
from chansim.errors import InputError, Problem




DataArg = Annotated[list[Path], typer.Argument(help="Export files (CSV or Parquet): interval report, contact "
                                                    "records, message records; recognised by their columns.",
                                               show_default=False)]
MapOpt = Annotated[
    Optional[list[str]],
    typer.Option("--map", help="Your column for a canonical one: canonical=YourColumn (repeatable or comma-"
                 "separated), e.g. arrival=CreatedAt,answer=AnsweredAt."),
]
TzOpt = Annotated[
    Optional[str],
    typer.Option("--tz", help="The center's time zone (e.g. Europe/London): timestamps with a UTC offset are "
                 "converted to it, timestamps without one are taken as its local time."),
]


def _targets(values: list[str] | None) -> dict[str, float]:
    out = {}
    for text in values or []:
        channel, _, seconds = text.partition("=")
        try:
            out[channel.strip()] = float(seconds)
        except ValueError:
            raise InputError(Problem("--target", f"{text!r}: expected channel=seconds, e.g. voice=20")) from None
    return out


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _number(value: float | None, digits: int = 4) -> str:
    if _missing(value):
        return "–"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.{digits}g}"


@app.command()
def fit(
    data: DataArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Scenario file to write (YAML).")],
    map_: MapOpt = None,
    tz: TzOpt = None,
    name: Annotated[str, typer.Option(help="Scenario name.")] = "fitted",
    target: Annotated[
        Optional[list[str]],
        typer.Option("--target", help="Service-level answer target of a channel in seconds, channel=seconds "
                     "(repeatable; default voice=20, messaging 60)."),
    ] = None,
    market: Annotated[str, typer.Option(help="Market (ISO 3166) whose rate cards price the scenario.")] = "US",
    currency: Annotated[str, typer.Option(help="Currency (ISO 4217) of the scenario.")] = "USD",
    report: Annotated[
        Optional[Path],
        typer.Option("--report", help="Write the fit report here: parameters.csv (95 % CIs), notes.txt and "
                     "figures of actual vs fitted."),
    ] = None,
    format_: TableOrJsonOpt = TableOrJson.table,
) -> None:
    """Fit a scenario to contact-center exports; every fitted number says where it came from."""
    from chansim.studies.fit.fitter import fit as fit_scenario

    try:
        result = fit_scenario(data, mapping=map_, timezone=tz, name=name, targets=_targets(target), market=market,
                              currency=currency)
        result.write(out, report_dir=report)
    except InputError as exc:
        fail(exc)
        return
    table = result.report.table()
    if format_ is TableOrJson.json:
        print(json.dumps({"scenario": str(out), "report": str(report) if report else None,
                          "parameters": [e.to_dict() for e in result.report.parameters],
                          "notes": result.report.notes, "implausible": result.report.implausible}, indent=2))
        return
    view = Table(title=f"fitted {escape(str(out))}", title_justify="left")
    for col in ("parameter", "value", "95 % CI", "method"):
        view.add_column(col, overflow="fold")
    for row in table.itertuples():
        ci = "" if _missing(row.ci_low) else f"{_number(row.ci_low)} – {_number(row.ci_high)}"
        view.add_row(escape(row.parameter), _number(row.value), ci, escape(row.method))
    stdout.print(view)
    for note in result.report.notes:
        stdout.print(f"note: {escape(note)}", highlight=False)
    stderr.print(f"wrote {escape(str(out))}" + (f" and {escape(str(report))}" if report else ""), highlight=False)


@app.command()
def backtest(
    scenario: ScenarioArg,
    data: DataArg,
    replications: Annotated[int, typer.Option(help="Replications of each day (≥ 2), for the 95 % band.", min=2)] = 10,
    strategy: Annotated[Optional[str], typer.Option("--strategy", "-s", help="Strategy to simulate (default: the first).")] = None,
    map_: MapOpt = None,
    tz: TzOpt = None,
    set_: SetOpt = None,
    report: Annotated[
        Optional[Path],
        typer.Option("--report", help="Write summary.csv, hours.csv and a figure per KPI over time here."),
    ] = None,
    max_mape: Annotated[
        Optional[float],
        typer.Option("--max-mape", help="Gate: exit 1 when the hourly MAPE (%) of a gated KPI exceeds this."),
    ] = None,
    kpi: Annotated[
        Optional[list[str]],
        typer.Option("--kpi", help="KPI the --max-mape gate checks (repeatable; default all: service_level, asa_s, "
                     "abandon_rate, aht_s, occupancy). MAPE is large for KPIs near 0, e.g. ASA of a few seconds."),
    ] = None,
    format_: TableOrJsonOpt = TableOrJson.table,
    quiet: QuietOpt = False,
) -> None:
    """Simulate the data's period with its staffing and compare KPIs with the data, hour by hour."""
    from chansim.studies.fit.backtest import backtest as run_backtest, check_kpis

    try:
        check_kpis(kpi)
        loaded = load(scenario, overrides(set_))
        bar = progress_bar(quiet)
        if bar is None:
            result = run_backtest(loaded, data, strategy=strategy, replications=replications, mapping=map_,
                                  timezone=tz)
        else:
            with bar:
                task = bar.add_task("days", total=None)
                result = run_backtest(loaded, data, strategy=strategy, replications=replications, mapping=map_,
                                      timezone=tz, progress=lambda d, t: bar.update(task, completed=d, total=t))
        if report is not None:
            result.save(report)
    except InputError as exc:
        fail(exc)
        return
    try:
        worst = result.worst_mape(kpi)
    except InputError as exc:
        fail(exc)
        return
    failed = max_mape is not None and worst is not None and worst > max_mape
    if format_ is TableOrJson.json:
        print(json.dumps({**result.to_dict(), "max_mape": max_mape, "worst_mape_pct": worst, "passed": not failed},
                         indent=2))
    else:
        view = Table(title=f"backtest of {escape(result.scenario)} ({result.strategy}) over {result.days} days, "
                           f"{result.replications} replications, staffing from the {result.staffing}",
                     title_justify="left")
        for col in ("channel", "kpi", "actual", "simulated", "95 % band", "bias", "MAPE %", "in band", "hours"):
            view.add_column(col)
        for row in result.summary.itertuples():
            band = "" if _missing(row.low) else f"{_number(row.low)} – {_number(row.high)}"
            view.add_row(row.channel, row.kpi, _number(row.actual), _number(row.simulated), band, _number(row.bias, 3),
                         _number(row.mape_pct, 3), "–" if _missing(row.coverage) else f"{row.coverage:.0%}",
                         str(row.hours))
        stdout.print(view)
        for note in result.notes:
            stdout.print(f"note: {escape(note)}", highlight=False)
    if failed:
        stderr.print(f"backtest gate failed: MAPE {worst:.1f} % > --max-mape {max_mape:g} %", highlight=False)
        raise typer.Exit(EXIT_REGRESSION)
