"""``chansim fit`` as users run it on the shipped example exports: the
scenario validates and runs, every fitted number says where it came from,
JSON output parses, the report is written; the guide's samples are real."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import chansim
from chansim.cli import app
from chansim.studies.fit.exports import read_export

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "exports"
FILES = [str(EXAMPLES / n) for n in ("interval-report.csv", "contact-records.csv", "chat-messages.csv")]
MAP = ["--map", "timestamp=SentAt,text=Body"]
GUIDE = ROOT / "docs" / "howto" / "fit-a-scenario-to-your-data.md"
runner = CliRunner()


@pytest.fixture(scope="module")
def fitted(tmp_path_factory) -> tuple[Path, Path, dict]:
    folder = tmp_path_factory.mktemp("fit")
    out, report = folder / "fitted.yaml", folder / "report"
    result = runner.invoke(app, ["fit", *FILES, *MAP, "--out", str(out), "--report", str(report), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return out, report, json.loads(result.stdout)


def test_the_fitted_scenario_validates_and_runs(fitted):
    out, _, _ = fitted
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0
    run = runner.invoke(app, ["run", str(out), "--days", "1", "--replications", "2", "--format", "json", "--quiet"])
    assert run.exit_code == 0, run.stderr
    kpis = json.loads(run.stdout)["strategies"][0]["kpis"]
    assert kpis["contacts"] > 100 and 0 < kpis["service_level"] <= 1


def test_every_fitted_number_says_where_it_came_from(fitted):
    out, _, _ = fitted
    lines = out.read_text(encoding="utf-8").splitlines()
    data = yaml.safe_load("\n".join(lines))
    assert data["channels"]["voice"]["handle_time"]["dist"] in ("lognormal", "gamma", "exponential", "empirical")
    section = None
    unexplained = []
    for i, line in enumerate(lines):
        if re.match(r"^\w", line):
            section = line.split(":")[0]
        if section not in ("demand", "channels", "agents", "repeats") or line.lstrip().startswith("#"):
            continue
        value = line.split(":", 1)[1] if ":" in line else line
        if not re.search(r"\d", value.split("#")[0]):
            continue
        explained = "#" in line or lines[i - 1].lstrip().startswith("#")
        if not explained:
            unexplained.append(line)
    assert not unexplained, unexplained
    text = "\n".join(lines)
    # rows, period and method, e.g. for handle time and patience
    handle = next(line for line in lines if "handle_time:" in line)
    assert re.search(r"# [\d,]+ answered voice contacts, 2026-03-02 to 2026-03-08 \(contact-records.csv\); "
                     r"\w+ MLE, best AIC", handle)
    assert "censored" in next(line for line in lines if line.strip().startswith("patience:"))
    assert "assumed" in text


def test_json_lists_parameters_with_intervals_and_the_implausible_call(fitted):
    _, _, doc = fitted
    names = {p["parameter"] for p in doc["parameters"]}
    assert {"demand.contacts_per_day", "channels.voice.handle_time.mean", "channels.voice.patience.mean",
            "channels.webchat.turns.mean", "channels.webchat.non_gsm_share"} <= names
    for p in doc["parameters"]:
        assert p["ci_low"] is None or p["ci_low"] <= p["value"] <= p["ci_high"], p
    # examples/exports/generate.py keeps one call open for five hours
    assert [(i["rows"], i["reason"]) for i in doc["implausible"]] == [(1, "call handled longer than 4 h")]
    assert any("left out of the fit" in note for note in doc["notes"])


def test_the_fit_recovers_the_example_center(fitted):
    """examples/exports/generate.py made the exports with these numbers."""
    _, _, doc = fitted
    estimates = {p["parameter"]: p for p in doc["parameters"]}
    for name, truth in {"channels.voice.handle_time.mean": 360, "channels.voice.handle_time.cv": 0.7,
                        "channels.voice.patience.mean": 150, "channels.webchat.non_gsm_share": 0.15,
                        "channels.webchat.customer_reply_delay.mean": 50}.items():
        e = estimates[name]
        half = max(e["ci_high"] - e["value"], e["value"] - e["ci_low"])
        assert abs(e["value"] - truth) <= 2 * half, (name, e)


def test_the_report_has_the_table_and_figures(fitted):
    _, report, _ = fitted
    names = sorted(p.name for p in report.iterdir() if not p.name.startswith("."))  # the folder marker aside
    assert names == sorted(["parameters.csv", "notes.txt", "volume_by_weekday.png", "handle_time_voice.png",
                            "handle_time_webchat.png", "patience_voice.png", "patience_webchat.png"])
    header = (report / "parameters.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "parameter,value,ci_low,ci_high,method,data"


def test_table_output_and_targets(tmp_path):
    out = tmp_path / "s.yaml"
    result = runner.invoke(app, ["fit", *FILES[:2], "--out", str(out), "--target", "voice=30", "--name", "mine"])
    assert result.exit_code == 0, result.stderr
    assert "channels.voice.handle_time.mean" in result.stdout and "95 % CI" in result.stdout
    scenario = chansim.load_scenario(out)
    assert scenario.name == "mine" and scenario.channels["voice"].service_level_target_s == 30
    bad = runner.invoke(app, ["fit", *FILES[:2], "--out", str(out), "--target", "voice=soon"])
    assert bad.exit_code == 2 and "--target" in bad.stderr


def test_the_python_face_returns_scenario_and_report():
    result = chansim.fit(FILES[:2])
    assert isinstance(result.scenario, chansim.Scenario)
    assert result.report.table().shape[1] == 6
    assert result.scenario.start_date.isoformat() == "2026-03-02"


def test_the_guide_samples_are_read_as_the_formats_they_show(tmp_path):
    samples = re.findall(r"^```csv\n(.*?)^```", GUIDE.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL)
    kinds = []
    for i, body in enumerate(samples):
        path = tmp_path / f"sample-{i}.csv"
        path.write_text(body, encoding="utf-8")
        kinds.append(read_export(path, {"timestamp": "SentAt", "text": "Body"})[0])
    assert kinds == ["intervals", "contacts", "messages"]


def test_an_interval_report_alone_gives_a_valid_scenario_and_says_what_it_assumed(tmp_path):
    result = chansim.fit([FILES[0]])
    voice = result.scenario.channels["voice"]
    assert voice.handle_time.dist == "lognormal" and 300 < voice.handle_time.mean < 420
    assert voice.patience is not None and voice.patience.dist == "exponential"
    assert "an interval report holds averages only" in result.yaml
    assert "rough: contact records give a censored fit" in result.yaml
    assert result.report.estimate("channels.voice.handle_time.mean").covers(360.0)


def test_a_per_weekday_shape_is_written_per_weekday_and_said(tmp_path):
    import numpy as np
    import pandas as pd

    from chansim.scenario.profiles import intraday_by_weekday

    def report(days: int):
        hours = pd.date_range("2026-01-05", periods=days * 24, freq="h")
        offered = [(30 if (h.day_of_week == 5) == (h.hour >= 16) and 8 <= h.hour < 20 else 0) for h in hours]
        path = tmp_path / f"report-{days}.csv"
        pd.DataFrame({"interval_start": hours, "offered": offered, "handled": offered,
                      "aht_s": [300.0 + (i % 7) for i in range(len(hours))]}).to_csv(path, index=False)
        return chansim.fit([path])

    # a week: Saturday's contacts come 16:00-20:00, every other day's 08:00-16:00
    result = report(7)
    assert "differs by weekday" in result.yaml and "one shape per weekday" in result.yaml
    assert any("one shape per weekday written" in note for note in result.report.notes)
    shapes = intraday_by_weekday(result.scenario.demand)
    np.testing.assert_allclose(shapes[5, 16:20], 0.25)
    np.testing.assert_allclose(shapes[0, 8:16], 0.125)
    assert shapes[5, 8] == 0 and shapes[0, 16] == 0
    # six days (no Sunday): the shape per weekday cannot be written; the all-days average, said
    short = report(6)
    assert isinstance(short.scenario.demand.intraday, tuple)
    assert "differs by weekday" in short.yaml and "all-days average" in short.yaml
    assert any("not every weekday seen" in note for note in short.report.notes)
    assert "sized for 85% occupancy" in result.yaml


def test_staffing_that_differs_by_weekday_is_written_per_weekday(tmp_path):
    import pandas as pd

    from chansim.scenario.rosters import weekly_roster
    from chansim.studies.fit.fit_staffing import by_weekday

    assert by_weekday([[1] * 24] * 5 + [[2] * 24, [3] * 24]) == {"mon-fri": [1] * 24, "sat": [2] * 24, "sun": [3] * 24}
    assert list(by_weekday([[1] * 24, [2] * 24] + [[1] * 24] * 5)) == ["mon", "tue", "wed-sun"]

    hours = pd.date_range("2026-01-05", periods=14 * 24, freq="h")
    weekend = hours.day_of_week >= 5
    open_ = (hours.hour >= 8) & (hours.hour < 20)
    offered = [20 if o else 0 for o in open_]
    staffed = [(2 if w else 6) if o else 0 for w, o in zip(weekend, open_)]
    path = tmp_path / "report.csv"
    pd.DataFrame({"interval_start": hours, "offered": offered, "handled": offered, "aht_s": 300.0,
                  "agents_staffed": staffed}).to_csv(path, index=False)
    result = chansim.fit([path])
    pool = result.scenario.agents.pools[0]
    assert pool.schedule == {"mon-fri": tuple([0] * 8 + [6] * 12 + [0] * 4),
                             "sat-sun": tuple([0] * 8 + [2] * 12 + [0] * 4)}
    assert "staffing differs by weekday" in result.yaml
    _, roster = weekly_roster(pool)  # Monday first, hour by hour
    assert roster[8] == 6 and roster[5 * 24 + 8] == 2 and roster[6 * 24 + 7] == 0

    # no staffing in the data: sized for the load of each weekday (the weekend has half the contacts)
    halved = [v // 2 if w else v for v, w in zip(offered, weekend)]
    path = tmp_path / "volumes.csv"
    pd.DataFrame({"interval_start": hours, "offered": halved, "handled": halved, "aht_s": 300.0}).to_csv(path, index=False)
    sized = chansim.fit([path]).scenario.agents.pools[0].schedule
    assert isinstance(sized, dict) and set(sized) == {"mon-fri", "sat-sun"}
    assert sum(sized["sat-sun"]) < sum(sized["mon-fri"])
