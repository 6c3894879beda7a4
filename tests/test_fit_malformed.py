"""`chansim fit` and `chansim backtest` on malformed and unusual call logs:
every bad file or option gives one message naming the file, row and column
(or the option) and exit 2, never a traceback; unusual but valid logs (other
layouts, encodings, holidays, missing optional columns, other months of the
real log) are read and fitted."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from chansim.cli import app
from chansim.studies.fit.call_log import read_call_log
from chansim.studies.fit.log_format import log_format

HEADER = ["vru+line", "call_id", "customer_id", "priority", "type", "date", "vru_entry", "vru_exit", "vru_time",
          "q_start", "q_exit", "q_time", "outcome", "ser_start", "ser_exit", "ser_time", "server"]
COL = {name: i for i, name in enumerate(HEADER)}
AGENTS = ["ANA", "BEN", "DORIT", "ELI", "MIKI"]
REAL = Path(__file__).parents[2] / "shared" / "realdata" / "anonymous-bank-1999-02" / "data_anonymous_bank_february.txt"


def _clock(seconds: int) -> str:
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _rows(first: dt.date = dt.date(1999, 3, 1), days: int = 7, skip: tuple[dt.date, ...] = (),
          per_day: int = 120, seed: int = 0) -> list[list[str]]:
    """A small log in the Anonymous Bank layout: calls from 08:00 to 18:00,
    one in eight abandoned, a few hung up in the IVR and a few PHANTOM."""
    rng = np.random.default_rng(seed)
    rows, call = [], 1000
    for d in range(days):
        day = first + dt.timedelta(days=d)
        if day in skip:
            continue
        for t in np.sort(rng.uniform(8 * 3600, 18 * 3600, per_day)).astype(int):
            call += 1
            ivr_exit = int(t) + 8
            wait = int(rng.exponential(25))
            customer = str(rng.integers(1, 60)) if rng.random() < 0.5 else "0"
            base = ["AA0101", str(call), customer, str(rng.integers(0, 3)), "PS" if rng.random() < 0.8 else "NW",
                    day.strftime("%y%m%d"), _clock(int(t)), _clock(ivr_exit), "8"]
            kind = rng.random()
            if kind < 0.03:  # hung up in the IVR
                rows.append(base + ["0:00:00", "0:00:00", "0", "HANG", "0:00:00", "0:00:00", "0", "NO_SERVER"])
            elif kind < 0.05:
                rows.append(base + [_clock(ivr_exit), _clock(ivr_exit + 1), "1", "PHANTOM", "0:00:00", "0:00:00",
                                    "0", "NO_SERVER"])
            elif kind < 0.18:  # abandoned in the queue
                rows.append(base + [_clock(ivr_exit), _clock(ivr_exit + wait), str(wait), "HANG", "0:00:00",
                                    "0:00:00", "0", "NO_SERVER"])
            else:
                handle = 30 + int(rng.gamma(2.0, 80))
                start = ivr_exit + wait
                rows.append(base + [_clock(ivr_exit), _clock(start), str(wait), "AGENT", _clock(start),
                                    _clock(start + handle), str(handle), AGENTS[int(rng.integers(0, len(AGENTS)))]])
    return rows


def _write(path: Path, rows: list[list[str]], *, header: list[str] = HEADER, sep: str = "\t", newline: str = "\r\n",
           bom: bool = False, quote: bool = False, encoding: str = "utf-8") -> Path:
    def line(fields):
        return sep.join(f'"{f}"' if quote else f for f in fields)

    text = newline.join(line(r) for r in [header, *rows]) + newline
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    text = result.output
    if result.stderr_bytes is not None and result.stderr not in text:
        text += result.stderr
    assert "Traceback" not in text, text
    assert result.exit_code in (0, 2), (result.exit_code, text, result.exception)
    return result.exit_code, text


def _fit(tmp_path: Path, log: Path, *extra: str, out: str = "fitted.yaml") -> tuple[int, str]:
    return _run("fit", log, "--preset", "anonymous-bank", "--out", tmp_path / out, "--force", *extra)


def _refused(code: int, text: str, *words: str) -> None:
    assert code == 2, text
    assert text.count("error:") == 1, text
    for word in words:
        assert word in text, (word, text)


def _with(rows: list[list[str]], index: int, column: str, value: str) -> list[list[str]]:
    out = [list(r) for r in rows]
    out[index][COL[column]] = value
    return out


# ------------------------------------------------------------------ broken rows and files
def test_a_row_with_too_few_fields_is_refused_naming_row_column_and_line(tmp_path):
    rows = [list(r) for r in _rows()]
    rows[9] = rows[9][:10]
    code, text = _fit(tmp_path, _write(tmp_path / "few.txt", rows))
    _refused(code, text, "few.txt", "row 10, column q_exit", "10 fields where the header has 17", "(line 11)")


def test_a_row_with_too_many_fields_is_refused(tmp_path):
    rows = [list(r) for r in _rows()]
    rows[4] = rows[4] + ["extra", "more"]
    code, text = _fit(tmp_path, _write(tmp_path / "many.txt", rows))
    _refused(code, text, "many.txt", "row 5", "19 fields where the header has 17", "(line 6)")


def test_a_truncated_last_line_is_refused(tmp_path):
    path = _write(tmp_path / "cut.txt", _rows())
    path.write_bytes(path.read_bytes()[:-20])
    code, text = _fit(tmp_path, path)
    _refused(code, text, "cut.txt", f"row {len(_rows())}", "the line is cut short")


def test_blank_lines_are_skipped_and_rows_keep_their_file_lines(tmp_path):
    rows = _with(_rows(), 30, "date", "991332")
    path = tmp_path / "blank.txt"
    lines = ["\t".join(r) for r in [HEADER, *rows]]
    lines[10:10] = ["", "   "]
    path.write_text("\r\n".join(lines) + "\r\n\r\n", encoding="utf-8")
    code, text = _fit(tmp_path, path)
    _refused(code, text, "row 31, column date", "'991332'", "(line 34)")


@pytest.mark.parametrize("column,value", [("q_start", "25:61:00"), ("vru_entry", "7:61:00"), ("ser_exit", "99:00:00")])
def test_a_time_that_is_no_time_of_day_is_refused(tmp_path, column, value):
    code, text = _fit(tmp_path, _write(tmp_path / "t.txt", _with(_rows(), 20, column, value)))
    _refused(code, text, "t.txt", f"row 21, column {column}", repr(value), "not a time of day", "(line 22)")


def test_a_date_that_is_no_date_is_refused(tmp_path):
    code, text = _fit(tmp_path, _write(tmp_path / "d.txt", _with(_rows(), 2, "date", "991332")))
    _refused(code, text, "d.txt", "row 3, column date", "unparseable date '991332'")


def test_empty_and_phantom_only_and_utf16_files_are_refused(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    _refused(*_fit(tmp_path, empty), "empty.txt", "empty file")
    phantom = [r[:COL["outcome"]] + ["PHANTOM"] + r[COL["outcome"] + 1:] for r in _rows(days=1)]
    _refused(*_fit(tmp_path, _write(tmp_path / "phantom.txt", phantom)), "phantom.txt", "no agent-queue calls left",
             "outcome PHANTOM")
    utf16 = _write(tmp_path / "utf16.txt", _rows(days=1), encoding="utf-16")
    _refused(*_fit(tmp_path, utf16), "utf16.txt", "UTF-16", "UTF-8")


def test_a_header_naming_a_column_twice_is_refused(tmp_path):
    header = HEADER[:-2] + ["server", "server"]
    code, text = _fit(tmp_path, _write(tmp_path / "dup.txt", _rows(days=1), header=header))
    _refused(code, text, "dup.txt", "'server' twice (columns 16 and 17)")


def test_a_wrong_delimiter_says_which_one_the_file_uses(tmp_path):
    code, text = _fit(tmp_path, _write(tmp_path / "tab.txt", _rows(days=1)), "--delimiter", "comma")
    _refused(code, text, "tab.txt", "not in the file", "--delimiter tab")


# ------------------------------------------------------------------ unusual calls
def _abandoned(row: list[str]) -> list[str]:
    row = list(row)
    if row[COL["outcome"]] == "AGENT":
        row[COL["outcome"]] = "HANG"
        for column in ("ser_start", "ser_exit"):
            row[COL[column]] = "0:00:00"
        row[COL["server"]] = "NO_SERVER"
    return row


def test_every_call_abandoned_is_refused_by_fit_and_calibrate(tmp_path):
    log = _write(tmp_path / "hang.txt", [_abandoned(r) for r in _rows(days=2)])
    _refused(*_fit(tmp_path, log), "hang.txt", "too little data", "0 answered")
    _refused(*_fit(tmp_path, log, "--calibrate"), "--calibrate", "none of its", "was answered")


def test_without_agent_names_fit_works_but_calibrate_and_backtest_say_why_not(tmp_path):
    rows = [r[:-1] + ["NO_SERVER"] for r in _rows()]
    log = _write(tmp_path / "noagents.txt", rows)
    code, text = _fit(tmp_path, log)
    assert code == 0, text
    _refused(*_fit(tmp_path, log, "--calibrate", out="cal.yaml"), "--calibrate", "names the agent",
             "0 of its")
    code, text = _run("backtest", tmp_path / "fitted.yaml", log, "--preset", "anonymous-bank", "--replications", 2)
    _refused(code, text, "noagents.txt", "names the agent", "0 of its")


def test_negative_durations_are_counted_not_fatal(tmp_path):
    rows = _rows()
    served = [i for i, r in enumerate(rows) if r[COL["outcome"]] == "AGENT"]
    rows = _with(rows, served[0], "ser_exit", "6:00:00")  # service ending before it started
    rows = _with(rows, served[1], "q_exit", "7:59:00")  # queue left before it was entered (same day)
    code, text = _fit(tmp_path, _write(tmp_path / "neg.txt", rows), "--format", "json")
    assert code == 0, text
    reasons = {item["reason"]: item for item in json.loads(text)["rows"]}
    assert reasons["service end before service start, or missing"]["first_rows"] == [served[0] + 1]
    assert served[1] + 1 in reasons["service starting more than 5 s before the queue entry"]["first_rows"]


# ------------------------------------------------------------------ layouts, encodings and repeated rows
def _table(path: Path, **fmt_options):
    fmt = log_format("anonymous-bank", **fmt_options)
    table, counts = read_call_log(path, fmt)
    return table.drop(columns=["_row"]), counts


def test_every_layout_of_the_same_log_reads_the_same_calls(tmp_path):
    rows = _rows(days=2)
    plain, _ = _table(_write(tmp_path / "plain.txt", rows))
    variants = {
        "bom.txt": ({"bom": True}, {}),
        "lf.txt": ({"newline": "\n"}, {}),
        "comma.csv": ({"sep": ","}, {"delimiter": "comma"}),
        "semicolon.csv": ({"sep": ";", "quote": True}, {"delimiter": "semicolon"}),
        "quoted.txt": ({"quote": True, "bom": True}, {}),
    }
    for name, (layout, options) in variants.items():
        table, _ = _table(_write(tmp_path / name, rows, **layout), **options)
        assert table.equals(plain), name
    code, text = _fit(tmp_path, tmp_path / "semicolon.csv", "--delimiter", "semicolon")
    assert code == 0, text


def test_a_log_not_in_utf8_is_read_as_latin1_and_noted(tmp_path):
    rows = _with(_rows(days=2), 40, "server", "JOS\u00c9")
    path = _write(tmp_path / "latin1.txt", rows, encoding="latin-1")
    table, counts = _table(path)
    assert "JOS\u00c9" in set(table["agent"])
    note = next(c for c in counts if c["reason"].startswith("not UTF-8"))
    assert "line 42, column server" in note["reason"] and note["first_rows"] == [41]


def test_repeated_rows_and_a_file_given_twice_are_left_out_once(tmp_path):
    rows = _rows()
    single = _write(tmp_path / "once.txt", rows)
    doubled = _write(tmp_path / "twice.txt", rows + rows[:100])
    _, first = _fit(tmp_path, single, "--format", "json", out="a.yaml")
    code, text = _fit(tmp_path, doubled, "--format", "json", out="b.yaml")
    assert code == 0
    assert any(r["reason"].startswith("the same call as an earlier row") and r["rows"] == 100
               for r in json.loads(text)["rows"])
    code, text = _fit(tmp_path, single, single, "--format", "json", out="c.yaml")
    assert code == 0
    assert any(r["reason"] == "the same call as in an earlier file" and r["rows"] > 0 for r in json.loads(text)["rows"])
    per_day = {name: yaml.safe_load((tmp_path / name).read_text())["demand"]["contacts_per_day"]
               for name in ("a.yaml", "b.yaml", "c.yaml")}
    assert per_day["a.yaml"] == per_day["b.yaml"] == per_day["c.yaml"]


def test_a_preset_column_the_file_lacks_is_read_without_unless_mapped(tmp_path):
    keep = [i for i, name in enumerate(HEADER) if name not in ("customer_id", "priority")]
    rows = [[r[i] for i in keep] for r in _rows()]
    log = _write(tmp_path / "lean.txt", rows, header=[HEADER[i] for i in keep])
    code, text = _fit(tmp_path, log, "--format", "json")
    assert code == 0, text
    assert any(r["reason"] == "no customer_id column, priority column" for r in json.loads(text)["rows"])
    _refused(*_fit(tmp_path, log, "--map", "customer_id=customer_id"), "not in the file",
             "customer_id (mapped to 'customer_id')")


def test_full_timestamps_with_utc_offsets_are_converted_to_the_center_zone(tmp_path):
    header = ["CallId", "QueuedAt", "LeftQueueAt", "AnsweredAt", "EndedAt", "AgentId", "Result"]
    rows = []
    for i in range(60):
        start = dt.datetime(1999, 3, 1, 8) + dt.timedelta(minutes=7 * i)
        stamp = lambda s: (start + dt.timedelta(seconds=s)).strftime("%Y-%m-%d %H:%M:%S") + "+00:00"  # noqa: E731
        rows.append([str(i), stamp(0), stamp(20), stamp(20), stamp(200), AGENTS[i % 5], "Completed"])
    path = _write(tmp_path / "utc.csv", rows, header=header, sep=";")
    fmt = log_format(None, delimiter="semicolon", outcomes=["Completed=answered"])
    mapping = {"contact_id": "CallId", "queue_entry": "QueuedAt", "queue_exit": "LeftQueueAt",
               "answer": "AnsweredAt", "end": "EndedAt", "agent": "AgentId", "outcome": "Result"}
    table, _ = read_call_log(path, type(fmt)(**{**fmt.__dict__, "mapping": mapping}), "Asia/Jerusalem")
    assert str(table["arrival"].iloc[0]) == "1999-03-01 10:00:00"  # UTC+2 in March 1999
    code, text = _run("fit", path, "--delimiter", "semicolon", "--tz", "Asia/Jerusalem",
                      "--outcome", "Completed=answered", "--out", tmp_path / "utc.yaml",
                      "--map", ",".join(f"{k}={v}" for k, v in mapping.items()))
    assert code == 0, text


def test_dates_that_read_day_first_or_month_first_need_a_date_format(tmp_path):
    rows = [r[:COL["date"]] + [dt.datetime.strptime(r[COL["date"]], "%y%m%d").strftime("%d/%m/%Y")]
            + r[COL["date"] + 1:] for r in _rows()]
    log = _write(tmp_path / "dmy.txt", rows)
    code, text = _run("fit", log, "--call-log", "--delimiter", "tab", "--null", "0:00:00", "--null", "agent=NO_SERVER",
                      "--outcome", "AGENT=answered,HANG=abandoned,PHANTOM=drop", "--map",
                      "date=date,ivr_entry=vru_entry,ivr_exit=vru_exit,queue_entry=q_start,queue_exit=q_exit,"
                      "answer=ser_start,end=ser_exit,agent=server", "--out", tmp_path / "b.yaml")
    _refused(code, text, "dmy.txt", "row 1, column date", "day first or month first", "--date-format")
    code, text = _fit(tmp_path, log, "--date-format", "%d/%m/%Y")
    assert code == 0, text
    assert yaml.safe_load((tmp_path / "fitted.yaml").read_text())["start_date"] == "1999-03-01"


# ------------------------------------------------------------------ options
def test_bad_periods_and_options_are_refused_naming_the_option(tmp_path):
    log = _write(tmp_path / "log.txt", _rows())
    _refused(*_fit(tmp_path, log, "--train", "1999-05-01..1999-05-07"), "--train", "no records between",
             "1999-03-01 to 1999-03-07")
    _refused(*_fit(tmp_path, log, "--train", "1999-03-07..1999-03-01"), "--train", "the end is before the start")
    _refused(*_fit(tmp_path, log, "--map", "agent=Agent"), "log.txt", "agent (mapped to 'Agent')")
    _refused(*_run("fit", log, "--preset", "nope", "--out", tmp_path / "x.yaml"), "--preset", "unknown preset")
    _refused(*_fit(tmp_path, log, "--tz", "Mars/Base"), "--tz", "unknown time zone")
    _refused(*_fit(tmp_path, log, "--short-abandon", "nan"), "--short-abandon")
    code, text = _run("backtest", tmp_path / "none.yaml", log, "--preset", "anonymous-bank", "--test",
                      "1999-04-01..1999-04-07")
    assert code == 2


def test_out_makes_its_folder_and_never_replaces_a_file_without_force(tmp_path):
    log = _write(tmp_path / "log.txt", _rows())
    target = tmp_path / "new" / "deeper" / "fitted.yaml"
    code, text = _run("fit", log, "--preset", "anonymous-bank", "--out", target)
    assert code == 0 and target.is_file(), text
    mine = tmp_path / "mine.yaml"
    mine.write_text("my own notes\n")
    _refused(*_run("fit", log, "--preset", "anonymous-bank", "--out", mine), "--out", "exists", "--force")
    assert mine.read_text() == "my own notes\n"
    blocked = tmp_path / "afile"
    blocked.write_text("x")
    _refused(*_run("fit", log, "--preset", "anonymous-bank", "--out", blocked / "sub" / "f.yaml"), "--out",
             "not a folder")
    assert not (tmp_path / "new2").exists()
    _refused(*_run("fit", tmp_path / "missing.txt", "--preset", "anonymous-bank", "--out",
                   tmp_path / "new2" / "f.yaml"), "missing.txt", "no such file")
    assert not (tmp_path / "new2").exists()  # a refused fit makes no folder


# ------------------------------------------------------------------ holidays, gaps and other months
def test_a_weekday_without_calls_in_training_and_a_closed_date_in_the_test(tmp_path):
    """Both Fridays of the training fortnight and one test date are holidays."""
    holidays = (dt.date(1999, 4, 2), dt.date(1999, 4, 9), dt.date(1999, 4, 20))
    log = _write(tmp_path / "april.txt", _rows(dt.date(1999, 4, 1), days=21, skip=holidays, per_day=80))
    code, text = _fit(tmp_path, log, "--train", "1999-04-01..1999-04-14", "--format", "json")
    assert code == 0, text
    fitted = yaml.safe_load((tmp_path / "fitted.yaml").read_text())
    assert fitted["demand"]["weekly"][4] == 0
    assert fitted["channels"]["voice"]["hours"]["fri"] == "closed"
    assert any(n.startswith("weekly: no contacts on any Friday") for n in json.loads(text)["notes"])
    code, text = _run("backtest", tmp_path / "fitted.yaml", log, "--preset", "anonymous-bank", "--test",
                      "1999-04-19..1999-04-21", "--replications", 2, "--warmup-days", 1, "--format", "json")
    assert code == 0, text
    result = json.loads(text)
    by_date = {d["date"]: d for d in result["daily"]}
    assert by_date["1999-04-20"]["closed"] and by_date["1999-04-20"]["simulated"]["contacts"] == 0
    assert not by_date["1999-04-21"]["closed"] and by_date["1999-04-21"]["simulated"]["contacts"] > 0
    assert any(n.startswith("1999-04-20: no call in the log") for n in result["notes"])


def test_a_backtest_reads_its_log_with_the_map_option(tmp_path):
    header = HEADER[:-1] + ["Agent"]
    log = _write(tmp_path / "renamed.txt", _rows(), header=header)
    code, text = _fit(tmp_path, log, "--map", "agent=Agent", "--train", "1999-03-01..1999-03-04")
    assert code == 0, text
    code, text = _run("backtest", tmp_path / "fitted.yaml", log, "--preset", "anonymous-bank", "--map", "agent=Agent",
                      "--test", "1999-03-05..1999-03-07", "--replications", 2, "--warmup-days", 1, "--format", "json")
    assert code == 0, text
    assert [d["date"] for d in json.loads(text)["daily"]] == ["1999-03-05", "1999-03-06", "1999-03-07"]


def test_weeks_without_any_call_between_two_logs_are_refused(tmp_path):
    january = _write(tmp_path / "jan.txt", _rows(dt.date(1999, 1, 25), days=7))
    march = _write(tmp_path / "mar.txt", _rows(dt.date(1999, 3, 1), days=7, seed=1))
    _refused(*_fit(tmp_path, january, march), "jan.txt", "mar.txt", "no contact on the 28 days 1999-02-01 to "
             "1999-02-28", "--train")
    code, text = _fit(tmp_path, january, march, "--train", "1999-03-01..1999-03-07")
    assert code == 0, text


def _shifted_month(tmp_path: Path, month: int, days: int, closed: tuple[int, ...]) -> Path:
    """The real February log moved to another month of 1999: day d of the
    month is February's day d (d − 28 past the 28th), ``closed`` days dropped."""
    text = REAL.read_bytes().decode("utf-8")
    header, *lines = [line for line in text.split("\r\n") if line]
    by_day: dict[str, list[list[str]]] = {}
    for line in lines:
        fields = line.split("\t")
        by_day.setdefault(fields[COL["date"]], []).append(fields)
    out = [header]
    for day in range(1, days + 1):
        if day in closed:
            continue
        for fields in by_day.get(f"9902{(day - 1) % 28 + 1:02d}", []):
            out.append("\t".join(fields[:COL["date"]] + [f"99{month:02d}{day:02d}"] + fields[COL["date"] + 1:]))
    path = tmp_path / f"1999-{month:02d}.txt"
    path.write_bytes(("\r\n".join(out) + "\r\n").encode("utf-8"))
    return path


