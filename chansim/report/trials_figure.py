"""The figure of a search: every trial, feasible (filled) or not (hollow),
with the frontier (or the best point) drawn over them."""

from __future__ import annotations

from typing import Any

__all__ = ["trials_figure"]


def _scale(address: str) -> tuple[float, str]:
    from chansim.kpis.table import kind_of

    kind = kind_of(address)
    if kind == "share":
        return 100.0, " (%)"
    if kind == "seconds":
        return 1.0, " (s)"
    return 1.0, ""


def trials_figure(result: Any, *, x: str | None = None, y: str | None = None):
    """A matplotlib Figure (Agg). With two objectives or more: the first two
    (or ``x`` and ``y``, any KPI addresses) against each other; with one: the
    objective by trial number, the best so far as a line."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    space = result.space
    tried = [t for t in result.records if t.repeat_of is None]
    front = result.frontier_records
    fig = Figure(figsize=(8, 5), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    objectives = [str(o.address) for o in space.objectives]
    by_trial = len(objectives) == 1 and x is None and y is None
    if by_trial:
        x_key, y_key = "trial", objectives[0]
    else:
        x_key, y_key = x or objectives[0], y or objectives[1 if len(objectives) > 1 else 0]
    y_scale, y_unit = _scale(y_key)
    x_scale, x_unit = (1.0, "") if by_trial else _scale(x_key)

    def coords(trials):
        xs, ys = [], []
        for t in trials:
            ym = t.value(y_key)[0]
            xm = t.number if by_trial else t.value(x_key)[0]
            if xm is not None and ym is not None:
                xs.append(xm * x_scale)
                ys.append(ym * y_scale)
        return xs, ys

    feasible = [t for t in tried if t.feasible and t.status == "complete"]
    other = [t for t in tried if not (t.feasible and t.status == "complete")]
    xs, ys = coords(other)
    ax.scatter(xs, ys, facecolors="none", edgecolors="tab:gray", label="infeasible or stopped early")
    xs, ys = coords(feasible)
    ax.scatter(xs, ys, color="tab:blue", label="feasible")
    if front:
        xs, ys = coords(front)
        err = [(t.value(y_key)[1] or 0.0) * y_scale for t in front]
        if by_trial:
            ax.errorbar(xs, ys, yerr=err, fmt="*", color="tab:red", markersize=14, capsize=3, label="best point")
        else:
            order = sorted(range(len(xs)), key=xs.__getitem__)
            xerr = [(t.value(x_key)[1] or 0.0) * x_scale for t in front]
            ax.errorbar([xs[i] for i in order], [ys[i] for i in order], xerr=[xerr[i] for i in order],
                        yerr=[err[i] for i in order], fmt="-o", color="tab:red", capsize=3, label="frontier")
    ax.set_xlabel(x_key + x_unit)
    ax.set_ylabel(y_key + y_unit)
    constraints = "; ".join(str(c) for c in space.constraints) or "no constraints"
    ax.set_title(f"{result.scenario.name}: {len(tried)} points tried ({constraints})", fontsize="medium")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small", title="error bars: 95 % CI", title_fontsize="small")
    return fig
