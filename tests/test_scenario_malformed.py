"""Malformed scenario files that used to crash ``run`` (or pass ``validate``
and then crash it) are refused by both, before simulating, with one message
naming the field and its line, exit code 2 and no traceback:

* a date at the end of the calendar (``start_date: 9999-12-31``) ran the
  run off the calendar (OverflowError);
* a huge distribution parameter (a time per reply of 1e308 s, a bot turn
  count of 1e18), a huge intent complexity or lost-context time overflowed
  the engine's clock and counters (ValueError, a segmentation fault);
* a strategy's ``set`` of ``strategies.0.offer`` was silently dropped;
* a whole number beyond any count (``priority: 10^30``) overflowed the
  engine's counters (OverflowError);
* a control character in the YAML (a NUL byte) or text tagged as a number
  (``!!float half``) gave PyYAML's own report without a line; a second YAML
  document, a key written as a number or null and a search range written
  as a bad mapping gave pydantic's or PyYAML's words;
* a set, a date or bytes written with a YAML tag (``!!set``,
  ``!!timestamp``, ``!!binary``) were read as Python objects ("must be text
  (got text)", or bytes taken as a name);
* a run that runs out of memory ended in a MemoryError traceback.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chansim.cli import app
from chansim.scenario.distributions import MAX_PARAMETER
from chansim.scenario.models.dates import FIRST_DATE, LAST_DATE
from chansim.scenario.models.demand import MAX_COMPLEXITY
from chansim.scenario.models.numbers import MAX_WHOLE

SMALL = Path(__file__).parent / "data" / "small.yaml"
TEXT = SMALL.read_text(encoding="utf-8")
runner = CliRunner()


def _write(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _replace(old: str, new: str) -> str:
    assert TEXT.count(old) == 1, old
    return TEXT.replace(old, new)


def _line(text: str, marker: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if marker in line)


def _refused(args: list[str], *fragments: str) -> str:
    """The stderr of a refused command: exit 2, no traceback, every fragment in it."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)
    return result.stderr


def _both_refuse(path: Path, *fragments: str) -> None:
    """validate and run refuse ``path`` with the same message."""
    checked = _refused(["validate", str(path)], *fragments)
    ran = _refused(["run", str(path), "--days", "1", "--replications", "1", "--quiet", "--format", "json"],
                   *fragments)
    assert checked.removeprefix("invalid: ") == ran.removeprefix("error: ")


PLAN = "plan:\n  start: {start}\n  pools: {{phones: {{}}}}\n"

