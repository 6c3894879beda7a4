"""The decision rule: the cheapest strategy meeting every requirement (each
judged at the pessimistic end of its CI), ties within the threshold or the
noise broken by stated criteria, misses named, and bad rules refused."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from chansim.cli import app
from chansim.kpis.decision import decide, decision_problems
from chansim.report.answer import decision_lines, miss_text
from chansim.scenario.models import Decision

SMALL = Path(__file__).parent / "data" / "small.yaml"
runner = CliRunner()


def fake(per_strategy: dict[str, dict], ci: float = 0.01):
    """A run result: per strategy, overall KPIs per replication and each channel's means (CI ``2 × ci``)."""
    rows, strategies = [], []
    for name, spec in per_strategy.items():
        kpis, channels = spec["kpis"], spec.get("channels", {})
        n = len(next(iter(kpis.values())))
        rows += [{"strategy": name, "replication": r, **{k: v[r] for k, v in kpis.items()}} for r in range(n)]
        doc = {"name": name, "kpis": {k: None if None in v else float(np.mean(v)) for k, v in kpis.items()}, "ci95": {k: ci for k in kpis},
               "by_channel": channels,
               "by_channel_ci95": {c: {k: 2 * ci for k in v} for c, v in channels.items()}}
        strategies.append(SimpleNamespace(name=name, kpis=doc["kpis"], to_dict=lambda doc=doc: doc))
    result = SimpleNamespace(strategies=strategies, replication_kpis=pd.DataFrame(rows), scenario=None)
    result.strategy = lambda name: next(s for s in strategies if s.name == name)
    return result


SERVICE = Decision(require=["voice.service_level >= 0.8", "webchat.service_level >= 0.8", "abandon_rate <= 0.06"])


def test_the_cheapest_strategy_missing_a_channel_target_is_excluded_and_its_miss_named():
    result = fake({
        "today": {"kpis": {"cost_per_issue": [5.0, 5.1, 5.0], "abandon_rate": [0.03, 0.03, 0.03]},
                  "channels": {"voice": {"service_level": 0.92}, "webchat": {"service_level": 0.60}}},
        "staffed": {"kpis": {"cost_per_issue": [6.0, 6.1, 6.0], "abandon_rate": [0.03, 0.03, 0.03]},
                    "channels": {"voice": {"service_level": 0.92}, "webchat": {"service_level": 0.85}}},
        "rich": {"kpis": {"cost_per_issue": [7.0, 7.1, 7.0], "abandon_rate": [0.02, 0.02, 0.02]},
                 "channels": {"voice": {"service_level": 0.95}, "webchat": {"service_level": 0.95}}},
    })
    d = decide(result, SERVICE)
    assert (d.chosen, d.meets_all, d.is_tie) == ("staffed", True, False)
    (miss,) = d.standing("today").misses
    assert miss.requirement == "webchat.service_level >= 0.8"
    assert miss.at_worst == pytest.approx(0.58) and miss.by == pytest.approx(0.22)
    lines = decision_lines(d, "USD")
    assert lines[0].startswith("Decision rule: lowest cost_per_issue among the strategies meeting every requirement")
    assert "Choose staffed" in lines[1]
    assert ("today excluded: webchat.service_level 60.0 % ± 2.0 (at worst 58.0 %) misses the requirement "
            ">= 80.0 % by 22.0 pts.") in lines
    doc = d.to_dict()
    assert doc["chosen"] == "staffed" and doc["strategies"]["today"]["misses"][0]["by"] == pytest.approx(0.22)
    assert doc["strategies"]["rich"]["misses"] == []


def test_objectives_within_the_tie_threshold_tie_and_the_tie_breaker_decides():
    result = fake({
        "a": {"kpis": {"cost_per_issue": [6.00, 6.00, 6.00], "abandon_rate": [0.05, 0.05, 0.05]}},
        "b": {"kpis": {"cost_per_issue": [6.02, 6.02, 6.02], "abandon_rate": [0.02, 0.02, 0.02]}},  # 0.33 % dearer
        "c": {"kpis": {"cost_per_issue": [6.50, 6.50, 6.50], "abandon_rate": [0.01, 0.01, 0.01]}},
    })
    d = decide(result, Decision(require=[]))
    assert (d.chosen, d.tied, d.broken_by, d.is_tie) == ("b", ("a", "b"), "abandon_rate", True)
    assert d.to_dict()["tie"] is True
    assert "Tie on cost_per_issue between a, b" in decision_lines(d)[1]
    # a threshold under the gap: no tie, the cheapest wins
    d = decide(result, Decision(require=[], tie=0.001))
    assert (d.chosen, d.is_tie) == ("a", False)


def test_a_difference_within_the_noise_is_a_tie_even_beyond_the_threshold():
    result = fake({
        "a": {"kpis": {"cost_per_issue": [6.0, 7.0, 5.0], "abandon_rate": [0.05, 0.05, 0.05]}},
        "b": {"kpis": {"cost_per_issue": [6.5, 6.0, 6.1], "abandon_rate": [0.02, 0.02, 0.02]}},  # +1.7 %, p ≈ 0.8
    })
    d = decide(result, Decision(require=[], tie=0.0))
    assert d.is_tie and d.chosen == "b" and d.broken_by == "abandon_rate"


