"""Service by hour: are customers answered within target at every hour of
the day?"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from chansim.report.figures.style import figure_axes, footer, legend_below, strategy_colors, strategy_names

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from chansim.studies.experiment import RunResult

__all__ = ["service_by_hour", "service_by_hour_table"]


def _targets(result: "RunResult", name: str) -> dict[str, float]:
    return result.scenario.for_strategy(name).service_level_targets


def service_by_hour_table(result: "RunResult") -> pd.DataFrame:
    """Service level by hour of day of arrival, per strategy: contacts
    answered within their channel's target over contacts offered to agents on
    channels with a target (abandoned included), pooled over days and
    replications.
    Columns: strategy, hour, offered, in_time, service_level, arrivals_per_day
    (every contact, any channel, per simulated day)."""
    cols = ["strategy", "hour", "offered", "in_time", "service_level", "arrivals_per_day"]
    if result.log is None or result.log.contacts is None or not len(result.log.contacts):
        return pd.DataFrame(columns=cols)
    contacts = result.log.contacts
    contacts = contacts[contacts["arrival_t"].to_numpy(dtype=float) >= result.scenario.warmup_s]
    # how many times each hour of day is simulated (after the warm-up), to average per day
    horizon_h = int(math.ceil(result.scenario.horizon_s / 3600.0))
    starts = np.arange(horizon_h) * 3600.0
    kept = starts + 3600.0 > result.scenario.warmup_s
    occurrences = np.bincount((np.arange(horizon_h) % 24)[kept], minlength=24).astype(float)
    rows = []
    strategy_col = contacts["strategy"].astype(str)
    for name in strategy_names(result):
        c = contacts[(strategy_col == name).to_numpy()]
        targets = _targets(result, name)
        hour = ((c["arrival_t"].to_numpy(dtype=float) // 3600) % 24).astype(int)
        target = c["channel"].astype(str).map(targets).to_numpy(dtype=float)
        # offered = reached the agents' queue (not contained by a bot, not deflected in the IVR),
        # as in the service_level KPI
        queued = c["queued_t"].notna().to_numpy() if "queued_t" in c else np.ones(len(c), bool)
        has = ~np.isnan(target) & queued
        wait = c["wait_s"].to_numpy(dtype=float)
        answered = c["answer_t"].notna().to_numpy()
        in_time = has & answered & (np.nan_to_num(wait, nan=np.inf) <= np.nan_to_num(target, nan=-1.0))
        offered = np.bincount(hour[has], minlength=24)
        ok = np.bincount(hour[in_time], minlength=24)
        arrivals = np.bincount(hour, minlength=24)
        reps = max(result.replications, 1)
        for h in range(24):
            per_day = arrivals[h] / (reps * occurrences[h]) if occurrences[h] else math.nan
            rows.append({"strategy": name, "hour": h, "offered": int(offered[h]), "in_time": int(ok[h]),
                         "service_level": ok[h] / offered[h] if offered[h] else math.nan,
                         "arrivals_per_day": per_day})
    return pd.DataFrame(rows, columns=cols)


def service_by_hour(result: "RunResult", ax: "Axes | None" = None) -> "Figure":
    """Service level by hour of day, one line per strategy, over the arrival
    volume per hour (grey bars, right axis)."""
    fig, ax = figure_axes(ax, (10.0, 5.6))
    table = service_by_hour_table(result)
    colors = strategy_colors(result)
    if not len(table):
        ax.text(0.5, 0.5, "No event log in this result: simulate with keep_log=True (or chansim compare --out).",
                transform=ax.transAxes, ha="center", va="center", color="#777777")
    else:
        first = table[table["strategy"] == strategy_names(result)[0]]
        volume = ax.twinx()
        volume.bar(first["hour"], first["arrivals_per_day"], width=0.85, color="#d9d9d9", zorder=0,
                   label="Contacts arriving (per day, right axis)")
        volume.set_ylabel("Contacts arriving per hour (average day)", color="#777777")
        volume.tick_params(axis="y", colors="#777777")
        volume.set_ylim(0, np.nanmax(first["arrivals_per_day"].to_numpy(dtype=float), initial=1.0) * 2.2 or 1.0)
        ax.set_zorder(volume.get_zorder() + 1)
        ax.patch.set_visible(False)
        for name in strategy_names(result):
            sub = table[table["strategy"] == name]
            ax.plot(sub["hour"], 100 * sub["service_level"], "-o", ms=4, lw=2.2, color=colors[name], label=name)
        handles, labels = ax.get_legend_handles_labels()
        vh, vl = volume.get_legend_handles_labels()
        legend_below(ax, handles + vh, labels + vl, 9, -0.13)
    import matplotlib.ticker as mticker

    ax.set_xlim(-0.6, 23.6)
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}:00" for h in range(0, 24, 2)], fontsize=9)
    ax.set_ylim(-2, 105)
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _p: f"{v:.0f} %"))
    ax.set_xlabel("Hour of day the contact arrived")
    ax.set_ylabel("Service level (% answered within target)")
    ax.set_title("Are customers answered within target at every hour of the day?", fontsize=13,
                 fontweight="bold", loc="left")
    ax.grid(True, alpha=0.3)
    if ax.figure is fig and len(fig.axes) <= 2:
        used = set(result.log.contacts["channel"].astype(str).unique()) if len(table) else set()
        targets: dict[str, set[float]] = {}
        for name in strategy_names(result):
            for ch, t in _targets(result, name).items():
                if ch in used:  # only the channels customers used
                    targets.setdefault(ch, set()).add(t)
        described = ", ".join(f"{ch} {' / '.join(f'{t:g}' for t in sorted(ts))} s" for ch, ts in targets.items())
        footer(fig, result, f"Targets: {described or 'none set'}; channels without a target are left out. "
                "Pooled over days and replications; abandoned contacts count as missed.")
    return fig
