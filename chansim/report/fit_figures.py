"""Figures of a fit (actual vs fitted) and of a backtest (actual vs simulated
over time), and writing them with the parameter and comparison tables into
marked result folders (replacing only a folder chansim wrote).

matplotlib is imported on first use, with the headless Agg backend unless a
backend was chosen already or the code runs in a notebook."""

from __future__ import annotations

import os
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import numpy as np
import pandas as pd

from chansim.errors import InputError, Problem
from chansim.runtime import outdir
from chansim.studies.fit.interval_kpis import KPIS

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from chansim.studies.fit.backtest import BacktestResult
    from chansim.studies.fit.fitter import FitReport

__all__ = ["volume_by_weekday", "handle_time", "patience_survival", "backtest_kpi", "save_fit_report",
           "save_backtest_report", "check_fit_report_dir", "check_backtest_report_dir", "FIT_REPORT",
           "BACKTEST_REPORT"]

#: The kinds of result folder ``fit --report`` and ``backtest --report`` write (see :mod:`chansim.runtime.outdir`).
FIT_REPORT = "chansim fit report"
BACKTEST_REPORT = "chansim backtest report"

_ACTUAL, _FITTED = "#333333", "#2166ac"
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_KPI_LABELS = {"service_level": "service level", "asa_s": "ASA (s)", "abandon_rate": "abandon rate",
               "aht_s": "AHT (s)", "occupancy": "occupancy"}


def _pyplot():
    import matplotlib

    if ("matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND")
            and "ipykernel" not in sys.modules):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def volume_by_weekday(report: "FitReport") -> "Figure":
    """Mean contacts per hour by weekday: the data against the fitted
    profile (contacts per day × weekly × intraday), one panel per weekday."""
    plt = _pyplot()
    v = report.volumes
    total = v.hourly.groupby("hour_start")["offered"].sum()
    frame = pd.DataFrame({"offered": total.to_numpy(), "weekday": total.index.day_of_week, "hour": total.index.hour})
    actual = frame.groupby(["weekday", "hour"])["offered"].mean()
    daily = v.contacts_per_day.value / max(1.0 - (report.repeats.repeat_share.value if report.repeats else 0.0), 1e-9)
    weekly = np.asarray(v.weekly) / np.mean(v.weekly)
    fig, axes = plt.subplots(1, 7, figsize=(16, 3.4), sharey=True, layout="constrained")
    for d, ax in enumerate(axes):
        if d in actual.index.get_level_values(0):
            a = actual.loc[d].reindex(range(24))
            ax.bar(range(24), a.to_numpy(), color="#bbbbbb", label="actual (mean)")
        intraday = np.asarray(v.intraday_of(d)) / np.sum(v.intraday_of(d))
        ax.plot(range(24), daily * weekly[d] * intraday, color=_FITTED, label="fitted")
        ax.set_title(_DAYS[d], fontsize=9)
        ax.set_xticks([0, 6, 12, 18])
        ax.set_xlabel("hour")
    axes[0].set_ylabel("contacts per hour")
    axes[0].legend(fontsize=7)
    fig.suptitle("Hourly volume by weekday: actual vs fitted")
    return fig


def handle_time(report: "FitReport", channel: str) -> "Figure":
    """Histogram of handle times (agent time per reply for messaging) with
    the fitted density, and a QQ plot."""
    plt = _pyplot()
    fit = report.handle_time[channel]
    x = np.asarray(report.handle_samples.get(channel, []), dtype=float)
    x = x[np.isfinite(x) & (x > 0)]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    if x.size:
        top = np.quantile(x, 0.99)
        left.hist(x[x <= top], bins=50, density=True, color="#bbbbbb", label=f"actual ({x.size:,})")
        grid = np.linspace(max(top / 500, 1e-6), top, 300)
        left.plot(grid, fit.pdf(grid), color=_FITTED, label=f"fitted {fit.dist.describe()}")
        q = (np.arange(1, x.size + 1) - 0.5) / x.size
        theory = fit.ppf(q)
        right.scatter(theory, np.sort(x), s=4, color=_ACTUAL)
        lim = max(np.nanmax(theory[np.isfinite(theory)]), x.max())
        right.plot([0, lim], [0, lim], color=_FITTED, lw=1)
    left.set_xlabel("seconds")
    left.set_ylabel("density")
    left.legend(fontsize=8)
    left.set_title(f"{channel}: {'handle time' if channel == 'voice' else 'agent time per reply'}")
    right.set_xlabel("fitted quantile (s)")
    right.set_ylabel("actual quantile (s)")
    right.set_title("QQ plot")
    return fig


def patience_survival(report: "FitReport", channel: str) -> "Figure":
    """Kaplan-Meier survival of patience (answered contacts censored) with
    the fitted distribution's survival curve."""
    from chansim.studies.fit.patience import kaplan_meier

    plt = _pyplot()
    fit = report.patience[channel]
    waits, abandoned = report.patience_data[channel]
    km = kaplan_meier(waits, abandoned)
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    ax.step(np.r_[0, km["time"]], np.r_[1, km["survival"]], where="post", color=_ACTUAL, label="Kaplan-Meier")
    ax.fill_between(np.r_[0, km["time"]], np.r_[1, km["low"]], np.r_[1, km["high"]], step="post",
                    color="#bbbbbb", alpha=0.5, label="95 % band")
    top = float(np.quantile(waits, 0.995)) if len(waits) else 1.0
    grid = np.linspace(0, max(top, 1.0), 300)
    ax.plot(grid, fit.survival.sf(grid), color=_FITTED, label=f"fitted {fit.dist.describe()}")
    ax.set_xlim(0, max(top, 1.0))
    ax.set_xlabel("seconds waited")
    ax.set_ylabel("share still waiting")
    ax.set_title(f"{channel}: patience ({fit.abandons:,} abandoned, {fit.answered:,} answered = censored)")
    ax.legend(fontsize=8)
    return fig


