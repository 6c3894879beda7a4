"""How small an hourly volume error a forecast of a period can hope for.

Calls arrive at random: even a forecast that knows each hour's expected
volume misses the hour's count. Two floors of the hourly volume WAPE
(Σ|forecast − actual| ÷ Σ actual) over a period, from its own records:

- **own means**: each hour forecast by the period's own mean for its
  weekday and hour of day (an oracle: it has seen the period it forecasts);
- **Poisson**: E|N − λ| ÷ λ summed over the hours, λ the hour's count (the
  error of a perfect forecast when the counts are Poisson).

Beside them, what a forecast from other days can do: the training days'
mean for each weekday and hour, at the training level and scaled to the
period's own total (a perfect level, the training shape)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["hourly_counts", "own_means_wape", "poisson_wape", "weekday_hour_forecast", "wape"]


def hourly_counts(arrivals: pd.Series, first: pd.Timestamp, last: pd.Timestamp) -> pd.Series:
    """Arrivals per hour over the days first..last (inclusive), every hour (zeros included)."""
    hours = pd.date_range(pd.Timestamp(first).normalize(), pd.Timestamp(last).normalize() + pd.Timedelta(hours=23),
                          freq="h")
    return arrivals.groupby(arrivals.dt.floor("h")).size().reindex(hours, fill_value=0).astype(float)


def wape(forecast: np.ndarray, actual: np.ndarray) -> float:
    """Σ|forecast − actual| ÷ Σ actual."""
    actual = np.asarray(actual, dtype=float)
    return float(np.abs(np.asarray(forecast, dtype=float) - actual).sum() / actual.sum()) if actual.sum() else float("nan")


def _cells(counts: pd.Series) -> list[np.ndarray]:
    return [np.asarray(counts.index.day_of_week), np.asarray(counts.index.hour)]


def own_means_wape(counts: pd.Series) -> float:
    """WAPE of each hour forecast by the period's own mean for its weekday and hour."""
    return wape(counts.groupby(_cells(counts)).transform("mean").to_numpy(), counts.to_numpy())


def poisson_wape(counts: pd.Series) -> float:
    """Σ E|N − λ| ÷ Σ λ with N Poisson(λ), λ each hour's count."""
    lam = counts.to_numpy(dtype=float)
    total = 0.0
    for value in lam[lam > 0]:
        k = np.arange(0, int(value + 12 * np.sqrt(value) + 30))
        total += float((np.abs(k - value) * stats.poisson.pmf(k, value)).sum())
    return total / lam.sum() if lam.sum() else float("nan")


def weekday_hour_forecast(training: pd.Series, period: pd.Series) -> np.ndarray:
    """The training hours' mean for each weekday and hour, laid over the period's hours."""
    means = training.groupby(_cells(training)).mean()
    return means.reindex(pd.MultiIndex.from_arrays(_cells(period))).fillna(0.0).to_numpy()
