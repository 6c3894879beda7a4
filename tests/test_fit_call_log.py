"""Reading a call log as an ACD/IVR exports it: delimiters, a date column
with times of day rolled over midnight, null tokens, outcome mapping, the
rows set aside or corrected counted by reason, and bad files refused with
one message (exit 2) naming the file, row and column."""

from __future__ import annotations

import warnings

import pytest
from typer.testing import CliRunner

from chansim.cli import app
from chansim.errors import InputError
from chansim.studies.fit.call_log import detect_delimiter, read_call_log
from chansim.studies.fit.log_format import log_format

HEADER = ["call_id", "customer_id", "priority", "type", "date", "vru_entry", "vru_exit", "q_start", "q_exit",
          "outcome", "ser_start", "ser_exit", "server"]
ROWS = [
    # served after 30 s in the queue
    ["1", "7", "2", "PS", "990201", "10:00:00", "10:00:10", "10:00:10", "10:00:40", "AGENT", "10:00:40", "10:03:00", "ANA"],
    # straight to an agent, service starting 2 s before the IVR exit (clock skew)
    ["2", "0", "0", "NW", "990201", "10:05:00", "10:05:10", "0:00:00", "0:00:00", "AGENT", "10:05:08", "10:06:00", "BEN"],
    # hung up in the IVR
    ["3", "0", "0", "PS", "990201", "10:06:00", "10:06:30", "0:00:00", "0:00:00", "HANG", "0:00:00", "0:00:00", "NO_SERVER"],
    # abandoned after 3 s in the queue
    ["4", "0", "0", "PS", "990201", "10:07:00", "10:07:05", "10:07:05", "10:07:08", "HANG", "0:00:00", "0:00:00", "NO_SERVER"],
    # a virtual call
    ["5", "0", "0", "PS", "990201", "10:08:00", "10:08:05", "10:08:05", "10:08:06", "PHANTOM", "0:00:00", "0:00:00", "NO_SERVER"],
    # across midnight
    ["6", "9", "1", "PS", "990201", "23:59:50", "23:59:58", "23:59:58", "0:00:30", "AGENT", "0:00:30", "0:02:00", "ANA"],
]


def _write(tmp_path, rows=ROWS, sep="\t", header=HEADER, name="calls.txt"):
    path = tmp_path / name
    path.write_text("\r\n".join(sep.join(r) for r in [header, *rows]) + "\r\n", encoding="utf-8")
    return path


def test_the_delimiter_is_detected():
    assert detect_delimiter("a\tb\tc") == "\t"
    assert detect_delimiter("a;b;c") == ";"
    assert detect_delimiter("a,b,c") == ","


@pytest.mark.parametrize("sep", ["\t", ",", ";"])
def test_a_log_is_read_whatever_its_delimiter_and_every_row_set_aside_is_counted(tmp_path, sep):
    fmt = log_format("anonymous-bank")
    fmt = type(fmt)(**{**fmt.__dict__, "delimiter": None})
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        table, counts = read_call_log(_write(tmp_path, sep=sep), fmt)
    reasons = {c["reason"]: c["rows"] for c in counts}
    assert reasons["outcome PHANTOM"] == 1
    assert reasons["never queued and never answered (ended in the IVR)"] == 1
    assert reasons["service starting up to 5 s before the queue entry (clocks skewed)"] == 1
    assert list(table["contact_id"]) == ["1", "2", "4", "6"]
    by_id = table.set_index("contact_id")
    assert by_id.loc["1", "wait_s"] == 30 and by_id.loc["1", "handle_s"] == 140
    assert by_id.loc["2", "wait_s"] == 0
    assert by_id.loc["4", "wait_s"] == 3 and by_id.loc["4", "answer"] is pd_nat()
    # rolled past midnight onto the next day
    assert str(by_id.loc["6", "end"]) == "1999-02-02 00:02:00" and by_id.loc["6", "wait_s"] == 32
    assert by_id.loc["2", "customer_id"] != by_id.loc["2", "customer_id"]  # 0 = not identified: none
    assert by_id["agent"].notna().sum() == 3


def pd_nat():
    import pandas as pd

    return pd.NaT


def test_short_abandons_are_not_counted_as_offered(tmp_path):
    table, counts = read_call_log(_write(tmp_path), log_format("anonymous-bank", short_abandon_s=5))
    assert "4" not in set(table["contact_id"])
    assert any(c["reason"] == "abandoned within 5 s (short abandon)" and c["rows"] == 1 for c in counts)


