"""Read a call log as an ACD/IVR exports it (see
:mod:`chansim.studies.fit.log_format`) into contact records.

One row per call, read as :mod:`chansim.studies.fit.log_reader` says
(delimiter, encoding, blank lines, rows with the wrong number of fields). A
date column is combined with time-of-day columns (``H:MM:SS``, minutes and
seconds 00-59; times earlier than the call's first time by more than 12
hours, or hours from 24, on the next day); without ``--date-format`` every
date must be written alike, and ``01/02/1999`` in a column where no day
exceeds 12 is refused as ambiguous. Full timestamps are read as the other
exports' (:mod:`chansim.studies.fit.export_times`: UTC offsets converted to
``--tz``). The format's null tokens mean "none". A preset's optional
columns (caller, priority, call type, call id, agent) may be missing: the
log is read without them. Errors name the row, the file's own column and
the line.

Each call becomes an agent-queue contact or is set aside, and every row set
aside or corrected is counted by reason:

- a row equal in every field to an earlier row (or, across files, the same
  call as in an earlier file): left out;
- an outcome mapped to ``drop`` (e.g. a virtual call): dropped;
- a call that neither queued nor reached an agent: an IVR (self-service)
  call, or an abandon in the IVR, not an agent-queue contact;
- an abandon after less than ``short_abandon_s``: not counted as offered;
- service starting before the queue entry (the clocks of IVR, queue and
  agents skewed): the wait is set to 0, counted;
- service recorded on a call whose outcome says abandoned: answered;
- answered without service times: kept for volumes and waits, left out of
  handle time.

The contact arrives at its queue entry (or, never queued, when it left the
IVR for an agent); its wait is read on the queue's own clock (queue exit −
queue entry) when the log has one, and its handle time on the agents' clock
(end − service start).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from chansim.errors import InputError, Problem
from chansim.studies.fit.export_times import parse_times
from chansim.studies.fit.log_format import LOG_COLUMNS, TIME_COLUMNS, LogFormat
from chansim.studies.fit.log_reader import (CANDIDATE_DELIMITERS, DELIMITER_NAMES, LogTable, detect_delimiter,
                                            read_log_table)

__all__ = ["read_call_log", "drop_repeated_calls", "detect_delimiter", "CANDIDATE_DELIMITERS"]

_CLOCK = re.compile(r"^\s*(\d{1,3}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*$")
_ROLL_S = 12 * 3600.0
#: The latest hour a time of day may name: hours from 24 are the next day's (past midnight).
_LAST_HOUR = 47
_DAY_MONTH = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}\s*$")


class _Where:
    """Names a row of a call log as its user finds it: the record's row, the
    file's own column (and the canonical one it is read as) and the file line."""

    def __init__(self, label: str, log: LogTable, sources: dict[str, str]):
        self.label, self.log, self.sources = label, log, sources

    def column(self, canonical: str) -> str:
        source = self.sources.get(canonical, canonical)
        return canonical if source == canonical else f"{source} (read as {canonical})"

    def error(self, row: int | None, column: str, message: str) -> InputError:
        if row is None:
            return InputError(Problem(f"column {self.column(column)}", message), source=self.label)
        return InputError(Problem(f"row {row + 1}, column {self.column(column)}", message, self.log.line_of(row)),
                          source=self.label)


def _canonical(log: LogTable, fmt: LogFormat, label: str) -> tuple[pd.DataFrame, dict[str, str]]:
    raw = log.raw
    absent = [c for c in fmt.mapping if fmt.mapping[c] not in raw.columns and c in fmt.optional]
    if absent:
        log.corrections.append({"file": label, "rows": len(raw), "first_rows": [],
                                "reason": "no " + ", ".join(f"{fmt.mapping[c]} column" + (f" ({c})" if c != fmt.mapping[c] else "")
                                                           for c in absent),
                                "action": "read without it"})
    mapping = {c: source for c, source in fmt.mapping.items() if c not in absent}
    missing = [f"{c} (mapped to {mapping[c]!r})" for c in mapping if mapping[c] not in raw.columns]
    if missing:
        hint = ""
        if len(raw.columns) == 1:
            others = [d for d in CANDIDATE_DELIMITERS if d != log.delimiter and d in raw.columns[0]]
            if others:
                hint = (f"; the header is one column when split on {DELIMITER_NAMES.get(log.delimiter, repr(log.delimiter))}"
                        f": is the file {DELIMITER_NAMES[others[0]]}-separated (--delimiter {DELIMITER_NAMES[others[0]]})?")
        raise InputError(Problem("columns", f"not in the file: {', '.join(missing)}; found "
                                            f"{', '.join(raw.columns)}{hint}"), source=label)
    out = pd.DataFrame(index=raw.index)
    sources: dict[str, str] = {}
    plain = {re.sub(r"[^a-z0-9]+", "_", c.lower()).strip("_"): c for c in raw.columns}
    for column in LOG_COLUMNS:
        source = mapping.get(column) or (plain.get(column) if column not in absent else None)
        if source is not None:
            values = raw[source].astype(str).str.strip()
            nulls = fmt.nulls_of(column)
            out[column] = values.where(~values.isin(nulls))
            sources[column] = source
    if not any(c in out for c in ("arrival", "queue_entry", "ivr_exit", "ivr_entry")):
        raise InputError(Problem("columns", "a call log needs the call's arrival: map arrival, queue_entry or "
                                            "ivr_entry (e.g. --map queue_entry=QueueStart); found "
                                            f"{', '.join(raw.columns)}"), source=label)
    return out, sources


