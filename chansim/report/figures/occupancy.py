"""Occupancy by pool: how busy is each agent team under each strategy?"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from chansim.report.figures.style import (figure_axes, footer, legend_below, strategy_colors, strategy_names,
                                          tick_names, to_float)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from chansim.studies.experiment import RunResult

__all__ = ["occupancy_by_pool", "occupancy_table"]


def occupancy_table(result: "RunResult") -> pd.DataFrame:
    """Occupancy of each pool per strategy: busy agent attention over time on
    the floor (staffed + overtime), mean over replications and its 95 % CI."""
    from chansim.studies.experiment import ci95_halfwidth

    labor = result.labor
    rows = []
    if isinstance(labor, pd.DataFrame) and len(labor) and {"busy_hours", "staffed_hours"} <= set(labor.columns):
        floor = labor["staffed_hours"].to_numpy(dtype=float) + (
            labor["overtime_hours"].to_numpy(dtype=float) if "overtime_hours" in labor else 0.0)
        occ = pd.DataFrame({"strategy": labor["strategy"].astype(str).to_numpy(),
                            "pool": labor["pool"].astype(str).to_numpy(),
                            "occupancy": np.where(floor > 0, labor["busy_hours"].to_numpy(dtype=float)
                                                  / np.where(floor > 0, floor, 1.0), np.nan)})
        for (name, pool), sub in occ.groupby(["strategy", "pool"], sort=False):
            values = [v for v in sub["occupancy"].tolist() if not math.isnan(v)]
            rows.append({"strategy": name, "pool": pool, "occupancy": float(np.mean(values)) if values else math.nan,
                         "ci95": ci95_halfwidth(values)})
    else:
        for s in result.strategies:
            for pool, values in s.by_pool.items():
                rows.append({"strategy": s.name, "pool": pool, "occupancy": to_float(values.get("occupancy")),
                             "ci95": None})
    return pd.DataFrame(rows, columns=["strategy", "pool", "occupancy", "ci95"])


def occupancy_by_pool(result: "RunResult", ax: "Axes | None" = None) -> "Figure":
    """Grouped bars: occupancy of each agent pool (x) under each strategy
    (bars), with 95 % CI whiskers and the value on each bar."""
    fig, ax = figure_axes(ax)
    table = occupancy_table(result)
    colors = strategy_colors(result)
    names = [n for n in strategy_names(result) if n in set(table["strategy"])]
    pools = list(dict.fromkeys(table["pool"]))
    group = 0.8
    width = group / max(len(names), 1)
    x = np.arange(len(pools))
    for i, name in enumerate(names):
        sub = table[table["strategy"] == name].set_index("pool").reindex(pools)
        values = 100 * sub["occupancy"].to_numpy(dtype=float)
        errors = 100 * pd.to_numeric(sub["ci95"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
        pos = x - group / 2 + width * (i + 0.5)
        ax.bar(pos, values, width * 0.92, yerr=errors, capsize=3, color=colors[name], label=name,
               error_kw={"elinewidth": 1, "ecolor": "#333333"})
        for p, v, e in zip(pos, values, errors):
            if not math.isnan(v):
                ax.text(p, v + e + 1.2, f"{v:.0f} %", ha="center", va="bottom", fontsize=9)
    import matplotlib.ticker as mticker

    ax.set_xticks(x, tick_names(ax, [f"{p} team" for p in pools]), fontsize=10.5)
    ax.set_ylim(0, 110)
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _p: f"{v:.0f} %"))
    ax.set_ylabel("Occupancy (% of time on the floor\nspent working on customers)")
    ax.set_title("How busy is each agent team under each strategy?", fontsize=13, fontweight="bold", loc="left")
    ax.grid(True, axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    if names:
        legend_below(ax, *ax.get_legend_handles_labels(), 9.5, -0.08)
    else:
        ax.text(0.5, 0.5, "no staffing recorded", transform=ax.transAxes, ha="center", va="center", color="#777777")
    if ax.figure is fig and len(fig.axes) == 1:
        footer(fig, result, "Occupancy = busy agent time ÷ staffed time (overtime included), mean over replications "
                "with 95 % CI. Higher: fewer idle paid hours but less slack for peaks.")
    return fig
