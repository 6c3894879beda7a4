"""``chansim segments``, ``ratecards`` and ``reprice``: pricing from the shell."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from chansim.cli.common import Format, FormatOpt, app, fail, stdout
from chansim.errors import InputError, Problem


@app.command()
def segments(
    text: Annotated[str, typer.Argument(help="The message text.", show_default=False)],
    format_: Annotated[Format, typer.Option("--format", "-f", help="Output format (table or json).")] = Format.table,
) -> None:
    """How an SMS text is encoded and how many segments it takes (GSM 03.38);
    a text over 1,600 characters is sent as several messages, each counted."""
    from chansim.billing.gsm import analyse, sent_as

    try:
        _check_text(text)
        if format_ is Format.csv:
            raise InputError(Problem("--format", "segments prints a table or json, not csv"))
    except InputError as exc:
        fail(exc)
        return
    info = analyse(text)
    bodies = sent_as(text)
    doc = info.to_dict()
    doc["segments"] = sum(b.segments for b in bodies)  # what is billed
    doc["messages"] = len(bodies)
    if len(bodies) > 1:
        doc["per_message"] = [b.to_dict() for b in bodies]
    if format_ is Format.json:
        print(json.dumps(doc, ensure_ascii=False))
        return
    stdout.print(
        f"{doc['encoding']}: {doc['characters']} characters, {doc['units']} units, "
        f"{doc['segments']} segment{'s' if doc['segments'] != 1 else ''} (up to {info.per_segment} units each)",
        highlight=False,
        markup=False,
    )
    if len(bodies) > 1:
        stdout.print(f"over 1,600 characters: sent as {len(bodies)} messages of "
                     + " + ".join(f"{b.segments} {b.encoding}" for b in bodies) + " segments",
                     highlight=False, markup=False)
    if doc["non_gsm_chars"]:
        stdout.print("outside GSM-7 (forces UCS-2): " + " ".join(repr(c) for c in doc["non_gsm_chars"]),
                     highlight=False, markup=False)


def _check_text(text: str) -> None:
    """Refuse a text that is not valid UTF-8 (bytes the shell passed as they were)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        char = text[exc.start]
        shown = f"byte 0x{ord(char) - 0xDC00:02x}" if 0xDC80 <= ord(char) <= 0xDCFF else f"U+{ord(char):04X}"
        raise InputError(Problem("TEXT", f"not valid UTF-8 text: {shown} at character {exc.start + 1}")) from None


@app.command()
def ratecards(
    market: Annotated[Optional[str], typer.Option(help="Only cards for this market (ISO country, e.g. US; GB = UK).")] = None,
    date: Annotated[Optional[str], typer.Option(help="Only cards in force on this date (YYYY-MM-DD).")] = None,
    rate_card: Annotated[Optional[Path], typer.Option("--rate-card", help="Your own card file, added to the built-ins.")] = None,
    coverage_: Annotated[bool, typer.Option("--coverage", help="One line per channel and market with a card in force "
                                                              "on --date (default today), and each AI-agent plan: card, rates, source, confidence.")] = False,
    format_: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
) -> None:
    """List rate cards (those in force with --date) with their sources and confidence."""
    from chansim.billing.listing import coverage, list_cards

    try:
        if coverage_:
            from chansim.billing.ai_cards import ai_coverage

            rows = coverage(date=date, rate_card=rate_card) + ai_coverage(date=date, rate_card=rate_card)
            cards = []
            if market is not None:
                list_cards(market=market, rate_card=rate_card)  # an unknown market is refused as without --coverage
        else:
            cards = list_cards(market=market, date=date, rate_card=rate_card)
    except InputError as exc:
        fail(exc)
        return
    if coverage_:
        if market:
            from chansim.billing.ratecard import market_code

            rows = [r for r in rows if r["market"] in (market_code(market), "*")]
        _print_coverage(rows, format_, date)
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


def _print_coverage(rows: list[dict], format_: Format, date: str | None) -> None:
    if format_ is Format.json:
        print(json.dumps({"coverage": rows}, indent=2, ensure_ascii=False))
        return
    if format_ is Format.csv:
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["channel", "market", "card", "model", "confidence", "source"])
        for r in rows:
            writer.writerow([r["channel"], r["market"], r["card"], r["model"], r["confidence"], r["source"]])
        return
    from rich.table import Table

    table = Table(title=f"markets priced on {date or 'today'}, by channel")
    for column in ("channel", "market", "card", "rates", "confidence", "source"):
        table.add_column(column, overflow="fold")
    for r in rows:
        shown = "[bold red]UNVERIFIED[/]" if r["confidence"] == "unverified" else r["confidence"]
        rates = ", ".join(f"{k} {v:g}" for k, v in r["rates"].items()) or "—"
        table.add_row(r["channel"], escape(r["market"]), escape(r["card"]), escape(f"{r['currency']} {rates}"), shown,
                      escape(r["source"]))
    stdout.print(table)


