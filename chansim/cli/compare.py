"""``chansim compare``: strategies side by side, the best of each KPI marked,
and which differences from the first strategy are real (paired over the same
customers) rather than noise."""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer
from rich.table import Table
from rich.text import Text

from chansim.cli.run import print_decision
from chansim.cli.common import (
    Format,
    DaysOpt,
    ExecutorKind,
    ExecutorOpt,
    FormatOpt,
    QuietOpt,
    ReplicationsOpt,
    ScenarioArg,
    SchedulerOpt,
    SeedOpt,
    SetOpt,
    SizeCheckOpt,
    StrictOpt,
    WorkersOpt,
    app,
    fail,
    load,
    overrides,
    simulate_with_progress,
    stderr,
    stdout,
)
from chansim.errors import InputError

if TYPE_CHECKING:  # (the KPI modules load pandas: imported where used, so `chansim --help` stays quick)
    from chansim.studies.experiment import RunResult

__all__ = ["compare", "comparison", "ai_crossovers", "to_json", "to_csv", "to_table", "write_compare_dir", "COMPARE_FILES"]

#: Files ``compare --out`` writes besides those of ``run --out`` (report.RUN_FILES).
COMPARE_FILES = ("comparison.json", "comparison.csv") + tuple(
    f"{name}.{ext}" for name in ("frontier", "cost_breakdown", "service_by_hour", "occupancy_by_pool")
    for ext in ("png", "svg"))

BEST, UP, DOWN = "★", "▲", "▼"


# ---------------------------------------------------------------- documents
def comparison(result: RunResult) -> dict[str, Any]:
    """The ``comparison`` part of the JSON: baseline, paired differences, best per KPI."""
    from chansim.kpis.compare import best_by_kpi, paired_differences

    diffs = paired_differences(result)
    baseline = result.strategies[0].name if result.strategies else None
    records = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
               for row in diffs.to_dict(orient="records")]
    return {"baseline": baseline, "differences": records, "best": best_by_kpi(result)}


def _best_sets(result: RunResult, keys: list[str] | None = None) -> dict[str, set[str]]:
    """Every strategy equal to the best one on each KPI or address (ties all count as best)."""
    from chansim.kpis.compare import best_by_kpi

    sets: dict[str, set[str]] = {}
    for key, name in best_by_kpi(result, keys).items():
        value = result.strategy(name).value(key)[0]
        sets[key] = {st.name for st in result.strategies if st.value(key)[0] == value}
    return sets


#: Breakdown rows the table shows by default: per channel, then per pool.
CHANNEL_ROWS = ("service_level",)
MESSAGING_ROWS = ("frt_s", "response_sl")
POOL_ROWS = ("occupancy", "slot_utilisation")
#: A pool holding more than this share of its slots ...
SLOTS_FULL = 0.95
#: ... while its attention occupancy is under this one starves new conversations.
ATTENTION_LOW = 0.70


def breakdown_rows(result: RunResult, show: list[str] | None = None) -> list[str]:
    """Addresses of the table's breakdown rows: each channel's service level
    (and first response time and response service level for messaging), each
    pool's occupancy and slot utilisation, then the addresses of ``show``."""
    from chansim.kpis.address import parse_address
    from chansim.scenario.channels import channel_kind

    channels = sorted({ch for st in result.strategies for ch in st.by_channel})
    pools = list(dict.fromkeys(p for st in result.strategies for p in st.by_pool))
    rows = []
    for ch in channels:
        keys = CHANNEL_ROWS + (MESSAGING_ROWS if channel_kind(ch) != "voice" else ())
        rows += [f"{ch}.{k}" for k in keys]
    rows += [f"pool.{p}.{k}" for p in pools for k in POOL_ROWS]
    return list(dict.fromkeys(rows + [str(parse_address(a, "--show")) for a in show or []]))


def slot_warnings(result: RunResult) -> list[str]:
    """Pools whose slots are nearly all held while their agents' attention is
    mostly free: new conversations wait for a slot though agents could reply."""
    out = []
    for st in result.strategies:
        for pool, k in st.by_pool.items():
            held, busy = k.get("slot_utilisation"), k.get("occupancy")
            if held is not None and busy is not None and held > SLOTS_FULL and busy < ATTENTION_LOW:
                out.append(f"{st.name}: pool {pool} holds {100 * held:.0f} % of its slots at {100 * busy:.0f} % "
                           "occupancy: conversations wait for a slot while agents are free (raise concurrency, "
                           "park sooner or add agents)")
    return out