def _guessed_dates(values: pd.Series, where: _Where) -> pd.Series:
    """Dates read without --date-format: every date written alike; d/m/y or
    m/d/y told apart by a field over 12, else refused as ambiguous."""
    filled = values.dropna()
    shapes = filled.str.replace(r"\d+", "9", regex=True).str.replace(r"[^\W\d_]+", "a", regex=True)
    other = np.flatnonzero((shapes != shapes.iloc[0]).to_numpy())
    if other.size:
        first, i = values.index.get_loc(filled.index[0]), values.index.get_loc(filled.index[other[0]])
        raise where.error(i, "date", f"mixed date formats: {values.iloc[i]!r} is written differently from "
                                     f"{values.iloc[first]!r} (row {first + 1}); give --date-format, e.g. %y%m%d")
    parts = filled.str.extract(_DAY_MONTH)
    if parts[0].notna().all():
        a, b = pd.to_numeric(parts[0]).to_numpy(), pd.to_numeric(parts[1]).to_numpy()
        if (a > 12).any() and (b > 12).any():
            i = values.index.get_loc(filled.index[int(np.flatnonzero(b > 12)[0])])
            raise where.error(i, "date", f"dates in both orders: {values.iloc[i]!r} is month first but others are "
                                         "day first; give --date-format")
        if not (a > 12).any() and not (b > 12).any() and (a != b).any():
            i = values.index.get_loc(filled.index[int(np.flatnonzero(a != b)[0])])
            raise where.error(i, "date", f"dates such as {values.iloc[i]!r} read as day first or month first (no "
                                         "day above 12 tells which); give --date-format, e.g. %d/%m/%Y or %m/%d/%Y")
        return pd.to_datetime(values, errors="coerce", format="mixed", dayfirst=bool((a > 12).any()))
    return pd.to_datetime(values, errors="coerce", format="mixed")


def _dates(values: pd.Series, fmt: LogFormat, where: _Where) -> pd.Series:
    empty = np.flatnonzero(values.isna().to_numpy())
    if empty.size:
        raise where.error(int(empty[0]), "date", "empty date")
    try:
        if fmt.date_format:
            parsed = pd.to_datetime(values, format=fmt.date_format, errors="coerce")
        else:
            parsed = _guessed_dates(values, where)
    except (ValueError, TypeError, OverflowError):
        parsed = pd.Series(pd.NaT, index=values.index)
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size:
        i = int(bad[0])
        text = values.iloc[i]
        try:
            pd.Timestamp(pd.to_datetime(text, format=fmt.date_format) if fmt.date_format else text)
            reason = f"unparseable date {text!r}" + (f" (expected {fmt.date_format})" if fmt.date_format else "")
        except (pd.errors.OutOfBoundsDatetime, OverflowError):
            reason = f"date {text!r} is outside the range a timestamp can hold (1677-09-22 to 2262-04-11)"
        except (ValueError, TypeError):
            reason = f"unparseable date {text!r}" + (f" (expected {fmt.date_format}, e.g. --date-format %y%m%d)"
                                                    if fmt.date_format else "; give --date-format, e.g. %y%m%d")
        raise where.error(i, "date", reason + (f" ({bad.size} rows like it)" if bad.size > 1 else ""))
    return parsed.dt.normalize()


def _clock_seconds(values: pd.Series, column: str, where: _Where) -> pd.Series:
    parts = values.str.extract(_CLOCK)
    bad = np.flatnonzero(parts[0].isna().to_numpy() & values.notna().to_numpy())
    if bad.size:
        i = int(bad[0])
        raise where.error(i, column, f"not a time of day (H:MM:SS): {values.iloc[i]!r}")
    hours, minutes, secs = (parts[k].astype(float) for k in range(3))
    wrong = np.flatnonzero(((minutes > 59) | (secs.fillna(0.0) > 59) | (hours > _LAST_HOUR)).to_numpy())
    if wrong.size:
        i = int(wrong[0])
        raise where.error(i, column, f"not a time of day: {values.iloc[i]!r} (minutes and seconds run 00-59, hours "
                                     f"0-{_LAST_HOUR}, from 24 the next day)")
    return hours * 3600 + minutes * 60 + secs.fillna(0.0)


