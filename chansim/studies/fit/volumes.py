"""Contact volumes: hourly counts per channel, contacts per day, and the
weekly and intraday profiles (with a test of whether the intraday shape
differs by weekday: then one shape per weekday)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from chansim.studies.fit.estimate import Estimate

__all__ = ["hourly_counts", "VolumeFit", "fit_volumes", "hourly_staffing"]


def hourly_counts(contacts: pd.DataFrame | None, intervals: pd.DataFrame | None) -> pd.DataFrame:
    """Offered contacts per channel per clock hour (contact records when
    given, else the interval report), with every hour of every day of the
    period present (zeros included): columns channel, hour_start, offered."""
    if contacts is not None:
        frame = contacts.assign(hour_start=contacts["arrival"].dt.floor("h"))
        counts = frame.groupby(["channel", "hour_start"]).size().rename("offered")
    else:
        frame = intervals.assign(hour_start=intervals["interval_start"].dt.floor("h"))
        counts = frame.groupby(["channel", "hour_start"])["offered"].sum()
    counts = counts.reset_index()
    first = counts["hour_start"].min().normalize()
    last = counts["hour_start"].max().normalize() + pd.Timedelta(hours=23)
    hours = pd.date_range(first, last, freq="h")
    full = pd.MultiIndex.from_product([sorted(counts["channel"].unique()), hours], names=["channel", "hour_start"])
    return counts.set_index(["channel", "hour_start"]).reindex(full, fill_value=0).reset_index()


@dataclass(frozen=True)
class VolumeFit:
    contacts_per_day: Estimate
    weekly: tuple[float, ...]
    weekly_estimates: tuple[Estimate, ...]
    intraday: tuple[float, ...]
    channel_share: dict[str, float]
    days: int
    first_day: pd.Timestamp
    weekday_shapes_differ: bool
    weekday_shape_pvalue: float | None
    all_weekdays: bool
    hourly: pd.DataFrame  # channel, hour_start, offered
    #: share (%) by hour of each weekday, Monday first (None: not every weekday in the data)
    intraday_by_weekday: tuple[tuple[float, ...], ...] | None = None
    #: weekdays (Monday 0) without a contact on any of their days in the data (weekly weight 0)
    closed_weekdays: tuple[int, ...] = ()

    @property
    def per_weekday(self) -> bool:
        """Whether the scenario gets one hourly shape per weekday (they differ, and every weekday is seen)."""
        return self.weekday_shapes_differ and self.intraday_by_weekday is not None

    def intraday_of(self, weekday: int) -> tuple[float, ...]:
        """The hourly shape the scenario gets for ``weekday`` (Monday 0)."""
        return self.intraday_by_weekday[weekday] if self.per_weekday else self.intraday  # type: ignore[index]


def fit_volumes(hourly: pd.DataFrame, source: str, *, repeat_share: float = 0.0) -> VolumeFit:
    """Profiles from hourly counts. ``repeat_share`` of the contacts are
    repeats the scenario generates itself, so they are taken out of
    ``contacts_per_day``."""
    total = hourly.groupby("hour_start")["offered"].sum()
    daily = total.groupby(total.index.normalize()).sum()
    days = int(daily.size)
    first = daily.index.min()
    period = f"{first.date()} to {daily.index.max().date()}"
    scale = 1.0 - repeat_share
    n = daily.to_numpy(dtype=float) * scale
    mean = float(n.mean())
    if days > 1:
        half = float(stats.t.ppf(0.975, days - 1) * n.std(ddof=1) / np.sqrt(days))
        low, high = max(mean - half, 0.0), mean + half
    else:  # one day: Poisson interval of the count
        low, high = stats.chi2.ppf(0.025, 2 * n[0]) / 2 if n[0] > 0 else 0.0, stats.chi2.ppf(0.975, 2 * n[0] + 2) / 2
    what = "first contacts per day" if repeat_share else "contacts per day"
    per_day = Estimate("demand.contacts_per_day", mean, float(low), float(high),
                       "mean of daily totals, t interval over days" + (f", repeats ({repeat_share:.1%}) taken out"
                                                                       if repeat_share else ""),
                       f"{int(daily.sum()):,} contacts over {days} days, {period} ({source}); {what}")
    weekday = daily.index.day_of_week
    all_weekdays = len(set(weekday)) == 7
    weekly_estimates: list[Estimate] = []
    if all_weekdays:
        by_day = daily.groupby(weekday)
        means = by_day.mean()
        overall = float(means.mean())
        weekly = tuple(round(float(means[d] / overall), 4) for d in range(7))
        for d in range(7):
            values = daily[weekday == d].to_numpy(dtype=float) / overall
            k = values.size
            if k > 1:
                half = float(stats.t.ppf(0.975, k - 1) * values.std(ddof=1) / np.sqrt(k))
            else:
                half = float(1.96 * np.sqrt(max(values[0] * overall, 1.0)) / overall)
            weekly_estimates.append(Estimate(f"demand.weekly[{d}]", float(values.mean()), float(values.mean() - half),
                                             float(values.mean() + half), "weekday mean / mean of weekday means",
                                             f"{k} {pd.Timestamp(2026, 1, 5 + d).day_name()}s, {period}"))
    else:
        weekly = (1.0,) * 7
    hour = total.index.hour
    by_hour = total.groupby(hour).sum().reindex(range(24), fill_value=0).to_numpy(dtype=float)
    intraday = tuple(round(float(v / by_hour.sum() * 100), 3) for v in by_hour)
    table = total.groupby([total.index.day_of_week, hour]).sum().unstack(fill_value=0)
    by_weekday = None
    closed: tuple[int, ...] = ()
    if all_weekdays:
        cells = table.reindex(index=range(7), columns=range(24), fill_value=0).to_numpy(dtype=float)
        closed = tuple(int(d) for d in np.flatnonzero(cells.sum(axis=1) == 0))
        if len(closed) < 7:  # a weekday without contacts (weight 0) keeps the all-days shape
            by_weekday = tuple(intraday if d in closed else tuple(round(float(v / row.sum() * 100), 3) for v in row)
                               for d, row in enumerate(cells))
    # weekdays and hours without any contact (a closed day, a holiday) have no expected counts to test
    table = table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0]
    pvalue = None
    if table.shape[0] > 1 and table.shape[1] > 1 and table.to_numpy().sum() > 0:
        pvalue = float(stats.chi2_contingency(table.to_numpy())[1])
    by_channel = hourly.groupby("channel")["offered"].sum()
    share = {c: float(v / by_channel.sum()) for c, v in by_channel.items() if v > 0}
    return VolumeFit(contacts_per_day=per_day, weekly=weekly, weekly_estimates=tuple(weekly_estimates),
                     intraday=intraday, channel_share=share, days=days, first_day=first,
                     weekday_shapes_differ=pvalue is not None and pvalue < 0.001, weekday_shape_pvalue=pvalue,
                     all_weekdays=all_weekdays, hourly=hourly, intraday_by_weekday=by_weekday,
                     closed_weekdays=closed)


def hourly_staffing(intervals: pd.DataFrame) -> pd.DataFrame:
    """Agents staffed per channel per clock hour (mean of the hour's
    intervals): columns channel, hour_start, agents."""
    rows = intervals.dropna(subset=["agents_staffed"])
    frame = rows.assign(hour_start=rows["interval_start"].dt.floor("h"))
    return frame.groupby(["channel", "hour_start"])["agents_staffed"].mean().rename("agents").reset_index()
