"""``chansim check``: baselines written by --update, drift caught (exit 1),
a changed scenario reported as such, custom tolerances, JUnit XML, bad input (exit 2).

Every run uses a tiny scenario (a quarter day, two replications)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from types import SimpleNamespace
from xml.etree import ElementTree as ET

import pytest
from typer.testing import CliRunner

from chansim.studies.check import (
    DEFAULT_TOLERANCES,
    EXACT,
    KPI_GROUPS,
    MODEL_KPIS,
    SIMULATION_KPIS,
    Tolerance,
    compare,
)
from chansim.cli import app
from chansim.kpis.table import KPI_KEYS

SMALL = Path(__file__).parent / "data" / "small.yaml"
runner = CliRunner()
STRATEGIES = ["today", "sms-instead", "more-phones"]


def tiny_text() -> str:
    text = SMALL.read_text(encoding="utf-8")
    text = text.replace("\ndays: 0.5\n", "\ndays: 0.25\n").replace("\nreplications: 3\n", "\nreplications: 2\n")
    assert "days: 0.25" in text and "replications: 2" in text
    return text


def invoke(*args: str):
    return runner.invoke(app, ["check", *map(str, args)])


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A tiny scenario and its baseline, made once with --update."""
    root = tmp_path_factory.mktemp("check")
    (root / "tiny.yaml").write_text(tiny_text(), encoding="utf-8")
    result = invoke(root / "tiny.yaml", "--baselines", root / "baselines", "--update", "-q")
    assert result.exit_code == 0, result.stdout + result.stderr
    return root


@pytest.fixture
def work(made, tmp_path):
    """A private copy of the scenario and its baselines."""
    shutil.copy(made / "tiny.yaml", tmp_path / "tiny.yaml")
    shutil.copytree(made / "baselines", tmp_path / "baselines")
    return tmp_path


def run_json(work: Path, *args: str):
    result = invoke(work / "tiny.yaml", "--baselines", work / "baselines", "--format", "json", "-q", *args)
    assert result.exit_code in (0, 1), result.stdout + result.stderr
    return result.exit_code, json.loads(result.stdout)


def rows(doc: dict) -> list[dict]:
    return [dict(row, strategy=st["name"]) for sc in doc["scenarios"] for st in sc["strategies"] for row in st["rows"]]


def edit_baseline(work: Path, change) -> Path:
    path = work / "baselines" / "tiny.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


# ------------------------------------------------------------------ the flow
def test_update_writes_a_baseline_then_check_passes(work):
    doc = json.loads((work / "baselines" / "tiny.json").read_text(encoding="utf-8"))
    assert doc["format"] == "chansim-baseline/1" and doc["scenario"] == "small"
    assert doc["seed"] == 11 and doc["replications"] == 2 and doc["chansim_version"]
    assert len(doc["scenario_sha256"]) == 64 and doc["start_date_explicit"] is True
    assert doc["tolerances"] == {} and doc["resolved_scenario"]["days"] == 0.25
    assert list(doc["strategies"]) == STRATEGIES
    for entry in doc["strategies"].values():
        assert set(entry["kpis"]) == set(entry["ci95"]) == set(KPI_KEYS)

    result = invoke(work / "tiny.yaml", "--baselines", work / "baselines", "-q")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "passed" in result.stdout and "pass tiny" in result.stdout

    code, out = run_json(work)
    assert code == 0 and out["passed"] is True
    assert [s["name"] for s in out["scenarios"][0]["strategies"]] == STRATEGIES
    assert all(r["status"] == "same" for r in rows(out)) and len(rows(out)) == 3 * len(KPI_KEYS)
    assert all(st["same_simulation"] for st in out["scenarios"][0]["strategies"])