def to_json(result: RunResult) -> str:
    """The ``run`` JSON document plus ``"comparison"``."""
    from chansim.report import jsonable
    from chansim.report.answer import decision_document

    doc = jsonable(result.to_dict())
    doc["comparison"] = jsonable(comparison(result))
    doc["decision"] = jsonable(decision_document(result))
    doc["ai_crossovers"] = jsonable(ai_crossovers(result))
    return json.dumps(doc, indent=2, allow_nan=False)


def ai_crossovers(result: RunResult) -> list[dict[str, Any]]:
    """Where two compared AI agents, one sold by outcome and one not, cost
    the same per session (:func:`chansim.kpis.ai_costs.strategy_crossovers`)."""
    from chansim.kpis.ai_costs import strategy_crossovers

    return strategy_crossovers(result.scenario, [st.name for st in result.strategies])


def crossover_lines(result: RunResult) -> list[str]:
    """The crossovers of :func:`ai_crossovers` in words."""
    out = []
    for row in ai_crossovers(result):
        a, b = row["by_outcome"], row["other"]
        pair = f"{a} ({row['by_outcome_card']}) against {b} ({row['other_card']})"
        c = row["crossover_containment"]
        if c is None:
            out.append(f"AI agent cost per session, {pair}: {row['cheaper_throughout']} is cheaper at any containment")
        else:
            out.append(f"AI agent cost per session, {pair}: the same at {100 * c:.1f} % containment of the AI "
                       f"agent's sessions; {a} is cheaper below it, {b} above it")
    return out


CSV_FIELDS = ["strategy", "channel", "kpi", "mean", "ci95", "address", "baseline", "diff", "diff_ci95", "p_value",
              "significant", "best"]


def to_csv(result: RunResult) -> str:
    """Tidy rows: the ``run`` CSV rows (strategy, channel, kpi, mean, ci95)
    and, on the overall rows (channel ``all``), the paired difference from the
    baseline with its CI and p-value, whether it is significant, and whether
    the strategy is the best on that KPI."""
    from chansim.kpis.compare import paired_differences
    from chansim.report import csv_rows, jsonable

    diffs = paired_differences(result).set_index(["strategy", "kpi"]) if len(result.strategies) > 1 else None
    best = _best_sets(result)
    baseline = result.strategies[0].name if result.strategies else ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in csv_rows(result):
        row = dict(row)
        if row["channel"] == "all":
            row["baseline"] = baseline
            row["best"] = row["strategy"] in best.get(row["kpi"], ())
            if diffs is not None and (row["strategy"], row["kpi"]) in diffs.index:
                d = diffs.loc[(row["strategy"], row["kpi"])]
                row.update(diff=d["diff"], diff_ci95=d["ci95"], p_value=d["p_value"], significant=bool(d["significant"]))
        clean = jsonable(row)
        writer.writerow({k: ("" if v is None else (repr(v) if isinstance(v, float) else v)) for k, v in clean.items()})
    return buffer.getvalue()


def to_table(result: RunResult, show: list[str] | None = None) -> Table:
    """KPIs as rows, then each channel's service level and response times and
    each pool's occupancy and slot utilisation (and the addresses of
    ``show``); strategies as columns (mean ± 95 % CI); ★ marks the best
    strategy of each KPI; ▲/▼ a significant paired difference from the first
    strategy (green better, red worse)."""
    from chansim.kpis.address import parse_address
    from chansim.kpis.compare import NEUTRAL, direction, paired_differences
    from chansim.kpis.table import KPI_KEYS
    from chansim.report import with_ci

    s = result.scenario
    names = [st.name for st in result.strategies]
    baseline = names[0] if names else ""
    asked = {str(parse_address(a, "--show")) for a in show or []}
    extra = [a for a in breakdown_rows(result, show)
             if a in asked or any(st.value(a)[0] is not None for st in result.strategies)]
    keys = list(KPI_KEYS) + list(dict.fromkeys(k for st in result.strategies for k in st.kpis if k not in KPI_KEYS))
    diffs = paired_differences(result, keys=keys + extra) if len(names) > 1 else None
    sig = {}
    if diffs is not None:
        for row in diffs.itertuples(index=False):
            sig[row.strategy, row.kpi] = row
    best = _best_sets(result, keys + extra)
    warnings = slot_warnings(result)
    days = "day" if s.days == 1 else "days"
    table = Table(
        title=Text(f"{s.name}: {len(names)} strategies compared with {baseline}, "
                   f"{s.days:g} {days} × {result.replications} replications (seed {result.seed})"),
        caption=Text(
            f"mean ± 95 % CI half-width over replications; money in {s.currency}; — = not measured\n"
            f"{BEST} best strategy on that KPI (lower is better for costs, times and abandon rate; higher for "
            "service level, FCR, containment and CSAT; counts and occupancy are not ranked)\n"
            f"{UP}/{DOWN} significantly higher/lower than {baseline} (paired t-test over the same customers, 95 %); "
            "green = better, red = worse; no arrow = difference within the noise\n"
            "channel.KPI: that channel's contacts; pool.NAME.KPI: that agent pool"
            + "".join(f"\nwarning: {w}" for w in warnings)),
    )
    table.add_column("KPI", style="bold")
    for i, name in enumerate(names):
        table.add_column(Text(name + (" (baseline)" if i == 0 and len(names) > 1 else "")), justify="right")
    for key in keys + extra:
        cells = []
        for st in result.strategies:
            value, ci = st.value(key)
            cell = Text(with_ci(key, value, ci))
            if st.name in best.get(key, ()):
                cell.stylize("bold")
            row = sig.get((st.name, key))
            if row is not None and bool(row.significant):
                arrow = UP if row.diff > 0 else DOWN
                way = direction(key)
                color = "" if way == NEUTRAL else ("green" if row.better else "red")
                cell.append(" " + arrow, style=color or None)
            if st.name in best.get(key, ()):
                cell.append(" " + BEST, style="bold yellow")
            cells.append(cell)
        table.add_row(key, *cells)
    return table


