"""``chansim erlang`` as users run it: tables, JSON that parses, the smallest
staffing, Erlang A, chat pools, overload and bad input (exit 2, one message)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from typer.testing import CliRunner

from chansim.cli import app

runner = CliRunner()
CANONICAL = ("--calls", "100", "--interval", "1800", "--aht", "180", "--target", "20")


def invoke(*args: str):
    return runner.invoke(app, ["erlang", *args])


def as_json(*args: str) -> dict:
    result = invoke(*CANONICAL, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_table_lists_every_agent_count_and_the_columns():
    result = invoke(*CANONICAL, "--agents", "12..16")
    assert result.exit_code == 0, result.output
    out = result.stdout
    for column in ("agents", "p_wait", "asa_s", "service_level", "occupancy"):
        assert column in out
    assert "abandon_rate" not in out and "scheduled" not in out
    for agents, sl, asa in ((12, "64.0 %", "40.4 s"), (14, "88.8 %", "7.8 s"), (16, "97.1 %", "1.7 s")):
        line = next(line for line in out.splitlines() if f" {agents} " in line)
        assert sl in line and asa in line
    assert "10.00 Erlangs" in out
    assert "smallest meeting 80.0 % answered within 20 s: 14 agents" in out


def test_json_has_rows_and_smallest():
    doc = as_json("--agents", "12..16")
    assert set(doc) >= {"rows", "smallest"}
    assert [row["agents"] for row in doc["rows"]] == [12, 13, 14, 15, 16]
    assert set(doc["rows"][0]) == {"agents", "p_wait", "asa_s", "wait_all_s", "service_level", "occupancy",
                                   "steady_state", "note"}
    assert all(row["asa_s"] == row["wait_all_s"] for row in doc["rows"])  # nobody abandons in Erlang C
    row = next(row for row in doc["rows"] if row["agents"] == 14)
    assert row["service_level"] == pytest.approx(0.888, abs=0.0015)
    assert row["asa_s"] == pytest.approx(7.8, abs=0.05)
    assert row["p_wait"] == pytest.approx(0.174, abs=0.0015)
    assert row["occupancy"] == pytest.approx(0.714, abs=0.0015)
    assert doc["smallest"] == 14
    assert doc["load_erlangs"] == pytest.approx(10.0)


def test_single_agent_count_also_reports_the_smallest():
    doc = as_json("--agents", "12")
    assert [row["agents"] for row in doc["rows"]] == [12]
    assert doc["smallest"] == 14  # searched beyond the one row
    assert as_json("--agents", "20")["smallest"] == 14
    assert as_json("--agents", "12", "--service-level", "0.95")["smallest"] == 16


def test_without_agents_rows_around_the_smallest_and_scheduled_heads():
    doc = as_json("--shrinkage", "0.3")
    assert doc["smallest"] == 14 and doc["smallest_scheduled"] == 20
    assert [(row["agents"], row["scheduled"]) for row in doc["rows"]] == [(12, 18), (13, 19), (14, 20), (15, 22),
                                                                          (16, 23)]
    table = invoke(*CANONICAL, "--shrinkage", "0.3")
    assert table.exit_code == 0
    assert "scheduled" in table.stdout
    assert "14 agents (20 scheduled at 30.0 % shrinkage)" in table.stdout


def test_range_reports_the_smallest_of_its_rows_or_none():
    assert as_json("--agents", "15..18")["smallest"] == 15
    doc = as_json("--agents", "11..13")
    assert doc["smallest"] is None
    result = invoke(*CANONICAL, "--agents", "11..13")
    assert result.exit_code == 0 and "none of 11..13 agents meets 80.0 % answered within 20 s" in result.stdout


def test_patience_adds_abandon_rate():
    doc = as_json("--agents", "12..16", "--patience", "300")
    assert doc["model"].startswith("Erlang A")
    row = next(row for row in doc["rows"] if row["agents"] == 14)
    assert row["abandon_rate"] == pytest.approx(0.01398, rel=2e-3)
    assert row["service_level"] == pytest.approx(0.9168, abs=1e-4)
    # the wait over all arrivals (abandoning ones included) and, as the simulation's asa_s, of answered ones
    assert row["wait_all_s"] == pytest.approx(4.195, rel=1e-3)
    from chansim.analytic import erlang_a

    assert row["asa_s"] == pytest.approx(erlang_a(14, 100 / 1800, 180, 300).asa_answered_s, rel=1e-12)
    assert 0 < row["asa_s"] < row["wait_all_s"]
    assert doc["smallest"] == 13  # patience helps: 13 agents answer 85.8 % within 20 s
    table = invoke(*CANONICAL, "--agents", "14", "--patience", "300")
    assert table.exit_code == 0 and "abandon_rate" in table.stdout and "1.4 %" in table.stdout
    # with patience, A ≥ N still has a steady state
    low = as_json("--agents", "8", "--patience", "300")["rows"][0]
    assert low["steady_state"] and 0 < low["abandon_rate"] < 1


def test_concurrency_is_erlang_c_with_n_times_k_servers():
    pooled = as_json("--agents", "4..5", "--concurrency", "3")
    plain = as_json("--agents", "12..15")
    by_servers = {row["agents"]: row for row in plain["rows"]}
    for row in pooled["rows"]:
        same = by_servers[3 * row["agents"]]
        for key in ("p_wait", "service_level", "occupancy", "wait_all_s"):
            assert row[key] == pytest.approx(same[key], rel=1e-9)
        assert row["slot_wait_s"] == pytest.approx(same["asa_s"], rel=1e-9)  # the pooled wait is for a slot
    assert pooled["smallest"] == 5  # 15 slots
    slow = as_json("--agents", "5", "--concurrency", "3", "--speed", "1,1.7,2.5,2.9,3.5")
    assert slow["rows"][0]["service_level"] < pooled["rows"][1]["service_level"]
    assert slow["smallest"] == 6


def test_overload_rows_say_so():
    doc = as_json("--agents", "9..11")
    over = [row for row in doc["rows"] if not row["steady_state"]]
    assert [row["agents"] for row in over] == [9, 10]
    for row in over:
        assert row["p_wait"] is None and row["asa_s"] is None and row["service_level"] is None
        assert "no steady state" in row["note"]
    assert doc["rows"][2]["steady_state"] and doc["rows"][2]["asa_s"] == pytest.approx(122.8, abs=0.05)
    result = invoke(*CANONICAL, "--agents", "9..11")
    assert result.exit_code == 0
    assert "overload: no steady state" in result.stdout
    assert "offered load 10.0 Erlangs ≥ 10 agents: no steady state" in result.stdout
    assert not re.search(r"-\d", result.stdout)  # no negative waits anywhere
    assert "inf" not in result.stdout


def test_csv_parses():
    result = invoke(*CANONICAL, "--agents", "13..14", "--patience", "300", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["agents"] for row in rows] == ["13", "14"]
    assert float(rows[1]["abandon_rate"]) == pytest.approx(0.01398, rel=2e-3)


def test_zero_calls():
    doc = as_json("--calls", "0", "--agents", "0..2")
    assert all(row["steady_state"] and row["asa_s"] == 0 and row["service_level"] == 1 for row in doc["rows"])
    assert doc["smallest"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--calls", "-5", "--interval", "1800", "--aht", "180", "--target", "20"), "--calls"),
        (("--calls", "100", "--interval", "0", "--aht", "180", "--target", "20"), "--interval"),
        (("--calls", "100", "--interval", "1800", "--aht", "-1", "--target", "20"), "--aht"),
        (("--calls", "100", "--interval", "1800", "--aht", "180", "--target", "-20"), "--target"),
        ((*CANONICAL, "--agents", "16..12"), "B < A"),
        ((*CANONICAL, "--agents", "5..x"), "--agents"),
        ((*CANONICAL, "--agents", "-3"), "--agents"),
        ((*CANONICAL, "--agents", "twelve"), "--agents"),
        ((*CANONICAL, "--agents", "1..100000"), "--agents"),
        ((*CANONICAL, "--patience", "0"), "--patience"),
        ((*CANONICAL, "--concurrency", "0"), "--concurrency"),
        ((*CANONICAL, "--shrinkage", "1"), "--shrinkage"),
        ((*CANONICAL, "--service-level", "1.2"), "--service-level"),
        ((*CANONICAL, "--speed", "1,1.7"), "--concurrency"),
        ((*CANONICAL, "--concurrency", "3", "--speed", "1,x"), "--speed"),
        ((*CANONICAL, "--concurrency", "3", "--speed", "1,1.7"), "speed"),
        ((*CANONICAL, "--concurrency", "2", "--speed", "1,3"), "speed per chat"),
    ],
)
def test_bad_input_exits_2_with_one_message(args, message):
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.startswith("error:") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_missing_required_option_is_a_usage_error():
    result = invoke("--calls", "100")
    assert result.exit_code == 2


def test_help_lists_every_option():
    result = invoke("--help")
    assert result.exit_code == 0
    for option in ("--calls", "--interval", "--aht", "--agents", "--target", "--patience", "--concurrency",
                   "--shrinkage", "--service-level", "--format"):
        assert option in result.stdout
