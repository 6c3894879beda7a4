"""The cost–quality frontier: which strategy gives the best CSAT (or service
level) for its cost? Pareto frontier highlighted, labels that never overlap."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from chansim.kpis.compare import pareto_front
from chansim.report.figures.style import figure_axes, footer, legend_below, money_format, strategy_colors, to_float

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from chansim.studies.experiment import RunResult

__all__ = ["frontier"]

_GREY = "#9e9e9e"
_FRONT = "#1b7837"
_LABEL_BOX = {"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.8}


def _quality(result: "RunResult") -> tuple[str, float, str, str, tuple[float, float]]:
    """(KPI, scale, axis label, word, bounds) of the quality axis: CSAT when
    measured, else service level."""
    if any(to_float(s.kpis.get("csat")) == to_float(s.kpis.get("csat")) for s in result.strategies):
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
    if any(not math.isnan(to_float(s.kpis.get("cost_per_issue"))) for s in result.strategies):
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
    fig, ax = figure_axes(ax)
    currency = result.scenario.currency
    cost_key, cost_words = _cost_key(result)
    key, scale, ylabel, word, bounds = _quality(result)
    colors = strategy_colors(result)
    points = {}
    for s in result.strategies:
        x, y = to_float(s.kpis.get(cost_key)), to_float(s.kpis.get(key)) * scale
        xe, ye = to_float(s.ci95.get(cost_key)), to_float(s.ci95.get(key)) * scale
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
                f"{currency} {money_format(currency)(x)} · {quality_text(y)}")
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

    ax.xaxis.set_major_formatter(mticker.FuncFormatter(money_format(currency)))
    if scale == 100.0:
        ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _p: f"{v:.0f} %"))
    ax.set_xlabel(f"{cost_words} ({currency}: agents + channel fees + bot)")
    ax.set_ylabel(ylabel)
    ax.set_title(f"Which strategy gives the best {word} for its cost?", fontsize=13, fontweight="bold", loc="left")
    ax.grid(True, alpha=0.3)
    if ax.figure is fig and len(fig.axes) == 1:
        footer(fig, result, "Points: mean over replications; whiskers: 95 % confidence interval of each strategy. "
                "Strategies meet the same customers, so a difference can be significant even where whiskers "
                "overlap: see the paired differences of chansim compare.")
    _place_frontier_labels(ax, labels, better)
    return fig


def _frontier_legend(ax: "Axes") -> None:
    handles, texts = ax.get_legend_handles_labels()
    if handles:
        legend_below(ax, handles, texts, 8.5, -0.12)


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