def test_a_markup_change_fails_with_exit_1_naming_the_cost_kpis(work):
    result = invoke(work / "tiny.yaml", "--baselines", work / "baselines", "--set", "pricing.markup=0.5", "-q")
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "cost_channel" in result.stdout and "drift" in result.stdout and "FAILED" in result.stdout

    code, out = run_json(work, "--set", "pricing.markup=0.5")
    assert code == 1 and out["passed"] is False and out["scenarios"][0]["status"] == "drift"
    drifted = {(r["strategy"], r["kpi"]) for r in rows(out) if r["status"] == "drift"}
    for strategy in STRATEGIES:
        assert (strategy, "cost_channel") in drifted and (strategy, "cost_total") in drifted
    assert {kpi for _, kpi in drifted} <= set(KPI_GROUPS["cost"])
    # the simulation is unchanged, so the cost KPIs were held to the exact rule
    channel = next(r for r in rows(out) if r["kpi"] == "cost_channel")
    assert channel["rule"] == "exact" and channel["change_rel"] == pytest.approx(0.4 / 1.1)
    assert all(r["status"] == "same" for r in rows(out) if r["kpi"] in SIMULATION_KPIS)


def test_a_changed_simulation_gets_bands_not_the_exact_rule(work):
    code, out = run_json(work, "--set", "agents.pools.phones.headcount=10")
    today = out["scenarios"][0]["strategies"][0]
    assert today["same_simulation"] is False
    rule = {r["kpi"]: r["rule"] for r in today["rows"]}
    assert all(rule[k] != "exact" for k in MODEL_KPIS), rule
    assert code == (0 if out["passed"] else 1)


def test_a_kpi_new_since_the_baseline_is_noted_and_keeps_the_exact_rule(work):
    # a baseline made before `issues` was measured: the simulation is judged on the KPIs both sides have
    def drop_issues(doc):
        for entry in doc["strategies"].values():
            del entry["kpis"]["issues"], entry["ci95"]["issues"]

    edit_baseline(work, drop_issues)
    code, out = run_json(work, "--set", "pricing.markup=0.5")
    [scenario] = out["scenarios"]
    assert scenario["notes"] == [
        "new since the baseline, not compared (--update adds them): issues; whether the simulation is unchanged "
        "is judged on the KPIs the run and the baseline both have"]
    assert all(st["same_simulation"] for st in scenario["strategies"])
    assert {r["status"] for r in rows(out) if r["kpi"] == "issues"} == {"new"}
    assert {r["rule"] for r in rows(out) if r["kpi"] in MODEL_KPIS and r["status"] != "same"} == {"exact"}
    assert code == 1

    result = invoke(work / "tiny.yaml", "--baselines", work / "baselines", "-q")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "note: new since the baseline, not compared (--update adds them): issues;" in result.stdout


def test_a_changed_scenario_is_reported_as_such_not_as_drift(work):
    text = (work / "tiny.yaml").read_text(encoding="utf-8").replace("contacts_per_day: 3000", "contacts_per_day: 3100")
    (work / "tiny.yaml").write_text(text, encoding="utf-8")
    result = invoke(work / "tiny.yaml", "--baselines", work / "baselines", "-q")
    assert result.exit_code == 1
    assert "different scenario" in result.stdout and "demand.contacts_per_day" in result.stdout
    code, out = run_json(work)
    sc = out["scenarios"][0]
    assert code == 1 and sc["status"] == "different-scenario" and sc["strategies"] == []
    assert sc["scenario_sha256"] != sc["baseline_sha256"]
    # --update accepts the change
    assert invoke(work / "tiny.yaml", "--baselines", work / "baselines", "--update", "-q").exit_code == 0
    assert run_json(work)[0] == 0


def test_a_description_change_keeps_the_baseline(work):
    text = (work / "tiny.yaml").read_text(encoding="utf-8").replace("name: small\n", "name: small\ndescription: hi\n")
    (work / "tiny.yaml").write_text(text, encoding="utf-8")
    assert run_json(work)[0] == 0


def test_a_missing_baseline_fails_with_exit_1_without_simulating(tmp_path):
    (tmp_path / "tiny.yaml").write_text(tiny_text(), encoding="utf-8")
    result = invoke(tmp_path / "tiny.yaml", "--baselines", tmp_path / "nowhere", "-q")
    assert result.exit_code == 1
    assert "no baseline" in result.stdout and "--update" in result.stdout
    out = json.loads(invoke(tmp_path / "tiny.yaml", "--baselines", tmp_path / "nowhere", "-f", "json").stdout)
    assert out["scenarios"][0]["status"] == "no-baseline" and out["scenarios"][0]["run_time_s"] == 0


