"""The rows of a call log as text, each with the line of the file it came
from, before any column is interpreted.

A call log is delimited text with one header row. The reader:

- opens only a regular, readable, not too large file
  (:func:`~chansim.studies.fit.export_files.check_export_file`);
- reads UTF-8 (a byte-order mark is dropped); a file that is not UTF-8 is
  read as Latin-1, every byte one character, so names keep their bytes
  apart, and the first row and column not in UTF-8 is counted among the
  rows corrected;
- detects the delimiter from the header unless one is given, and reads
  quoted fields (``"a;b"``) as one;
- skips blank lines;
- refuses, naming the row, line and column: a header naming a column twice,
  a row with fewer fields than the header or with more that are not empty
  (a cut or broken line), an unterminated quote, a NUL byte.

Row numbers count records (the header is not a row); line numbers count
lines of the file from 1 (the header's line). They differ when the file
holds blank lines or quoted line breaks.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from chansim.errors import InputError, Problem
from chansim.studies.fit.export_files import check_export_file

__all__ = ["LogTable", "read_log_table", "detect_delimiter", "CANDIDATE_DELIMITERS", "DELIMITER_NAMES"]

CANDIDATE_DELIMITERS = ("\t", ",", ";", "|")
DELIMITER_NAMES = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}
#: The longest field read (characters): a longer one is a quote left open.
MAX_FIELD_CHARS = 1_000_000


def detect_delimiter(header: str) -> str:
    """The candidate delimiter found most often in the header line (tab on a tie)."""
    counts = {d: header.count(d) for d in CANDIDATE_DELIMITERS}
    best = max(CANDIDATE_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _name(sep: str) -> str:
    return DELIMITER_NAMES.get(sep, repr(sep))


@dataclass
class LogTable:
    """A call log's fields as text (stripped; ``raw.columns`` the header's
    names), the file line of each row, the delimiter, and the corrections
    made while reading (file, rows, reason, action, first_rows)."""

    raw: pd.DataFrame
    lines: np.ndarray
    delimiter: str
    corrections: list[dict] = field(default_factory=list)

    def line_of(self, row: int) -> int:
        """The file line of row ``row`` (0-based record index)."""
        return int(self.lines[row])


def _decoded(data: bytes, label: str, sep_hint: str | None) -> tuple[str, dict | None]:
    """The file's text, and a correction when it is not UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        at = exc.start
    line_start = data.rfind(b"\n", 0, at) + 1
    line = data.count(b"\n", 0, at) + 1
    text = data.decode("latin-1")
    header = text.split("\n", 1)[0]
    sep = sep_hint or detect_delimiter(header)
    before = data[line_start:at].decode("latin-1")
    column_index = before.count(sep)
    names = [c.strip().strip('"') for c in header.rstrip("\r").split(sep)]
    column = names[column_index] if column_index < len(names) else f"field {column_index + 1}"
    note = {"file": label, "rows": 1, "reason": f"not UTF-8 text (first at line {line}, column {column}: byte "
                                               f"0x{data[at]:02x})",
            "action": "read as Latin-1 (each byte one character)", "first_rows": [], "_line": line}
    return text, note


def _refused(label: str, where: str, message: str, line: int | None = None) -> InputError:
    return InputError(Problem(where, message, line), source=label)


def _header_names(fields: list[str], label: str) -> list[str]:
    names = [f.strip() for f in fields]
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if not name:
            names[i] = f"(column {i + 1})"
            continue
        if name in seen:
            raise _refused(label, "header", f"names the column {name!r} twice (columns {seen[name] + 1} and "
                                            f"{i + 1}); rename one", 1)
        seen[name] = i
    return names


def read_log_table(path: str | Path, delimiter: str | None = None) -> LogTable:
    """The rows of the call log at ``path`` (see the module's notes)."""
    path = Path(path)
    label = str(path)
    check_export_file(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _refused(label, "", f"cannot read it ({exc.strerror or exc})") from None
    text, note = _decoded(data, label, delimiter)
    del data
    if not text.strip():
        raise _refused(label, "", "empty file: no header row and no records")
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    sep = delimiter or detect_delimiter(first_line)
    old_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        return _parsed(text, sep, label, note)
    finally:
        csv.field_size_limit(old_limit)


def _parsed(text: str, sep: str, label: str, note: dict | None) -> LogTable:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, skipinitialspace=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    names: list[str] | None = None
    previous = 0
    try:
        for fields in reader:
            start, previous = previous + 1, reader.line_num
            if not fields or all(not f.strip() for f in fields):
                continue  # a blank line
            if names is None:
                names = _header_names(fields, label)
                continue
            if len(fields) != len(names):
                extra = fields[len(names):]
                if len(fields) < len(names) or any(f.strip() for f in extra):
                    raise _count_error(label, len(rows), start, fields, names, sep)
                fields = fields[:len(names)]
            rows.append(fields)
            lines.append(start)
    except csv.Error as exc:
        where = f"row {len(rows) + 1}" if names is not None else "header"
        reason = str(exc)
        if "field larger than field limit" in reason:
            reason = (f"a field longer than {MAX_FIELD_CHARS:,} characters: a quote (\") opened and never closed "
                      f"on or after line {previous + 1}?")
        elif "NUL" in reason:
            reason = "holds a NUL byte: not a text export"
        raise _refused(label, where, reason, previous + 1) from None
    if names is None:
        raise _refused(label, "", "empty file: no header row and no records")
    if not rows:
        raise _refused(label, "", f"no records: the file holds a header row only ({', '.join(names)})")
    columns = {name: [r[i].strip() for r in rows] for i, name in enumerate(names)}
    raw = pd.DataFrame(columns, dtype=object)
    at = np.asarray(lines, dtype=np.int64)
    if note is not None:  # the record holding the first byte not in UTF-8
        line = note.pop("_line")
        note["first_rows"] = [int(np.searchsorted(at, line, side="right"))] if line > 1 else []
    return LogTable(raw=raw, lines=at, delimiter=sep, corrections=[note] if note else [])


def _count_error(label: str, row: int, line: int, fields: list[str], names: list[str], sep: str) -> InputError:
    n, want = len(fields), len(names)
    if n < want:
        what = (f"{n} fields where the header has {want}: the line is cut short or broken (the values of "
                f"{', '.join(names[n:n + 3])}{', ...' if want - n > 3 else ''} are missing)")
        column = names[n]
    else:
        what = (f"{n} fields where the header has {want}: a value holds the {_name(sep)} delimiter without "
                f"quotes, or the line joins two records")
        column = f"(field {want + 1})"
    return _refused(label, f"row {row + 1}, column {column}", what, line)