def backtest_kpi(result: "BacktestResult", kpi: str) -> "Figure":
    """One KPI over time: actual and simulated mean with its 95 % band, one
    panel per channel."""
    plt = _pyplot()
    rows = result.hours[result.hours["kpi"] == kpi]
    channels = sorted(rows["channel"].unique()) or ["(none)"]
    fig, axes = plt.subplots(len(channels), 1, figsize=(12, 3.2 * len(channels)), squeeze=False, layout="constrained")
    for ax, channel in zip(axes[:, 0], channels):
        r = rows[rows["channel"] == channel].sort_values("interval_start")
        x = np.arange(len(r))
        ax.fill_between(x, r["low"], r["high"], color="#9ecae1", alpha=0.6, label="simulated 95 % band")
        ax.plot(x, r["simulated"], color=_FITTED, lw=1, label="simulated mean")
        ax.plot(x, r["actual"], "o", ms=2.5, color=_ACTUAL, label="actual")
        if len(r):
            ticks = np.flatnonzero(r["interval_start"].dt.hour.to_numpy() == r["interval_start"].dt.hour.min())
            ax.set_xticks(ticks, [t.strftime("%a %d %b") for t in r["interval_start"].iloc[ticks]], fontsize=7)
        ax.set_ylabel(_KPI_LABELS.get(kpi, kpi))
        ax.set_title(f"{channel}: {_KPI_LABELS.get(kpi, kpi)} by hour", fontsize=10)
    axes[0, 0].legend(fontsize=8)
    return fig


def _save(fig: "Figure", path: Path) -> Path:
    plt = _pyplot()
    try:
        with warnings.catch_warnings():  # a tiny export leaves axes too small to lay out: drawn as they are
            warnings.filterwarnings("ignore", message="constrained_layout not applied", category=UserWarning)
            fig.savefig(path, dpi=120, metadata={"Software": None})
    finally:
        plt.close(fig)
    return path


def _as_report(exc: InputError) -> InputError:
    """The result folder's refusal, naming ``--report`` (the option these folders are given with)."""
    return InputError([Problem("--report" if p.path == "--out" else p.path, p.message, p.line) for p in exc.problems],
                      source=exc.source)


@contextmanager
def _report_dir(out_dir: str | Path, kind: str) -> Iterator[Path]:
    """A marked result folder (:mod:`chansim.runtime.outdir`): written whole
    or not at all, replacing only a folder chansim wrote."""
    try:
        with outdir.staged_dir(Path(out_dir), kind) as folder:
            yield folder
    except InputError as exc:
        raise _as_report(exc) from None


def check_fit_report_dir(out_dir: str | Path) -> None:
    """Refuse early (before fitting) a ``--report`` folder that could not be
    written or that holds files chansim did not write."""
    try:
        outdir.check_out_dir(Path(out_dir), FIT_REPORT)
    except InputError as exc:
        raise _as_report(exc) from None


def check_backtest_report_dir(out_dir: str | Path) -> None:
    """Refuse early (before simulating) a ``--report`` folder that could not
    be written or that holds files chansim did not write."""
    try:
        outdir.check_out_dir(Path(out_dir), BACKTEST_REPORT)
    except InputError as exc:
        raise _as_report(exc) from None


def save_fit_report(report: "FitReport", out_dir: str | Path) -> list[Path]:
    """Write ``parameters.csv`` (every fitted parameter with its 95 % CI,
    method and data), ``notes.txt`` and the figures as PNG, as a marked
    result folder."""
    names = ["parameters.csv", "notes.txt", "volume_by_weekday.png"]
    with _report_dir(out_dir, FIT_REPORT) as out:
        report.table().to_csv(out / names[0], index=False)
        (out / names[1]).write_text("\n".join(report.notes) + ("\n" if report.notes else ""), encoding="utf-8")
        _save(volume_by_weekday(report), out / names[2])
        for channel in report.handle_time:
            if report.handle_samples.get(channel) is not None and len(report.handle_samples[channel]):
                names.append(_save(handle_time(report, channel), out / f"handle_time_{channel}.png").name)
        for channel in report.patience:
            names.append(_save(patience_survival(report, channel), out / f"patience_{channel}.png").name)
    return [Path(out_dir) / name for name in names]


def save_backtest_report(result: "BacktestResult", out_dir: str | Path) -> list[Path]:
    """Write ``summary.csv``, ``hours.csv`` and one figure per KPI, as a marked result folder."""
    names = ["summary.csv", "hours.csv"]
    with _report_dir(out_dir, BACKTEST_REPORT) as out:
        result.summary.to_csv(out / names[0], index=False)
        result.hours.to_csv(out / names[1], index=False)
        for kpi in KPIS:
            if (result.hours["kpi"] == kpi).any():
                names.append(_save(backtest_kpi(result, kpi), out / f"backtest_{kpi}.png").name)
    return [Path(out_dir) / name for name in names]