def _is_clock(values: pd.Series) -> bool:
    sample = values.dropna().head(200)
    return bool(len(sample)) and bool(sample.str.match(_CLOCK).all())


def _times(table: pd.DataFrame, fmt: LogFormat, where: _Where, timezone: str | None) -> pd.DataFrame:
    """Every time column as a timestamp (times of day combined with the date,
    rolled over midnight; full timestamps read as the other exports' are)."""
    present = [c for c in TIME_COLUMNS if c in table]
    clocks = [c for c in present if _is_clock(table[c])]
    if clocks and "date" not in table:
        raise where.error(None, clocks[0], f"holds times of day ({table[clocks[0]].dropna().iloc[0]!r}) but the "
                                           "file has no date column: map it with --map date=YourDateColumn "
                                           "(and --date-format, e.g. %y%m%d)")
    out = pd.DataFrame(index=table.index)
    if clocks:
        day = _dates(table["date"], fmt, where)
        seconds = {c: _clock_seconds(table[c], c, where) for c in clocks}
        first = pd.concat([seconds[c] for c in clocks], axis=1).bfill(axis=1).iloc[:, 0]
        for c in clocks:
            s = seconds[c]
            s = s.where(~(s < first - _ROLL_S), s + 86_400.0)  # past midnight on the arrival's date
            out[c] = day + pd.to_timedelta(s, unit="s")
    for c in present:
        if c not in clocks:
            out[c] = parse_times(table[c], c, where, timezone)
    return out


class _Counts:
    """Rows set aside or corrected, by reason."""

    def __init__(self, label: str):
        self.label, self.items = label, []

    def add(self, mask: np.ndarray, reason: str, action: str) -> np.ndarray:
        n = int(np.count_nonzero(mask))
        if n:
            rows = (np.flatnonzero(mask)[:5] + 1).tolist()
            self.items.append({"file": self.label, "rows": n, "reason": reason, "action": action, "first_rows": rows})
        return mask