# name → (file text, field path, line marker, message fragment)
CASES: dict[str, tuple[str, str, str, str]] = {
    "start_date at the end of the calendar": (
        _replace("start_date: 2026-01-05", "start_date: 9999-12-31"), "start_date", "start_date:",
        f"must be a date from {FIRST_DATE} to {LAST_DATE} (got 9999-12-31)"),
    "start_date at the start of the calendar": (
        _replace("start_date: 2026-01-05", "start_date: 0001-01-01"), "start_date", "start_date:",
        "(got 0001-01-01)"),
    "pricing.date at the end of the calendar": (
        _replace("pricing:\n", "pricing:\n  date: 9999-12-31\n"), "pricing.date", "date: 9999",
        "(got 9999-12-31)"),
    "plan.start at the end of the calendar": (
        TEXT + PLAN.format(start="9999-12-31"), "plan.start", "start: 9999", "(got 9999-12-31)"),
    "a time per reply of 1e308 s": (
        _replace("agent_time_per_turn: {dist: fixed, value: 25}", "agent_time_per_turn: {dist: fixed, value: 1e308}"),
        "channels.sms.agent_time_per_turn.value", "value: 1e308", f"must be ≤ {MAX_PARAMETER:g} (got 1e+308)"),
    "a handle time drawn from a huge value": (
        _replace("handle_time: {dist: lognormal, mean: 300, cv: 0.6}",
                 "handle_time: {dist: empirical, values: [300, 5e9]}"),
        "channels.voice.handle_time.values[1]", "values: [300", "(got 5e+09)"),
    "a bot of 1e18 turns": (
        _replace("  - {name: today, offer: [voice, webchat]}",
                 "  - name: today\n    offer: [voice, webchat]\n"
                 "    bot: {channels: [webchat], turns: {dist: fixed, value: 1000000000000000000}}"),
        "strategies[0].bot.turns.value", "bot: {channels", "(got 1e+18)"),
    "a huge intent complexity": (
        _replace("{name: simple, share: 0.7, complexity: 0.7}", "{name: simple, share: 0.7, complexity: 1e308}"),
        "demand.intents[0].complexity", "complexity: 1e308", f"must be ≤ {MAX_COMPLEXITY:g} (got 1e+308)"),
    "a huge lost-context time": (
        _replace("  - {name: today, offer: [voice, webchat]}",
                 "  - name: today\n    offer: [voice, webchat]\n"
                 "    bot: {channels: [webchat], keeps_context: false, lost_context_extra_s: 1e308}"),
        "strategies[0].bot.lost_context_extra_s", "lost_context_extra_s", "(got 1e+308)"),
    "a priority beyond any count": (
        _replace("{name: hard, share: 0.3, complexity: 1.5, priority: 1}",
                 "{name: hard, share: 0.3, complexity: 1.5, priority: 1000000000000000000000000000000}"),
        "demand.intents[1].priority", "priority: 1000", f"must be ≤ {MAX_PARAMETER:g} (got 1e+30); priorities rank"),
    "a priority too large for a whole number": (
        _replace("{name: hard, share: 0.3, complexity: 1.5, priority: 1}",
                 "{name: hard, share: 0.3, complexity: 1.5, priority: 1e300}"),
        "demand.intents[1].priority", "priority: 1e300", "too large for a whole number (got 1e+300)"),
    "a schedule entry beyond any count": (
        _replace("{name: phones, channels: [voice], headcount: 9, cost_per_hour: 40}",
                 "{name: phones, channels: [voice], cost_per_hour: 40, schedule: {mon-fri: [" + "9, " * 5
                 + "10000000000000000000000" + ", 9" * 18 + "]}}"),
        "agents.pools[0].schedule", "name: phones", f"must be ≤ 2^53 = {MAX_WHOLE:,} (got 1e+22 at mon-fri[5])"),
    "campaign characters beyond any count": (
        _replace("  - {name: today, offer: [voice, webchat]}",
                 "  - name: today\n    offer: [voice, webchat]\n    campaigns: [{channel: webchat, per_day: 10, "
                 "response_rate: 0.1, intent: simple, chars: 100000000000000000000}]"),
        "strategies[0].campaigns[0].chars", "campaigns: [", "(got 1e+20)"),
    "a slot cap beyond any count": (
        _replace("concurrency: 3,", "concurrency: {webchat: 100000000000000000000, sms: 2},"),
        "agents.pools[1].concurrency", "concurrency: {",
        f"the webchat cap must be ≤ 2^53 = {MAX_WHOLE:,} (got 1e+20)"),
    "a strategy's set that changes the strategies": (
        _replace("set: {agents.pools.phones.headcount: 12}", "set: {strategies.0.offer: [voice]}"),
        "strategies[2].set", "set: {strategies", "a strategy's set changes the scenario, not the strategies"),
    "a NUL byte": (
        _replace("name: small", "name: \"sm\x00all\""), "", "name: ", "unacceptable character #x0000"),
    "a second YAML document": (
        TEXT + "---\nname: other\n", "", "---", "expected a single document in the stream, but found another"),
    "a key written as a number": (
        _replace("demand:\n", "demand:\n  2: b\n"), "demand.2", "  2: b", "a key must be a name, not a number"),
    "a channel written as a number": (
        _replace("channels:\n", "channels:\n  3: {handle_time: {dist: fixed, value: 1}}\n"), "channels.3", "  3: {",
        "3 is not a known name"),
    "a key written as null": (
        _replace("demand:\n", "demand:\n  ~: b\n"), "demand.~", "  ~: b", "a key must be a name, not null"),
    "a set written with a YAML tag": (
        _replace("name: small", "name: !!set {a, b}"), "", "name: !!set",
        "could not determine a constructor for the tag 'tag:yaml.org,2002:set'"),
    "a date written with a YAML tag": (
        _replace("start_date: 2026-01-05", "start_date: !!timestamp 2026-01-05"), "", "start_date: !!",
        "could not determine a constructor for the tag 'tag:yaml.org,2002:timestamp'"),
    "bytes written with a YAML tag": (
        _replace("name: small", "name: !!binary aGVsbG8="), "", "name: !!binary",
        "could not determine a constructor for the tag 'tag:yaml.org,2002:binary'"),
    "text tagged as a number": (
        _replace("days: 0.5", "days: !!float half"), "", "days: !!float", "YAML error: 'half' is not a number"),
    "a search range without its bounds": (
        TEXT + "optimize:\n  variables:\n    agents.pools.phones.headcount: {lo: 5, hi: 9}\n"
        "  objectives: [cost_per_issue]\n",
        "optimize.variables.agents.pools.phones.headcount", "{lo: 5", "low: required; high: required; lo: unknown key"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_validate_and_run_refuse_it_alike_naming_the_field_and_line(tmp_path, case):
    text, path, marker, fragment = CASES[case]
    file = _write(tmp_path, text)
    where = f"{path}: " if path else f"{file}: "
    _both_refuse(file, where, fragment, f"(line {_line(text, marker)})")


def test_every_refused_case_is_refused_alike_when_given_as_an_override():
    for value, path in (("9999-12-31", "start_date"), ("{dist: fixed, value: 1e308}", "channels.sms.chars"),
                        ("1e308", "demand.intents.simple.complexity")):
        args = ["--set", f"{path}={value}"]
        checked = _refused(["validate", str(SMALL), *args], "given as an override, not in the file")
        ran = _refused(["run", str(SMALL), "--quiet", *args], "given as an override, not in the file")
        assert checked.removeprefix("invalid: ") == ran.removeprefix("error: ")


@pytest.mark.parametrize("start", [str(FIRST_DATE), str(LAST_DATE)])
def test_the_first_and_last_dates_of_the_bounds_validate(tmp_path, start):
    text = _replace("start_date: 2026-01-05", f"start_date: {start}")  # (every channel priced by a flat fee)
    result = runner.invoke(app, ["validate", str(_write(tmp_path, text))])
    assert result.exit_code == 0, result.output


def test_parameters_at_the_bounds_validate(tmp_path):
    text = _replace("{name: simple, share: 0.7, complexity: 0.7}",
                    f"{{name: simple, share: 0.7, complexity: {MAX_COMPLEXITY:g}}}")
    text = text.replace("agent_time_per_turn: {dist: fixed, value: 25}",
                        f"agent_time_per_turn: {{dist: fixed, value: {MAX_PARAMETER:g}}}")
    result = runner.invoke(app, ["validate", str(_write(tmp_path, text))])
    assert result.exit_code == 0, result.output
    assert "very long" in result.stderr  # allowed, and warned about as a unit slip


def test_a_run_out_of_memory_is_refused_naming_the_file(monkeypatch):
    import chansim.studies.experiment as experiment

    def out_of_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(experiment, "simulate", out_of_memory)
    for command in ("run", "compare"):
        message = _refused([command, str(SMALL), "--quiet"], f"{SMALL}: too large to simulate: ran out of memory")
        assert re.fullmatch(r"error: [^\n]+\n", message), message