@app.command()
def reprice(
    run_dir: Annotated[Path, typer.Argument(help="A directory written by chansim run --out.", show_default=False)],
    set_: Annotated[Optional[list[str]], typer.Option(
        "--set", help="Change a pricing setting: pricing.*=value, market=XX or demand.segments.NAME.market=XX "
                      "(repeatable), e.g. pricing.rules=v2.")] = None,
    date: Annotated[Optional[str], typer.Option(help="Price as of this date (YYYY-MM-DD): pricing.date.")] = None,
    market: Annotated[Optional[str], typer.Option(help="Price for this market.")] = None,
    rate_card: Annotated[Optional[Path], typer.Option("--rate-card", help="Your own card file: pricing.rate_card.")] = None,
    markup: Annotated[Optional[float], typer.Option(help="Provider markup (0.10 = 10 %): pricing.markup.", min=0)] = None,
    format_: FormatOpt = Format.table,
) -> None:
    """Re-bill a stored run's log under other pricing settings, without simulating: total cost, cost per
    contact and per issue, before and after, by strategy and channel."""
    from chansim.cli.common import overrides
    from chansim.studies.reprice import reprice_run

    try:
        result = reprice_run(run_dir, overrides(set_), date=date, market=market, rate_card=rate_card, markup=markup)
    except InputError as exc:
        fail(exc)
        return
    if format_ is Format.json:
        from chansim.report import jsonable

        print(json.dumps(jsonable(result.to_dict()), indent=2))
        return
    if format_ is Format.csv:
        sys.stdout.write(result.rows.to_csv(index=False))
        return
    _print_repricing(result)


def _print_repricing(result) -> None:
    from rich.table import Table

    from chansim.report.formats import fmt, fmt_diff

    def money(value) -> str:
        return "—" if value is None or value != value else f"{value:,.2f}"

    b, a = result.before, result.after
    changed = {k: (b[k], a[k]) for k in b if b[k] != a[k]}

    def shown(key, value) -> str:
        return "each message's own" if key == "date" and value is None else escape(str(value))

    what = "; ".join(f"{k}: {shown(k, x)} → {shown(k, y)}" for k, (x, y) in changed.items()) or "no change"
    totals = Table(title=f"cost per run ({what})")
    for column in ("strategy", "total before", "total after", "difference", "per contact before", "per contact after",
                   "per issue before", "per issue after"):
        totals.add_column(column, justify="left" if column == "strategy" else "right")
    for row in result.totals.itertuples(index=False):
        totals.add_row(escape(str(row.strategy)), money(row.total_before), money(row.total_after),
                       fmt_diff(row.difference, "cost_total"), money(row.per_contact_before),
                       money(row.per_contact_after), money(row.per_issue_before), money(row.per_issue_after))
    stdout.print(totals)
    moved = result.changed_kpis()
    if len(moved):
        kpis = Table(title="KPIs the prices change, per run")
        for column in ("strategy", "kpi", "before", "after", "difference"):
            kpis.add_column(column, justify="left" if column in ("strategy", "kpi") else "right")
        for row in moved.itertuples(index=False):
            kpis.add_row(escape(str(row.strategy)), row.kpi, fmt(row.before, row.kpi), fmt(row.after, row.kpi),
                         fmt_diff(row.difference, row.kpi))
        stdout.print(kpis)
    else:
        stdout.print("the prices change no KPI", highlight=False, markup=False)
    table = Table(title="channel cost per run")
    for column in ("strategy", "channel", "before", "after", "difference", "per contact before", "per contact after"):
        table.add_column(column, justify="left" if column in ("strategy", "channel") else "right")
    for row in result.rows.itertuples(index=False):
        table.add_row(escape(str(row.strategy)), row.channel, money(row.before), money(row.after),
                      f"{row.difference:+,.2f}", money(row.per_contact_before), money(row.per_contact_after))
    stdout.print(table)
    changed_channels = result.changed_channels()
    if changed_channels:
        rules = Table(title="how the changed channels are priced (per run of each strategy)")
        for column in ("", "strategy", "channel", "card", "rule", "count", "cost"):
            rules.add_column(column, justify="right" if column in ("count", "cost") else "left")
        for which in ("before", "after"):
            frame = result.rules(which)
            for row in frame[frame["channel"].isin(changed_channels)].itertuples(index=False):
                rules.add_row(which, escape(str(row.strategy)), row.channel, escape(row.card), escape(row.rule),
                              f"{row.count:,.0f}", f"{row.cost:,.2f}")
        stdout.print(rules)
