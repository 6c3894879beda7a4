"""What every figure of a run shares: pyplot on a headless backend when
none is chosen, new axes, one colour per strategy, the grey note under a
figure, money ticks and legends that fit the figure's width."""

from __future__ import annotations

import math
import os
import sys
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from chansim.studies.experiment import RunResult

__all__ = ["pyplot", "figure_axes", "strategy_names", "strategy_colors", "to_float", "footer", "money_format",
           "legend_below", "tick_names"]


def pyplot():
    """pyplot, choosing the headless Agg backend unless a backend is already chosen."""
    import matplotlib

    if ("matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND")
            and "ipykernel" not in sys.modules):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def figure_axes(ax: "Axes | None", size: tuple[float, float] = (9.0, 5.6)) -> tuple["Figure", "Axes"]:
    if ax is not None:
        return ax.figure, ax
    plt = pyplot()
    fig, new = plt.subplots(figsize=size, layout="constrained")
    return fig, new


def strategy_names(result: "RunResult") -> list[str]:
    return [s.name for s in result.strategies]


def strategy_colors(result: "RunResult") -> dict[str, Any]:
    """One colour per strategy, the same in every figure."""
    plt = pyplot()
    cycle = plt.get_cmap("tab10")
    return {name: cycle(i % 10) for i, name in enumerate(strategy_names(result))}


def to_float(value: Any) -> float:
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def footer(fig: "Figure", result: "RunResult", note: str = "") -> None:
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


def money_format(currency: str) -> Callable[[float, Any], str]:
    def fmt(x: float, _pos: Any = None) -> str:
        return f"{x:,.2f}" if abs(x) < 100 else f"{x:,.0f}"

    return fmt


def legend_below(ax: "Axes", handles: list, texts: list[str], fontsize: float, below: float) -> None:
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


def tick_names(ax: "Axes", names: list[str], fontsize: float = 10.5) -> list[str]:
    """Category names wrapped to the width each one has on the x axis."""
    import textwrap

    slot_pt = ax.figure.get_figwidth() * 72 * 0.85 / max(len(names), 1)
    return [textwrap.fill(n, max(6, int(slot_pt / (fontsize * 0.62)))) for n in names]
