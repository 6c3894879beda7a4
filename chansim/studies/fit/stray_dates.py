"""Rows dated far from the rest of an export: a typo in a year (one row in
1990 among a week of 2026) would otherwise stretch the fitted period to
decades and divide the volume by thousands of empty days.

A gap of more than :data:`GAP_DAYS` between two consecutive days that hold
data, with at most :data:`STRAY_SHARE` of the rows on one side of it, is
refused naming the rows; ``--train START..END`` chooses the period instead.

:data:`EMPTY_DAYS` or more days in a row without a single contact inside the
period fitted (a month's log missing between two others) would be counted
as days of zero demand and staffing: refused, naming the days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chansim.errors import InputError, Problem

__all__ = ["GAP_DAYS", "STRAY_SHARE", "EMPTY_DAYS", "check_stray_dates", "check_empty_stretches"]

#: Days without any record between two parts of the data that make them two periods.
GAP_DAYS = 31
#: The largest share of the rows that may stand apart before it is taken for a mistake rather than a period.
STRAY_SHARE = 0.01
#: Consecutive days without a contact, between days with contacts, taken for missing data rather than closures.
EMPTY_DAYS = 7

_COLUMNS = (("intervals", "interval_start"), ("contacts", "arrival"), ("messages", "timestamp"))


def check_stray_dates(exports) -> None:
    """Raise :class:`InputError` naming the file and rows of any small group
    of records dated more than :data:`GAP_DAYS` days from the rest."""
    problems = []
    for kind, column in _COLUMNS:
        table = getattr(exports, kind, None)
        if table is None or not len(table) or column not in table:
            continue
        days = table[column].dt.normalize()
        counts = days.value_counts().sort_index()
        if len(counts) < 2:
            continue
        gaps = counts.index.to_series().diff().dt.days.to_numpy()[1:]
        cuts = [i + 1 for i, gap in enumerate(gaps) if gap > GAP_DAYS]
        if not cuts:
            continue
        bounds = [0, *cuts, len(counts)]
        parts = [counts.iloc[a:b] for a, b in zip(bounds, bounds[1:])]
        main = max(parts, key=lambda part: part.sum())
        total = int(counts.sum())
        stray = [part for part in parts if part is not main and part.sum() <= STRAY_SHARE * total]
        if not stray:
            continue
        stray_days = pd.DatetimeIndex([d for part in stray for d in part.index])
        mask = days.isin(stray_days)
        rows = table.loc[mask, "_row"].head(5).astype(int).tolist() if "_row" in table else []
        first, last = main.index[0].date(), main.index[-1].date()
        where = ", ".join(exports.files.get(kind, [])) or kind
        dates = ", ".join(str(d.date()) for d in stray_days[:3]) + (" …" if len(stray_days) > 3 else "")
        problems.append(Problem(
            where, f"{int(mask.sum())} row(s) dated {dates} (rows {', '.join(map(str, rows))}) lie more than "
            f"{GAP_DAYS} days from the rest of the data ({first} to {last}): a mistyped date? Correct or drop "
            f"them, or fit a period with --train START..END"))
    if problems:
        raise InputError(problems)


def check_empty_stretches(exports, option: str = "--train") -> None:
    """Raise :class:`InputError` when the contacts leave :data:`EMPTY_DAYS` or
    more consecutive days empty between two days with contacts (``option``:
    the command's option choosing the days)."""
    table = getattr(exports, "contacts", None)
    if table is None or not len(table):
        return
    days = pd.DatetimeIndex(table["arrival"].dt.normalize().unique()).sort_values()
    gaps = np.asarray((days[1:] - days[:-1]).days) - 1
    if not gaps.size or gaps.max() < EMPTY_DAYS:
        return
    i = int(gaps.argmax())
    before, after = days[i], days[i + 1]
    one = pd.Timedelta(days=1)
    where = ", ".join(exports.files.get("contacts", [])) or "contacts"
    raise InputError(Problem(where, f"no contact on the {int(gaps[i])} days {(before + one).date()} to "
                                    f"{(after - one).date()}, between contacts on {before.date()} and {after.date()}: "
                                    f"a log missing? Add it, or choose the days on one side with {option} START..END"))
