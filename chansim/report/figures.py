"""Figures of a run for people who decide: each answers one question.

=====================  ==========================================================
figure                 question
=====================  ==========================================================
``frontier``           Which strategy gives the best CSAT (or service level) for
                       its cost per contact? Pareto frontier highlighted.
``cost_breakdown``     What does one contact cost, and where does the money go
                       (agents, telephony, messaging fees, bot)?
``service_by_hour``    Are customers answered within target at every hour?
``occupancy_by_pool``  How busy is each team under each strategy?
=====================  ==========================================================

Every function takes a :class:`~chansim.studies.experiment.RunResult`, draws on
``ax`` (or a new figure) and returns the matplotlib ``Figure``;
:func:`save_figures` writes them all as PNG and SVG. In notebooks:
``PlotAccessor(result).frontier()``.

matplotlib is imported on first use. Outside a notebook, and unless a backend
was chosen already (pyplot imported, ``MPLBACKEND`` set), the headless ``Agg``
backend is selected, so plotting works on servers and in CI.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import pandas as pd

from chansim.kpis.compare import pareto_front

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from chansim.studies.experiment import RunResult

__all__ = ["frontier", "cost_breakdown", "service_by_hour", "occupancy_by_pool", "save_figures", "PlotAccessor",
           "FIGURES", "cost_components"]

#: Figure names, in the order :func:`save_figures` writes them.
FIGURES = ("frontier", "cost_breakdown", "service_by_hour", "occupancy_by_pool")

_GREY = "#9e9e9e"
_FRONT = "#1b7837"
_LABEL_BOX = {"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.8}
_COMPONENT_COLORS = {"labor": "#4c72b0", "telephony": "#dd8452", "messaging": "#55a868", "bot": "#8172b3"}


# ---------------------------------------------------------------- plumbing
def _pyplot():
    """pyplot, choosing the headless Agg backend unless a backend is already chosen."""
    import matplotlib

    if ("matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND")
            and "ipykernel" not in sys.modules):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _axes(ax: "Axes | None", size: tuple[float, float] = (9.0, 5.6)) -> tuple["Figure", "Axes"]:
    if ax is not None:
        return ax.figure, ax
    plt = _pyplot()
    fig, new = plt.subplots(figsize=size, layout="constrained")
    return fig, new


def _names(result: "RunResult") -> list[str]:
    return [s.name for s in result.strategies]


def _colors(result: "RunResult") -> dict[str, Any]:
    """One colour per strategy, the same in every figure."""
    plt = _pyplot()
    cycle = plt.get_cmap("tab10")
    return {name: cycle(i % 10) for i, name in enumerate(_names(result))}


def _num(value: Any) -> float:
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _footer(fig: "Figure", result: "RunResult", note: str = "") -> None:
    """A small grey note under the figure (what is shown, how it was made),
    wrapped to the figure's width, with room kept for it."""
    import textwrap

    s = result.scenario
    days = "day" if s.days == 1 else "days"
    reps = "replication" if result.replications == 1 else "replications"
    made = (f"{s.name}: {s.days:g} {days} × {result.replications} {reps} (seed {result.seed}), "
            f"chansim {result.version}")
    width = int(fig.get_figwidth() * 19)  # characters of 7.5 pt text per inch, roughly
    lines = (textwrap.wrap(note, width) if note else []) + textwrap.wrap(made, width)
    # a figure-level label: the layout engine keeps room for it below everything else (legends included)
    fig.supxlabel("\n".join(lines), x=0.01, ha="left", fontsize=7.5, color="#555555", linespacing=1.3)


def _money(currency: str) -> Callable[[float, Any], str]:
    def fmt(x: float, _pos: Any = None) -> str:
        return f"{x:,.2f}" if abs(x) < 100 else f"{x:,.0f}"

    return fmt


