"""Service by hour: are customers answered within target at every hour of
the day? Hours when every channel with a target is closed (the scenario's
opening hours, :mod:`chansim.scenario.hours`) are shown as closed, with no
service level."""

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

__all__ = ["service_by_hour", "service_by_hour_table", "open_hours_of_day"]


def _targets(result: "RunResult", name: str) -> dict[str, float]:
    return result.scenario.for_strategy(name).service_level_targets


def open_hours_of_day(scenario, channels) -> np.ndarray:
    """For each hour of the day (0-23): True when one of ``channels`` is open
    during some of that hour on some simulated day (a channel without
    ``hours`` is always open)."""
    from chansim.scenario.hours import DAY_S, OpenTimes, weekly_hours

    is_open = np.zeros(24, bool)
    for ch in channels:
        spec = scenario.channels.get(ch)
        if spec is None:
            continue
        if spec.hours is None:
            return np.ones(24, bool)
        times = OpenTimes(weekly_hours(spec.hours), scenario.start_date, scenario.horizon_s)
        for day in range(int(math.ceil(scenario.horizon_s / DAY_S))):
            for h in range(24):
                t = day * DAY_S + h * 3600.0
                if not is_open[h] and t < scenario.horizon_s and times.next_open(t) < t + 3600.0:
                    is_open[h] = True
    return is_open


def _open_hours(result: "RunResult", name: str) -> np.ndarray:
    sc = result.scenario.for_strategy(name)
    offered = set(sc.strategies[0].offer) if sc.strategies else set(sc.channels)
    return open_hours_of_day(sc, [ch for ch in sc.service_level_targets if ch in offered])


def service_by_hour_table(result: "RunResult") -> pd.DataFrame:
    """Service level by hour of day of arrival, per strategy: contacts
    answered within their channel's target over contacts offered to agents on
    channels with a target (abandoned included), pooled over days and
    replications; no service level (NaN) in an hour when every offered
    channel with a target is closed.
    Columns: strategy, hour, open, offered, in_time, service_level,
    arrivals_per_day (every contact, any channel, per simulated day)."""
    cols = ["strategy", "hour", "open", "offered", "in_time", "service_level", "arrivals_per_day"]
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
        is_open = _open_hours(result, name)
        for h in range(24):
            per_day = arrivals[h] / (reps * occurrences[h]) if occurrences[h] else math.nan
            rows.append({"strategy": name, "hour": h, "open": bool(is_open[h]), "offered": int(offered[h]),
                         "in_time": int(ok[h]),
                         "service_level": ok[h] / offered[h] if offered[h] and is_open[h] else math.nan,
                         "arrivals_per_day": per_day})
    return pd.DataFrame(rows, columns=cols)


def _runs(hours: list[int]) -> list[tuple[int, int]]:
    """Consecutive hours as (first, last) runs."""
    runs: list[list[int]] = []
    for h in hours:
        if runs and runs[-1][1] == h - 1:
            runs[-1][1] = h
        else:
            runs.append([h, h])
    return [(a, b) for a, b in runs]


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
        any_open = table.groupby("hour")["open"].any()
        closed = [int(h) for h, is_open in any_open.items() if not is_open]
        for h in closed:
            ax.axvspan(h - 0.5, h + 0.5, facecolor="none", edgecolor="#c8c8c8", hatch="//", zorder=0, lw=0)
        if closed:
            for start, end in _runs(closed):
                ax.text((start + end) / 2, 50, "closed", ha="center", va="center", fontsize=9, color="#777777",
                        rotation=90 if end - start < 2 else 0)
        for name in strategy_names(result):
            sub = table[table["strategy"] == name]
            ax.plot(sub["hour"], 100 * sub["service_level"], "-o", ms=4, lw=2.2, color=colors[name], label=name)
        handles, labels = ax.get_legend_handles_labels()
        vh, vl = volume.get_legend_handles_labels()
        if closed:
            from matplotlib.patches import Patch

            vh, vl = vh + [Patch(facecolor="none", edgecolor="#c8c8c8", hatch="//")], vl + ["Closed: no service level"]
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
                "Pooled over days and replications; abandoned contacts count as missed; hatched: closed "
                "(every channel with a target closed all that hour).")
    return fig
