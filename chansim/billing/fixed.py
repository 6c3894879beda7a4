"""Fixed monthly costs, prorated over the simulated days: a channel's
``pricing.fees.<channel>.per_month`` (number rental, US 10DLC brand and
campaign fees, platform seats) and agent-assist seats.

A monthly amount is spread evenly over the days of its calendar month: a
measured period covering a fraction ``f`` of day ``d`` bears ``f /
days_in_month(d)`` of that month's amount. A period from 30 January to 1
February (three whole days) bears 2/31 of January's amount and 1/28 (or 1/29)
of February's. Each month is a cost line of its own (``unit`` ``day``,
``units`` the days of that month in the period).
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Callable, Mapping

import numpy as np
import pandas as pd

from chansim.billing.card_dates import DAY_S

__all__ = ["month_days", "prorated", "fixed_cost_lines"]


def month_days(start: dt.date, from_s: float, to_s: float) -> list[tuple[dt.date, float, float]]:
    """For each calendar month the period ``[from_s, to_s)`` (seconds after
    ``start`` at 00:00) touches: (its first day in the period, the days of it
    covered, the share of the month's amount they bear)."""
    out: dict[tuple[int, int], list] = {}
    if not to_s > from_s:
        return []
    first, last = int(np.floor(from_s / DAY_S)), int(np.ceil(to_s / DAY_S)) - 1
    for k in range(first, last + 1):
        covered = min(to_s, (k + 1) * DAY_S) - max(from_s, k * DAY_S)
        if covered <= 0:
            continue
        day = start + dt.timedelta(days=k)
        length = calendar.monthrange(day.year, day.month)[1]
        entry = out.setdefault((day.year, day.month), [day, 0.0, 0.0])
        entry[1] += covered / DAY_S
        entry[2] += covered / DAY_S / length
    return [tuple(v) for v in out.values()]


def prorated(monthly: float | Callable[[dt.date], float], start: dt.date, from_s: float, to_s: float) -> float:
    """What ``monthly`` a month (a number, or a function of the day for a
    price that changes) costs over ``[from_s, to_s)``."""
    price = monthly if callable(monthly) else (lambda _day: float(monthly))
    return float(sum(price(day) * share for day, _, share in month_days(start, from_s, to_s)))


def fixed_cost_lines(fees: Mapping[str, object], channels, start: dt.date, from_s: float, to_s: float, *,
                     markup: float = 0.0, replication: int | None = None, strategy: str | None = None) -> pd.DataFrame:
    """One cost line per channel of ``channels`` with a ``per_month`` fee and
    per calendar month of the period: the fee prorated by day, with the
    provider ``markup`` (as flat fees have it), in the scenario currency."""
    rows = []
    for channel in sorted(set(channels)):
        fee = fees.get(channel)
        amount = float(getattr(fee, "per_month", 0.0) or 0.0)
        if amount <= 0:
            continue
        for day, days, share in month_days(start, from_s, to_s):
            rows.append({"channel": channel, "rule": f"{channel}: fixed monthly cost of {day:%Y-%m} "
                                                     f"(pricing.fees.{channel}.per_month), prorated by day",
                         "card": "pricing.fees", "unit": "day", "units": days, "cost": amount * share * (1.0 + markup)})
    frame = pd.DataFrame(rows, columns=["channel", "rule", "card", "unit", "units", "cost"])
    if replication is not None:
        frame.insert(0, "replication", replication)
    if strategy is not None:
        frame.insert(1 if replication is not None else 0, "strategy", strategy)
    return frame