def _legend_below(ax: "Axes", handles: list, texts: list[str], fontsize: float, below: float) -> None:
    """A legend under the axes that fits the figure's width: long entries
    wrapped, as many columns as fit."""
    import textwrap

    width_pt = ax.figure.get_figwidth() * 72
    chars = max(12, int(width_pt / (fontsize * 0.62) * 0.45))  # an entry takes at most about half the width
    texts = [textwrap.fill(t, chars) for t in texts]
    longest = max((max(len(line) for line in t.splitlines()) for t in texts), default=1)
    columns = max(1, min(len(texts), 5, int(width_pt * 0.95 // (longest * fontsize * 0.62 + 3 * fontsize))))
    ax.legend(handles, texts, loc="upper center", bbox_to_anchor=(0.5, below), fontsize=fontsize, frameon=False,
              ncols=columns)


def _tick_names(ax: "Axes", names: list[str], fontsize: float = 10.5) -> list[str]:
    """Category names wrapped to the width each one has on the x axis."""
    import textwrap

    slot_pt = ax.figure.get_figwidth() * 72 * 0.85 / max(len(names), 1)
    return [textwrap.fill(n, max(6, int(slot_pt / (fontsize * 0.62)))) for n in names]


# ---------------------------------------------------------------- frontier
def _quality(result: "RunResult") -> tuple[str, float, str, str, tuple[float, float]]:
    """(KPI, scale, axis label, word, bounds) of the quality axis: CSAT when
    measured, else service level."""
    if any(_num(s.kpis.get("csat")) == _num(s.kpis.get("csat")) for s in result.strategies):
        return "csat", 1.0, "CSAT (mean survey score, 1–5)", "CSAT", (1.0, 5.0)
    return ("service_level", 100.0,
            "Service level (% answered within target)\nCSAT not modelled in this run: service level shown instead",
            "service level", (0.0, 100.0))


def _clipped(value: float, half: float, bounds: tuple[float, float]) -> tuple[float, float]:
    """Whisker lengths below and above ``value``, kept within what the KPI can take."""
    lo, hi = bounds
    return max(0.0, value - max(lo, value - half)), max(0.0, min(hi, value + half) - value)


def _cost_key(result: "RunResult") -> tuple[str, str]:
    """(KPI, words) of the cost axis: cost per issue when measured, else per contact."""
    if any(not math.isnan(_num(s.kpis.get("cost_per_issue"))) for s in result.strategies):
        return "cost_per_issue", "Cost per issue"
    return "cost_per_contact", "Cost per contact"


def frontier(result: "RunResult", ax: "Axes | None" = None) -> "Figure":
    """Cost per issue (x; per contact when issues are not counted) against
    CSAT (y; service level when CSAT is not measured), one labelled point per
    strategy with 95 % CI whiskers both ways. The Pareto frontier (no other
    strategy both cheaper and better) is drawn as a line; dominated
    strategies are grey. Labels never overlap one another or a point: each
    takes the first clear place around its point, and a label with no clear
    place becomes a number explained in the legend."""
    fig, ax = _axes(ax)
    currency = result.scenario.currency
    cost_key, cost_words = _cost_key(result)
    key, scale, ylabel, word, bounds = _quality(result)
    colors = _colors(result)
    points = {}
    for s in result.strategies:
        x, y = _num(s.kpis.get(cost_key)), _num(s.kpis.get(key)) * scale
        xe, ye = _num(s.ci95.get(cost_key)), _num(s.ci95.get(key)) * scale
        points[s.name] = (x, y, 0.0 if math.isnan(xe) else xe, 0.0 if math.isnan(ye) else ye)
    front = pareto_front({n: (p[0], p[1]) for n, p in points.items()})
    if len(front) >= 2:
        fx = [points[n][0] for n in front]
        fy = [points[n][1] for n in front]
        ax.plot(fx, fy, "-", color=_FRONT, lw=2.5, alpha=0.55, zorder=1,
                label="Best trade-offs (Pareto frontier)")
    plotted = [(n, p) for n, p in points.items() if not (math.isnan(p[0]) or math.isnan(p[1]))]
    plotted.sort(key=lambda item: item[0] not in front)  # frontier strategies get the first pick of places
    any_dominated = False
    quality_text = (lambda v: f"{v:.0f} %") if scale == 100.0 else (lambda v: f"CSAT {v:.2f}")
    labels = []
    for name, (x, y, xe, ye) in plotted:
        on_front = name in front
        color = colors[name] if on_front else _GREY
        any_dominated |= not on_front
        below, above = _clipped(y, ye, bounds)
        ax.errorbar(x, y, xerr=xe, yerr=[[below], [above]], fmt="o", ms=10 if on_front else 8, color=color,
                    ecolor=color, elinewidth=1.4, capsize=4, zorder=3, mec="white", mew=1.2)
        text = (f"{name}{'' if on_front else '  (dominated)'}\n"
                f"{currency} {_money(currency)(x)} · {quality_text(y)}")
        label = ax.annotate(text, (x, y), xytext=(10, 4), textcoords="offset points", fontsize=9.5,
                            color="#222222" if on_front else "#777777", zorder=4, bbox=_LABEL_BOX,
                            linespacing=1.25)
        labels.append((name, (x, y), label))
    if any_dominated:
        ax.plot([], [], "o", color=_GREY, label="Dominated: another strategy is cheaper and at least as good")
    if not plotted:
        ax.text(0.5, 0.5, f"no strategy has both a {cost_words.lower()} and a " + word, transform=ax.transAxes,
                ha="center", va="center", color="#777777")
    # room for the labels
    if plotted:
        xs = [p[0] for _, p in plotted] + [p[0] + p[2] for _, p in plotted] + [p[0] - p[2] for _, p in plotted]
        ys = [p[1] for _, p in plotted]
        for _, p in plotted:
            below, above = _clipped(p[1], p[3], bounds)
            ys += [p[1] - below, p[1] + above]
        xspan = (max(xs) - min(xs)) or max(abs(max(xs)) * 0.05, 0.01)
        yspan = (max(ys) - min(ys)) or max(abs(max(ys)) * 0.05, 0.5)
        ax.set_xlim(min(xs) - 0.3 * xspan, max(xs) + 0.45 * xspan)
        ax.set_ylim(min(ys) - 0.25 * yspan, max(ys) + 0.3 * yspan)
    better = ax.text(0.015, 0.975, "better: cheaper ← and higher ↑", transform=ax.transAxes, ha="left", va="top",
                     fontsize=9, color=_FRONT, fontstyle="italic")
    import matplotlib.ticker as mticker

    ax.xaxis.set_major_formatter(mticker.FuncFormatter(_money(currency)))
    if scale == 100.0:
        ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _p: f"{v:.0f} %"))
    ax.set_xlabel(f"{cost_words} ({currency}: agents + channel fees + bot)")
    ax.set_ylabel(ylabel)
    ax.set_title(f"Which strategy gives the best {word} for its cost?", fontsize=13, fontweight="bold", loc="left")
    ax.grid(True, alpha=0.3)
    if ax.figure is fig and len(fig.axes) == 1:
        _footer(fig, result, "Points: mean over replications; whiskers: 95 % confidence interval of each strategy. "
                "Strategies meet the same customers, so a difference can be significant even where whiskers "
                "overlap: see the paired differences of chansim compare.")
    _place_frontier_labels(ax, labels, better)
    return fig


def _frontier_legend(ax: "Axes") -> None:
    handles, texts = ax.get_legend_handles_labels()
    if handles:
        _legend_below(ax, handles, texts, 8.5, -0.12)


def _place_frontier_labels(ax: "Axes", labels: list, fixed) -> None:
    """Put every label where it overlaps no other label and no point; labels
    with no clear place become numbers with a key in the legend."""
    from chansim.report import labels as placing

    _frontier_legend(ax)
    keyed: list = []
    for _attempt in range(2):
        rend = placing.renderer(ax.figure)
        size = rend.points_to_pixels(7.0)
        taken = [placing.box(fixed, rend)]
        for _, (x, y), _label in labels:
            cx, cy = ax.transData.transform((x, y))
            taken.append(type(taken[0]).from_bounds(cx - size, cy - size, 2 * size, 2 * size))
        failed = [(name, xy, label) for name, xy, label in labels if not placing.place(ax, label, taken, rend)]
        if not failed:
            return
        for number, (name, _xy, label) in enumerate(failed, start=len(keyed) + 1):
            key_text = label.get_text().replace("\n", ": ", 1)
            label.set_text(str(number))
            label.set_fontweight("bold")
            ax.plot([], [], " ", label=f"{number} = {key_text}")
            keyed.append(name)
        _frontier_legend(ax)


# ---------------------------------------------------------------- cost breakdown
def cost_components(result: "RunResult") -> pd.DataFrame:
    """Cost per contact of each strategy split into labor, telephony (voice
    lines), messaging and channel fees (every other channel) and bot: mean
    over replications, so the parts add up to the ``cost_per_contact`` KPI.

    The channel KPI ``cost_channel`` is split between telephony and messaging
    in the proportions of the priced cost lines."""
    reps = result.replication_kpis
    costs = result.costs
    rows = []
    have_lines = isinstance(costs, pd.DataFrame) and {"strategy", "replication", "channel", "cost"} <= set(costs.columns)
    if have_lines and len(costs):
        lines = costs[costs["channel"].astype(str) != "bot"]
        voice = lines["channel"].astype(str) == "voice"
        grouped = pd.DataFrame({
            "strategy": lines["strategy"].astype(str).to_numpy(),
            "replication": lines["replication"].to_numpy(),
            "voice": np.where(voice, lines["cost"].to_numpy(dtype=float), 0.0),
            "all": lines["cost"].to_numpy(dtype=float),
        }).groupby(["strategy", "replication"]).sum()
    else:
        grouped = pd.DataFrame(columns=["voice", "all"])
    for row in reps.itertuples(index=False):
        n = _num(getattr(row, "contacts", None))
        if not n or math.isnan(n):
            continue
        channel = _num(getattr(row, "cost_channel", 0.0))
        channel = 0.0 if math.isnan(channel) else channel
        key = (str(row.strategy), row.replication)
        share_voice = 0.0
        if key in grouped.index:
            total = float(grouped.loc[key, "all"])
            share_voice = float(grouped.loc[key, "voice"]) / total if total else 0.0
        labor, bot = _num(getattr(row, "cost_labor", 0.0)), _num(getattr(row, "cost_bot", 0.0))
        rows.append({
            "strategy": str(row.strategy),
            "replication": row.replication,
            "labor": (0.0 if math.isnan(labor) else labor) / n,
            "telephony": channel * share_voice / n,
            "messaging": channel * (1 - share_voice) / n,
            "bot": (0.0 if math.isnan(bot) else bot) / n,
        })
    parts = ["labor", "telephony", "messaging", "bot"]
    frame = pd.DataFrame(rows, columns=["strategy", "replication", *parts])
    means = frame.groupby("strategy", sort=False)[parts].mean()
    return means.reindex([n for n in _names(result) if n in means.index])


def _messaging_channels(result: "RunResult") -> list[str]:
    costs = result.costs
    if isinstance(costs, pd.DataFrame) and "channel" in costs.columns and len(costs):
        used = costs.loc[costs["cost"].to_numpy(dtype=float) > 0, "channel"].astype(str)
        return sorted(set(used) - {"voice", "bot"})
    return sorted({ch for s in result.strategies for ch in s.by_channel} - {"voice"})


def cost_breakdown(result: "RunResult", ax: "Axes | None" = None) -> "Figure":
    """Stacked bar per strategy: cost per contact split into agents (labor),
    telephony (voice lines), messaging and channel fees (other channels) and
    bot sessions, with the total on top."""
    fig, ax = _axes(ax)
    currency = result.scenario.currency
    parts = cost_components(result)
    channels = _messaging_channels(result)
    labels = {
        "labor": "Agents (paid hours, shrinkage included)",
        "telephony": "Telephony (voice minutes and numbers)",
        "messaging": "Messaging and channel fees" + (f" ({', '.join(channels)})" if channels else ""),
        "bot": "Bot sessions",
    }
    names = list(parts.index)
    x = np.arange(len(names))
    bottom = np.zeros(len(names))
    totals = parts.sum(axis=1).to_numpy() if len(parts) else np.zeros(0)
    top = float(totals.max()) if totals.size else 1.0
    width = 0.6 if len(names) > 1 else 0.4
    thin: list[list[tuple[float, str, str]]] = [[] for _ in names]  # per bar: (centre, text, colour)
    in_bar: list = []
    for part in ["labor", "telephony", "messaging", "bot"]:
        values = parts[part].to_numpy(dtype=float) if len(parts) else np.zeros(0)
        if not values.size or not np.any(values > 0):
            continue  # nothing to show: keep the legend short
        ax.bar(x, values, width, bottom=bottom, color=_COMPONENT_COLORS[part], label=labels[part],
               edgecolor="white", linewidth=0.8)
        for i, v in enumerate(values):
            if v >= 0.07 * top:  # the part holds its own label
                in_bar.append(ax.text(x[i], bottom[i] + v / 2, _money(currency)(v), ha="center", va="center", fontsize=9,
                        color="white", fontweight="bold"))
            elif v > 0:  # a thin part: label it beside the bar
                thin[i].append((bottom[i] + v / 2, _money(currency)(v), _COMPONENT_COLORS[part]))
        bottom = bottom + values
    kpi = {s.name: s for s in result.strategies}
    totals_text = []
    for i, name in enumerate(names):
        ci = _num(kpi[name].ci95.get("cost_per_contact"))
        text = f"{currency} {_money(currency)(totals[i])}" + ("" if math.isnan(ci) else f"\n± {_money(currency)(ci)}")
        totals_text.append(ax.annotate(text, (x[i], totals[i]), xytext=(0, 3), textcoords="offset points",
                                       ha="center", va="bottom", fontsize=10, fontweight="bold", linespacing=1.1))
    thin_text = []
    for i, labels_i in enumerate(thin):
        for centre, text, color in sorted(labels_i):
            thin_text.append(ax.annotate(
                text, (x[i] + width / 2, centre), xytext=(6, 0), textcoords="offset points", fontsize=8.5,
                color=color, fontweight="bold", va="center", ha="left",
                arrowprops={"arrowstyle": "-", "color": color, "lw": 0.8, "shrinkA": 0, "shrinkB": 0}))
    ax.set_xticks(x, _tick_names(ax, names), fontsize=10.5)
    ax.set_xlim(-0.6, len(names) - 0.4 + (0.25 if any(thin) else 0.0))
    ax.set_ylim(0, top * 1.25 if top > 0 else 1)
    import matplotlib.ticker as mticker

    ax.yaxis.set_major_formatter(mticker.FuncFormatter(_money(currency)))
    ax.set_ylabel(f"Cost per contact ({currency})")
    ax.set_title("What does one contact cost, and where does the money go?", fontsize=13, fontweight="bold", loc="left")
    ax.grid(True, axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    if ax.get_legend_handles_labels()[0]:
        _legend_below(ax, *ax.get_legend_handles_labels(), 8.5, -0.1)
    if ax.figure is fig and len(fig.axes) == 1:
        _footer(fig, result, "Mean over replications (total ± 95 % CI). Channel fees include the provider markup; "
                "agents' cost is split over every contact, handled or not.")
    _unclutter_costs(ax, in_bar, totals_text, thin_text)
    return fig


def _unclutter_costs(ax: "Axes", fixed: list, totals: list, beside: list) -> None:
    """Value labels that never collide: labels inside the bars stay; totals
    and the labels of thin parts move up until clear of every label placed
    before them, and the axis grows until they all fit under its top."""
    from chansim.report import labels as placing

    for _attempt in range(6):
        for label, start in zip(totals + beside, [(0, 3)] * len(totals) + [(6, 0)] * len(beside)):
            label.set_position(start)
        rend = placing.renderer(ax.figure)
        taken = [placing.box(t, rend) for t in fixed]
        for label in totals + beside:
            placing.stack(label, taken, rend)
        top = ax.get_window_extent(rend).y1
        highest = max((placing.box(t, rend).y1 for t in totals + beside), default=top)
        if highest <= top:
            return
        lo, hi = ax.get_ylim()
        ax.set_ylim(lo, hi + (hi - lo) * 0.25)


# ---------------------------------------------------------------- service by hour
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
    for name in _names(result):
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
    fig, ax = _axes(ax, (10.0, 5.6))
    table = service_by_hour_table(result)
    colors = _colors(result)
    if not len(table):
        ax.text(0.5, 0.5, "No event log in this result: simulate with keep_log=True (or chansim compare --out).",
                transform=ax.transAxes, ha="center", va="center", color="#777777")
    else:
        first = table[table["strategy"] == _names(result)[0]]
        volume = ax.twinx()
        volume.bar(first["hour"], first["arrivals_per_day"], width=0.85, color="#d9d9d9", zorder=0,
                   label="Contacts arriving (per day, right axis)")
        volume.set_ylabel("Contacts arriving per hour (average day)", color="#777777")
        volume.tick_params(axis="y", colors="#777777")
        volume.set_ylim(0, np.nanmax(first["arrivals_per_day"].to_numpy(dtype=float), initial=1.0) * 2.2 or 1.0)
        ax.set_zorder(volume.get_zorder() + 1)
        ax.patch.set_visible(False)
        for name in _names(result):
            sub = table[table["strategy"] == name]
            ax.plot(sub["hour"], 100 * sub["service_level"], "-o", ms=4, lw=2.2, color=colors[name], label=name)
        handles, labels = ax.get_legend_handles_labels()
        vh, vl = volume.get_legend_handles_labels()
        _legend_below(ax, handles + vh, labels + vl, 9, -0.13)
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
        for name in _names(result):
            for ch, t in _targets(result, name).items():
                if ch in used:  # only the channels customers used
                    targets.setdefault(ch, set()).add(t)
        described = ", ".join(f"{ch} {' / '.join(f'{t:g}' for t in sorted(ts))} s" for ch, ts in targets.items())
        _footer(fig, result, f"Targets: {described or 'none set'}; channels without a target are left out. "
                "Pooled over days and replications; abandoned contacts count as missed.")
    return fig


# ---------------------------------------------------------------- occupancy
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
                rows.append({"strategy": s.name, "pool": pool, "occupancy": _num(values.get("occupancy")),
                             "ci95": None})
    return pd.DataFrame(rows, columns=["strategy", "pool", "occupancy", "ci95"])


def occupancy_by_pool(result: "RunResult", ax: "Axes | None" = None) -> "Figure":
    """Grouped bars: occupancy of each agent pool (x) under each strategy
    (bars), with 95 % CI whiskers and the value on each bar."""
    fig, ax = _axes(ax)
    table = occupancy_table(result)
    colors = _colors(result)
    names = [n for n in _names(result) if n in set(table["strategy"])]
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

    ax.set_xticks(x, _tick_names(ax, [f"{p} team" for p in pools]), fontsize=10.5)
    ax.set_ylim(0, 110)
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _p: f"{v:.0f} %"))
    ax.set_ylabel("Occupancy (% of time on the floor\nspent working on customers)")
    ax.set_title("How busy is each agent team under each strategy?", fontsize=13, fontweight="bold", loc="left")
    ax.grid(True, axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    if names:
        _legend_below(ax, *ax.get_legend_handles_labels(), 9.5, -0.08)
    else:
        ax.text(0.5, 0.5, "no staffing recorded", transform=ax.transAxes, ha="center", va="center", color="#777777")
    if ax.figure is fig and len(fig.axes) == 1:
        _footer(fig, result, "Occupancy = busy agent time ÷ staffed time (overtime included), mean over replications "
                "with 95 % CI. Higher: fewer idle paid hours but less slack for peaks.")
    return fig


# ---------------------------------------------------------------- files
_DRAW: dict[str, Callable[..., "Figure"]] = {
    "frontier": frontier,
    "cost_breakdown": cost_breakdown,
    "service_by_hour": service_by_hour,
    "occupancy_by_pool": occupancy_by_pool,
}


def save_figures(result: "RunResult", out_dir: Path | str, formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Write every figure as ``NAME.png`` and ``NAME.svg`` in ``out_dir``
    (created if missing); return the paths written. The files do not embed
    the date, so the same result gives the same files."""
    plt = _pyplot()
    import matplotlib

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with matplotlib.rc_context({"svg.hashsalt": "chansim"}):
        for name in FIGURES:
            fig = _DRAW[name](result)
            try:
                for fmt in formats:
                    path = out / f"{name}.{fmt}"
                    metadata = {"Date": None} if fmt in ("svg", "pdf") else {"Software": None} if fmt == "png" else None
                    fig.savefig(path, format=fmt, dpi=150, metadata=metadata, bbox_inches="tight", pad_inches=0.15)
                    written.append(path)
            finally:
                plt.close(fig)
    return written


class PlotAccessor:
    """``result.plot.frontier()`` and friends, for notebooks: each method
    returns the matplotlib ``Figure`` (drawn on ``ax`` when given)."""

    def __init__(self, result: "RunResult") -> None:
        self._result = result

    def frontier(self, ax: "Axes | None" = None) -> "Figure":
        return frontier(self._result, ax)

    def cost_breakdown(self, ax: "Axes | None" = None) -> "Figure":
        return cost_breakdown(self._result, ax)

    def service_by_hour(self, ax: "Axes | None" = None) -> "Figure":
        return service_by_hour(self._result, ax)

    def occupancy_by_pool(self, ax: "Axes | None" = None) -> "Figure":
        return occupancy_by_pool(self._result, ax)

    def save(self, out_dir: Path | str) -> list[Path]:
        """Every figure as PNG and SVG in ``out_dir``."""
        return save_figures(self._result, out_dir)

    def __repr__(self) -> str:
        return f"PlotAccessor({', '.join(FIGURES)})"
