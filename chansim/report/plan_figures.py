"""The figures of a hiring plan (:class:`~chansim.studies.plan.PlanResult`):
required against available FTE with the risk band, hires and leavers, and
the monthly cost. Each returns a matplotlib figure, one pool per axes row."""

from __future__ import annotations

import numpy as np

from chansim.report.figures.style import money_format, pyplot

__all__ = ["fte_figure", "hires_figure", "cost_figure", "PLAN_FIGURES"]


def _pools(result):
    return [(str(pool), rows) for pool, rows in result.weekly.groupby("pool", sort=False)]


def _axes(count: int):
    plt = pyplot()
    fig, axes = plt.subplots(count, 1, figsize=(9.0, 3.6 * count), layout="constrained", squeeze=False)
    return fig, axes[:, 0]


def fte_figure(result):
    """Required FTE, productive FTE (and with the overtime used), and the weeks at risk shaded by their risk."""
    pools = _pools(result)
    fig, axes = _axes(len(pools))
    for ax, (pool, rows) in zip(axes, pools):
        week = rows["week"].to_numpy()
        required = rows["required_fte"].to_numpy()
        productive = rows["productive_fte"].to_numpy()
        risk = rows["risk"].to_numpy()
        top = max(float(np.max(required)), float(np.max(productive)), 1.0) * 1.1
        for w, r in zip(week, risk):
            if r > 0:
                ax.axvspan(w - 0.5, w + 0.5, color="#cf222e", alpha=0.08 + 0.3 * float(r), linewidth=0)
        ax.step(week, required, where="mid", color="#1f2328", label="required FTE")
        ax.step(week, productive, where="mid", color="#0b5cad", label="productive FTE")
        ax.step(week, productive + rows["overtime_fte"].to_numpy(), where="mid", color="#0b5cad", linestyle=":",
                label="with overtime")
        simulated = rows["simulated"].to_numpy()
        ax.plot(week[simulated], required[simulated], "o", color="#1f2328", markersize=4, label="week simulated")
        ax.set_ylim(0, top)
        ax.set_title(f"{pool}: required and available FTE (red: share of paths below target)", loc="left")
        ax.set_xlabel("week of the plan")
        ax.set_ylabel("FTE")
        ax.legend(loc="lower left", fontsize=8, ncols=4)
    return fig


def hires_figure(result):
    """Hires starting and leavers per week."""
    pools = _pools(result)
    fig, axes = _axes(len(pools))
    for ax, (pool, rows) in zip(axes, pools):
        week = rows["week"].to_numpy()
        ax.bar(week, rows["hires_starting"].to_numpy(), color="#1a7f37", label="hires starting")
        ax.bar(week, -rows["leavers"].to_numpy(), color="#cf222e", label="leavers")
        ax.axhline(0, color="#59636e", linewidth=0.8)
        ax.set_title(f"{pool}: hires and leavers per week", loc="left")
        ax.set_xlabel("week of the plan")
        ax.set_ylabel("heads")
        ax.legend(loc="upper right", fontsize=8)
    return fig


def cost_figure(result):
    """Cost per month: agents paid and overtime, per pool stacked."""
    monthly = result.monthly
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9.0, 4.2), layout="constrained")
    months = sorted(monthly["month"].unique())
    x = np.arange(len(months))
    bottom = np.zeros(len(months))
    for pool, rows in monthly.groupby("pool", sort=False):
        rows = rows.set_index("month").reindex(months, fill_value=0.0)
        for column, label in (("labor_cost", "agents"), ("overtime_cost", "overtime")):
            values = rows[column].to_numpy(dtype=float)
            if values.any():
                ax.bar(x, values, bottom=bottom, label=f"{pool}: {label}")
                bottom += values
    ax.set_xticks(x, months, rotation=60, fontsize=8)
    ax.yaxis.set_major_formatter(money_format(result.currency))
    ax.set_title(f"cost per month ({result.currency})", loc="left")
    ax.legend(loc="upper left", fontsize=8)
    return fig


#: File stem → figure function.
PLAN_FIGURES = {"plan_fte": fte_figure, "plan_hires": hires_figure, "plan_cost": cost_figure}
