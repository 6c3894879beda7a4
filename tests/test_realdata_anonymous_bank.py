"""The real call log of "Anonymous Bank" (February 1999, Technion SEE
Center) read as it is, fitted on its first two weeks and backtested on the
last two, from ../shared/realdata next to the project (skipped without it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from chansim.cli import app

LOG = (Path(__file__).parents[2] / "shared" / "realdata" / "anonymous-bank-1999-02"
       / "data_anonymous_bank_february.txt")

pytestmark = pytest.mark.skipif(not LOG.exists(), reason=f"the real call log is not at {LOG}")


def _fit_and_backtest(folder: Path, *extra: str):
    fitted = folder / "fitted.yaml"
    runner = CliRunner()
    fit = runner.invoke(app, ["fit", str(LOG), "--preset", "anonymous-bank", "--train", "1999-02-01..1999-02-14",
                              "--out", str(fitted), "--format", "json", *extra])
    assert fit.exit_code == 0, fit.output
    back = runner.invoke(app, ["backtest", str(fitted), str(LOG), "--preset", "anonymous-bank", "--test",
                               "1999-02-15..1999-02-28", "--replications", "5", "--format", "json", "--quiet"])
    assert back.exit_code == 0, back.output
    return fitted, json.loads(fit.stdout), json.loads(back.stdout)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return _fit_and_backtest(tmp_path_factory.mktemp("anonymous-bank"))


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    return _fit_and_backtest(tmp_path_factory.mktemp("anonymous-bank-calibrated"), "--calibrate")


def test_every_row_set_aside_or_corrected_is_counted_by_reason(runs):
    _, fit, _ = runs
    rows = {r["reason"]: r["rows"] for r in fit["rows"]}
    assert rows["outcome PHANTOM"] == 278
    assert rows["never queued and never answered (ended in the IVR)"] == 1941
    assert rows["outcome says abandoned but service was recorded"] == 97
    assert rows["answered without service times"] == 50
    skewed = sum(n for reason, n in rows.items() if reason.startswith("service starting"))
    assert 9_000 < skewed < 10_100


def test_the_fitted_scenario_models_what_the_log_shows(runs):
    fitted, _, _ = runs
    text = fitted.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    hours = data["channels"]["voice"]["hours"]
    assert hours["fri"].endswith("-14:00") and hours["sat"].endswith("-24:00")
    names = {i["name"] for i in data["demand"]["intents"]}
    assert {"PS-p0", "PS-p2"} <= names
    assert str(data["pricing"]["date"]) > "1999-02-28"
    assert "assumed" in text.split("market:")[1].splitlines()[0]
    assert data["agents"]["pools"][0]["interval_minutes"] == 15


def test_the_backtest_reports_days_overall_classes_and_volume(runs):
    _, _, back = runs
    assert [d["date"] for d in back["daily"]][:1] == ["1999-02-15"] and len(back["daily"]) == 14
    for day in back["daily"]:
        assert set(day["actual"]) == set(day["simulated"]) == {"contacts", "service_level", "abandon_rate", "asa_s"}
    assert back["overall"]["actual"]["contacts"] == sum(d["actual"]["contacts"] for d in back["daily"])
    assert {p["priority"] for p in back["by_segment"]["priority"]} == {"0", "1", "2"}
    assert back["volume"]["actual"] == back["overall"]["actual"]["contacts"]
    assert back["errors"]["daily_volume_wape"] < 0.2


def test_calibration_writes_the_shrinkage_that_reproduces_the_training_days(calibrated):
    fitted, fit, back = calibrated
    cal = fit["calibration"]
    pool = yaml.safe_load(fitted.read_text(encoding="utf-8"))["agents"]["pools"][0]
    assert 0 < pool["shrinkage"] < 0.9 and pool["shrinkage"] == cal["shrinkage"]
    assert "calibrated on the training days, implied availability" in fitted.read_text(encoding="utf-8")
    assert cal["period"] == ["1999-02-01", "1999-02-14"]
    assert cal["availability"] == pytest.approx(1 - cal["shrinkage"])
    assert 0 < cal["occupancy"] <= 1
    # the calibrated simulation of the training days is near the log's
    assert abs(cal["simulated"]["abandon_rate"] - cal["actual"]["abandon_rate"]) < 0.03
    assert abs(cal["simulated"]["asa_s"] - cal["actual"]["asa_s"]) / cal["actual"]["asa_s"] < 0.25
    assert any(p["parameter"] == "voice.agents.shrinkage" for p in fit["parameters"])
    assert "shrinkage" in back["staffing"]


def test_calibration_brings_the_held_out_weeks_closer(runs, calibrated):
    _, _, plain = runs
    _, _, back = calibrated
    actual = back["overall"]["actual"]
    assert actual == plain["overall"]["actual"]
    for key in ("service_level", "abandon_rate", "asa_s"):
        assert abs(back["overall"]["simulated"][key] - actual[key]) < abs(plain["overall"]["simulated"][key] - actual[key])
    assert back["errors"]["daily_service_level_mae_points"] < plain["errors"]["daily_service_level_mae_points"]
    assert back["errors"]["overall_asa_relative_error"] < plain["errors"]["overall_asa_relative_error"]


@pytest.mark.xfail(strict=True, reason="calibrated, one shrinkage for every hour: the hourly volume WAPE (0.23) "
                                       "and the daily service level (MAE 17 points) miss, and the classes' priorities "
                                       "do not reproduce the priority-2 service level (59 % simulated vs 21 %)")
def test_the_backtest_reproduces_the_held_out_weeks(calibrated):
    _, _, back = calibrated
    errors = back["errors"]
    assert errors["hourly_volume_wape"] <= 0.15
    assert errors["daily_service_level_mae_points"] <= 5
    assert errors["daily_abandon_rate_mae_points"] <= 3
    assert errors["overall_asa_relative_error"] <= 0.25
    for p in back["by_segment"]["priority"]:
        if p["priority"] in ("0", "2"):
            assert abs(p["actual"]["service_level"] - p["simulated"]["service_level"]) <= 0.08