# ---------------------------------------------------------------- --out DIR
def write_compare_dir(result: RunResult, out: Path) -> Path:
    """Everything ``run --out`` writes, plus ``comparison.json`` (the printed
    JSON), ``comparison.csv`` and the figures as PNG and SVG. Built in a
    temporary directory beside ``out`` and renamed into place at the end, so a
    crash never leaves a half-written result; an earlier chansim result at
    ``out`` is replaced only once the new one is complete."""
    from chansim import report
    from chansim.report import figures
    from chansim.runtime import outdir

    with outdir.staged_dir(out) as folder:
        report.write_run_files(result, folder)
        (folder / "comparison.json").write_text(to_json(result) + "\n", encoding="utf-8")
        (folder / "comparison.csv").write_text(to_csv(result), encoding="utf-8")
        figures.save_figures(result, folder)
    return Path(out)


# ---------------------------------------------------------------- command
@app.command()
def compare(
    scenario: ScenarioArg,
    strategy: Annotated[
        Optional[list[str]],
        typer.Option("--strategy", "-s", help="Strategy to compare (repeatable; default all). The first is the baseline."),
    ] = None,
    replications: ReplicationsOpt = None,
    seed: SeedOpt = None,
    days: DaysOpt = None,
    set_: SetOpt = None,
    format_: FormatOpt = Format.table,
    out: Annotated[
        Optional[Path],
        typer.Option("--out", help="Write what run --out writes, plus comparison.json/.csv and the figures "
                     "(frontier, cost_breakdown, service_by_hour, occupancy_by_pool; PNG and SVG); report.html is the page to read."),
    ] = None,
    workers: WorkersOpt = None,
    executor: ExecutorOpt = ExecutorKind.processes,
    scheduler: SchedulerOpt = None,
    quiet: QuietOpt = False,
    show: Annotated[
        Optional[list[str]],
        typer.Option("--show", help="Add a row for a breakdown (repeatable), e.g. segment.seniors.cost_per_issue, "
                     "market.MX.cost_channel, intent.returns.fcr_rate."),
    ] = None,
    strict: StrictOpt = False,
    size_check: SizeCheckOpt = True,
) -> None:
    """Compare strategies: KPIs side by side with 95 % CIs, the best of each KPI
    marked, and which differences from the first strategy are significant."""
    from chansim import report
    from chansim.kpis.address import parse_address

    try:
        for address in show or []:
            parse_address(address, "--show")
        loaded = load(scenario, overrides(set_, seed=seed, days=days, replications=replications),
                              strict=strict, size_check=size_check, workers=workers)
        if out is not None:
            report.check_out_dir(out)
        result = simulate_with_progress(loaded, strategy, workers=workers, executor=executor.value, scheduler=scheduler,
                                        log="messages" if out is not None else "none", quiet=quiet,
                                        source=str(scenario))
        if out is not None:
            write_compare_dir(result, out)
    except InputError as exc:
        fail(exc)
        return
    if format_ is Format.json:
        print(to_json(result))
    elif format_ is Format.csv:
        sys.stdout.write(to_csv(result))
    else:
        stdout.print(to_table(result, show))
        for line in crossover_lines(result):
            stdout.print(line, highlight=False, markup=False)
        print_decision(result)
    if len(result.strategies) < 2 and not quiet:
        stderr.print("note: one strategy only; nothing to compare it with", highlight=False, markup=False)
    if out is not None and not quiet:
        stderr.print(f"wrote {out}", highlight=False, markup=False)