def test_a_custom_tolerance_in_the_baseline_widens_a_band(work):
    # a 1 % labor-rate change moves the cost KPIs of every strategy (exactly held by default) ...
    change = ("--set", "agents.pools.phones.cost_per_hour=40.4")
    code, out = run_json(work, *change)
    assert code == 1
    assert {r["kpi"] for r in rows(out) if r["status"] == "drift"} == {
        "cost_total", "cost_labor", "cost_per_contact", "cost_per_issue", "cost_per_resolution"}
    # ... and passes once the baseline allows 2 % on those KPIs
    edit_baseline(work, lambda d: d["tolerances"].update(
        {k: {"rel": 0.02} for k in ("cost_total", "cost_labor", "cost_per_contact", "cost_per_issue", "cost_per_resolution")}))
    code, out = run_json(work, *change)
    assert code == 0, [r for r in rows(out) if r["status"] == "drift"]
    labor = [r for r in rows(out) if r["kpi"] == "cost_labor"]
    assert all(r["status"] == "within" and r["rule"] == "custom rel 2 %" for r in labor)
    # a per-strategy tolerance wins over the scenario's
    edit_baseline(work, lambda d: d["strategies"]["today"].update(tolerances={"cost_labor": {"abs": 0.001}}))
    code, out = run_json(work, *change)
    assert code == 1
    assert {(r["strategy"], r["kpi"]) for r in rows(out) if r["status"] == "drift"} == {("today", "cost_labor")}


def test_update_keeps_custom_tolerances_and_unmanaged_keys(work):
    edit_baseline(work, lambda d: (d["tolerances"].update(asa_s={"rel": 0.05, "abs": 1.0}),
                                   d["strategies"]["today"].update(tolerances={"csat": {"abs": 0.1}}),
                                   d.update(comment="owned by the CX team")))
    result = invoke(work / "tiny.yaml", "--baselines", work / "baselines", "--update", "-q")
    assert result.exit_code == 0, result.stdout + result.stderr
    doc = json.loads((work / "baselines" / "tiny.json").read_text(encoding="utf-8"))
    assert doc["tolerances"] == {"asa_s": {"rel": 0.05, "abs": 1.0}}
    assert doc["strategies"]["today"]["tolerances"] == {"csat": {"abs": 0.1}}
    assert doc["comment"] == "owned by the CX team"
    assert not [p.name for p in (work / "baselines").iterdir() if p.name != "tiny.json"], "no temporary files left"


def test_a_new_baseline_gets_an_ordinary_file_mode(made):
    umask = os.umask(0)
    os.umask(umask)
    assert (made / "baselines" / "tiny.json").stat().st_mode & 0o777 == 0o666 & ~umask


def test_update_shows_what_changed_and_exits_0(work):
    edit_baseline(work, lambda d: d["strategies"]["today"]["kpis"].update(cost_bot=1.0))
    result = invoke(work / "tiny.yaml", "--baselines", work / "baselines", "--update", "-q")
    assert result.exit_code == 0
    assert "cost_bot" in result.stdout and "changed" in result.stdout and "updated" in result.stdout


# --------------------------------------------------------------------- JUnit
def test_junit_xml_has_one_case_per_strategy_and_kpi_group(work):
    report = work / "report.xml"
    result = invoke(work / "tiny.yaml", "--baselines", work / "baselines", "--junit", report, "-q")
    assert result.exit_code == 0
    root = ET.parse(report).getroot()
    suite = root.find("testsuite")
    assert root.tag == "testsuites" and suite.get("name") == "chansim check"
    cases = suite.findall("testcase")
    assert len(cases) == int(suite.get("tests")) == len(STRATEGIES) * len(KPI_GROUPS)
    assert suite.get("failures") == "0" and not suite.findall(".//failure")
    assert {(c.get("classname"), c.get("name")) for c in cases} == {
        (f"tiny.{s}", g) for s in STRATEGIES for g in KPI_GROUPS}

    result = invoke(work / "tiny.yaml", "--baselines", work / "baselines", "--junit", report, "-q",
                    "--set", "pricing.markup=0.5")
    assert result.exit_code == 1
    suite = ET.parse(report).getroot().find("testsuite")
    failed = [c for c in suite.findall("testcase") if c.find("failure") is not None]
    assert suite.get("failures") == str(len(failed)) == str(len(STRATEGIES))
    assert {c.get("name") for c in failed} == {"cost"}
    assert "cost_channel" in failed[0].find("failure").get("message")


