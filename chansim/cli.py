"""The ``chansim`` command: a thin shell over the library.

Every command parses its options, calls one library function and prints.
Bad input (a usage mistake, an unreadable or invalid scenario) ends with one
clear message on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from chansim.errors import InputError, Problem
from chansim.experiment import simulate
from chansim.scenario import Scenario, load_scenario
from chansim.scenario.paths import parse_assignment

__all__ = ["app", "main"]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Simulate customer-service channel strategies: cost, handle time, service level and CSAT, "
    "side by side with confidence intervals.",
)
# Piped output (files, CI logs) is not squeezed into 80 columns.
stdout = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
stderr = Console(stderr=True, soft_wrap=True)

EXIT_OK, EXIT_REGRESSION, EXIT_BAD_INPUT = 0, 1, 2


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


ScenarioArg = Annotated[Path, typer.Argument(help="Scenario file (YAML).", show_default=False)]
SetOpt = Annotated[
    Optional[list[str]],
    typer.Option("--set", help="Override a scenario value: dotted.path=value (repeatable), "
                 "e.g. agents.pools.digital.headcount=30."),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def _fail(error: InputError) -> None:
    stderr.print(f"[bold red]error:[/] {escape(error.render())}", highlight=False, markup=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _overrides(sets: list[str] | None, **typed: Any) -> dict[str, Any]:
    pairs = dict(parse_assignment(text) for text in sets or [])
    pairs.update({key: value for key, value in typed.items() if value is not None})
    return pairs


def _load(path: Path, overrides: dict[str, Any]) -> Scenario:
    try:
        return load_scenario(path, overrides)
    except ValidationError as exc:  # a safety net: models should already report these as InputError
        raise InputError(Problem("", str(exc)), source=str(path)) from None


def _progress(quiet: bool):
    """A rich progress bar on stderr when it is a terminal and not ``--quiet``."""
    if quiet or not sys.stderr.isatty():
        return None
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    return Progress(
        TextColumn("simulating"), BarColumn(), TextColumn("{task.completed}/{task.total} runs"),
        TimeElapsedColumn(), TimeRemainingColumn(), console=stderr, transient=True,
    )


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
        loaded = _load(scenario, _overrides(set_, seed=seed, days=days, replications=replications))
        if out is not None:
            report.check_out_dir(out)
        bar = _progress(quiet)
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
        _fail(exc)
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
            loaded = _load(path, _overrides(set_))
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


@app.command()
def segments(
    text: Annotated[str, typer.Argument(help="The message text.", show_default=False)],
    format_: Annotated[Format, typer.Option("--format", "-f", help="Output format (table or json).")] = Format.table,
) -> None:
    """How an SMS text is encoded and how many segments it takes (GSM 03.38)."""
    from chansim.billing.gsm import analyse

    info = analyse(text)
    if format_ is Format.json:
        print(json.dumps(info.to_dict(), ensure_ascii=False))
        return
    doc = info.to_dict()
    stdout.print(
        f"{doc['encoding']}: {doc['characters']} characters, {doc['units']} units, "
        f"{doc['segments']} segment{'s' if doc['segments'] != 1 else ''} (up to {info.per_segment} units each)",
        highlight=False,
        markup=False,
    )
    if doc["non_gsm_chars"]:
        stdout.print("outside GSM-7 (forces UCS-2): " + " ".join(repr(c) for c in doc["non_gsm_chars"]),
                     highlight=False, markup=False)


@app.command()
def ratecards(
    market: Annotated[Optional[str], typer.Option(help="Only cards for this market (ISO country, e.g. US).")] = None,
    date: Annotated[Optional[str], typer.Option(help="Only cards in force on this date (YYYY-MM-DD).")] = None,
    rate_card: Annotated[Optional[Path], typer.Option("--rate-card", help="Your own card file, added to the built-ins.")] = None,
    whatsapp_v3: Annotated[bool, typer.Option("--whatsapp-v3", help="Include the opt-in (unverified) WhatsApp v3 card.")] = False,
    format_: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
) -> None:
    """List rate cards (those in force with --date) with their sources and confidence."""
    from chansim.billing.listing import list_cards

    try:
        cards = list_cards(market=market, date=date, rate_card=rate_card, whatsapp_v3=whatsapp_v3)
    except InputError as exc:
        _fail(exc)
        return
    rows = [c.model_dump(mode="json", exclude_none=True) | {"lowest_confidence": c.lowest_confidence()} for c in cards]
    if format_ is Format.json:
        print(json.dumps({"cards": rows}, indent=2, ensure_ascii=False))
        return
    if format_ is Format.csv:
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["id", "channel", "market", "model", "effective_from", "effective_to", "currency", "confidence",
                         "source"])
        for c in cards:
            writer.writerow([c.id, c.channel, c.market, c.model, c.effective_from, c.effective_to or "", c.currency,
                             c.lowest_confidence(), c.source])
        return
    from rich.table import Table

    table = Table(title="rate cards" + (f" in force on {date}" if date else "") + (f" for {market}" if market else ""))
    for column in ("card", "channel", "market", "model", "in force", "rates", "confidence", "source"):
        table.add_column(column, overflow="fold")
    for c in cards:
        rates = ", ".join(f"{k} {c.rate(k):g}" for k in c.rates) or "—"
        confidence = c.lowest_confidence()
        shown = "[bold red]UNVERIFIED[/]" if confidence == "unverified" else confidence
        table.add_row(escape(c.id), c.channel, c.market, c.model, c.period, escape(f"{c.currency} {rates}"), shown,
                      escape(c.source))
    stdout.print(table)


@app.command()
def reprice(
    run_dir: Annotated[Path, typer.Argument(help="A directory written by chansim run --out.", show_default=False)],
    date: Annotated[Optional[str], typer.Option(help="Price as of this date (YYYY-MM-DD).")] = None,
    market: Annotated[Optional[str], typer.Option(help="Price for this market.")] = None,
    rate_card: Annotated[Optional[Path], typer.Option("--rate-card", help="Your own card file.")] = None,
    markup: Annotated[Optional[float], typer.Option(help="Provider markup (0.10 = 10 %).", min=0)] = None,
    format_: FormatOpt = Format.table,
) -> None:
    """Re-bill a stored run's log under another date, market, card or markup, without simulating."""
    from chansim.reprice import reprice_run

    try:
        result = reprice_run(run_dir, date=date, market=market, rate_card=rate_card, markup=markup)
    except InputError as exc:
        _fail(exc)
        return
    if format_ is Format.json:
        from chansim.report import jsonable

        print(json.dumps(jsonable(result.to_dict()), indent=2))
        return
    if format_ is Format.csv:
        sys.stdout.write(result.rows.to_csv(index=False))
        return
    from rich.table import Table

    b, a = result.before, result.after
    table = Table(
        title=f"channel cost per run: {b['date']} {b['market']} markup {b['markup']:g} → {a['date']} {a['market']} markup {a['markup']:g}"
    )
    for column in ("strategy", "channel", "before", "after", "difference"):
        table.add_column(column, justify="right" if column in ("before", "after", "difference") else "left")
    for row in result.rows.itertuples(index=False):
        table.add_row(escape(str(row.strategy)), row.channel, f"{row.before:,.2f}", f"{row.after:,.2f}",
                      f"{row.difference:+,.2f}")
    stdout.print(table)
    changed = result.changed_channels()
    if changed:
        rules = Table(title="how the changed channels are priced (per run, all strategies)")
        for column in ("", "channel", "card", "rule", "count", "cost"):
            rules.add_column(column, justify="right" if column in ("count", "cost") else "left")
        for which in ("before", "after"):
            frame = result.rules(which)
            for row in frame[frame["channel"].isin(changed)].itertuples(index=False):
                rules.add_row(which, row.channel, escape(row.card), escape(row.rule), f"{row.count:,.0f}", f"{row.cost:,.2f}")
        stdout.print(rules)


def main() -> None:
    """Console entry point."""
    try:
        app()
    except InputError as exc:  # pragma: no cover - commands catch their own
        stderr.print(f"error: {exc.render()}", highlight=False)
        sys.exit(EXIT_BAD_INPUT)
