"""``reprice`` and ``check`` read what earlier commands wrote; damaged or
foreign files are refused with exit 2 naming the file, never a traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from chansim.cli import app
from chansim.studies.check.regression import read_baseline
from chansim.errors import InputError

SMALL = str(Path(__file__).parent / "data" / "small.yaml")
runner = CliRunner()


def reprice(folder: Path):
    result = runner.invoke(app, ["reprice", str(folder), "--markup", "0.2"])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def test_an_intact_run_reprices(run_dir):
    assert reprice(run_dir).exit_code == 0


@pytest.mark.parametrize("table", ["contacts.parquet", "messages.parquet"])
@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "json"])
def test_a_damaged_table_is_refused_naming_it(run_dir, table, damage):
    path = run_dir / table
    data = path.read_bytes()
    path.write_bytes({"truncated": data[: len(data) // 2], "garbage": b"PAR1" + b"\x00" * 64 + b"PAR1",
                      "empty": b"", "json": b'{"not": "parquet"}'}[damage])
    result = reprice(run_dir)
    assert result.exit_code == 2 and table in result.stderr and "damaged" in result.stderr


def test_a_missing_table_is_refused_naming_it(run_dir):
    (run_dir / "messages.parquet").unlink()
    result = reprice(run_dir)
    assert result.exit_code == 2 and "messages.parquet" in result.stderr


def test_a_table_without_its_columns_is_refused_naming_them(run_dir):
    path = run_dir / "contacts.parquet"
    pd.read_parquet(path).drop(columns=["arrival_t", "channel"]).to_parquet(path)
    result = reprice(run_dir)
    assert result.exit_code == 2 and "contacts.parquet" in result.stderr and "channel, arrival_t" in result.stderr


def test_a_table_with_text_for_times_is_refused(run_dir):
    path = run_dir / "messages.parquet"
    frame = pd.read_parquet(path)
    frame["t"] = "noon"
    frame.to_parquet(path)
    result = reprice(run_dir)
    assert result.exit_code == 2 and "messages.parquet" in result.stderr and "t must hold numbers" in result.stderr


def test_a_damaged_scenario_in_the_run_is_refused_naming_it(run_dir):
    (run_dir / "scenario.yaml").write_text("name: [\n")
    result = reprice(run_dir)
    assert result.exit_code == 2 and "scenario.yaml" in result.stderr


@pytest.mark.parametrize("text, words", [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"scenario_sha256": "x", "strategies": {"a": {"kpis": {"contacts": ' + "9" * 5000 + "}}}}", "5000 digits"),
    ('{"scenario_sha256": ' + "[" * 50 + "]" * 50 + ', "strategies": 3}', "strategies"),
    ("not json", "not valid JSON"),
    ("\udcff", "cannot read"),
])
def test_a_hostile_baseline_is_refused_naming_the_file(tmp_path, text, words):
    path = tmp_path / "tiny.json"
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    with pytest.raises(InputError) as info:
        read_baseline(path)
    assert info.value.source == str(path) and words in info.value.render()


def test_check_refuses_a_hostile_baseline_with_exit_2(tmp_path):
    scenario = tmp_path / "tiny.yaml"
    shutil.copy(SMALL, scenario)
    (tmp_path / "baselines").mkdir()
    (tmp_path / "baselines" / "tiny.json").write_text("[" * 100_000 + "]" * 100_000)
    result = runner.invoke(app, ["check", str(scenario), "--baselines", str(tmp_path / "baselines"), "-q"])
    assert result.exit_code == 2 and "tiny.json" in result.stderr and "Traceback" not in result.output
