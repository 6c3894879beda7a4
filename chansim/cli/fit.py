"""``chansim fit`` and ``chansim backtest``: a scenario from your exports,
and how well it reproduces them."""

from __future__ import annotations

import inspect
import json
import math
from pathlib import Path
from typing import Annotated, NamedTuple, Optional, get_type_hints

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
    stderr,
    stdout,
    with_progress,
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


PresetOpt = Annotated[Optional[str], typer.Option(
    "--preset", help="The files are call logs in a known published layout (column mapping, date format, null "
    "tokens, outcome mapping): anonymous-bank.")]
DelimiterOpt = Annotated[Optional[str], typer.Option(
    "--delimiter", help="Call logs: the field delimiter (tab, comma, semicolon, pipe or one character; default "
    "detected from the header).")]
DateFormatOpt = Annotated[Optional[str], typer.Option(
    "--date-format", help="Call logs: the format of the date column (e.g. %y%m%d), combined with time-of-day "
    "columns.")]
NullOpt = Annotated[Optional[list[str]], typer.Option(
    "--null", help="Call logs: a value meaning none, in every column (TOKEN) or one (column=TOKEN), e.g. "
    "0:00:00 or agent=NO_SERVER (repeatable).")]
OutcomeOpt = Annotated[Optional[list[str]], typer.Option(
    "--outcome", help="Call logs: what an outcome value means, VALUE=answered|abandoned|drop (repeatable).")]
ShortAbandonOpt = Annotated[Optional[float], typer.Option(
    "--short-abandon", help="Call logs: abandons within this many seconds are not counted as offered.")]
SkewOpt = Annotated[Optional[float], typer.Option(
    "--max-skew", help="Call logs: service starting up to this many seconds before the queue entry is clock skew "
    "(counted; the wait set to 0). Default 5.")]
LogOpt = Annotated[bool, typer.Option(
    "--call-log", help="Read the files as call logs (one row per call, IVR/queue/service times) with the default "
    "layout and the options above; implied by --preset and the other call-log options.")]


class CallLogOptions(NamedTuple):
    """The call-log options of a command, as given on its command line."""

    preset: PresetOpt = None
    call_log: LogOpt = False
    delimiter: DelimiterOpt = None
    date_format: DateFormatOpt = None
    null: NullOpt = None
    outcome: OutcomeOpt = None
    short_abandon: ShortAbandonOpt = None
    max_skew: SkewOpt = None

    def log_format(self):
        """The reader's settings for call logs; None when no call-log option is
        given (the files are other exports)."""
        from chansim.studies.fit.log_format import log_format

        if not (self.call_log or self.preset or self.delimiter or self.date_format or self.null or self.outcome
                or self.short_abandon is not None or self.max_skew is not None):
            return None
        return log_format(self.preset, delimiter=self.delimiter, date_format=self.date_format, nulls=self.null,
                          outcomes=self.outcome, short_abandon_s=self.short_abandon, max_skew_s=self.max_skew)


def with_call_log_options(command):
    """``command`` with the options of :class:`CallLogOptions` on its command
    line, in the place of its ``logs: CallLogOptions`` parameter, which gets
    them as one value."""
    signature = inspect.signature(command, eval_str=True)
    hints = get_type_hints(CallLogOptions, include_extras=True)
    options = [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=hints[name],
                                 default=CallLogOptions._field_defaults[name]) for name in CallLogOptions._fields]
    parameters = []
    for parameter in signature.parameters.values():
        parameters += options if parameter.name == "logs" else [parameter]

    def run(**values):
        logs = CallLogOptions(**{name: values.pop(name) for name in CallLogOptions._fields})
        return command(logs=logs, **values)

    # Named and documented as the command; its signature and annotations are those of its command line.
    run.__name__, run.__qualname__, run.__doc__ = command.__name__, command.__qualname__, command.__doc__
    run.__signature__ = signature.replace(parameters=parameters)
    run.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": signature.return_annotation}
    return run


def _period(text: str | None, option: str):
    from chansim.studies.fit.exports import parse_period

    return parse_period(text, option) if text else None


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


def _fitted(fit_scenario, data: list[Path], **options):
    """The fit; a fitted value a scenario cannot hold (data too odd to fit) is
    told as bad input naming the data files and the field."""
    from pydantic import ValidationError

    try:
        return fit_scenario(data, **options)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise InputError(Problem(where or "DATA", f"the data gives a value a scenario cannot hold: "
                                                  f"{first.get('msg', exc)}"),
                         source=", ".join(map(str, data))) from None


