"""Reading exports: formats recognised by their columns, column mapping,
time zones, and bad input reported with the file, row and column (exit 2);
implausible rows counted and reported, not dropped silently."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from chansim.cli import app
from chansim.errors import InputError
from chansim.studies.fit.exports import parse_mapping, read_export, read_exports

runner = CliRunner()
HEADER = "contact_id,channel,arrival,answer,end,outcome\n"


def contacts_csv(tmp_path: Path, rows: list[str], name: str = "contacts.csv", header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    return path


GOOD = [
    "1,Phone,2026-03-02 09:00:00,2026-03-02 09:00:10,2026-03-02 09:05:00,resolved",
    "2,voice,2026-03-02 09:01:00,,2026-03-02 09:02:00,abandoned",
    "3,chat,2026-03-02 09:02:00,2026-03-02 09:03:00,2026-03-02 09:10:00,resolved",
]


def error_of(*args) -> InputError:
    with pytest.raises(InputError) as info:
        read_exports(*args)
    return info.value


def test_contact_records_are_read_in_canonical_columns(tmp_path):
    kind, table, implausible = read_export(contacts_csv(tmp_path, GOOD))
    assert kind == "contacts" and implausible == []
    assert table["channel"].tolist() == ["voice", "voice", "webchat"]
    assert table["wait_s"].tolist() == [10.0, 60.0, 60.0]
    assert table["handle_s"].iloc[0] == 290.0 and pd.isna(table["handle_s"].iloc[1])


def test_columns_are_mapped_and_camel_case_is_understood(tmp_path):
    path = contacts_csv(tmp_path, [r.replace(",resolved", "").replace(",abandoned", "") for r in GOOD],
                        header="ContactId,Medium,CreatedAt,AnsweredAt,ClosedAt\n")
    exports = read_exports([path], ["channel=Medium,arrival=CreatedAt", "answer=AnsweredAt", "end=ClosedAt"])
    assert exports.contacts["contact_id"].tolist() == ["1", "2", "3"]
    assert exports.files == {"contacts": [str(path)]}


def test_unknown_canonical_names_in_the_mapping_are_refused():
    with pytest.raises(InputError, match="unknown column name"):
        parse_mapping(["arival=CreatedAt"])


def test_a_mapped_column_missing_from_the_file_is_named(tmp_path):
    exc = error_of([contacts_csv(tmp_path, GOOD)], ["arrival=CreatedAt"])
    assert "contacts.csv" in exc.render() and "arrival (mapped to 'CreatedAt', not in the file)" in exc.render()


def test_missing_columns_are_named(tmp_path):
    path = contacts_csv(tmp_path, ["1,2026-03-02 09:00:00"], header="contact_id,arrival\n")
    assert "contact records lacks channel" in error_of([path]).render()


def test_unrecognised_file_lists_what_is_expected(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    assert "not a known export" in error_of([path]).render()


def test_unparseable_timestamp_names_row_line_and_column(tmp_path):
    rows = GOOD[:2] + ["3,chat,yesterday at nine,,2026-03-02 09:10:00,abandoned"]
    text = error_of([contacts_csv(tmp_path, rows)]).render()
    assert "contacts.csv: row 3, column arrival: unparseable timestamp 'yesterday at nine' (line 4)" in text


def test_answer_before_arrival(tmp_path):
    rows = GOOD + ["4,voice,2026-03-02 09:10:00,2026-03-02 09:09:00,2026-03-02 09:12:00,resolved"]
    assert "row 4, column answer: answer 2026-03-02 09:09:00 before arrival" in error_of([contacts_csv(tmp_path, rows)]).render()


def test_negative_duration(tmp_path):
    rows = GOOD + ["4,voice,2026-03-02 09:10:00,2026-03-02 09:11:00,2026-03-02 09:10:30,resolved"]
    assert "row 4, column end: negative duration" in error_of([contacts_csv(tmp_path, rows)]).render()


def test_abandoned_with_an_answer_time_is_contradictory(tmp_path):
    rows = GOOD + ["4,voice,2026-03-02 09:10:00,2026-03-02 09:11:00,2026-03-02 09:15:00,abandoned"]
    assert "row 4, column outcome" in error_of([contacts_csv(tmp_path, rows)]).render()


def test_mixed_time_zones(tmp_path):
    rows = [GOOD[0].replace("09:00:00,", "09:00:00+01:00,", 1)] + GOOD[1:]
    text = error_of([contacts_csv(tmp_path, rows)]).render()
    assert "column arrival: mixed time zones" in text and "row 2" in text


def test_different_offsets_need_the_center_time_zone(tmp_path):
    rows = ["1,voice,2026-03-28 09:00:00+00:00,,2026-03-28 09:01:00+00:00,abandoned",
            "2,voice,2026-03-30 09:00:00+01:00,,2026-03-30 09:01:00+01:00,abandoned"]
    path = contacts_csv(tmp_path, rows)
    assert "--tz" in error_of([path]).render()
    # with the zone, both are 09:00 local (London moved to summer time on 29 March 2026)
    exports = read_exports([path], timezone="Europe/London")
    assert exports.contacts["arrival"].dt.hour.tolist() == [9, 9]
    assert "unknown time zone" in error_of([path], None, "Mars/Olympus").render()


def test_utc_timestamps_become_local_time(tmp_path):
    rows = ["1,voice,2026-07-01T08:00:00Z,2026-07-01T08:00:05Z,2026-07-01T08:04:00Z,resolved"]
    exports = read_exports([contacts_csv(tmp_path, rows)], timezone="America/New_York")
    assert exports.contacts["arrival"].iloc[0] == pd.Timestamp("2026-07-01 04:00:00")


def intervals_csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "intervals.csv"
    path.write_text("Interval Start,Queue,Offered,Handled,Abandoned,AHT (s),Service Level\n" + "\n".join(rows) + "\n")
    return path


def test_interval_report_with_percentages_and_queue_names(tmp_path):
    path = intervals_csv(tmp_path, ["2026-03-02 09:00,Phone,10,9,1,300,80%", "2026-03-02 09:30,Phone,12,12,0,280,90%"])
    exports = read_exports([path])
    assert exports.intervals["service_level"].tolist() == [0.8, 0.9]
    assert exports.intervals["interval_s"].iloc[0] == 1800.0
    assert exports.channels == ["voice"]


def test_overlapping_intervals(tmp_path):
    path = intervals_csv(tmp_path, ["2026-03-02 09:00,Phone,10,9,1,300,80%", "2026-03-02 09:30,Phone,12,12,0,280,90%",
                                    "2026-03-02 09:00,Phone,3,3,0,200,100%"])
    text = error_of([path]).render()
    assert "intervals.csv: row 3, column interval_start: overlapping intervals" in text and "row 1" in text


def test_handled_plus_abandoned_above_offered(tmp_path):
    path = intervals_csv(tmp_path, ["2026-03-02 09:00,Phone,10,10,1,300,80%"])
    assert "exceed offered" in error_of([path]).render()


def test_negative_counts(tmp_path):
    path = intervals_csv(tmp_path, ["2026-03-02 09:00,Phone,-1,0,0,300,80%"])
    assert "row 1, column offered: negative value" in error_of([path]).render()


def test_unknown_channel(tmp_path):
    rows = GOOD + ["4,carrier pigeon,2026-03-02 09:10:00,,2026-03-02 09:12:00,abandoned"]
    assert "unknown channel 'carrier pigeon'" in error_of([contacts_csv(tmp_path, rows)]).render()


def test_implausible_rows_are_counted_and_kept_out(tmp_path):
    rows = GOOD + ["4,voice,2026-03-02 09:10:00,2026-03-02 09:11:00,2026-03-02 15:00:00,resolved"]
    exports = read_exports([contacts_csv(tmp_path, rows)])
    assert exports.implausible == [{"rows": 1, "reason": "call handled longer than 4 h", "first_rows": [4],
                                    "file": str(tmp_path / "contacts.csv")}]
    assert exports.contacts["plausible"].tolist() == [True, True, True, False]


# ---------------------------------------------------------------- through the CLI
def fit_cli(*args: str):
    return runner.invoke(app, ["fit", *args])


def test_cli_bad_input_exits_2_naming_file_row_and_column(tmp_path):
    rows = GOOD[:2] + ["3,chat,not a time,,2026-03-02 09:10:00,abandoned"]
    result = fit_cli(str(contacts_csv(tmp_path, rows)), "--out", str(tmp_path / "s.yaml"))
    assert result.exit_code == 2
    assert "contacts.csv: row 3, column arrival: unparseable timestamp" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "s.yaml").exists()


def test_cli_too_little_data_says_how_much_is_needed(tmp_path):
    result = fit_cli(str(contacts_csv(tmp_path, GOOD)), "--out", str(tmp_path / "s.yaml"))
    assert result.exit_code == 2
    assert "channel voice: too little data to fit: 1 answered voice contacts with answer and end times; " \
           "at least 30 are needed" in result.stderr


def test_cli_missing_file(tmp_path):
    result = fit_cli(str(tmp_path / "nope.csv"), "--out", str(tmp_path / "s.yaml"))
    assert result.exit_code == 2 and "nope.csv: no such file" in result.stderr
