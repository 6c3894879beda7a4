"""The ``--study`` file of ``chansim optimize``: a new or empty file, or an
optuna study database, is used; another program's SQLite database, a text
file, a device or a folder is refused (exit 2, naming ``--study``) before
anything is written to it."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest
import yaml
from typer.testing import CliRunner

from chansim.cli import app
from chansim.errors import InputError
from chansim.studies.optimize.study_file import check_study_file

runner = CliRunner()

VOICE = {
    "name": "voice", "start_date": "2026-01-05", "days": 0.1, "seed": 1, "replications": 2,
    "demand": {"contacts_per_day": 2000, "segments": [{"name": "all", "share": 1, "preference": ["voice"]}]},
    "channels": {"voice": {"handle_time": {"dist": "exponential", "mean": 180}, "service_level_target_s": 20}},
    "agents": {"pools": [{"name": "voice", "channels": ["voice"], "headcount": 5, "cost_per_hour": 30}]},
    "optimize": {"variables": {"agents.pools.voice.headcount": "4..8"}, "objectives": ["cost_total"], "trials": 2},
}


def _foreign_db(path):
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    db.execute("CREATE TABLE tags (note INTEGER, tag TEXT)")
    db.execute("INSERT INTO notes (text) VALUES ('call the bank')")
    db.commit()
    db.close()
    return path


def _optuna_db(path):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    optuna.create_study(storage=f"sqlite:///{path}", study_name="anything")
    return path


def _snapshot(path):
    info = os.stat(path)
    return path.read_bytes(), info.st_mtime_ns, sorted(os.listdir(path.parent))


def test_another_programs_database_is_refused_by_optimize_and_left_as_it_was(tmp_path):
    scenario = tmp_path / "voice.yaml"
    scenario.write_text(yaml.safe_dump(VOICE))
    notes = _foreign_db(tmp_path / "notes.db")
    before = _snapshot(notes)
    result = runner.invoke(app, ["optimize", str(scenario), "--trials", "2", "--study", str(notes), "-q"])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert "--study" in said and "not an optuna study database" in said
    assert "tables notes, tags" in said and "refusing to write to it" in said
    assert _snapshot(notes) == before
    assert sqlite3.connect(notes).execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                          "ORDER BY name").fetchall() == [("notes",), ("tags",)]


def test_a_database_with_optuna_tables_and_others_is_refused_naming_the_others(tmp_path):
    mixed = _optuna_db(tmp_path / "mixed.db")
    db = sqlite3.connect(mixed)
    db.execute("CREATE TABLE notes (text TEXT)")
    db.commit()
    db.close()
    with pytest.raises(InputError, match=r"--study.*holds tables notes\)"):
        check_study_file(mixed)


def test_a_database_with_only_some_of_optunas_table_names_is_refused(tmp_path):
    path = tmp_path / "lookalike.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE studies (name TEXT)")
    db.commit()
    db.close()
    with pytest.raises(InputError, match=r"not an optuna study database \(it holds tables studies\)"):
        check_study_file(path)


@pytest.mark.parametrize("content", [b"hello, this is a text file\n", b"SQLite format 2\x00" + b"\x00" * 200])
def test_a_file_that_is_not_sqlite_is_refused_and_left_as_it_was(tmp_path, content):
    path = tmp_path / "study.db"
    path.write_bytes(content)
    before = _snapshot(path)
    with pytest.raises(InputError, match="--study.*not an SQLite database") as raised:
        check_study_file(path)
    assert "search space" not in str(raised.value)
    assert _snapshot(path) == before


def test_a_file_with_the_sqlite_header_but_no_database_is_refused(tmp_path):
    path = tmp_path / "broken.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 500)
    before = _snapshot(path)
    with pytest.raises(InputError, match="--study.*not a readable SQLite database"):
        check_study_file(path)
    assert _snapshot(path) == before


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(InputError, match="--study.*is a folder"):
        check_study_file(tmp_path)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_device_is_refused_without_reading_it(monkeypatch):
    import builtins

    def no_open(*args, **kwargs):
        raise AssertionError("the device was opened")

    monkeypatch.setattr(builtins, "open", no_open)
    with pytest.raises(InputError, match="--study.*not a regular file"):
        check_study_file("/dev/zero")


def test_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(InputError, match="--study.*no folder"):
        check_study_file(tmp_path / "nowhere" / "study.db")


def test_a_new_file_an_empty_file_and_an_optuna_study_are_accepted(tmp_path):
    check_study_file(tmp_path / "new.db")
    (tmp_path / "empty.db").write_bytes(b"")
    check_study_file(tmp_path / "empty.db")
    study = _optuna_db(tmp_path / "study.db")
    before = _snapshot(study)
    check_study_file(study)
    assert _snapshot(study) == before
    empty_sqlite = tmp_path / "blank.db"
    sqlite3.connect(empty_sqlite).execute("PRAGMA user_version = 1").connection.close()
    check_study_file(empty_sqlite)


def test_optimize_keeps_a_new_study_file_and_resumes_it(tmp_path):
    scenario = tmp_path / "voice.yaml"
    scenario.write_text(yaml.safe_dump(VOICE))
    study = tmp_path / "search.db"
    runs = []
    for _ in range(2):
        result = runner.invoke(app, ["optimize", str(scenario), "--study", str(study), "-q", "--format", "json"])
        assert result.exit_code == 0, result.output
        runs.append(json.loads(result.stdout))
        check_study_file(study)
    assert runs[0]["evaluations"] > 0
    assert runs[1]["evaluations"] == 0  # every point is read back from the study, none simulated again
    assert runs[1]["points_tried"] == runs[0]["points_tried"]