def _fit(tmp_path, path, *extra):
    result = CliRunner().invoke(app, ["fit", str(path), "--out", str(tmp_path / "out.yaml"), *extra])
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


def test_a_header_only_file_is_refused_with_one_message(tmp_path):
    code, text = _fit(tmp_path, _write(tmp_path, rows=[]), "--preset", "anonymous-bank")
    assert code == 2 and "header row only" in text and "Traceback" not in text


def test_times_of_day_without_a_date_are_refused(tmp_path):
    header = [h for h in HEADER if h != "date"]
    rows = [[v for h, v in zip(HEADER, r) if h != "date"] for r in ROWS]
    code, text = _fit(tmp_path, _write(tmp_path, rows=rows, header=header, sep=","), "--call-log",
                      "--map", "ivr_entry=vru_entry,queue_entry=q_start,queue_exit=q_exit,answer=ser_start,end=ser_exit")
    assert code == 2 and "times of day" in text and "no date column" in text and "Traceback" not in text


def test_a_date_outside_the_timestamp_range_names_row_and_column(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[2][4] = "99991231"
    code, text = _fit(tmp_path, _write(tmp_path, rows=rows), "--preset", "anonymous-bank", "--date-format", "%Y%m%d")
    assert code == 2 and "row 1, column date" in text and "Traceback" not in text


def test_an_unmapped_outcome_is_refused(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[0][9] = "TRANSFER"
    with pytest.raises(InputError, match="TRANSFER"):
        read_call_log(_write(tmp_path, rows=rows), log_format("anonymous-bank"))


def test_unknown_presets_and_bad_periods_are_refused(tmp_path):
    code, text = _fit(tmp_path, _write(tmp_path), "--preset", "nope")
    assert code == 2 and "unknown preset" in text
    code, text = _fit(tmp_path, _write(tmp_path), "--preset", "anonymous-bank", "--train", "1999-02-10..1999-02-01")
    assert code == 2 and "--train" in text


def test_calibrating_needs_a_log_naming_the_agents(tmp_path):
    rows = [r[:-1] + ["NO_SERVER"] for r in ROWS]
    code, text = _fit(tmp_path, _write(tmp_path, rows=rows), "--preset", "anonymous-bank", "--calibrate")
    assert code == 2 and "--calibrate" in text and "names the agent" in text and "Traceback" not in text


def test_the_schedule_from_agents_on_duty_keeps_one_minus_the_shrinkage():
    import pandas as pd

    from chansim.studies.fit.fit_staffing import on_duty_schedule

    quarters = pd.date_range("1999-02-01", periods=7 * 96, freq="15min")
    on_duty = pd.DataFrame({"channel": "voice", "hour_start": quarters,
                            "agents": [8.0 if 36 <= q.hour * 4 + q.minute // 15 < 72 else 0.0 for q in quarters]})
    full = on_duty_schedule(on_duty, "voice")
    shrunk = on_duty_schedule(on_duty, "voice", shrinkage=0.375)
    assert list(full) == list(shrunk) == ["mon-sun"]
    assert max(full["mon-sun"]) == 8 and max(shrunk["mon-sun"]) == 5
    assert sum(shrunk["mon-sun"]) == 36 * 5


def test_the_hourly_volume_floors_have_their_known_values():
    """Poisson noise around λ misses by E|N − λ| ≈ √(2λ/π); a period whose
    weekdays repeat their hours exactly is forecast without error by its own means."""
    import numpy as np
    import pandas as pd

    from chansim.studies.fit.noise_floor import hourly_counts, own_means_wape, poisson_wape, weekday_hour_forecast, wape

    hours = pd.date_range("2024-01-01", periods=14 * 24, freq="h")
    flat = pd.Series(100.0, index=hours)
    assert poisson_wape(flat) == pytest.approx(np.sqrt(2 / (np.pi * 100)), rel=0.01)
    assert own_means_wape(flat) == 0.0
    noisy = pd.Series(np.random.default_rng(0).poisson(100.0, hours.size).astype(float), index=hours)
    assert own_means_wape(noisy) > 0.04
    assert wape(weekday_hour_forecast(flat, noisy), noisy.to_numpy()) == pytest.approx(
        np.abs(noisy - 100).sum() / noisy.sum())
    arrivals = pd.Series(pd.to_datetime(["2024-01-01 10:05", "2024-01-01 10:55", "2024-01-02 09:00"]))
    counts = hourly_counts(arrivals, pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-02"))
    assert counts.size == 48 and counts.sum() == 3 and counts[pd.Timestamp("2024-01-01 10:00")] == 2
