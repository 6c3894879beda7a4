"""The timestamps of an export column, read the one way the column writes
them, as local wall-clock times (naive) in the center's time zone.

A column is refused, naming the row, when it:

* mixes ways of writing a date (``2026-03-02 10:05`` and ``3/2/2026 11:05``):
  every timestamp of a column is written alike;
* holds times of day without a date (``10:05``): only a call log's date
  column can date them (``--call-log --map date=YourDateColumn``);
* writes day and month in both orders (``13/2/2026`` and ``2/13/2026``).
  Dates with slashes or dots are read day first when a first field exceeds 12,
  else month first (US style);
* holds a time outside the years 1678 to 2261 (what a timestamp can hold);
* mixes UTC offsets and timestamps without one, or (without ``--tz``)
  different UTC offsets.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from chansim.studies.fit.export_checks import Locator

__all__ = ["parse_times", "blank", "FIRST", "LAST"]

#: The range of times an export may hold (a timestamp's range, in whole years).
FIRST, LAST = pd.Timestamp("1678-01-01"), pd.Timestamp("2262-01-01")
_OFFSET = re.compile(r"(Z|[+-]\d\d:?\d\d)$")
_HAS_OFFSET = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$")
_CLOCK_ONLY = re.compile(r"^\d{1,2}:\d\d(:\d\d([.,]\d+)?)?\s*([AaPp]\.?[Mm]\.?)?$")
_DAY_MONTH = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.]\d{2,4}\b")
_ISO = re.compile(r"^\d{4}-\d\d-\d\d")


def blank(values: pd.Series) -> np.ndarray:
    """Which values are empty (missing, or only spaces)."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
        return values.isna().to_numpy()
    return values.isna().to_numpy() | (values.astype(str).str.strip() == "").to_numpy()


def _shape(text: pd.Series) -> pd.Series:
    """How a timestamp is written: digit runs as 9, words (month names, AM/PM) as a, fractions of a
    second and the ISO ``T`` ignored."""
    plain = text.str.replace(r"[.,]\d+(?=\D*$)", "", regex=True).str.replace(r"(?<=\d)T(?=\d)", " ", regex=True)
    return plain.str.replace(r"\d+", "9", regex=True).str.replace(r"[^\W\d_]+", "a", regex=True)


def _in_range(parsed: pd.Series, text: pd.Series, column: str, where: Locator) -> None:
    naive = parsed.dt.tz_localize(None) if getattr(parsed.dt, "tz", None) is not None else parsed
    out = np.flatnonzero(((naive < FIRST) | (naive >= LAST)).to_numpy())
    if out.size:
        i = int(out[0])
        raise where.error(i, column, f"timestamp {text.iloc[i]!r} is outside the years {FIRST.year} to "
                                     f"{LAST.year - 1} a timestamp can hold")


def _readable(text: pd.Series, i: int, column: str, where: Locator) -> None:
    """Refuse row ``i`` if it is no timestamp at all."""
    try:
        pd.Timestamp(text.iloc[i])
    except (pd.errors.OutOfBoundsDatetime, OverflowError):
        raise where.error(i, column, f"timestamp {text.iloc[i]!r} is outside the years {FIRST.year} to "
                                     f"{LAST.year - 1} a timestamp can hold") from None
    except (ValueError, TypeError):
        raise where.error(i, column, f"unparseable timestamp {text.iloc[i]!r}") from None


