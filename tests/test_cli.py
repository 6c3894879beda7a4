"""The chansim command as users run it: exit codes, JSON/CSV that parse, the
--out directory, determinism."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from chansim.cli import app
from chansim.kpis.table import KPI_KEYS
from chansim.report import RUN_FILES
from chansim.runtime.outdir import MARKER

SMALL = str(Path(__file__).parent / "data" / "small.yaml")
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def run_json(*args: str) -> dict:
    result = invoke("run", SMALL, "--format", "json", "--quiet", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_run_json_has_every_kpi_for_every_strategy():
    doc = run_json()
    assert doc["scenario"] == "small" and doc["seed"] == 11 and doc["replications"] == 3
    assert doc["chansim_version"]
    assert [s["name"] for s in doc["strategies"]] == ["today", "sms-instead", "more-phones"]
    for strategy in doc["strategies"]:
        assert set(strategy["kpis"]) == set(KPI_KEYS)
        assert set(strategy["ci95"]) == set(KPI_KEYS)
        assert strategy["by_channel"], "by_channel must list the channels used"
        for values in strategy["by_channel"].values():
            assert set(values) == set(KPI_KEYS)
        k = strategy["kpis"]
        assert k["contacts"] > 0 and 0 <= k["service_level"] <= 1
        assert k["cost_total"] == pytest.approx(k["cost_channel"] + k["cost_labor"] + k["cost_bot"])
        assert k["contained"] == 0 and k["containment_rate"] == 0  # no bot in this scenario
        assert 0 < k["fcr_rate"] <= 1 and 1 <= k["csat"] <= 5 and 0 <= k["csat_pct"] <= 1
    channels = {s["name"]: set(s["by_channel"]) for s in doc["strategies"]}
    assert channels["today"] == {"voice", "webchat"} and channels["sms-instead"] == {"voice", "sms"}
    sms = next(s for s in doc["strategies"] if s["name"] == "sms-instead")
    assert sms["kpis"]["sms_segments"] >= sms["by_channel"]["sms"]["messages"] > 0


def test_strategies_see_the_same_customers_and_staffing_changes_matter():
    doc = run_json()
    by = {s["name"]: s["kpis"] for s in doc["strategies"]}
    assert by["today"]["contacts"] == by["more-phones"]["contacts"] == by["sms-instead"]["contacts"]
    assert by["more-phones"]["asa_s"] < by["today"]["asa_s"]
    assert by["more-phones"]["cost_labor"] > by["today"]["cost_labor"]


def test_same_seed_gives_byte_identical_json():
    def stable(text: str) -> str:
        doc = json.loads(text)
        doc.pop("run_time_s")
        doc.pop("chansim_version")
        return json.dumps(doc, sort_keys=True)

    first = invoke("run", SMALL, "--format", "json", "-q")
    second = invoke("run", SMALL, "--format", "json", "-q")
    assert stable(first.stdout) == stable(second.stdout)
    other = invoke("run", SMALL, "--format", "json", "-q", "--seed", "12")
    assert stable(other.stdout) != stable(first.stdout)


def test_options_override_the_file():
    doc = run_json("--replications", "2", "--strategy", "today", "--days", "0.25", "--set", "demand.contacts_per_day=1000")
    assert doc["replications"] == 2
    assert [s["name"] for s in doc["strategies"]] == ["today"]
    assert 150 < doc["strategies"][0]["kpis"]["contacts"] < 350  # about 1000 / 4


def test_csv_is_tidy_and_parses():
    result = invoke("run", SMALL, "--format", "csv", "-q", "--replications", "2")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert set(rows[0]) == {"strategy", "channel", "kpi", "mean", "ci95", "address"}
    overall = [r for r in rows if r["channel"] == "all"]
    assert len(overall) == 3 * len(KPI_KEYS)
    cost = next(r for r in overall if r["strategy"] == "today" and r["kpi"] == "cost_total")
    assert float(cost["mean"]) > 0 and float(cost["ci95"]) >= 0
    # per-channel rows carry their own ci95, and every row its address
    voice = next(r for r in rows if r["address"] == "voice.service_level" and r["strategy"] == "today")
    assert voice["channel"] == "voice" and float(voice["ci95"]) >= 0
    pool = [r for r in rows if r["address"].startswith("pool.") and r["kpi"] == "occupancy"]
    assert pool and all(r["channel"] == "" for r in pool)


def test_table_shows_kpis_and_strategies():
    result = invoke("run", SMALL, "-q", "--replications", "2")
    assert result.exit_code == 0
    for word in ("cost_per_contact", "service_level", "today", "sms-instead", "more-phones", "±"):
        assert word in result.stdout


def test_out_writes_every_file_and_replaces_only_a_previous_result(tmp_path):
    out = tmp_path / "run1"
    result = invoke("run", SMALL, "-q", "--replications", "2", "--format", "json", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(RUN_FILES + (MARKER,))
    summary = json.loads((out / "summary.json").read_text())
    printed = json.loads(result.stdout)
    summary.pop("run_time_s"), printed.pop("run_time_s")
    assert summary == printed
    contacts = pd.read_parquet(out / "contacts.parquet")
    messages = pd.read_parquet(out / "messages.parquet")
    staffing = pd.read_parquet(out / "staffing.parquet")
    assert len(contacts) > 0 and len(messages) > 0 and len(staffing) > 0
    assert {"contact_id", "customer_id", "arrival_t", "answer_t", "end_t", "wait_s", "focus_s", "outcome",
            "channel", "preferred_channel", "pool", "agent"} <= set(contacts.columns)
    assert {"t", "contact_id", "channel", "direction", "sender", "category", "chars", "non_gsm", "media"} <= set(messages.columns)
    assert set(contacts["replication"]) == {0, 1} and set(contacts["strategy"]) == {"today", "sms-instead", "more-phones"}
    # the resolved scenario reloads and validates
    check = invoke("validate", str(out / "scenario.yaml"))
    assert check.exit_code == 0, check.stderr
    # a second run replaces the first result whole
    again = invoke("run", SMALL, "-q", "--replications", "1", "--out", str(out))
    assert again.exit_code == 0
    assert json.loads((out / "summary.json").read_text())["replications"] == 1
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temporary directories left behind"


def test_out_refuses_a_directory_that_is_not_a_result(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    result = invoke("run", SMALL, "-q", "--replications", "1", "--out", str(out))
    assert result.exit_code == 2
    assert "refusing" in result.stderr
    assert (out / "notes.txt").read_text() == "keep me"
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_invalid_scenario_writes_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(Path(SMALL).read_text().replace("headcount: 9", "headcount: -9"))
    out = tmp_path / "result"
    result = invoke("run", str(bad), "--out", str(out))
    assert result.exit_code == 2
    assert "agents.pools[0].headcount" in result.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bad]


def test_unknown_strategy_is_bad_input():
    result = invoke("run", SMALL, "--strategy", "nope", "-q")
    assert result.exit_code == 2
    assert "no strategy named 'nope'" in result.stderr


def test_validate_and_schema():
    ok = invoke("validate", SMALL, "scenarios/retail-us.yaml")
    assert ok.exit_code == 0 and ok.stdout.count("ok:") == 2
    schema = json.loads(invoke("schema").stdout)
    assert {"demand", "channels", "agents", "strategies", "pricing"} <= set(schema["properties"])


def test_console_script_reports_bad_input_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ndemand: [1, 2\n")
    proc = subprocess.run([sys.executable, "-m", "chansim", "run", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "line" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout
    usage = subprocess.run([sys.executable, "-m", "chansim", "run"], capture_output=True, text=True)
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_every_command_is_in_the_readme():
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    commands = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert {"run", "validate", "schema", "segments", "ratecards", "reprice"} <= set(commands)
    for command in commands:
        assert f"chansim {command}" in readme, f"chansim {command} is not documented in README.md"


def _without_clock(text: str) -> str:
    """The JSON text with the wall-clock time, the one field allowed to differ, blanked."""
    return re.sub(r'"run_time_s": [0-9.e+-]+', '"run_time_s": _', text)


@pytest.mark.parametrize("command", [["run"], ["compare"], ["sweep", "--set", "agents.pools.phones.headcount=8,10"]])
def test_two_workers_print_the_same_json_bytes_as_one(command):
    base = [command[0], SMALL, *command[1:], "--format", "json", "-q", "--replications", "3"]
    one = invoke(*base, "--workers", "1")
    two = invoke(*base, "--workers", "2")
    assert one.exit_code == two.exit_code == 0, one.output + two.output
    json.loads(one.stdout)
    assert _without_clock(two.stdout) == _without_clock(one.stdout)