@app.command()
@with_call_log_options
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
    logs: CallLogOptions = CallLogOptions(),
    train: Annotated[Optional[str], typer.Option(
        "--train", help="Fit these days only, START..END inclusive (e.g. 1999-02-01..1999-02-14).")] = None,
    repeat_window: Annotated[float, typer.Option(
        "--repeat-window", help="Days within which the same customer's next contact counts as a repeat.",
        min=0.001)] = 7.0,
    calibrate: Annotated[bool, typer.Option(
        "--calibrate", help="Call logs naming the agents: choose the pool's shrinkage (share of the agents counted "
        "on duty not taking calls) so that a simulation of the training days reproduces their service level, "
        "abandon rate and ASA.")] = False,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace an existing --out file (never one of the export files read).")] = False,
) -> None:
    """Fit a scenario to contact-center exports; every fitted number says where it came from."""
    from chansim.report.fit_figures import check_fit_report_dir, save_fit_report
    from chansim.studies.fit.fitter import fit as fit_scenario
    from chansim.studies.fit.scenario_out import check_scenario_out

    try:
        fmt = logs.log_format()
        targets, period = _targets(target), _period(train, "--train")
        check_scenario_out(out, data, force=force)  # refused before fitting, not after
        if report is not None:
            check_fit_report_dir(report)
        result = _fitted(fit_scenario, data, mapping=map_, timezone=tz, name=name, targets=targets,
                         market=market, currency=currency, log_format=fmt, train=period,
                         repeat_window_days=repeat_window, calibrate=calibrate)
        result.write(out, force=force)
        if report is not None:
            save_fit_report(result.report, report)
    except InputError as exc:
        fail(exc)
        return
    table = result.report.table()
    calibration = result.report.calibration
    if format_ is TableOrJson.json:
        print(json.dumps({"scenario": str(out), "report": str(report) if report else None,
                          "parameters": [e.to_dict() for e in result.report.parameters],
                          "notes": result.report.notes, "implausible": result.report.implausible,
                          "rows": result.report.corrections,
                          "calibration": calibration.to_dict() if calibration else None}, indent=2))
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
@with_call_log_options
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
    logs: CallLogOptions = CallLogOptions(),
    test: Annotated[Optional[str], typer.Option(
        "--test", help="Call logs: compare these days, START..END inclusive, simulated as one continuous run.")] = None,
    warmup_days: Annotated[int, typer.Option(
        "--warmup-days", help="Call logs: days simulated before the test period (repeats of earlier days).",
        min=0)] = 7,
) -> None:
    """Simulate the data's period with its staffing and compare KPIs with the data, hour by hour (call logs:
    the test period in one continuous run, compared day by day, overall and by class of call)."""
    from chansim.report.fit_figures import check_backtest_report_dir, save_backtest_report
    from chansim.studies.fit.backtest import backtest as run_backtest, check_kpis

    try:
        if report is not None:
            check_backtest_report_dir(report)
        fmt = logs.log_format()
        if fmt is not None:
            _backtest_log(scenario, data, fmt, _period(test, "--test"), set_, strategy, replications, warmup_days,
                          format_, quiet, map_, tz)
            return
        if test:
            raise InputError(Problem("--test", "a test period is for call logs (give --preset or --call-log)"))
        check_kpis(kpi)
        loaded = load(scenario, overrides(set_))
        result = with_progress(run_backtest, loaded, data, quiet=quiet, label="days", strategy=strategy,
                               replications=replications, mapping=map_, timezone=tz)
        if report is not None:
            save_backtest_report(result, report)
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


def _backtest_log(scenario: Path, data: list[Path], fmt, test, set_, strategy, replications, warmup_days,
                  format_, quiet, map_=None, tz=None) -> None:
    from chansim.studies.fit.backtest_log import MEASURES, backtest_log
    from chansim.studies.fit.exports import read_exports

    loaded = load(scenario, overrides(set_))
    exports = read_exports(data, map_, tz, fmt)
    result = with_progress(backtest_log, loaded, exports, quiet=quiet, label="replications", test=test,
                           strategy=strategy, replications=replications, warmup_days=warmup_days)
    if format_ is TableOrJson.json:
        print(json.dumps(result.to_dict(), indent=2))
        return
    view = Table(title=f"backtest of {escape(result.scenario)} over {result.test[0]}..{result.test[1]}, "
                       f"{result.replications} replications, one continuous run", title_justify="left")
    view.add_column("date")
    for key in MEASURES:
        view.add_column(f"{key} actual")
        view.add_column("simulated")
    for row in [*result.daily, {"date": "overall", **result.overall}]:
        cells = [row["date"]]
        for key in MEASURES:
            cells += [_number(row["actual"][key]), _number(row["simulated"][key])]
        view.add_row(*cells)
    stdout.print(view)
    for key, value in result.errors.items():
        stdout.print(f"{key}: {_number(value)}", highlight=False)
    for note in result.notes:
        stdout.print(f"note: {escape(note)}", highlight=False)