def _written_alike(text: pd.Series, empty: np.ndarray, column: str, where: Locator) -> bool | None:
    """Check the column writes every timestamp alike; whether dates are day first (None: not a d/m/y column)."""
    filled = np.flatnonzero(~empty)
    if not filled.size:
        return None
    first = int(filled[0])
    if bool(text[~empty].str.match(_ISO).all()):
        return None  # ISO 8601 throughout: one unambiguous way, read strictly
    clock = np.flatnonzero(text.str.match(_CLOCK_ONLY).to_numpy() & ~empty)
    if clock.size:
        i = int(clock[0])
        raise where.error(i, column, f"{text.iloc[i]!r} is a time of day without a date; give full timestamps "
                                     f"(date and time), or read the file as a call log whose date column dates "
                                     f"them (--call-log --map date=YourDateColumn)")
    shapes = _shape(text)
    other = np.flatnonzero((shapes != shapes.iloc[first]).to_numpy() & ~empty)
    if other.size:
        i = int(other[0])
        _readable(text, first, column, where)
        _readable(text, i, column, where)
        raise where.error(i, column, f"mixed date formats: {text.iloc[i]!r} is written differently from "
                                     f"{text.iloc[first]!r} (row {first + 1}); write every timestamp the same way")
    parts = text.str.extract(_DAY_MONTH)
    if parts[0].isna().all():
        return None
    a, b = pd.to_numeric(parts[0]).to_numpy(), pd.to_numeric(parts[1]).to_numpy()
    day_first, month_first = np.flatnonzero(a > 12), np.flatnonzero(b > 12)
    if day_first.size and month_first.size:
        i, j = int(day_first[0]), int(month_first[0])
        raise where.error(max(i, j), column, f"dates in both orders: {text.iloc[i]!r} (row {i + 1}) is day first "
                                             f"but {text.iloc[j]!r} (row {j + 1}) is month first")
    return bool(day_first.size)


def parse_times(values: pd.Series, column: str, where: Locator, timezone: str | None) -> pd.Series:
    """Local wall-clock times (naive, nanoseconds) in the center's time zone."""
    if pd.api.types.is_datetime64_any_dtype(values):
        _in_range(values, values.astype(str), column, where)
        if getattr(values.dt, "tz", None) is not None:
            parsed = values.dt.tz_convert(timezone) if timezone else values
            return parsed.dt.tz_localize(None).astype("datetime64[ns]")
        return values.astype("datetime64[ns]")
    text = values.astype(str).str.strip()
    empty = blank(values)
    has_offset = text.str.contains(_HAS_OFFSET).to_numpy() & ~empty
    if has_offset.any() and (~has_offset & ~empty).any():
        first = int(np.flatnonzero(has_offset)[0])
        naive = int(np.flatnonzero(~has_offset & ~empty)[0])
        raise where.error(naive, column, f"mixed time zones: {text.iloc[naive]!r} has no UTC offset but "
                                         f"{text.iloc[first]!r} (row {first + 1}) has one; give every timestamp "
                                         f"an offset, or none and --tz")
    day_first = _written_alike(text, empty, column, where)
    kept = text.where(~empty)
    try:
        if has_offset.any():
            parsed = pd.to_datetime(kept, utc=True, errors="coerce", format="ISO8601")
        elif day_first is None and bool(text[~empty].str.match(_ISO).all()):
            parsed = pd.to_datetime(kept, errors="coerce", format="ISO8601")
        else:
            parsed = pd.to_datetime(kept, errors="coerce", format="mixed", dayfirst=bool(day_first))
    except (ValueError, TypeError, OverflowError):
        parsed = pd.Series(pd.NaT, index=values.index)
        for i, t in enumerate(text):
            if not empty[i]:
                try:
                    pd.Timestamp(t)
                except (ValueError, TypeError, OverflowError):
                    raise where.error(i, column, f"unparseable timestamp {t!r}") from None
    bad = np.flatnonzero(parsed.isna().to_numpy() & ~empty)
    if bad.size:
        i = int(bad[0])
        more = f" ({bad.size} rows like it)" if bad.size > 1 else ""
        raise where.error(i, column, f"unparseable timestamp {text.iloc[i]!r}{more}")
    _in_range(parsed, text, column, where)
    if not has_offset.any():
        return parsed.astype("datetime64[ns]")
    if timezone is None:
        offsets = text[has_offset].str.extract(_OFFSET)[0].str.replace(":", "").replace("Z", "+0000")
        if offsets.nunique() > 1:
            first = int(np.flatnonzero(has_offset)[0])
            other = int(np.flatnonzero(has_offset)[int(np.flatnonzero((offsets != offsets.iloc[0]).to_numpy())[0])])
            raise where.error(other, column, f"mixed time zones: UTC offset of {text.iloc[other]!r} differs from "
                                             f"{text.iloc[first]!r} (row {first + 1}); give the center's zone "
                                             f"with --tz (e.g. Europe/London) to convert them")
        local = parsed.dt.tz_convert(pd.Timestamp(text[has_offset].iloc[0]).tz)
    else:
        local = parsed.dt.tz_convert(timezone)
    return local.dt.tz_localize(None).astype("datetime64[ns]")
