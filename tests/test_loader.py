"""Tests for the scenario loader, overrides, strategy ``set``, ``like:`` and
the CLI's handling of bad input (exit code 2, one message, no traceback).

``tests/malformed/`` holds small scenario files, each the valid ``BASE``
below with one defect; ``MALFORMED`` says what the error must name.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from chansim.cli import app
from chansim.errors import InputError, Problem
from chansim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parent.parent
MALFORMED_DIR = Path(__file__).resolve().parent / "malformed"
RETAIL = ROOT / "scenarios" / "retail-us.yaml"

BASE = """\
name: small
days: 1
demand:
  contacts_per_day: 100
  segments:
    - {name: all, share: 1.0, preference: [voice, webchat]}
channels:
  voice:
    handle_time: {dist: lognormal, mean: 300, cv: 0.5}
  webchat:
    agent_time_per_turn: {dist: lognormal, mean: 30, cv: 0.5}
agents:
  pools:
    - {name: voice, channels: [voice], headcount: 5}
    - {name: digital, channels: [webchat], headcount: 3, concurrency: 2}
strategies:
  - {name: today, offer: [voice, webchat]}
"""

# file → (path the error must name, fragment of its message, line or None).
# An empty path means the problem is about the file as a whole.
MALFORMED: dict[str, tuple[str, str, int | None]] = {
    "yaml_syntax_error.yaml": ("", "YAML error: mapping values are not allowed", 3),
    "days_wrong_type.yaml": ("days", "must be a number (got 'seven')", 3),
    "negative_rate.yaml": ("demand.contacts_per_day", "must be ≥ 0", 5),
    "shares_not_one.yaml": ("demand.segments", "shares must sum to 1 (they sum to 0.9)", 6),
    "unknown_channel_name.yaml": ("demand.segments[0].preference[1]", "(got 'telegram')", 7),
    "channel_not_defined.yaml": ("demand.segments[0].preference[2]", "channel 'sms' is not defined", 7),
    "unknown_key_typo.yaml": ("agents.pools[1].concurency", "unknown key; did you mean 'concurrency'?", 16),
    "duplicate_key.yaml": ("days", "key given twice (first on line 3)", 4),
    "duplicate_pool_name.yaml": ("agents.pools[1].name", "'voice' is used twice", 16),
    "duplicate_strategy_name.yaml": ("strategies[1].name", "'today' is used twice", 19),
    "offered_not_served.yaml": ("strategies[0].offer[2]", "no agent pool serves 'email'", 20),
    "shrinkage_one.yaml": ("agents.shrinkage", "must be < 1", 14),
    "intraday_23_values.yaml": ("demand.intraday", "needs exactly 24 values (got 23)", 6),
    "dist_missing_parameter.yaml": ("channels.voice.handle_time", "lognormal needs 'cv'", 10),
    "concurrency_zero.yaml": ("agents.pools[1].concurrency", "must be ≥ 1 (got 0)", 16),
    "headcount_and_schedule.yaml": ("agents.pools[0]", "give exactly one of 'headcount', 'schedule' or 'shifts'", 15),
    "python_tag.yaml": ("", "python/object/apply:os.system", 2),
    "bot_on_voice.yaml": ("bot", "a bot answering voice needs call_time", 17),
    "ivr_accept_above_one.yaml": ("strategies[1].ivr_deflection.accept", "must be ≤ 1", 21),
    "strategy_set_unknown_pool.yaml": (
        "strategies[1].set['agents.pools.nosuch.headcount']",
        "nothing named 'nosuch' (have: voice, digital)",
        21,
    ),
    "top_level_list.yaml": ("", "must be a mapping", None),
    "empty.yaml": ("", "must be a mapping", None),
    "voice_without_handle_time.yaml": ("channels.voice.handle_time", "required for voice", 9),
    "like_undefined_channel.yaml": ("channels.rcs.like", "channel 'sms' is not defined", 13),
}


def _expected_text(path: str, fragment: str) -> str:
    """The rendered problem starts with its path, then the message."""
    return f"{path}: " if path else fragment


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def base() -> dict:
    return yaml.safe_load(BASE)


def _write(tmp_path: Path, data: dict | str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _problems(source, overrides=()) -> list[Problem]:
    with pytest.raises(InputError) as info:
        load_scenario(source, overrides)
    assert info.value.problems, "an InputError must carry at least one problem"
    return info.value.problems


# ------------------------------------------------------------ the base file
def test_base_is_valid(base):
    s = load_scenario(base)
    assert isinstance(s, Scenario)
    assert s.strategy_names == ["today"]
    assert s.pool("digital").concurrency == 2


def test_every_malformed_file_is_in_the_table():
    on_disk = {p.name for p in MALFORMED_DIR.glob("*.yaml")
               if not p.read_text(encoding="utf-8").startswith("# expect:")}  # those: test_malformed_corpus.py
    assert on_disk == set(MALFORMED)
    assert len(on_disk) >= 15


# ------------------------------------------------------- malformed, library
@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_file_is_refused_with_its_path(name):
    path, fragment, line = MALFORMED[name]
    with pytest.raises(InputError) as info:
        load_scenario(MALFORMED_DIR / name)
    error = info.value
    matching = [p for p in error.problems if p.path == path and fragment in p.message]
    assert matching, f"no problem at {path!r} mentioning {fragment!r} in:\n{error.render()}"
    if line is not None:
        assert matching[0].line == line
        assert f"(line {line})" in error.render()
    assert error.render().startswith(str(MALFORMED_DIR / name))


# ----------------------------------------------------------- malformed, CLI
@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_cli_refuses_malformed_file(runner, command, name):
    path, fragment, line = MALFORMED[name]
    file = MALFORMED_DIR / name
    result = runner.invoke(app, [command, str(file)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.stdout == ""
    err = result.stderr
    assert str(file) in err
    assert _expected_text(path, fragment) in err
    assert fragment in err
    if line is not None:
        assert f"(line {line})" in err
    assert "Traceback" not in result.output
    assert "Traceback" not in err


def test_python_tag_is_never_executed(tmp_path, capfd):
    marker = tmp_path / "executed"
    text = (MALFORMED_DIR / "python_tag.yaml").read_text().replace(
        '["echo hacked"]', f'["touch {marker}"]'
    )
    assert str(marker) in text
    problems = _problems(_write(tmp_path, text))
    assert "only plain YAML data is accepted" in problems[0].message
    assert not marker.exists()
    load = _problems(MALFORMED_DIR / "python_tag.yaml")
    assert load[0].line == 2
    out, err = capfd.readouterr()
    assert "hacked" not in out + err


def test_cli_entry_point_validate_many_files_in_a_subprocess():
    """The installed entry point, as a user runs it: every malformed file in
    one call, each reported, exit 2, no traceback, and the tag not run."""
    files = [str(MALFORMED_DIR / name) for name in sorted(MALFORMED)]
    proc = subprocess.run(
        [sys.executable, "-m", "chansim", "validate", *files, str(RETAIL)],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "hacked" not in proc.stdout + proc.stderr
    assert f"ok: {RETAIL}" in proc.stdout  # a good file among bad ones is still checked
    for name, (path, fragment, _line) in MALFORMED.items():
        assert str(MALFORMED_DIR / name) in proc.stderr
        assert _expected_text(path, fragment) in proc.stderr
    assert proc.stderr.count("invalid: ") == len(MALFORMED)


def test_cli_entry_point_run_in_a_subprocess():
    file = MALFORMED_DIR / "concurrency_zero.yaml"
    proc = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "chansim"), "run", str(file)]
        if (ROOT / ".venv" / "bin" / "chansim").exists()
        else [sys.executable, "-m", "chansim", "run", str(file)],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip() == f"error: {file}: agents.pools[1].concurrency: must be ≥ 1 (got 0) (line 16)"


@pytest.mark.parametrize("command", ["validate", "run"])
def test_cli_missing_file(runner, tmp_path, command):
    result = runner.invoke(app, [command, str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "no such file" in result.stderr
    assert "Traceback" not in result.output


# -------------------------------------------------------------- --set, CLI
@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize(
    ("setting", "fragments"),
    [
        ("agents.pools.nosuch.headcount=3", ["--set['agents.pools.nosuch.headcount']", "nothing named 'nosuch'",
                                             "have: voice, digital"]),
        ("agents.pools[7].headcount=3", ["agents.pools has 2 items; there is no [7]"]),
        ("days.hours=3", ["days is a single value"]),
        ("agents.pools.voice.headcont=3", ["agents.pools[0].headcont", "did you mean 'headcount'?"]),
        ("days=seven", ["days: must be a number (got 'seven')"]),
        ("agents.pools.voice.headcount", ["--set: 'agents.pools.voice.headcount' is not key=value"]),
        ("agents..pools=3", ["is not a dotted path"]),
        ("days=[1,", ["--set days: value '[1,' is not valid YAML"]),
    ],
    ids=["unknown-pool", "index-out-of-range", "into-a-scalar", "typo", "wrong-type", "no-equals",
         "bad-path", "bad-value"],
)
def test_cli_bad_set(runner, tmp_path, command, setting, fragments):
    file = _write(tmp_path, BASE)
    result = runner.invoke(app, [command, str(file), "--set", setting])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1  # one clear message


def test_cli_set_takes_effect_in_validate(runner, tmp_path):
    file = _write(tmp_path, BASE)
    ok = runner.invoke(app, ["validate", str(file), "--set", "agents.pools.digital.concurrency=4"])
    assert ok.exit_code == 0, ok.output
    assert f"ok: {file}" in ok.stdout
    # the same value made invalid by --set is caught: the override is really applied
    bad = runner.invoke(app, ["validate", str(file), "--set", "agents.pools.digital.concurrency=0"])
    assert bad.exit_code == 2
    assert "agents.pools[1].concurrency: must be ≥ 1 (got 0)" in bad.stderr


def test_cli_set_takes_effect_in_run(runner, tmp_path):
    file = _write(tmp_path, BASE)
    result = runner.invoke(
        app,
        ["run", str(file), "--format", "json", "--quiet",
         "--set", "name=renamed", "--set", "seed=11", "--set", "replications=1", "--set", "days=0.1"],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["scenario"] == "renamed"
    assert out["seed"] == 11
    assert out["replications"] == 1
    assert [s["name"] for s in out["strategies"]] == ["today"]


# ---------------------------------------------------------- several at once
def test_several_problems_are_reported_at_once(tmp_path, base):
    data = copy.deepcopy(base)
    data["days"] = "seven"
    data["demand"]["contacts_per_day"] = -5
    data["agents"]["pools"][1]["concurrency"] = 0
    data["agents"]["pools"][0]["headcont"] = 3
    data["bot"] = {"chanels": ["webchat"]}
    problems = _problems(data)
    paths = {p.path for p in problems}
    assert {"days", "demand.contacts_per_day", "agents.pools[1].concurrency", "agents.pools[0].headcont",
            "bot.chanels"} <= paths
    file = _write(tmp_path, data)
    with pytest.raises(InputError) as info:
        load_scenario(file)
    assert info.value.render().startswith(f"{file}: 5 problems:")
    assert all(p.line is not None for p in info.value.problems)


def test_several_cross_field_problems_are_reported_at_once(runner, tmp_path, base):
    data = copy.deepcopy(base)
    data["demand"]["segments"][0]["share"] = 0.5
    data["agents"]["pools"][1]["name"] = "voice"
    data["strategies"][0]["offer"] = ["voice", "webchat", "sms"]
    data["demand"]["intents"] = [{"name": "a", "share": 0.5}, {"name": "a", "share": 0.6}]
    file = _write(tmp_path, data)
    result = runner.invoke(app, ["validate", str(file)])
    assert result.exit_code == 2
    for text in ("demand.segments: shares must sum to 1", "demand.intents: shares must sum to 1",
                 "agents.pools[1].name: 'voice' is used twice", "demand.intents[1].name: 'a' is used twice",
                 "strategies[0].offer[2]: channel 'sms' is not defined"):
        assert text in result.stderr


def test_duplicate_key_and_field_problems_together(tmp_path):
    text = BASE.replace("days: 1\n", "days: 1\ndays: 2\n").replace("concurrency: 2", "concurrency: 0")
    problems = _problems(_write(tmp_path, text))
    assert [(p.path, p.line) for p in problems if "twice" in p.message] == [("days", 3)]
    assert any(p.path == "agents.pools[1].concurrency" for p in problems)


# -------------------------------------------------------------- overrides
def test_overrides_dict_by_name_and_index(base):
    s = load_scenario(base, {"agents.pools.voice.headcount": 3, "agents.pools[1].concurrency": 4})
    assert s.pool("voice").headcount == 3
    assert s.pool("digital").concurrency == 4
    assert load_scenario(base).pool("voice").headcount == 5  # the input dict is not changed
    assert base["agents"]["pools"][0]["headcount"] == 5


def test_overrides_strings_are_read_as_yaml(base):
    s = load_scenario(base, ["agents.pools.1.headcount=9", "days=0.5", "demand.intraday=" + str(list(range(1, 25)))])
    assert s.pool("digital").headcount == 9
    assert s.days == 0.5
    assert s.demand.intraday == tuple(float(v) for v in range(1, 25))


def test_override_of_a_file(tmp_path):
    file = _write(tmp_path, BASE)
    s = load_scenario(file, ["agents.pools.voice.schedule=" + str([2] * 24), "agents.pools.voice.headcount=null"])
    assert s.pool("voice").schedule == (2,) * 24
    assert s.pool("voice").headcount is None


def test_bad_override_path_names_the_override(base):
    problems = _problems(base, {"agents.pools.nosuch.headcount": 3})
    assert problems == [
        Problem("--set['agents.pools.nosuch.headcount']", "agents.pools: nothing named 'nosuch' (have: voice, digital)")
    ]


def test_bad_override_syntax_is_an_input_error(base):
    problems = _problems(base, ["agents.pools.voice.headcount"])
    assert problems[0].path == "--set"
    assert "is not key=value" in problems[0].message


def test_with_overrides_on_a_scenario(base):
    s = load_scenario(base)
    t = s.with_overrides({"agents.pools.digital.headcount": 12})
    assert t.pool("digital").headcount == 12
    assert s.pool("digital").headcount == 3
    with pytest.raises(InputError):
        s.with_overrides({"agents.pools.digital.concurrency": 0})


# ------------------------------------------------------------ strategy set
def _two_strategies(base: dict) -> dict:
    data = copy.deepcopy(base)
    data["strategies"].append(
        {"name": "more-chat", "offer": ["voice", "webchat"],
         "set": {"agents.pools.digital.headcount": 10, "agents.pools[1].concurrency": 3, "days": 2}}
    )
    return data


def test_strategy_set_resolves_and_leaves_the_base_unchanged(base):
    s = load_scenario(_two_strategies(base))
    before = s.model_dump()
    resolved = s.for_strategy("more-chat")
    assert resolved is not s
    assert resolved.pool("digital").headcount == 10
    assert resolved.pool("digital").concurrency == 3
    assert resolved.days == 2
    assert resolved.strategy_names == ["more-chat"]
    assert resolved.strategies[0].set == {}
    assert resolved.pool("voice") == s.pool("voice")
    # the base and the other strategy are untouched
    assert s.model_dump() == before
    assert s.pool("digital").headcount == 3 and s.days == 1
    today = s.for_strategy("today")
    assert today.pool("digital").headcount == 3
    assert today.strategy_names == ["today"]
    assert s.for_strategy("more-chat") is resolved  # resolved once


def test_strategy_set_does_not_leak_into_later_strategies(base):
    data = _two_strategies(base)
    data["strategies"].reverse()  # the strategy with a set comes first
    s = load_scenario(data)
    assert s.strategy_names == ["more-chat", "today"]
    today = s.for_strategy("today")
    assert today.pool("digital").headcount == 3
    assert today.pool("digital").concurrency == 2
    assert today.days == 1
    assert s.for_strategy("more-chat").pool("digital").headcount == 10


def test_for_strategy_unknown_name(base):
    s = load_scenario(base)
    with pytest.raises(InputError) as info:
        s.for_strategy("nope")
    assert "no strategy named 'nope' (have: today)" in info.value.render()


def test_strategy_set_is_validated_as_resolved(tmp_path, base):
    data = _two_strategies(base)
    data["strategies"][1]["set"] = {"agents.pools.digital.concurrency": 0}
    file = _write(tmp_path, data)
    problems = _problems(file)
    assert [p.path for p in problems] == ["strategies[1] (more-chat): agents.pools[1].concurrency"]
    line = file.read_text().splitlines().index("- name: more-chat") + 1
    assert problems[0].line == line  # points at the strategy in the file


def test_offered_channel_checked_after_the_strategy_set(base):
    data = copy.deepcopy(base)
    data["channels"]["email"] = {"agent_time_per_turn": {"dist": "fixed", "value": 240}}
    data["strategies"].append({"name": "email", "offer": ["voice", "email"],
                               "set": {"agents.pools.digital.channels": ["webchat", "email"]}})
    s = load_scenario(data)  # email is served only under the strategy that staffs it
    assert "email" in s.for_strategy("email").pool("digital").channels
    data["strategies"][1]["set"] = {}
    problems = _problems(data)
    assert [(p.path, p.message) for p in problems] == [("strategies[1].offer[1]", "no agent pool serves 'email'")]


# ------------------------------------------------------------------ like:
def test_like_copies_settings_and_local_keys_win(base):
    data = copy.deepcopy(base)
    data["channels"]["sms"] = {
        "turns": {"dist": "poisson", "mean": 8},
        "agent_time_per_turn": {"dist": "lognormal", "mean": 30, "cv": 0.5},
        "customer_reply_delay": {"dist": "lognormal", "mean": 300, "cv": 1.5},
        "park_after": 300,
        "non_gsm_share": 0.2,
    }
    data["channels"]["rcs"] = {"like": "sms", "reach": 0.8, "fallback": "sms", "non_gsm_share": 0.5,
                               "turns": {"dist": "fixed", "value": 3}}
    data["agents"]["pools"][1]["channels"] = ["webchat", "sms", "rcs"]
    s = load_scenario(data)
    rcs, sms = s.channels["rcs"], s.channels["sms"]
    assert rcs.agent_time_per_turn == sms.agent_time_per_turn  # copied
    assert rcs.customer_reply_delay == sms.customer_reply_delay
    assert rcs.park_after == 300
    assert rcs.non_gsm_share == 0.5 and sms.non_gsm_share == 0.2  # local wins
    assert rcs.turns.dist == "fixed" and sms.turns.dist == "poisson"
    assert rcs.reach == 0.8 and sms.reach == 1.0 and sms.fallback is None  # nothing flows back


def test_like_chain_and_circle(base):
    data = copy.deepcopy(base)
    data["channels"]["sms"] = {"like": "webchat", "non_gsm_share": 0.1}
    data["channels"]["rcs"] = {"like": "sms"}
    s = load_scenario(data)
    assert s.channels["rcs"].agent_time_per_turn == s.channels["webchat"].agent_time_per_turn
    assert s.channels["rcs"].non_gsm_share == 0.1
    data["channels"]["sms"] = {"like": "rcs"}
    problems = _problems(data)
    assert any(p.path.endswith(".like") and "goes round in a circle" in p.message for p in problems)


# ------------------------------------------ strategy feature blocks validated
# Features not built yet. Refused, never silently ignored. (Features come off
# this list as they are built: pricing.rate_card already has.)
@pytest.mark.parametrize(
    "path, value, expected",
    [
        (("bot",), {"channels": ["webchat"], "cost_per_sesion": 0.1}, "bot.cost_per_sesion"),
        (("csat",), {"base": {"voice": 6}}, "csat.base.voice"),
        (("strategies", 0, "ivr_deflection"), {"to": "webchat", "offerd": 0.3}, "strategies[0].ivr_deflection.offerd"),
        (("strategies", 0, "campaigns"), [{"channel": "webchat", "per_day": 10, "response_rate": 2, "intent": "x"}],
         "strategies[0].campaigns[0].response_rate"),
    ],
)
def test_strategy_feature_blocks_are_validated_like_the_rest(base, path, value, expected):
    data = copy.deepcopy(base)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert expected in {p.path for p in _problems(data)}


def test_unknown_top_level_key_suggests_the_right_one(base):
    data = copy.deepcopy(base)
    data["replicatons"] = 3
    assert _problems(data) == [Problem("replicatons", "unknown key; did you mean 'replications'?")]


# ----------------------------------------------------- shipped and schema
def test_shipped_retail_scenario_validates(runner):
    s = load_scenario(RETAIL)
    assert s.name == "retail-us"
    assert s.strategy_names == ["today", "whatsapp-first", "rcs-proactive", "lean-voice"]
    assert s.for_strategy("whatsapp-first").pool("digital").concurrency == 6
    assert s.pool("digital").concurrency == 3
    result = runner.invoke(app, ["validate", str(RETAIL)])
    assert result.exit_code == 0, result.output
    assert "ok: " in result.stdout and "4 strategies" in result.stdout


def test_schema_is_json_with_demand(runner):
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert "demand" in schema["properties"]
    assert "agents" in schema["required"] and "demand" in schema["required"]


# ------------------------------------------------------ markup in errors
# Error text is user text: a '[/x]' in a key must be printed, not read as rich
# markup (which raised MarkupError: a traceback and exit 1).
@pytest.mark.parametrize("command", ["validate", "run"])
def test_cli_error_text_is_not_read_as_markup(runner, tmp_path, command):
    file = _write(tmp_path, BASE + '"[/oops]": 1\n')
    result = runner.invoke(app, [command, str(file)])
    assert result.exit_code == 2
    assert "[/oops]: unknown key" in result.stderr


@pytest.mark.parametrize("command", ["validate", "run"])
def test_cli_set_text_is_not_read_as_markup(runner, tmp_path, command):
    result = runner.invoke(app, [command, str(_write(tmp_path, BASE)), "--set", "[/x]=1"])
    assert result.exit_code == 2
    assert "'[/x]' is not a dotted path" in result.stderr


# ------------------------------------------------------------ reading a file
def test_read_text_refuses_every_unreadable_file_naming_it(tmp_path):
    from chansim.scenario.reading import read_text

    (tmp_path / "folder").mkdir()
    (tmp_path / "latin1.yaml").write_bytes("name: Zoë\n".encode("latin-1"))
    (tmp_path / "big.yaml").write_text("x" * 11, encoding="utf-8")
    (tmp_path / "ok.yaml").write_text("name: Zoë\n", encoding="utf-8")
    cases = {"nope.yaml": "no such file", "folder": "it is a directory", "latin1.yaml": "not UTF-8 text",
             "big.yaml": "larger than 10 bytes"}
    for name, words in cases.items():
        with pytest.raises(InputError) as info:
            read_text(tmp_path / name, what="test file", limit_bytes=10, at="--x")
        assert info.value.source == str(tmp_path / name)
        assert [p.path for p in info.value.problems] == ["--x"] and words in info.value.problems[0].message
    assert read_text(tmp_path / "ok.yaml", what="test file", limit_bytes=11) == "name: Zoë\n"
    assert Path("/dev/zero").exists()
    with pytest.raises(InputError, match="larger than 1,000 bytes"):
        read_text("/dev/zero", what="test file", limit_bytes=1000)
