"""Presenting a run: a rich table, JSON and CSV (the ``--out`` directory is
:mod:`chansim.report.run_files`).

Pure formatting; nothing here simulates or prices.
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

import numpy as np
from rich.markup import escape
from rich.table import Table

from chansim.errors import printable
from chansim.studies.experiment import RunResult
from chansim.kpis.address import breakdown_table
from chansim.kpis.table import KPI_KEYS, kind_of
from chansim.report.formats import fmt, fmt_ci

__all__ = ["to_json", "to_csv", "to_table", "jsonable", "csv_rows", "format_value", "with_ci"]


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
    """The JSON document of ``run --format json`` and of ``summary.json``: the run and its decision."""
    from chansim.report.answer import decision_document

    doc = jsonable(result.to_dict())
    doc["decision"] = jsonable(decision_document(result))
    return json.dumps(doc, indent=2, allow_nan=False)


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


def with_ci(key: str, value: float | None, ci: float | None) -> str:
    """A KPI value and its 95 % CI half-width, as every table shows them
    (:func:`format_value`, then :func:`chansim.report.formats.fmt_ci`)."""
    return f"{format_value(key, value)} {fmt_ci(ci, key, value)}".rstrip()


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
        cells = [with_ci(key, st.kpis[key], st.ci95[key]) for st in result.strategies]
        table.add_row(key, *cells)
    return table
