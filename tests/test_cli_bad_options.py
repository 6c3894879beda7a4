"""Bad options and inputs of sweep, staff, optimize, plan, erlang, segments,
ratecards, check and report: one message naming the option or the field (and
its line where known), exit code 2, no traceback; and nothing a user made is
overwritten by --out or --junit. Every refusal here comes before anything is
simulated."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from chansim.cli import app
from conftest import scenario_dict

SMALL = Path(__file__).parent / "data" / "small.yaml"
runner = CliRunner()

#: One simulated point of SMALL, as short as it gets.
FAST = ["--days", "0.1", "--replications", "2", "-q"]


def refused(args: list, *words: str) -> str:
    """Run ``chansim ARGS``: exit 2 with one ``error:`` message holding every word; the message."""
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error:"), result.stderr
    assert result.stderr.count("error:") == 1
    message = " ".join(result.stderr.split())
    for word in words:
        assert word in message, (word, message)
    return message


def write_yaml(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def line_of(path: Path, text: str) -> int:
    """The line (from 1) of the first line of ``path`` holding ``text``."""
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


# ------------------------------------------------ KPI addresses and goals
@pytest.mark.parametrize("kpi, words", [
    ("pool.nosuch.occupancy", ["no pool named 'nosuch'", "(have: phones, digital)"]),
    ("fax.service_level", ["no channel named 'fax'"]),
    (".service_level", ["no channel named ''"]),
    ("segment.nosuch.cost_per_issue", ["no segment named 'nosuch'", "(have: digital, phone)"]),
    ("intent.nosuch.fcr_rate", ["no intent named 'nosuch'"]),
    ("market.ZZ.cost_channel", ["no market named 'ZZ'", "(have: US)"]),
])
def test_sweep_kpi_naming_nothing_in_the_scenario_is_refused(kpi, words):
    refused(["sweep", SMALL, "--set", "agents.pools.phones.headcount=8,9", "--kpi", kpi, *FAST], "--kpi", *words)


def test_a_sweep_of_a_pool_that_does_not_exist_is_one_problem_on_its_key():
    message = refused(["sweep", SMALL, "--set", "agents.pools.nosuch.headcount=5,6", *FAST],
                      "--set agents.pools.nosuch.headcount", "nothing named 'nosuch'")
    assert "problems" not in message and "schedule" not in message and "shifts" not in message


@pytest.mark.parametrize("target, words", [
    ("segment.nosuch.asa_s<=60", ["no segment named 'nosuch'"]),
    ("intent.nosuch.fcr_rate>=0.5", ["no intent named 'nosuch'", "(have: simple, hard)"]),
    ("market.ZZ.cost_channel<=5", ["no market named 'ZZ'"]),
    ("service_level>=2", ["service_level is a share between 0 and 1"]),
    ("service_level>=80", ["80 % is written 0.8 or 80%"]),
    ("voice.service_level>=-1", ["share between 0 and 1; -1 is outside it"]),
    ("asa_s<=-5", ["asa_s is never negative"]),
    ("csat>=6", ["csat is a score between 1 and 5"]),
])
def test_staff_targets_nothing_can_meet_are_refused(target, words):
    refused(["staff", SMALL, "--target", target, "--replications", "2", "-q"], "--target", *words)


def test_staff_interval_must_be_15_30_or_60_in_every_mode():
    refused(["staff", SMALL, "--target", "voice.service_level>=0.5", "--interval", "7", "-q"],
            "--interval", "must be 15, 30 or 60 minutes (got 7)")


def optimize_scenario(**section) -> dict:
    data = scenario_dict(replications=2)
    data["optimize"] = {"variables": {"agents.pools.agents.headcount": "8..10"}, "objectives": ["cost_total"],
                        "trials": 2, **section}
    return data


@pytest.mark.parametrize("constraint, words", [
    ("service_level >= 2", ["service_level is a share between 0 and 1"]),
    ("asa_s <= -1", ["asa_s is never negative"]),
    ("market.ZZ.cost_channel <= 5", ["no market named 'ZZ'"]),
])
def test_optimize_constraints_nothing_can_meet_are_refused_at_their_line(tmp_path, constraint, words):
    path = write_yaml(tmp_path / "s.yaml", optimize_scenario(constraints=[constraint]))
    refused(["optimize", path, "-q"], "optimize.constraints[0]", f"(line {line_of(path, constraint)})", *words)


def test_a_constraint_that_does_not_read_is_named_by_its_index_and_line_in_a_space_file(tmp_path):
    scenario = write_yaml(tmp_path / "s.yaml", optimize_scenario())
    space = write_yaml(tmp_path / "space.yaml", {"variables": {"agents.pools.agents.headcount": "8..10"},
                                                 "objectives": ["cost_total"],
                                                 "constraints": ["abandon_rate <= 0.1", ">=0.8"]})
    refused(["optimize", scenario, "--space", space, "-q"], str(space), ": constraints[1]:",
            "'>=0.8' is not a constraint", f"(line {line_of(space, '>=0.8')})")


@pytest.mark.parametrize("value", ["nan", "0", "-1"])
def test_optimize_time_limit_must_be_a_positive_number(tmp_path, value):
    path = write_yaml(tmp_path / "s.yaml", optimize_scenario())
    refused(["optimize", path, "-q", "--time-limit", value], "--time-limit", "must be > 0 seconds")


def plan_scenario(require: list[str]) -> dict:
    plan = {"start": "2026-01-05", "weeks": 8, "require": require, "week_types": 2,
            "pools": {"agents": {"workforce": [{"headcount": 10, "tenure_weeks": 100}],
                                 "hiring": {"lead_time_weeks": 1, "training_weeks": 2, "nesting_weeks": 1}}},
            "uncertainty": {"paths": 10}}
    return scenario_dict({"channels.voice.service_level_target_s": 20}, plan=plan)


@pytest.mark.parametrize("goal, words", [
    ("voice.service_levle >= 0.8", ["no KPI named 'service_levle'"]),
    ("pool.nosuch.occupancy <= 0.9", ["no pool named 'nosuch'"]),
    ("voice.service_level >= 2", ["share between 0 and 1"]),
])
def test_plan_require_is_checked_before_simulating_with_its_file_and_line(tmp_path, goal, words):
    path = write_yaml(tmp_path / "s.yaml", plan_scenario(["voice.service_level >= 0.5", goal]))
    refused(["plan", path, "-q"], str(path), "plan.require[1]", f"(line {line_of(path, goal)})", *words)


def test_plan_require_given_by_set_is_not_blamed_on_the_file(tmp_path):
    path = write_yaml(tmp_path / "s.yaml", plan_scenario(["voice.service_level >= 0.5"]))
    message = refused(["plan", path, "-q", "--set", 'plan.require=["voice.service_level >= 2"]'],
                      "plan.require[0]", "given as an override, not in the file")
    assert "(line " not in message


def test_plan_set_that_is_not_key_value_is_a_message_not_an_exception(tmp_path):
    path = write_yaml(tmp_path / "s.yaml", plan_scenario(["voice.service_level >= 0.5"]))
    refused(["plan", path, "-q", "--set", "noequals"], "--set", "'noequals' is not key=value")


# ------------------------------------------------------------- erlang
ERLANG = ["erlang", "--calls", "100", "--interval", "1800", "--aht", "180", "--target", "20"]


@pytest.mark.parametrize("args, words", [
    (["--calls", "1e300"], ["--calls", "offered load of 1e+299 Erlangs", "too large to compute"]),
    (["--interval", "1e-300"], ["--calls", "too large to compute"]),
    (["--concurrency", "2", "--speed", "0,1"], ["--speed", "speed[0] must be > 0"]),
    (["--concurrency", "2", "--speed", ","], ["--speed", "speed needs a factor"]),
])
def test_erlang_models_that_cannot_be_computed_name_the_option(args, words):
    options = dict(zip(ERLANG[1::2], ERLANG[2::2]))
    options.update(dict(zip(args[::2], args[1::2])))
    message = refused(["erlang", *[x for pair in options.items() for x in pair]], *words)
    assert message.startswith("error: --")


# ------------------------------------------------------ pricing commands
def test_segments_refuses_csv_it_does_not_print():
    refused(["segments", "hello", "--format", "csv"], "--format", "table or json")


def test_segments_refuses_text_that_is_not_utf8():
    # bytes a shell passes as they are arrive as lone surrogates (surrogateescape)
    refused(["segments", "a\udcffb"], "TEXT", "not valid UTF-8", "byte 0xff at character 2")


@pytest.mark.parametrize("market", ["usa", "12", ""])
def test_ratecards_coverage_refuses_an_unknown_market_as_the_listing_does(market):
    refused(["ratecards", "--coverage", "--market", market], "--market")
    refused(["ratecards", "--market", market], "--market")


# ----------------------------------------------------- --out and --junit
OUT_COMMANDS = {
    "sweep": lambda tmp: ["sweep", SMALL, "--set", "agents.pools.phones.headcount=8", *FAST],
    "staff": lambda tmp: ["staff", SMALL, "--target", "voice.service_level>=0.5", "--replications", "2", "-q"],
    "optimize": lambda tmp: ["optimize", write_yaml(tmp / "o.yaml", optimize_scenario()), "-q"],
    "plan": lambda tmp: ["plan", write_yaml(tmp / "p.yaml", plan_scenario(["voice.service_level >= 0.5"])), "-q"],
}


@pytest.mark.parametrize("command", list(OUT_COMMANDS))
def test_out_never_replaces_a_users_file_or_folder(tmp_path, command):
    args = OUT_COMMANDS[command](tmp_path)
    mine = tmp_path / "mine.txt"
    mine.write_bytes(b"precious \x00 bytes\n")
    refused([*args, "--out", mine], "--out", "exists and is not a folder")
    assert mine.read_bytes() == b"precious \x00 bytes\n"

    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.md").write_bytes(b"my notes\n")
    refused([*args, "--out", folder], "--out", "refusing to overwrite it")
    assert [p.name for p in folder.iterdir()] == ["notes.md"]
    assert (folder / "notes.md").read_bytes() == b"my notes\n"

    refused([*args, "--out", mine / "inside"], "--out", f"{mine} exists and is not a folder")
    assert mine.read_bytes() == b"precious \x00 bytes\n"


def test_out_into_folders_that_do_not_exist_creates_them(tmp_path):
    out = tmp_path / "new" / "deeper" / "sweep"
    result = runner.invoke(app, [str(a) for a in OUT_COMMANDS["sweep"](tmp_path)] + ["--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "sweep.csv").is_file() and (out / "report.html").is_file()


def test_junit_never_replaces_a_file_chansim_check_did_not_write(tmp_path):
    mine = tmp_path / "results.xml"
    mine.write_bytes(b"<mine/>\n")
    refused(["check", SMALL, "--baselines", tmp_path / "b", "--junit", mine, "-q"],
            "--junit", "not a report written by chansim check", "refusing to overwrite it")
    assert mine.read_bytes() == b"<mine/>\n"
    parent = tmp_path / "file"
    parent.write_text("x")
    refused(["check", SMALL, "--baselines", tmp_path / "b", "--junit", parent / "r.xml"],
            "--junit", f"{parent} is not a folder")


def test_junit_replaces_its_own_earlier_report(tmp_path):
    from chansim.report.junit import is_check_junit

    scenario = tmp_path / "s.yaml"
    scenario.write_text(SMALL.read_text().replace("\ndays: 0.5\n", "\ndays: 0.1\n"), encoding="utf-8")
    report = tmp_path / "r.xml"
    for _ in range(2):  # no baseline: the check fails (1) and says so in the report
        result = runner.invoke(app, ["check", str(scenario), "--baselines", str(tmp_path / "b"), "--junit",
                                     str(report), "-q", "--set", "replications=2"])
        assert result.exit_code == 1, result.output
        assert is_check_junit(report)


# -------------------------------------------------------------- report
def stored_staffing(folder: Path, pool: dict) -> Path:
    folder.mkdir()
    shutil.copy(SMALL, folder / "scenario.yaml")
    doc = {"pools": {"phones": {"headcount": 9, "channels": ["voice"], **pool}}, "targets": ["voice.service_level>=0.5"],
           "strategy": "today", "mode": "flat", "evaluations": 1, "replications": 2, "seed": 11}
    (folder / "staffing.json").write_text(json.dumps(doc), encoding="utf-8")
    return folder


@pytest.mark.parametrize("pool, field", [
    ({"efficiency": 5}, "pools.phones.efficiency"),
    ({"efficiency": {"required_hours": 10}}, "pools.phones.efficiency.scheduled_hours"),
    ({"efficiency": {"required_hours": 10, "scheduled_hours": 9, "required_agents": {"mon": "x"}}},
     "pools.phones.efficiency.required_agents"),
    ({"channels": [1]}, "pools.phones.channels"),
    ({"verdict": [1]}, "pools.phones.verdict"),
    ({"kpis": {"asa_s": "slow"}}, "pools.phones.kpis"),
])
def test_report_of_a_damaged_staffing_result_names_the_field(tmp_path, pool, field):
    folder = stored_staffing(tmp_path / "staff", pool)
    refused(["report", folder], "staffing.json", field)
    assert not (folder / "report.html").exists()


def test_report_of_a_sound_staffing_result_is_written(tmp_path):
    folder = stored_staffing(tmp_path / "staff", {"efficiency": {"required_hours": 10, "scheduled_hours": 12}})
    result = runner.invoke(app, ["report", str(folder), "-q"])
    assert result.exit_code == 0, result.output
    assert "<html" in (folder / "report.html").read_text()


def test_report_of_a_run_whose_seed_is_null_uses_the_scenarios(run_dir):
    path = run_dir / "summary.json"
    doc = json.loads(path.read_text())
    doc["seed"] = doc["replications"] = None
    path.write_text(json.dumps(doc))
    result = runner.invoke(app, ["report", str(run_dir), "-q"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and (run_dir / "report.html").is_file()


# ------------------------------------------------------- numeric options
@pytest.mark.parametrize("args, option", [
    (["sweep", SMALL, "--set", "days=1", "--replications", "0"], "--replications"),
    (["sweep", SMALL, "--set", "days=1", "--seed", "abc"], "--seed"),
    (["sweep", SMALL, "--set", "days=1", "--workers", "-1"], "--workers"),
    (["sweep", SMALL, "--set", "days=1", "--format", "xml"], "--format"),
    (["staff", SMALL, "--replications", "-2"], "--replications"),
    (["optimize", SMALL, "--trials", "0"], "--trials"),
    (["plan", SMALL, "--week-types", "1"], "--week-types"),
    (["erlang", *ERLANG[1:], "--service-level", "abc"], "--service-level"),
])
def test_option_values_of_the_wrong_kind_are_usage_errors(args, option):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 2 and option in result.output and "Traceback" not in result.output
