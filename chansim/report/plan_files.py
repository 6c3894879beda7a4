"""``chansim plan --out DIR``: the plan's tables (CSV and Parquet), the
``plan.xlsx`` workbook (one sheet per table, units in the headers), the
figures (PNG) and ``report.html``, written whole or not at all."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from chansim.report.plan_figures import PLAN_FIGURES
from chansim.report.workbook import write_workbook

__all__ = ["PLAN_FILES", "check_plan_dir", "write_plan_dir", "plan_tables", "with_units"]

_WHAT = "chansim hiring plan"
#: Tables written, each as CSV, Parquet and a sheet of plan.xlsx.
TABLES = ("weekly", "monthly", "yearly")
PLAN_FILES = (("plan.json", "plan.xlsx", "report.html") + tuple(f"{t}.{ext}" for t in TABLES for ext in ("csv", "parquet"))
              + tuple(f"{stem}.png" for stem in PLAN_FIGURES))


def check_plan_dir(out) -> None:
    """Refuse early (before simulating) an ``--out`` we could not write."""
    from chansim.runtime import outdir

    outdir.check_out_dir(out, _WHAT)


def _unit(column: str, currency: str) -> str:
    from chansim.studies.plan import WEEKLY_COLUMNS

    base = column.removeprefix("mean_").removeprefix("max_")
    unit = WEEKLY_COLUMNS.get(base, "heads" if base in ("hires", "weeks") else "")
    if column == "weeks":
        unit = "weeks"
    unit = currency if unit == "currency" else unit
    return f"{column} ({unit})" if unit and unit != "date" else column


def with_units(frame: pd.DataFrame, currency: str) -> list[str]:
    """The column names of ``frame`` with their units: ``required_fte (FTE)``, ``cost (USD)``."""
    return [_unit(c, currency) for c in frame.columns]


def plan_tables(result) -> dict[str, pd.DataFrame]:
    """The weekly, monthly and yearly tables of ``result``."""
    weekly = result.weekly.assign(week_start=result.weekly["week_start"].map(lambda d: d.isoformat()))
    return {"weekly": weekly, "monthly": result.monthly, "yearly": result.yearly}


def write_plan_dir(result, scenario, out) -> Path:
    """Write every file of :data:`PLAN_FILES` into ``out``."""
    from chansim.report import jsonable
    from chansim.report.figures.style import pyplot
    from chansim.report.plan_page import render_plan_report
    from chansim.runtime import outdir

    tables = plan_tables(result)
    with outdir.staged_dir(out, _WHAT) as folder:
        for name, frame in tables.items():
            frame.to_csv(folder / f"{name}.csv", index=False)
            frame.to_parquet(folder / f"{name}.parquet", index=False)
        write_workbook(folder / "plan.xlsx", {name: (with_units(frame, result.currency), frame.values.tolist())
                                              for name, frame in tables.items()})
        (folder / "plan.json").write_text(json.dumps(jsonable(result.to_dict()), indent=2, allow_nan=False) + "\n",
                                          encoding="utf-8")
        plt = pyplot()
        for stem, make in PLAN_FIGURES.items():
            fig = make(result)
            fig.savefig(folder / f"{stem}.png", dpi=110)
            plt.close(fig)
        (folder / "report.html").write_text(render_plan_report(result, scenario), encoding="utf-8")
    return Path(out)
