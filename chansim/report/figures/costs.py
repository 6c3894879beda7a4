"""Where the money goes: the cost per issue (when the decision ranks on
cost per issue, the default) or per contact of each strategy split into
agents, telephony, messaging and channel fees, and bot sessions."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from chansim.report.figures.style import (figure_axes, footer, legend_below, money_format, strategy_names, tick_names,
                                          to_float)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from chansim.studies.experiment import RunResult

__all__ = ["cost_breakdown", "cost_components", "cost_unit"]

_COMPONENT_COLORS = {"labor": "#4c72b0", "telephony": "#dd8452", "messaging": "#55a868", "bot": "#8172b3"}


def cost_unit(result: "RunResult") -> str:
    """``issue`` when the decision ranks on ``cost_per_issue`` (the default)
    and the run counted issues, else ``contact``."""
    decision = getattr(getattr(result, "scenario", None), "decision", None)
    objective = getattr(decision, "objective", "cost_per_issue")
    reps = result.replication_kpis
    counted = "issues" in reps and reps["issues"].astype(float).gt(0).any()
    return "issue" if objective == "cost_per_issue" and counted else "contact"


def cost_components(result: "RunResult", per: str = "contact") -> pd.DataFrame:
    """Cost per contact (``per="issue"``: per issue) of each strategy split
    into labor, telephony (voice lines), messaging and channel fees (every
    other channel) and bot: mean over replications, so the parts add up to
    the ``cost_per_contact`` (``cost_per_issue``) KPI.

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
        n = to_float(getattr(row, f"{per}s", None))
        if not n or math.isnan(n):
            continue
        channel = to_float(getattr(row, "cost_channel", 0.0))
        channel = 0.0 if math.isnan(channel) else channel
        key = (str(row.strategy), row.replication)
        share_voice = 0.0
        if key in grouped.index:
            total = float(grouped.loc[key, "all"])
            share_voice = float(grouped.loc[key, "voice"]) / total if total else 0.0
        labor, bot = to_float(getattr(row, "cost_labor", 0.0)), to_float(getattr(row, "cost_bot", 0.0))
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
    return means.reindex([n for n in strategy_names(result) if n in means.index])


def _messaging_channels(result: "RunResult") -> list[str]:
    """Every channel but voice with a priced cost line or a channel cost in a strategy's results."""
    used: set[str] = set()
    costs = result.costs
    if isinstance(costs, pd.DataFrame) and "channel" in costs.columns and len(costs):
        used |= set(costs.loc[costs["cost"].to_numpy(dtype=float) > 0, "channel"].astype(str))
    for s in result.strategies:
        for ch, values in (getattr(s, "by_channel", None) or {}).items():
            if any(to_float((values or {}).get(k)) > 0 for k in ("cost_channel", "cost_per_contact")):
                used.add(str(ch))
    return sorted(used - {"voice", "bot"})


def cost_breakdown(result: "RunResult", ax: "Axes | None" = None) -> "Figure":
    """Stacked bar per strategy: cost per issue when the decision ranks on
    it (:func:`cost_unit`), else per contact, split into agents (labor),
    telephony (voice lines), messaging and channel fees (other channels) and
    bot sessions, with the total on top."""
    fig, ax = figure_axes(ax)
    currency = result.scenario.currency
    per = cost_unit(result)
    parts = cost_components(result, per)
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
                in_bar.append(ax.text(x[i], bottom[i] + v / 2, money_format(currency)(v), ha="center", va="center", fontsize=9,
                        color="white", fontweight="bold"))
            elif v > 0:  # a thin part: label it beside the bar
                thin[i].append((bottom[i] + v / 2, money_format(currency)(v), _COMPONENT_COLORS[part]))
        bottom = bottom + values
    kpi = {s.name: s for s in result.strategies}
    totals_text = []
    for i, name in enumerate(names):
        ci = to_float(kpi[name].ci95.get(f"cost_per_{per}"))
        text = f"{currency} {money_format(currency)(totals[i])}" + ("" if math.isnan(ci) else f"\n± {money_format(currency)(ci)}")
        totals_text.append(ax.annotate(text, (x[i], totals[i]), xytext=(0, 3), textcoords="offset points",
                                       ha="center", va="bottom", fontsize=10, fontweight="bold", linespacing=1.1))
    thin_text = []
    for i, labels_i in enumerate(thin):
        for centre, text, color in sorted(labels_i):
            thin_text.append(ax.annotate(
                text, (x[i] + width / 2, centre), xytext=(6, 0), textcoords="offset points", fontsize=8.5,
                color=color, fontweight="bold", va="center", ha="left",
                arrowprops={"arrowstyle": "-", "color": color, "lw": 0.8, "shrinkA": 0, "shrinkB": 0}))
    ax.set_xticks(x, tick_names(ax, names), fontsize=10.5)
    ax.set_xlim(-0.6, len(names) - 0.4 + (0.25 if any(thin) else 0.0))
    ax.set_ylim(0, top * 1.25 if top > 0 else 1)
    import matplotlib.ticker as mticker

    ax.yaxis.set_major_formatter(mticker.FuncFormatter(money_format(currency)))
    ax.set_ylabel(f"Cost per {per} ({currency})")
    ax.set_title(f"What does one {per} cost, and where does the money go?", fontsize=13, fontweight="bold",
                 loc="left")
    ax.grid(True, axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    if ax.get_legend_handles_labels()[0]:
        legend_below(ax, *ax.get_legend_handles_labels(), 8.5, -0.1)
    if ax.figure is fig and len(fig.axes) == 1:
        footer(fig, result, "Mean over replications (total ± 95 % CI). Channel fees include the provider markup; "
                f"agents' cost is split over every {per}, handled or not."
                + (" An issue is a customer need, with every contact it took." if per == "issue" else ""))
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
