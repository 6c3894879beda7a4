"""Read a call log as an ACD/IVR exports it (see
:mod:`chansim.studies.fit.log_format`) into contact records.

One row per call. The delimiter is detected; a date column is combined with
time-of-day columns (times earlier than the call's first time by more than
12 hours rolled to the next day); the format's null tokens mean "none".
Each call becomes an agent-queue contact or is set aside, and every row set
aside or corrected is counted by reason:

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

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd

from chansim.errors import InputError, Problem
from chansim.studies.fit.export_files import check_export_file
from chansim.studies.fit.log_format import LOG_COLUMNS, TIME_COLUMNS, LogFormat

__all__ = ["read_call_log", "detect_delimiter", "CANDIDATE_DELIMITERS"]

CANDIDATE_DELIMITERS = ("\t", ",", ";", "|")
_CLOCK = re.compile(r"^\s*(\d{1,3}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*$")
_ROLL_S = 12 * 3600.0
_NAMES = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}


def detect_delimiter(header: str) -> str:
    """The candidate delimiter found most often in the header line (tab on a tie)."""
    counts = {d: header.count(d) for d in CANDIDATE_DELIMITERS}
    best = max(CANDIDATE_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _error(label: str, row: int | None, column: str, message: str) -> InputError:
    where = f"row {row + 1}, column {column}" if row is not None else f"column {column}"
    return InputError(Problem(where, message, row + 2 if row is not None else None), source=label)


def _raw(path: Path, fmt: LogFormat) -> tuple[pd.DataFrame, str]:
    label = str(path)
    check_export_file(path)
    try:
        with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
            header = handle.readline()
    except OSError as exc:
        raise InputError(Problem("", f"cannot read it ({exc.strerror})"), source=label) from None
    if not header.strip():
        raise InputError(Problem("", "empty file: no header row and no records"), source=label)
    sep = fmt.delimiter or detect_delimiter(header)
    try:
        raw = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                          quoting=csv.QUOTE_MINIMAL, skipinitialspace=True)
    except Exception as exc:  # a file pandas cannot read at all
        raise InputError(Problem("", f"cannot read it as {_NAMES.get(sep, repr(sep))}-separated text ({exc})"),
                         source=label) from None
    raw.columns = [str(c).strip() for c in raw.columns]
    if raw.empty:
        raise InputError(Problem("", f"no records: the file holds a header row only ({', '.join(raw.columns)})"),
                         source=label)
    return raw, sep


def _canonical(raw: pd.DataFrame, fmt: LogFormat, label: str) -> pd.DataFrame:
    mapping = dict(fmt.mapping)
    missing = [f"{c} (mapped to {mapping[c]!r})" for c in mapping if mapping[c] not in raw.columns]
    if missing:
        raise InputError(Problem("columns", f"not in the file: {', '.join(missing)}; found "
                                            f"{', '.join(raw.columns)}"), source=label)
    out = pd.DataFrame(index=raw.index)
    plain = {re.sub(r"[^a-z0-9]+", "_", c.lower()).strip("_"): c for c in raw.columns}
    for column in LOG_COLUMNS:
        source = mapping.get(column) or plain.get(column)
        if source is not None:
            values = raw[source].astype(str).str.strip()
            nulls = fmt.nulls_of(column)
            out[column] = values.where(~values.isin(nulls))
    if not any(c in out for c in ("arrival", "queue_entry", "ivr_exit", "ivr_entry")):
        raise InputError(Problem("columns", "a call log needs the call's arrival: map arrival, queue_entry or "
                                            "ivr_entry (e.g. --map queue_entry=QueueStart); found "
                                            f"{', '.join(raw.columns)}"), source=label)
    return out


def _dates(values: pd.Series, fmt: LogFormat, label: str) -> pd.Series:
    try:
        parsed = pd.to_datetime(values, format=fmt.date_format or "mixed", errors="coerce")
    except (ValueError, TypeError, OverflowError):
        parsed = pd.Series(pd.NaT, index=values.index)
    bad = np.flatnonzero(parsed.isna().to_numpy() & values.notna().to_numpy())
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
        raise _error(label, i, "date", reason + (f" ({bad.size} rows like it)" if bad.size > 1 else ""))
    empty = np.flatnonzero(values.isna().to_numpy())
    if empty.size:
        raise _error(label, int(empty[0]), "date", "empty date")
    return parsed.dt.normalize()


def _clock_seconds(values: pd.Series, column: str, label: str) -> pd.Series:
    parts = values.str.extract(_CLOCK)
    bad = np.flatnonzero(parts[0].isna().to_numpy() & values.notna().to_numpy())
    if bad.size:
        i = int(bad[0])
        raise _error(label, i, column, f"not a time of day (H:MM:SS): {values.iloc[i]!r}")
    seconds = parts[0].astype(float) * 3600 + parts[1].astype(float) * 60 + parts[2].astype(float).fillna(0.0)
    return seconds


def _is_clock(values: pd.Series) -> bool:
    sample = values.dropna().head(200)
    return bool(len(sample)) and bool(sample.str.match(_CLOCK).all())


def _times(table: pd.DataFrame, fmt: LogFormat, label: str) -> pd.DataFrame:
    """Every time column as a timestamp (times of day combined with the date, rolled over midnight)."""
    present = [c for c in TIME_COLUMNS if c in table]
    clocks = [c for c in present if _is_clock(table[c])]
    if clocks and "date" not in table:
        raise _error(label, None, clocks[0], f"holds times of day ({table[clocks[0]].dropna().iloc[0]!r}) but the "
                                             "file has no date column: map it with --map date=YourDateColumn "
                                             "(and --date-format, e.g. %y%m%d)")
    out = pd.DataFrame(index=table.index)
    if clocks:
        day = _dates(table["date"], fmt, label)
        seconds = {c: _clock_seconds(table[c], c, label) for c in clocks}
        first = pd.concat([seconds[c] for c in clocks], axis=1).bfill(axis=1).iloc[:, 0]
        for c in clocks:
            s = seconds[c]
            s = s.where(~(s < first - _ROLL_S), s + 86_400.0)  # past midnight on the arrival's date
            out[c] = day + pd.to_timedelta(s, unit="s")
    for c in present:
        if c in clocks:
            continue
        try:
            parsed = pd.to_datetime(table[c], errors="coerce", format="mixed")
        except (ValueError, TypeError, OverflowError):
            parsed = pd.Series(pd.NaT, index=table.index)
        bad = np.flatnonzero(parsed.isna().to_numpy() & table[c].notna().to_numpy())
        if bad.size:
            i = int(bad[0])
            text = table[c].iloc[i]
            try:
                pd.Timestamp(text)
                reason = f"unparseable timestamp {text!r}"
            except (pd.errors.OutOfBoundsDatetime, OverflowError):
                reason = f"timestamp {text!r} is outside the range a timestamp can hold (1677-09-22 to 2262-04-11)"
            except (ValueError, TypeError):
                reason = f"unparseable timestamp {text!r}"
            raise _error(label, i, c, reason)
        out[c] = parsed.astype("datetime64[ns]")
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


def read_call_log(path: str | Path, fmt: LogFormat) -> tuple[pd.DataFrame, list[dict]]:
    """Contact records (canonical columns: contact_id, channel, arrival,
    answer, end, wait_s, handle_s, service_start, agent, customer_id,
    priority, rank, intent, _row) of the agent-queue calls of ``path``, and
    the rows set aside or corrected, by reason."""
    path = Path(path)
    label = str(path)
    raw, _ = _raw(path, fmt)
    table = _canonical(raw, fmt, label)
    times = _times(table, fmt, label)
    counts = _Counts(label)
    n = len(table)
    keep = np.ones(n, dtype=bool)
    outcome = table["outcome"] if "outcome" in table else pd.Series(np.nan, index=table.index)
    if "outcome" in table and fmt.outcomes:
        known = outcome.isna() | outcome.isin(list(fmt.outcomes))
        unknown = np.flatnonzero(~known.to_numpy())
        if unknown.size:
            values = ", ".join(sorted(outcome[~known].unique())[:8])
            raise _error(label, int(unknown[0]), "outcome", f"unmapped outcome value(s) {values}: say what each "
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