def test_when_none_meets_every_requirement_the_smallest_shortfall_is_chosen_and_said():
    result = fake({
        "far": {"kpis": {"cost_per_issue": [4.0, 4.0]}, "channels": {"webchat": {"service_level": 0.40}}},
        "near": {"kpis": {"cost_per_issue": [5.0, 5.0]}, "channels": {"webchat": {"service_level": 0.75}}},
    })
    d = decide(result, Decision(require=["webchat.service_level >= 0.8"]))
    assert (d.chosen, d.meets_all) == ("near", False)
    assert decision_lines(d)[1].startswith("No strategy meets every requirement. Closest: near")


def test_a_requirement_on_a_channel_not_offered_does_not_apply():
    result = fake({
        "voice-only": {"kpis": {"cost_per_issue": [4.0, 4.0]}, "channels": {"voice": {"service_level": 0.9}}},
        "both": {"kpis": {"cost_per_issue": [5.0, 5.0]},
                 "channels": {"voice": {"service_level": 0.9}, "webchat": {"service_level": 0.9}}},
    })
    d = decide(result, Decision(require=["voice.service_level >= 0.8", "webchat.service_level >= 0.8"]))
    assert d.chosen == "voice-only" and d.standing("voice-only").not_applicable == ("webchat.service_level >= 0.8",)


def test_a_dominated_choice_is_said_to_be_dominated():
    result = fake({
        "a": {"kpis": {"cost_per_issue": [6.0, 6.0], "abandon_rate": [0.05, 0.05], "csat": [4.0, 4.0]}},
        "b": {"kpis": {"cost_per_issue": [6.0, 6.0], "abandon_rate": [0.05, 0.05], "csat": [4.2, 4.2]}},
    })
    d = decide(result, Decision(require=[]))
    assert d.chosen == "b" and d.standing("a").dominated_by == ("b",)  # the dominated one is dropped from the tie
    lines = decision_lines(d)
    assert any(line.startswith("a is dominated by b") for line in lines)


def test_a_miss_not_measured_is_said_so():
    result = fake({"a": {"kpis": {"cost_per_issue": [6.0, 6.0], "csat": [None, None]}}})
    d = decide(result, Decision(require=["csat >= 4"]))
    assert not d.meets_all and miss_text(d.standing("a").misses[0]) == "csat not measured (required >= 4.00)"


def test_bad_kpis_in_the_section_are_problems_with_their_paths():
    problems = decision_problems(Decision(objective="contacts", require=["webchat.frt_x <= 60"],
                                          tie_breakers=["abandon_rate", "nope"]))
    assert [p.path for p in problems] == ["decision.objective", "decision.require[0]", "decision.tie_breakers[1]"]


def _scenario(tmp_path: Path, decision: dict) -> Path:
    doc = yaml.safe_load(SMALL.read_text())
    doc["strategies"] = [{"name": "today", "offer": ["voice", "webchat"]},
                         {"name": "lean-chat", "offer": ["voice", "webchat"],
                          "set": {"agents.pools.digital.headcount": 1}}]
    doc["decision"] = decision
    path = tmp_path / "decide.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.mark.parametrize("require, message", [
    (["voice.service_level >= 0.8", "webchat.frt_x <= 60"], "decision.require[1]: 'webchat.frt_x': no KPI named"),
    (["voice.service_level >= 0.8", "webchat.frt_s < 60"], "decision.require[1]: 'webchat.frt_s < 60' is not KPI"),
])
def test_validate_and_run_refuse_a_bad_requirement_with_its_path_and_line(tmp_path, require, message):
    path = _scenario(tmp_path, {"require": require})
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if require[1] in text)
    for command in (["validate", str(path)], ["run", str(path), "--quiet"]):
        done = runner.invoke(app, command)
        assert done.exit_code == 2, done.output
        assert message in done.output and f"(line {line})" in done.output


def test_compare_json_and_table_carry_the_decision(tmp_path):
    path = _scenario(tmp_path, {"require": ["voice.service_level >= 0.5", "webchat.service_level >= 0.5"]})
    args = ["compare", str(path), "--replications", "3", "--days", "0.25", "--quiet"]
    done = runner.invoke(app, args + ["--format", "json"])
    assert done.exit_code == 0, done.output
    doc = json.loads(done.stdout)
    costs = {s["name"]: s["kpis"]["cost_per_issue"] for s in doc["strategies"]}
    assert costs["lean-chat"] < costs["today"]  # the cheaper one ...
    decision = doc["decision"]
    assert decision["chosen"] == "today" and decision["tie"] is False  # ... misses web chat, so not chosen
    (miss,) = decision["strategies"]["lean-chat"]["misses"]
    assert miss["requirement"] == "webchat.service_level >= 0.5" and miss["by"] > 0
    assert decision["rule"].startswith("lowest cost_per_issue among the strategies meeting every requirement")
    table = runner.invoke(app, args)
    assert table.exit_code == 0, table.output
    assert "Decision rule: lowest cost_per_issue" in table.stdout
    assert "lean-chat excluded: webchat.service_level" in table.stdout