def _seconds(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    return (later - earlier).dt.total_seconds().to_numpy()


def read_call_log(path: str | Path, fmt: LogFormat, timezone: str | None = None) -> tuple[pd.DataFrame, list[dict]]:
    """Contact records (canonical columns: contact_id, channel, arrival,
    answer, end, wait_s, handle_s, service_start, agent, customer_id,
    priority, rank, intent, _row) of the agent-queue calls of ``path``, and
    the rows set aside or corrected, by reason. ``timezone``: full
    timestamps with a UTC offset are converted to it (times of day are the
    center's local time)."""
    path = Path(path)
    label = str(path)
    log = read_log_table(path, fmt.delimiter)
    table, sources = _canonical(log, fmt, label)
    where = _Where(label, log, sources)
    times = _times(table, fmt, where, timezone)
    counts = _Counts(label)
    counts.items += log.corrections
    n = len(table)
    keep = np.ones(n, dtype=bool)
    # the same row twice (every field equal): an export run twice, or files joined with an overlap
    keep &= ~counts.add(log.raw.duplicated(keep="first").to_numpy(), "the same call as an earlier row (every "
                        "field equal)", "left out (the first is kept)")
    outcome = table["outcome"] if "outcome" in table else pd.Series(np.nan, index=table.index)
    if "outcome" in table and fmt.outcomes:
        known = outcome.isna() | outcome.isin(list(fmt.outcomes))
        unknown = np.flatnonzero(~known.to_numpy())
        if unknown.size:
            values = ", ".join(sorted(outcome[~known].unique())[:8])
            raise where.error(int(unknown[0]), "outcome", f"unmapped outcome value(s) {values}: say what each "
                                                           "means with --outcome VALUE=answered|abandoned|drop")
    meaning = outcome.map(lambda v: fmt.outcomes.get(v, "") if isinstance(v, str) else "")
    for value in sorted(outcome[meaning == "drop"].unique()):
        keep &= ~counts.add((outcome == value).to_numpy() & keep, f"outcome {value}", "dropped")
    none = pd.Series(pd.NaT, index=table.index, dtype="datetime64[ns]")
    queue_in, queue_out = times.get("queue_entry", none), times.get("queue_exit", none)
    service, end = times.get("answer", none), times.get("end", none)
    arrival = times["arrival"] if "arrival" in times else queue_in.fillna(times.get("ivr_exit", none)) \
        .fillna(times.get("ivr_entry", none))
    served = service.notna() | end.notna()
    says_answered = (meaning == "answered").to_numpy()
    says_abandoned = (meaning == "abandoned").to_numpy()
    counts.add(keep & served.to_numpy() & says_abandoned, "outcome says abandoned but service was recorded",
               "counted as answered")
    answered = keep & (served.to_numpy() | says_answered)
    no_times = counts.add(answered & ~served.to_numpy(), "answered without service times",
                          "kept for volumes and waits, left out of handle time")
    if "queue_entry" in times:
        ivr = keep & ~answered & queue_in.isna().to_numpy()
        keep &= ~counts.add(ivr, "never queued and never answered (ended in the IVR)",
                            "counted as IVR (self-service) calls or IVR abandons, not agent-queue contacts")
    no_arrival = keep & arrival.isna().to_numpy()
    keep &= ~counts.add(no_arrival, "no arrival time", "dropped")
    # wait: on the queue's clock when the call queued, else service start − arrival
    answer = pd.Series(np.where(answered & queue_out.notna().to_numpy() & queue_in.notna().to_numpy(),
                                queue_out, service.fillna(queue_out).fillna(arrival)), index=table.index)
    answer = answer.astype("datetime64[ns]")
    wait = _seconds(answer, arrival)
    early = answered & keep & (wait < 0)
    skew = np.nan_to_num(-wait, nan=0.0)
    counts.add(early & (skew <= fmt.max_skew_s),
               f"service starting up to {fmt.max_skew_s:g} s before the queue entry (clocks skewed)",
               "wait set to 0")
    counts.add(early & (skew > fmt.max_skew_s),
               f"service starting more than {fmt.max_skew_s:g} s before the queue entry",
               "wait set to 0")
    wait = np.where(answered, np.clip(wait, 0.0, None), _seconds(queue_out.fillna(end), arrival))
    handle = _seconds(end, service)
    negative_handle = counts.add(keep & answered & ~no_times & ~(handle >= 0),
                                 "service end before service start, or missing", "left out of handle time")
    handle = np.where(answered & ~no_times & ~negative_handle, handle, np.nan)
    abandoned = keep & ~answered
    negative_wait = counts.add(abandoned & (wait < 0), "abandoned before arriving (queue exit before entry)",
                               "dropped")
    keep &= ~negative_wait
    if fmt.short_abandon_s > 0:
        keep &= ~counts.add(abandoned & keep & (wait < fmt.short_abandon_s),
                            f"abandoned within {fmt.short_abandon_s:g} s (short abandon)",
                            "not counted as offered")
    out = pd.DataFrame({
        "contact_id": table["contact_id"] if "contact_id" in table else pd.Series(np.arange(n) + 1).astype(str),
        "channel": table["channel"].fillna(fmt.channel) if "channel" in table else fmt.channel,
        "arrival": arrival,
        "answer": (arrival + pd.to_timedelta(wait, unit="s")).where(answered),
        "end": pd.Series(pd.NaT, index=table.index, dtype="datetime64[ns]"),
        "wait_s": wait,
        "handle_s": handle,
        "service_start": service,
        "_row": np.arange(n) + 1,
    }, index=table.index)
    out["end"] = (out["answer"] + pd.to_timedelta(handle, unit="s")).where(answered & ~np.isnan(handle))
    out.loc[~answered, "end"] = arrival[~answered] + pd.to_timedelta(wait[~answered], unit="s")
    for column in ("agent", "customer_id", "intent", "priority"):
        if column in table:
            out[column] = table[column]
    if "priority" in table and fmt.priority_ranks:
        ranks = table["priority"].map(lambda v: fmt.priority_ranks.get(v, 0) if isinstance(v, str) else 0)
        out["rank"] = pd.to_numeric(ranks, errors="coerce").fillna(0).astype(int).clip(lower=0)
    return out[keep].reset_index(drop=True), counts.items


#: Columns that tell one call of a log from another once read.
_CALL_KEY = ("contact_id", "arrival", "answer", "end", "agent", "customer_id", "intent", "priority")


def drop_repeated_calls(frames: list[pd.DataFrame], labels: list[str]) -> tuple[list[pd.DataFrame], list[dict]]:
    """Each frame without the calls already read from an earlier file (the
    same log given twice, or months exported with an overlap), and those
    counted by file."""
    seen: set[int] = set()
    out, counts = [], []
    for frame, label in zip(frames, labels):
        key = [c for c in _CALL_KEY if c in frame]
        hashes = pd.util.hash_pandas_object(frame[key].astype(str), index=False).to_numpy()
        again = np.isin(hashes, np.fromiter(seen, dtype=np.uint64, count=len(seen)))
        if again.any():
            counts.append({"file": label, "rows": int(again.sum()), "reason": "the same call as in an earlier file",
                           "action": "left out", "first_rows": frame.loc[again, "_row"].head(5).astype(int).tolist()})
            frame = frame[~again].reset_index(drop=True)
        seen.update(hashes.tolist())
        out.append(frame)
    return out, counts