@pytest.mark.skipif(not REAL.exists(), reason=f"the real log is not at {REAL}")
def test_another_month_of_the_real_center_with_holidays_fits_and_backtests(tmp_path):
    """April 1999 (30 days) made from the February log, with both Fridays of
    the training fortnight and a test date closed."""
    log = _shifted_month(tmp_path, 4, 30, closed=(2, 9, 20))
    code, text = _fit(tmp_path, log, "--train", "1999-04-01..1999-04-14", "--format", "json")
    assert code == 0, text
    fit = json.loads(text)
    fitted = yaml.safe_load((tmp_path / "fitted.yaml").read_text())
    assert fitted["start_date"] == "1999-04-01" and fitted["demand"]["weekly"][4] == 0
    assert 500 < fitted["demand"]["contacts_per_day"] < 1500
    assert not any(re.search(r"\bnan\b", n) for n in fit["notes"])
    code, text = _run("backtest", tmp_path / "fitted.yaml", log, "--preset", "anonymous-bank", "--test",
                      "1999-04-19..1999-04-22", "--replications", 2, "--format", "json")
    assert code == 0, text
    back = json.loads(text)
    assert [d["date"] for d in back["daily"]] == ["1999-04-19", "1999-04-20", "1999-04-21", "1999-04-22"]
    closed = [d for d in back["daily"] if d["closed"]]
    assert [d["date"] for d in closed] == ["1999-04-20"] and closed[0]["simulated"]["contacts"] == 0
    open_days = [d for d in back["daily"] if not d["closed"]]
    assert all(d["actual"]["contacts"] > 0 and d["simulated"]["contacts"] > 0 for d in open_days)
    assert 0 < back["errors"]["hourly_volume_wape"] < 1
