"""Arrival times: a non-homogeneous Poisson process whose rate is constant
within each hour and shaped by the intraday and weekly profiles.

Exact for piecewise-constant rates: for every hour the count is Poisson with
mean ``rate × length`` and the times are uniform within the hour (the order
statistics of a homogeneous Poisson process), so no rate change is skipped.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["hourly_rates", "arrival_times", "hourly_counts", "times_in_hours"]


def hourly_rates(
    contacts_per_day: float,
    intraday: tuple[float, ...] | np.ndarray,
    weekly: tuple[float, ...],
    first_weekday: int,
    horizon_s: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start (s), length (s) and rate (contacts per second) of each hour.

    ``intraday`` (24 weights, or 7 × 24: one row per weekday, Monday first)
    is normalised to sum 1 per day and ``weekly`` to mean 1, so an average day
    brings ``contacts_per_day``. ``first_weekday`` is 0 for Monday."""
    hours = max(1, math.ceil(horizon_s / 3600.0 - 1e-9))
    starts = np.arange(hours, dtype=float) * 3600.0
    lengths = np.minimum(3600.0, horizon_s - starts)
    day = np.arange(hours) // 24
    hour_of_day = np.arange(hours) % 24
    weekday = (first_weekday + day) % 7
    intra = np.asarray(intraday, dtype=float)
    week = np.asarray(weekly, dtype=float)
    daily = contacts_per_day * week[weekday] / week.mean()
    if intra.ndim == 2:  # a shape per weekday
        rates = daily * intra[weekday, hour_of_day] / intra.sum(axis=1)[weekday] / 3600.0
    else:
        rates = daily * intra[hour_of_day] / intra.sum() / 3600.0
    return starts, lengths, rates


def arrival_times(starts: np.ndarray, lengths: np.ndarray, rates: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Sorted arrival times (s) over the hours described by ``hourly_rates``."""
    counts = hourly_counts(lengths, rates, rng)
    return times_in_hours(starts, lengths, counts, rng)


def hourly_counts(lengths: np.ndarray, rates: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The number of arrivals in each hour: the first draws of
    :func:`arrival_times` (one per hour)."""
    return rng.poisson(rates * lengths)


def times_in_hours(starts: np.ndarray, lengths: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Sorted arrival times (s) of ``counts`` arrivals in each of the hours
    ``starts``/``lengths``: one uniform per arrival, hour after hour, so the
    times of a run of hours drawn after those of the hours before it are the
    ones :func:`arrival_times` gives for all of them at once (an hour's times
    stay within it: sorting the hours of a day is sorting them all)."""
    times = np.repeat(starts, counts) + rng.random(int(counts.sum())) * np.repeat(lengths, counts)
    times.sort(kind="stable")
    return times
