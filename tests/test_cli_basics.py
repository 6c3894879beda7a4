"""Small things users hit: --version, the progress bar before the total is
known, a short repr of a result, sweep's --days and --seed, warnings and
--strict, control characters from files, and --set values not blamed on the file."""

from __future__ import annotations

import json
import re
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from chansim import simulate
from chansim.scenario import load_scenario
from chansim.cli import app
from chansim.cli.common import progress_bar, safe_text
from chansim.version import __version__

SMALL = Path(__file__).parent / "data" / "small.yaml"
runner = CliRunner()


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"chansim {__version__}"


def test_the_progress_bar_never_shows_none(monkeypatch):
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    bar = progress_bar(quiet=False)
    assert bar is not None
    task = bar.add_task("runs", total=None)
    console = Console(record=True, width=120, force_terminal=False)
    console.print(bar.make_tasks_table(bar.tasks))
    text = console.export_text()
    assert "None" not in text and "0/?" in text
    bar.update(task, completed=2, total=6)
    console.print(bar.make_tasks_table(bar.tasks))
    assert "2/6 runs" in console.export_text()


def test_repr_of_a_result_is_a_short_summary():
    result = simulate(load_scenario(SMALL), replications=1)
    text = repr(result)
    assert len(text) < 300
    assert text.startswith("<RunResult 'small': 3 strategies (today, sms-instead, more-phones), 1 replications")


def test_sweep_takes_days_and_seed():
    args = ["sweep", str(SMALL), "--set", "agents.pools.phones.headcount=8,9", "-s", "today", "--replications", "1",
            "--kpi", "contacts", "--format", "json", "-q"]
    first = runner.invoke(app, [*args, "--days", "0.1", "--seed", "5"])
    again = runner.invoke(app, [*args, "--days", "0.1", "--seed", "5"])
    other = runner.invoke(app, [*args, "--days", "0.2", "--seed", "5"])
    assert first.exit_code == 0, first.stderr
    rows = json.loads(first.stdout)["rows"]
    assert rows == json.loads(again.stdout)["rows"]
    assert sum(r["contacts"] for r in json.loads(other.stdout)["rows"]) > 1.5 * sum(r["contacts"] for r in rows)


def _with(tmp_path, old: str, new: str) -> Path:
    file = tmp_path / "s.yaml"
    file.write_text(SMALL.read_text().replace(old, new, 1))
    return file


def test_a_unit_slip_is_a_warning_and_an_error_with_strict(tmp_path):
    file = _with(tmp_path, "handle_time: {dist: lognormal, mean: 300, cv: 0.6}",
                 "handle_time: {dist: lognormal, mean: 7, cv: 0.6}")
    warned = runner.invoke(app, ["validate", str(file)])
    assert warned.exit_code == 0
    assert re.search(r"warning: .*channels\.voice\.handle_time: a mean handle time of 7 s .*\(line 19\)", warned.stderr)
    strict = runner.invoke(app, ["validate", str(file), "--strict"])
    assert strict.exit_code == 2 and "channels.voice.handle_time" in strict.stderr and "--strict" in strict.stderr
    target = _with(tmp_path, "service_level_target_s: 20", "service_level_target_s: 0.33")
    assert "service_level_target_s: a target of 0.33 s" in runner.invoke(app, ["validate", str(target)]).stderr


def test_control_characters_from_a_file_are_escaped(tmp_path):
    file = _with(tmp_path, "name: small", 'name: "evil\\e[2J\\a"\nbogus\\e[31m: 1')
    file.write_text(file.read_text().replace("bogus\\e[31m", '"bogus\\e[31m"'))
    result = runner.invoke(app, ["validate", str(file)])
    assert result.exit_code == 2
    assert "\x1b" not in result.output and "\\x1b[31m" in result.stderr
    assert safe_text("a\x1b[2Jb\x07\n") == "a\\x1b[2Jb\\x07\n"
    named = _with(tmp_path, "{name: today,", '{name: "to\\e]0;pwned\\aday",')
    table = runner.invoke(app, ["run", str(named), "--days", "0.05", "--replications", "1", "-q"])
    assert table.exit_code == 0, table.stderr
    assert "\x1b" not in table.output and "\x07" not in table.output and "to\\x1b]0;pwned\\x07day" in table.stdout


def test_a_set_value_is_not_blamed_on_a_line_of_the_file(tmp_path):
    result = runner.invoke(app, ["validate", str(SMALL), "--set", "agents.pools.phones.headcount=-3"])
    assert result.exit_code == 2
    assert "agents.pools[0].headcount: must be ≥ 0 (got -3) (given as an override, not in the file)" in result.stderr
    assert "(line" not in result.stderr
    days = runner.invoke(app, ["run", str(SMALL), "--days", "-1", "-q"])
    assert days.exit_code == 2 and "days: must be > 0" in days.stderr and "(line" not in days.stderr


def test_rate_card_paths_are_relative_to_the_scenario(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    file = tmp_path / "sub" / "s.yaml"
    file.write_text(SMALL.read_text().replace("  markup: 0.1", "  markup: 0.1\n  rate_card: cards/mine.yaml", 1))
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["validate", "sub/s.yaml"])
    assert result.exit_code == 2 and str(tmp_path / "sub" / "cards" / "mine.yaml") in result.stderr


def test_sweep_checks_only_the_chosen_strategies_at_each_point():
    args = ["sweep", str(SMALL), "--set", "agents.pools.digital.channels=[webchat]", "--replications", "1",
            "--days", "0.05", "--kpi", "contacts", "--format", "json", "-q"]
    every = runner.invoke(app, args)
    assert every.exit_code == 2 and "strategies[1].offer[1]: no agent pool serves 'sms'" in every.stderr
    chosen = runner.invoke(app, [*args, "-s", "today"])
    assert chosen.exit_code == 0, chosen.stderr
    assert [row["strategy"] for row in json.loads(chosen.stdout)["rows"]] == ["today"]


def test_endless_files_are_read_only_up_to_the_limit(tmp_path):
    assert Path("/dev/zero").exists()
    scenario = runner.invoke(app, ["validate", "/dev/zero"])
    assert scenario.exit_code == 2 and "larger than" in scenario.stderr
    card = runner.invoke(app, ["validate", str(SMALL), "--set", "pricing.rate_card=/dev/zero"])
    assert card.exit_code == 2 and "pricing.rate_card: /dev/zero: the file is larger than" in card.stderr


def test_what_the_file_had_under_an_overridden_key_is_not_blamed_on_it():
    result = runner.invoke(app, ["validate", str(SMALL), "--set",
                                 "strategies[2].set={agents.pools.phones.headcount: .inf}"])
    assert result.exit_code == 2
    assert ("strategies[2].set.agents.pools.phones.headcount: must be a finite number (got inf) "
            "(given as an override, not in the file)") in result.stderr