def test_junit_reports_a_missing_baseline_as_a_failure(tmp_path):
    (tmp_path / "tiny.yaml").write_text(tiny_text(), encoding="utf-8")
    report = tmp_path / "r.xml"
    assert invoke(tmp_path / "tiny.yaml", "--baselines", tmp_path / "b", "--junit", report).exit_code == 1
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite.get("tests") == suite.get("failures") == "1"
    assert suite.find("testcase").get("name") == "baseline"


# ----------------------------------------------------------------- bad input
def test_bad_input_exits_2(work, tmp_path):
    base = work / "baselines"
    cases = {
        "missing scenario": [work / "nope.yaml", "--baselines", base],
        "update with --set": [work / "tiny.yaml", "--baselines", base, "--update", "--set", "pricing.markup=0.5"],
        "update with --junit": [work / "tiny.yaml", "--baselines", base, "--update", "--junit", work / "r.xml"],
        "junit in a missing folder": [work / "tiny.yaml", "--baselines", base, "--junit", work / "no" / "r.xml"],
        "csv format": [work / "tiny.yaml", "--baselines", base, "--format", "csv"],
        "bad override": [work / "tiny.yaml", "--baselines", base, "--set", "agents.pools.phones.headcount=-3"],
        "baselines is a file": [work / "tiny.yaml", "--baselines", work / "tiny.yaml"],
    }
    for label, args in cases.items():
        result = invoke(*args)
        assert result.exit_code == 2, (label, result.stdout, result.stderr)
        assert "Traceback" not in result.stdout + result.stderr


def test_an_unreadable_baseline_exits_2(work):
    path = work / "baselines" / "tiny.json"
    path.write_text("{not json", encoding="utf-8")
    result = invoke(work / "tiny.yaml", "--baselines", work / "baselines")
    assert result.exit_code == 2 and "not valid JSON" in result.stderr and "tiny.json" in result.stderr
    assert invoke(work / "tiny.yaml", "--baselines", work / "baselines", "--update").exit_code == 2


@pytest.mark.parametrize("tolerances, message", [
    ({"nope": {"rel": 1}}, "no KPI named 'nope'"),
    ({"asa_s": {"rel": -1}}, "must be a number ≥ 0"),
    ({"asa_s": {"relative": 1}}, "unknown key"),
])
def test_a_bad_tolerance_exits_2(work, tolerances, message):
    edit_baseline(work, lambda d: d.update(tolerances=tolerances))
    result = invoke(work / "tiny.yaml", "--baselines", work / "baselines")
    assert result.exit_code == 2 and message in result.stderr


# ------------------------------------------------- defaults and small cases
def test_default_scenarios_and_start_date_note(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert invoke().exit_code == 2  # no scenarios/ folder
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "a.yaml").write_text(tiny_text().replace("start_date: 2026-01-05\n", ""), "utf-8")
    (tmp_path / "scenarios" / "b.yaml").write_text(tiny_text(), encoding="utf-8")
    out = json.loads(invoke("-f", "json").stdout)
    assert [s["name"] for s in out["scenarios"]] == ["a", "b"]
    assert [s["baseline"] for s in out["scenarios"]] == ["baselines/a.json", "baselines/b.json"]
    assert any("start_date" in n for n in out["scenarios"][0]["notes"]) and not out["scenarios"][1]["notes"]


def strategy(name: str, **kpis):
    values = {k: 100.0 for k in KPI_KEYS}
    values.update(kpis)
    return SimpleNamespace(name=name, kpis=values)


def baseline_of(*strategies, **extra):
    doc = {"scenario_sha256": "x", "strategies": {
        s.name: {"kpis": dict(s.kpis), "ci95": {k: 1.0 for k in KPI_KEYS}} for s in strategies}}
    doc.update(extra)
    return doc


