"""Presenting a run: a rich table, JSON, CSV, and the ``--out`` directory.

Pure formatting; nothing here simulates or prices.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import yaml
from rich.markup import escape
from rich.table import Table

from chansim.runtime import outdir
from chansim.errors import printable
from chansim.studies.experiment import LOG_TABLES, RunResult, log_level, simulate
from chansim.kpis.address import breakdown_table
from chansim.kpis.table import KPI_KEYS, kind_of
from chansim.report.formats import fmt
from chansim.report.html import write_report
from chansim.report.stored import REPLICATIONS_FILE

__all__ = ["to_json", "to_csv", "to_table", "write_run_files", "write_run_dir", "simulate_to_dir", "check_out_dir",
           "jsonable", "RUN_FILES", "RUN_MARKER"]

#: Files in an ``--out`` directory (the event-log tables only those its log level keeps).
RUN_FILES = ("summary.json", "summary.csv", "scenario.yaml", "contacts.parquet", "messages.parquet",
             "staffing.parquet", "costs.parquet", "replications.csv", "report.html")
#: The file that marks a folder as chansim's own result (see :mod:`chansim.runtime.outdir`).
RUN_MARKER = outdir.MARKER


def jsonable(value: Any) -> Any:
    """Plain JSON types: numpy scalars become Python, NaN becomes null."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def to_json(result: RunResult) -> str:
    return json.dumps(jsonable(result.to_dict()), indent=2, allow_nan=False)


CSV_COLUMNS = ["strategy", "channel", "kpi", "mean", "ci95", "address"]


def csv_rows(result: RunResult) -> list[dict[str, Any]]:
    """Tidy rows: strategy, channel (``all`` overall; empty on the pool,
    segment, intent and market rows), kpi, mean, ci95 and the KPI's address
    (``voice.service_level``, ``pool.digital.occupancy``, ...)."""
    rows = []
    for s in result.strategies:
        for address, mean, ci in breakdown_table(s):
            channel = "all" if address.breakdown is None else (address.member if address.breakdown == "channel" else "")
            rows.append({"strategy": s.name, "channel": channel, "kpi": address.kpi, "mean": mean, "ci95": ci,
                         "address": str(address)})
    return rows


def to_csv(result: RunResult) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in csv_rows(result):
        writer.writerow({k: ("" if v is None else (repr(v) if isinstance(v, float) else v)) for k, v in jsonable(row).items()})
    return buffer.getvalue()


def format_value(key: str, value: float | None, currency: str = "") -> str:
    """A KPI value for people, by its kind (:func:`chansim.report.formats.fmt`);
    a CSAT score reads "4.20 / 5" in a terminal table."""
    text = fmt(value, key)
    return text + " / 5" if kind_of(key) == "score" and text != "—" else text


def _format_ci(key: str, ci: float | None, value: float | None = None) -> str:
    if ci is None or ci == 0:
        return ""
    kind = kind_of(key)
    if kind == "share":
        return f" ± {100 * ci:.1f}"
    if kind == "count" or (kind == "money" and max(ci, abs(value or 0)) >= 1000):
        return f" ± {ci:,.0f}"
    return f" ± {ci:,.2f}" if kind in ("money", "score") else f" ± {ci:,.1f}"


def to_table(result: RunResult) -> Table:
    """KPIs as rows, strategies as columns, each value with its 95 % CI."""
    s = result.scenario
    table = Table(
        title=escape(printable(f"{s.name}: {s.days:g} days × {result.replications} replications (seed {result.seed})")),
        caption=f"mean ± 95 % CI half-width over replications; money in {s.currency}; — = not measured",
    )
    table.add_column("KPI", style="bold")
    for strategy in result.strategies:
        table.add_column(escape(printable(strategy.name)), justify="right")
    for key in KPI_KEYS:
        cells = [format_value(key, st.kpis[key]) + _format_ci(key, st.ci95[key], st.kpis[key]) for st in result.strategies]
        table.add_row(key, *cells)
    return table


# ------------------------------------------------------------------ --out DIR
def check_out_dir(out: Path) -> None:
    """Refuse early (before simulating) an ``--out`` we could not write."""
    outdir.check_out_dir(out)


def write_run_files(result: RunResult, folder: Path) -> None:
    """Write every result file of a run into ``folder``: the per-replication
    KPIs, the HTML report (``report.html``), the event-log tables
    of its log level from ``result.log`` (when the log was streamed there
    instead, ``result.log`` is None and they are already written)."""
    folder = Path(folder)
    (folder / "summary.json").write_text(to_json(result) + "\n", encoding="utf-8")
    (folder / "summary.csv").write_text(to_csv(result), encoding="utf-8")
    scenario = jsonable(result.scenario.to_dict())
    (folder / "scenario.yaml").write_text(yaml.safe_dump(scenario, sort_keys=False, allow_unicode=True), encoding="utf-8")
    log = result.log
    if log is not None:
        for name in LOG_TABLES[result.log_level]:
            getattr(log, name).to_parquet(folder / f"{name}.parquet", index=False)
    result.costs.to_parquet(folder / "costs.parquet", index=False)
    result.replication_kpis.to_csv(folder / REPLICATIONS_FILE, index=False)
    write_report(result, folder)


def write_run_dir(result: RunResult, out: Path) -> Path:
    """Write a run's files into ``out``, whole or not at all (see :mod:`chansim.runtime.outdir`)."""
    with outdir.staged_dir(out) as folder:
        write_run_files(result, folder)
    return Path(out)


def simulate_to_dir(scenario, out: Path, strategies: Sequence[str] | None = None, *, log: str = "messages",
                    **options: Any) -> RunResult:
    """``chansim run --out``: simulate (``options`` as :func:`chansim.simulate`)
    and write the run's files into ``out``, whole or not at all. The event-log
    tables of ``log`` are streamed to Parquet as each replication finishes
    (:class:`chansim.runtime.logfiles.ParquetLog`), so the log is never in memory
    whole: the result's ``log`` is None."""
    from chansim.runtime.logfiles import ParquetLog

    level = log_level(log)
    check_out_dir(out)
    names = list(strategies) if strategies else scenario.strategy_names
    with outdir.staged_dir(out) as folder:
        with ParquetLog(folder, level, names) as sink:
            result = simulate(scenario, strategies, log=level, on_log=sink, **options)
        write_run_files(result, folder)
    return result
