"""``chansim sweep --out DIR``: the sweep's rows (CSV, JSON), its figure
(PNG, SVG) and its HTML report, written whole or not at all, and the report
written again from a stored sweep for ``chansim report``.

The figure (:func:`plot`) shows one KPI against the first swept key with more
than one value: one line per strategy and per value of the other swept keys,
with 95 % CI error bars."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from chansim.errors import InputError, Problem
from chansim.kpis.table import kind_of
from chansim.runtime import outdir
from chansim.report.page import REPORT_FILE
from chansim.report.stored import read_csv
from chansim.report.study_pages import render_sweep_report, stored_sweep_meta
from chansim.report.tables import jsonable

__all__ = ["SWEEP_FILES", "SWEEP_MARKER", "rows_json", "plot", "check_sweep_dir", "write_sweep_dir",
           "rebuild_sweep_report"]

#: Files in a ``chansim sweep --out`` directory.
SWEEP_FILES = ("sweep.csv", "sweep.json", "sweep.png", "sweep.svg", "report.html")
#: The file that marks a folder as chansim's own result (see :mod:`chansim.runtime.outdir`).
SWEEP_MARKER = outdir.MARKER


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def rows_json(frame: pd.DataFrame) -> str:
    """``{"rows": [...]}``: one object per row, NaN as null."""
    return json.dumps({"rows": jsonable(frame.to_dict(orient="records"))}, indent=2, allow_nan=False)


def _swept_keys(frame: pd.DataFrame) -> list[str]:
    return list(frame.columns[: list(frame.columns).index("strategy")])


def _label(value: Any, width: int = 28) -> str:
    text = f"{value:g}" if _is_number(value) else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def plot(frame: pd.DataFrame, kpi: str, *, title: str = "", currency: str = ""):
    """A matplotlib Figure (Agg) of ``kpi`` against the first swept key with
    more than one value: one line per strategy and per value of the other
    swept keys, with 95 % CI error bars."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    keys = _swept_keys(frame)
    varying = [k for k in keys if frame[k].map(repr).nunique() > 1]
    x_key = (varying or keys)[0]
    others = [k for k in varying if k != x_key]
    kind = kind_of(kpi)
    scale, unit = (100.0, "%") if kind == "share" else (1.0, {"seconds": "s", "money": currency}.get(kind, ""))
    firsts: dict[str, Any] = {}
    for value in frame[x_key]:
        firsts.setdefault(repr(value), value)  # the x values in first-seen (grid) order
    xs_all = list(firsts)
    numeric = all(_is_number(v) for v in frame[x_key])
    fig = Figure(figsize=(8, 5), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    group_keys = ["strategy"] + others
    frame = frame.assign(_order=range(len(frame)))
    for group, sub in frame.groupby([frame[k].map(repr) for k in group_keys], sort=False):
        sub = sub.sort_values("_order")
        first = sub.iloc[0]
        label = first["strategy"] + "".join(f", {k}={_label(first[k])}" for k in others)
        x = list(sub[x_key]) if numeric else [xs_all.index(repr(v)) for v in sub[x_key]]
        y = pd.to_numeric(sub[kpi], errors="coerce").to_numpy(dtype=float) * scale
        err = pd.to_numeric(sub[f"{kpi}_ci95"], errors="coerce").fillna(0.0).to_numpy(dtype=float) * scale
        ax.errorbar(x, y, yerr=err, marker="o", capsize=3, label=label)
    if not numeric:
        ax.set_xticks(range(len(xs_all)))
        ax.set_xticklabels([_label(v) for v in firsts.values()], rotation=20)
    ax.set_xlabel(x_key)
    ax.set_ylabel(f"{kpi} ({unit})" if unit else kpi)
    ax.set_title(title or f"{kpi} by {x_key}")
    if numeric and all(float(v).is_integer() for v in frame[x_key]):
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small", title="error bars: 95 % CI", title_fontsize="small")
    return fig


def check_sweep_dir(out: Path) -> None:
    """Refuse early (before simulating) an ``--out`` we could not write."""
    outdir.check_out_dir(out, "chansim sweep")


def write_sweep_dir(frame: pd.DataFrame, out: Path, kpi: str, *, title: str = "", currency: str = "") -> Path:
    """Write ``sweep.csv``, ``sweep.json``, the figure (``sweep.png``,
    ``sweep.svg``) and ``report.html`` into ``out``, whole or not at all (see :mod:`chansim.runtime.outdir`)."""
    with outdir.staged_dir(out, "chansim sweep") as folder:
        frame.to_csv(folder / "sweep.csv", index=False)
        (folder / "sweep.json").write_text(rows_json(frame) + "\n", encoding="utf-8")
        fig = plot(frame, kpi, title=title, currency=currency)
        fig.savefig(folder / "sweep.png", dpi=120)
        fig.savefig(folder / "sweep.svg")
        (folder / REPORT_FILE).write_text(render_sweep_report(frame, kpi, fig, title=title, currency=currency),
                                          encoding="utf-8")
    return Path(out)


def rebuild_sweep_report(run_dir: Path) -> Path:
    """Write ``report.html`` of a stored sweep again from its ``sweep.csv``."""
    meta = stored_sweep_meta(run_dir)
    frame = read_csv(run_dir / "sweep.csv", what="sweep table",
                     columns=("strategy", meta["kpi"], f"{meta['kpi']}_ci95"))
    if list(frame.columns).index("strategy") == 0 or not len(frame):
        raise InputError(Problem("", "no swept key before the strategy column, or no rows; is it a sweep table "
                                     "chansim sweep --out wrote?"), source=str(run_dir / "sweep.csv"))
    fig = plot(frame, meta["kpi"], title=meta["title"], currency=meta["currency"])
    path = run_dir / REPORT_FILE
    path.write_text(render_sweep_report(frame, meta["kpi"], fig, title=meta["title"], currency=meta["currency"]),
                    encoding="utf-8")
    return path
