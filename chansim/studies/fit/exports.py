"""Read a contact center's exports: interval reports, contact records and
message records, from CSV or Parquet.

Each file is recognised by its columns (after the column mapping), checked,
and turned into a table with canonical column names and local wall-clock
times. Bad input raises :class:`~chansim.errors.InputError` naming the file,
the row and the column; rows that are merely implausible are kept out of the
fit, counted and reported in :attr:`Exports.implausible`. A contact id on
more than one row keeps its first row; the others are counted in
:attr:`Exports.corrections` and left out. Numbers must be finite and at most
100,000 agents staffed and 10,000,000 contacts in one interval; times are
read as :mod:`chansim.studies.fit.export_times` says, files opened as
:mod:`chansim.studies.fit.export_files` says (regular files, size-bounded).

=================  ==========================================================
format             columns (canonical name; ``?`` = optional)
=================  ==========================================================
interval report    interval_start, channel?, offered, handled?, abandoned?,
                   aht_s?, asa_s?, service_level?, agents_staffed?
contact records    contact_id, channel, arrival, answer? (empty: abandoned),
                   end?, outcome?, segment?, intent?, customer_id?
message records    conversation_id, timestamp, direction (or sender),
                   text? or chars?, channel?
=================  ==========================================================
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from chansim.scenario.channels import CHANNELS
from chansim.errors import InputError, Problem
from chansim.studies.fit.call_log import drop_repeated_calls, read_call_log
from chansim.studies.fit.log_format import LOG_COLUMNS, LogFormat
from chansim.studies.fit.export_checks import Locator, check_contacts, check_intervals, check_messages, check_overlaps
from chansim.studies.fit.export_files import check_export_file
from chansim.studies.fit.export_times import blank as _blank, parse_times as _parse_times

__all__ = ["Exports", "read_exports", "read_export", "parse_mapping", "parse_period", "FORMATS", "CHANNEL_ALIASES"]

#: Canonical columns of each format: (required, optional).
FORMATS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "intervals": (("interval_start", "offered"),
                  ("channel", "handled", "abandoned", "aht_s", "asa_s", "service_level", "agents_staffed")),
    "contacts": (("contact_id", "channel", "arrival"),
                 ("answer", "end", "outcome", "segment", "intent", "customer_id")),
    "messages": (("conversation_id", "timestamp"), ("direction", "sender", "text", "chars", "channel")),
}
#: The column that tells each format apart.
_MARKER = {"intervals": "interval_start", "contacts": "arrival", "messages": "conversation_id"}
_LABELS = {"intervals": "interval report", "contacts": "contact records", "messages": "message records"}
_TIMES = {"intervals": ("interval_start",), "contacts": ("arrival", "answer", "end"), "messages": ("timestamp",)}
_NUMBERS = {"intervals": ("offered", "handled", "abandoned", "aht_s", "asa_s", "service_level", "agents_staffed"),
            "messages": ("chars",)}

#: The largest value a numeric column may hold: agents staffed and contacts per interval, seconds.
_LIMITS = {"agents_staffed": 100_000.0, "offered": 10_000_000.0, "handled": 10_000_000.0,
           "abandoned": 10_000_000.0, "aht_s": 31_536_000.0, "asa_s": 31_536_000.0, "chars": 1_000_000.0}
_LIMIT_WHAT = {"agents_staffed": "agents in one interval", "offered": "contacts in one interval",
               "handled": "contacts in one interval", "abandoned": "contacts in one interval",
               "aht_s": "seconds: a year", "asa_s": "seconds: a year", "chars": "characters in one message"}

#: Channel names as exports often spell them, and the chansim channel each means.
CHANNEL_ALIASES = {
    "phone": "voice", "call": "voice", "calls": "voice", "inbound": "voice", "telephony": "voice",
    "chat": "webchat", "web chat": "webchat", "livechat": "webchat", "live chat": "webchat", "web": "webchat",
    "e-mail": "email", "mail": "email", "text": "sms", "wa": "whatsapp", "whatsapp business": "whatsapp",
    "imessage": "apple_messages", "apple business chat": "apple_messages", "facebook": "messenger",
}


@dataclass
class Exports:
    """The tables read from a set of export files, in canonical columns and
    local wall-clock time (naive timestamps in the center's time zone)."""

    intervals: pd.DataFrame | None = None
    contacts: pd.DataFrame | None = None
    messages: pd.DataFrame | None = None
    files: dict[str, list[str]] = field(default_factory=dict)
    implausible: list[dict] = field(default_factory=list)
    timezone: str | None = None
    #: rows of call logs set aside or corrected, by reason (file, rows, reason, action, first_rows)
    corrections: list[dict] = field(default_factory=list)
    #: read as a call log (``log_format``): opening hours and staffing are estimated from it
    call_log: bool = False

    def between(self, first: dt.date, last: dt.date, option: str = "--train") -> "Exports":
        """The records of the days ``first`` to ``last`` (inclusive); the
        contact records outside counted in :attr:`corrections`."""
        lo, hi = pd.Timestamp(first), pd.Timestamp(last) + pd.Timedelta(days=1)
        out = replace(self, corrections=list(self.corrections))
        for kind, column in (("intervals", "interval_start"), ("contacts", "arrival"), ("messages", "timestamp")):
            table = getattr(self, kind)
            if table is None:
                continue
            inside = (table[column] >= lo) & (table[column] < hi)
            if kind == "contacts" and (~inside).any():
                out.corrections.append({"file": ", ".join(self.files.get(kind, [])), "rows": int((~inside).sum()),
                                        "reason": f"outside {option} {first}..{last}", "action": "left out",
                                        "first_rows": table.loc[~inside, "_row"].head(5).astype(int).tolist()})
            setattr(out, kind, table[inside].reset_index(drop=True))
        if not any(getattr(out, k) is not None and len(getattr(out, k)) for k in ("intervals", "contacts")):
            raise InputError(Problem(option, f"no records between {first} and {last} (the data covers "
                                             f"{self.period[0].date()} to {self.period[1].date()})"))
        return out

    @property
    def channels(self) -> list[str]:
        seen: set[str] = set()
        for table in (self.intervals, self.contacts, self.messages):
            if table is not None and "channel" in table:
                seen.update(table["channel"].dropna().unique())
        return [c for c in CHANNELS if c in seen]

    @property
    def period(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """First and last time in the data (interval starts, arrivals, messages)."""
        times = []
        if self.intervals is not None:
            times.append(self.intervals["interval_start"])
            times.append(self.intervals["interval_start"] + pd.to_timedelta(self.intervals["interval_s"], unit="s"))
        if self.contacts is not None:
            times.append(self.contacts["arrival"])
        if self.messages is not None:
            times.append(self.messages["timestamp"])
        allt = pd.concat(times)
        return allt.min(), allt.max()


def parse_period(text: str, option: str) -> tuple[dt.date, dt.date]:
    """``"1999-02-01..1999-02-14"`` → the first and last day (inclusive)."""
    first, sep, last = str(text).partition("..")
    try:
        if not sep:
            raise ValueError
        lo, hi = dt.date.fromisoformat(first.strip()), dt.date.fromisoformat(last.strip())
    except ValueError:
        raise InputError(Problem(option, f"{text!r}: expected START..END as dates, e.g. 1999-02-01..1999-02-14")) from None
    if hi < lo:
        raise InputError(Problem(option, f"{text!r}: the end is before the start"))
    return lo, hi


def parse_mapping(pairs: Iterable[str] | Mapping[str, str] | None,
                  known: Iterable[str] | None = None) -> dict[str, str]:
    """``["arrival=CreatedAt", ...]`` → ``{"arrival": "CreatedAt"}`` (canonical name → your column)."""
    if pairs is None:
        return {}
    if isinstance(pairs, Mapping):
        items = list(pairs.items())
    else:
        items = []
        for text in pairs:
            for part in str(text).split(","):
                if not part.strip():
                    continue
                if "=" not in part:
                    raise InputError(Problem("--map", f"{part!r}: expected canonical=YourColumn, e.g. arrival=CreatedAt"))
                key, value = part.split("=", 1)
                items.append((key.strip(), value.strip()))
    known = set(known) if known is not None else {c for req, opt in FORMATS.values() for c in req + opt}
    bad = [k for k, _ in items if k not in known]
    if bad:
        raise InputError(Problem("--map", f"unknown column name(s) {', '.join(map(repr, bad))}; "
                                          f"known: {', '.join(sorted(known))}"))
    return dict(items)


def read_exports(paths: Iterable[str | Path], mapping: Mapping[str, str] | Iterable[str] | None = None,
                 timezone: str | None = None, log_format: LogFormat | None = None) -> Exports:
    """Read every file, recognise its format and stack files of the same format.
    With ``log_format`` every file is a call log read by
    :func:`~chansim.studies.fit.call_log.read_call_log` (``mapping`` adds to
    the format's columns)."""
    if timezone is not None:
        try:
            pd.Timestamp("2026-01-01").tz_localize(timezone)
        except Exception:
            raise InputError(Problem("--tz", f"unknown time zone {timezone!r} (use a name like Europe/London)")) from None
    if log_format is not None:
        return _read_call_logs(paths, parse_mapping(mapping, LOG_COLUMNS), log_format, timezone)
    mapping = parse_mapping(mapping)
    out = Exports(timezone=timezone)
    tables: dict[str, list[pd.DataFrame]] = {}
    paths = list(paths)
    if not paths:
        raise InputError(Problem("DATA", "give at least one export file"))
    for path in paths:
        kind, table, implausible = read_export(path, mapping, timezone)
        tables.setdefault(kind, []).append(table)
        out.files.setdefault(kind, []).append(str(path))
        out.implausible += implausible
    for kind, frames in tables.items():
        setattr(out, kind, pd.concat(frames, ignore_index=True))
    if out.contacts is not None:
        out.contacts = _first_of_each_contact(out.contacts, ", ".join(out.files["contacts"]), out.corrections)
    if out.intervals is not None and len(out.files["intervals"]) > 1:
        check_overlaps(out.intervals, ", ".join(out.files["intervals"]))
    return out


def _first_of_each_contact(contacts: pd.DataFrame, files: str, corrections: list[dict]) -> pd.DataFrame:
    """The first row of each contact id; the repeated rows counted in ``corrections`` and left out."""
    again = contacts["contact_id"].astype(str).str.strip().duplicated(keep="first").to_numpy()
    if not again.any():
        return contacts
    corrections.append({"file": files, "rows": int(again.sum()), "action": "left out (the first row of each is kept)",
                        "reason": "contact id already on an earlier row",
                        "first_rows": contacts.loc[again, "_row"].head(5).astype(int).tolist()})
    return contacts[~again].reset_index(drop=True)


def _read_call_logs(paths: Iterable[str | Path], mapping: dict[str, str], log_format: LogFormat,
                    timezone: str | None = None) -> Exports:
    paths = list(paths)
    if not paths:
        raise InputError(Problem("DATA", "give at least one call log"))
    if mapping:
        log_format = replace(log_format, mapping={**log_format.mapping, **mapping},
                             optional=log_format.optional - set(mapping))
    out = Exports(call_log=True, timezone=timezone)
    frames = []
    for path in paths:
        table, corrections = read_call_log(path, log_format, timezone)
        if table.empty:
            raise InputError(Problem("", "no agent-queue calls left after the rows set aside: "
                                         + "; ".join(f"{c['rows']} {c['reason']}" for c in corrections)),
                             source=str(path))
        rows = table["_row"].to_numpy()
        table, implausible = check_contacts(table, Locator(str(path), True))
        table["_row"] = rows
        # rows named by their record in the file, not their place among the calls kept
        implausible = [dict(item, first_rows=[int(rows[r - 1]) for r in item["first_rows"]]) for item in implausible]
        frames.append(table)
        out.files.setdefault("contacts", []).append(str(path))
        out.corrections += corrections
        out.implausible += [dict(item, file=str(path)) for item in implausible]
    frames, repeated = drop_repeated_calls(frames, out.files["contacts"])
    out.corrections += repeated
    out.contacts = pd.concat(frames, ignore_index=True)
    return out


def _load(path: Path) -> pd.DataFrame:
    label = str(path)
    parquet = path.suffix.lower() in (".parquet", ".pq")
    check_export_file(path, csv=not parquet)
    try:
        if parquet:
            raw = pd.read_parquet(path)
        else:
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except Exception as exc:  # a file pandas cannot read at all
        raise InputError(Problem("", f"cannot read it as {'Parquet' if parquet else 'CSV'} ({exc})"),
                         source=label) from None
    if raw.empty:
        found = ", ".join(map(str, raw.columns)) or "none"
        raise InputError(Problem("", f"no records: the file holds a header row only (columns: {found})"),
                         source=label)
    return raw


def read_export(path: str | Path, mapping: Mapping[str, str] | None = None,
                timezone: str | None = None) -> tuple[str, pd.DataFrame, list[dict]]:
    """Read one file: ``(format, canonical table, implausible row counts)``."""
    path = Path(path)
    label = str(path)
    csv = path.suffix.lower() not in (".parquet", ".pq")
    raw = _load(path)
    mapping = dict(mapping or {})
    renamed = _canonical_names(raw, mapping)
    kind = next((k for k, marker in _MARKER.items() if marker in renamed.columns), None) or \
        next((k for k, marker in _MARKER.items() if marker in mapping), None)
    if kind is None:
        wanted = "; ".join(f"{k}: {', '.join(FORMATS[k][0])}" for k in FORMATS)
        raise InputError(Problem("columns", f"not a known export: found columns {', '.join(map(str, raw.columns))}; "
                                            f"expected one of ({wanted}); map yours with --map canonical=YourColumn"),
                         source=label)
    required, optional = FORMATS[kind]
    missing = [c for c in required if c not in renamed.columns]
    if kind == "messages" and not {"direction", "sender"} & set(renamed.columns):
        missing.append("direction (or sender)")
    if kind == "intervals" and "channel" not in renamed.columns:
        renamed["channel"] = "voice"
    if missing:
        has = ", ".join(map(str, raw.columns))
        mapped = [f"{c} (mapped to {mapping[c]!r}, not in the file)" if c in mapping else c for c in missing]
        found = "the file has" if any(c in mapping for c in missing) else "found"
        raise InputError(Problem("columns", f"{_LABELS[kind]} lacks {', '.join(mapped)}; {found}: {has}"),
                         source=label)
    table = renamed[[c for c in required + optional if c in renamed.columns]].copy()
    where = Locator(label, csv)
    for col in _TIMES[kind]:
        if col in table:
            table[col] = _parse_times(table[col], col, where, timezone)
    for col in _NUMBERS.get(kind, ()):
        if col in table:
            table[col] = _parse_numbers(table[col], col, where)
    if "channel" in table:
        table["channel"] = _parse_channels(table["channel"], where)
    check = {"intervals": check_intervals, "contacts": check_contacts, "messages": check_messages}[kind]
    table, implausible = check(table, where)
    if kind == "intervals":
        check_overlaps(table, label)
    return kind, table, [dict(item, file=label) for item in implausible]



def _canonical_names(raw: pd.DataFrame, mapping: Mapping[str, str]) -> pd.DataFrame:
    reverse = {source: canonical for canonical, source in mapping.items()}
    names = {}
    for col in raw.columns:
        if col in reverse:
            names[col] = reverse[col]
        else:
            words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(col).strip())  # ConversationId -> Conversation_Id
            plain = re.sub(r"[^a-z0-9]+", "_", words.lower()).strip("_")
            # a mapped name wins over a column of that name, which is then ignored
            names[col] = plain if plain not in mapping else f"(unmapped) {col}"
    out = raw.rename(columns=names)
    out = out.loc[:, ~out.columns.duplicated()]
    if "channel" not in out.columns and "queue" in out.columns:  # interval reports often say queue
        out = out.rename(columns={"queue": "channel"})
    return out


def _parse_numbers(values: pd.Series, column: str, where: Locator) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype(float)
    else:
        text = values.astype(str).str.strip().str.rstrip("%")
        numbers = pd.to_numeric(text.where(text != ""), errors="coerce")
        bad = np.flatnonzero(numbers.isna().to_numpy() & ~_blank(values))
        if bad.size:
            i = int(bad[0])
            raise where.error(i, column, f"not a number: {values.iloc[i]!r}")
        if column == "service_level" and values.astype(str).str.contains("%").any():
            numbers = numbers / 100.0
    infinite = np.flatnonzero(np.isinf(numbers.to_numpy(dtype=float)))
    if infinite.size:
        i = int(infinite[0])
        raise where.error(i, column, f"not a finite number: {values.iloc[i]!r}")
    negative = np.flatnonzero((numbers < 0).to_numpy())
    if negative.size:
        i = int(negative[0])
        raise where.error(i, column, f"negative value {values.iloc[i]!r}")
    limit = _LIMITS.get(column)
    over = np.flatnonzero((numbers > limit).to_numpy()) if limit is not None else np.array([], dtype=int)
    if over.size:
        i = int(over[0])
        raise where.error(i, column, f"{values.iloc[i]!r} is more than the {limit:,.0f} an export may hold "
                                     f"({_LIMIT_WHAT[column]})")
    return numbers.astype(float)


def _parse_channels(values: pd.Series, where: Locator) -> pd.Series:
    text = values.astype(str).str.strip().str.lower()
    named = text.map(lambda t: CHANNEL_ALIASES.get(t, t.replace(" ", "_")))
    unknown = np.flatnonzero(~named.isin(CHANNELS).to_numpy())
    if unknown.size:
        i = int(unknown[0])
        raise where.error(i, "channel", f"unknown channel {values.iloc[i]!r}; use one of {', '.join(CHANNELS)} "
                                        f"(or a common name such as phone, chat, e-mail)")
    return named