def test_compare_rules():
    base = baseline_of(strategy("a"))
    [same] = compare([strategy("a")], base)
    assert same.passed and same.same_simulation and {r.status for r in same.rows} == {"same"}
    # a model KPI moving while the simulation is unchanged: exact rule
    [cost] = compare([strategy("a", cost_channel=100.001)], base)
    assert not cost.passed and next(r for r in cost.rows if r.kpi == "cost_channel").rule == "exact"
    # the simulation moved: bands for every KPI (3 × ci95 = 3 here, = 3 % of 100)
    [moved] = compare([strategy("a", contacts=102.5, cost_channel=102.9)], base)
    assert moved.passed and not moved.same_simulation
    moved_rows = {r.kpi: r.status for r in moved.rows if r.status != "same"}
    assert moved_rows == {"contacts": "within", "cost_channel": "within"}
    [far] = compare([strategy("a", contacts=104.0)], base)
    assert not far.passed
    # null on one side only is a drift; a KPI the baseline lacks is new, not a failure
    [null] = compare([strategy("a", asa_s=None)], base)
    assert not null.passed and next(r for r in null.rows if r.kpi == "asa_s").rule == "now null"
    old = baseline_of(strategy("a"))
    del old["strategies"]["a"]["kpis"]["csat"]
    [new] = compare([strategy("a")], old)
    assert new.passed and next(r for r in new.rows if r.kpi == "csat").status == "new"
    # a simulation KPI the baseline lacks leaves the simulation judged on the others: still the exact rule
    old = baseline_of(strategy("a"))
    del old["strategies"]["a"]["kpis"]["frt_s"]
    [tight] = compare([strategy("a", cost_channel=100.001)], old)
    assert tight.same_simulation and tight.new_kpis == ["frt_s"]
    channel = next(r for r in tight.rows if r.kpi == "cost_channel")
    assert (channel.rule, channel.status) == ("exact", "drift")  # the band (3 % of 100) would let it pass
    # a strategy without a baseline fails
    [extra] = compare([strategy("b")], base)
    assert not extra.passed and "no baseline" in extra.message


def test_tolerance_defaults_cover_every_kpi():
    assert set(DEFAULT_TOLERANCES) == set(KPI_KEYS)
    assert set(MODEL_KPIS) | set(SIMULATION_KPIS) == set(KPI_KEYS) and not set(MODEL_KPIS) & set(SIMULATION_KPIS)
    assert sorted(k for g in KPI_GROUPS.values() for k in g) == sorted(KPI_KEYS)
    assert EXACT.allowed(1e6, 5.0) == pytest.approx(1e-3)
    assert Tolerance(rel=0.02, abs=1.0, ci=3).allowed(1000, 10) == 30


def test_a_tolerance_may_name_a_channel_breakdown(work):
    # the baseline stores every breakdown; a tolerance that names one has it checked
    doc = json.loads((work / "baselines" / "tiny.json").read_text(encoding="utf-8"))
    entry = doc["strategies"][STRATEGIES[0]]
    assert "voice.service_level" in entry["breakdowns"] and "pool.phones.occupancy" in entry["breakdowns"]
    entry["breakdowns"]["voice.service_level"] = entry["breakdowns"]["voice.service_level"] - 0.2
    entry["tolerances"] = {"voice.service_level": {"abs": 0.01}}
    (work / "baselines" / "tiny.json").write_text(json.dumps(doc), encoding="utf-8")
    code, out = run_json(work)
    assert code == 1
    bad = {(r["strategy"], r["kpi"]) for r in rows(out) if r["status"] == "drift"}
    assert bad == {(STRATEGIES[0], "voice.service_level")}


def test_a_tolerance_naming_an_unknown_breakdown_kpi_is_refused(work):
    doc = json.loads((work / "baselines" / "tiny.json").read_text(encoding="utf-8"))
    doc["tolerances"] = {"voice.speed": {"abs": 1}}
    (work / "baselines" / "tiny.json").write_text(json.dumps(doc), encoding="utf-8")
    result = invoke(work / "tiny.yaml", "--baselines", work / "baselines", "-q")
    assert result.exit_code == 2 and "voice.speed" in result.stderr
