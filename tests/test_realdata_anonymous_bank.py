"""The real call log of "Anonymous Bank" (February 1999, Technion SEE
Center) read as it is, fitted on its first two weeks and backtested on the
last two, from ../shared/realdata next to the project (skipped without it)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from chansim.cli import app
from chansim.studies.fit.exports import read_exports
from chansim.studies.fit.log_format import log_format
from chansim.studies.fit.noise_floor import (hourly_counts, own_means_wape, poisson_wape, wape,
                                             weekday_hour_forecast)

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
    assert "shrinkage" in back["staffing"] and back["staffing"].startswith("each date's own agents on duty")


def test_calibration_brings_the_held_out_weeks_closer(runs, calibrated):
    _, _, plain = runs
    _, _, back = calibrated
    actual = back["overall"]["actual"]
    assert actual == plain["overall"]["actual"]
    for key in ("service_level", "abandon_rate", "asa_s"):
        assert abs(back["overall"]["simulated"][key] - actual[key]) < abs(plain["overall"]["simulated"][key] - actual[key])
    assert back["errors"]["daily_service_level_mae_points"] < plain["errors"]["daily_service_level_mae_points"]
    assert back["errors"]["overall_asa_relative_error"] < plain["errors"]["overall_asa_relative_error"]


@pytest.fixture(scope="module")
def log_contacts():
    exports = read_exports([LOG], None, None, log_format("anonymous-bank"))
    return exports.contacts[exports.contacts["plausible"]]


def test_the_hourly_volume_target_is_above_the_noise_floor_but_beyond_the_training_shape(log_contacts, runs):
    arrival = log_contacts["arrival"]
    train = hourly_counts(arrival[arrival < "1999-02-15"], pd.Timestamp("1999-02-01"), pd.Timestamp("1999-02-14"))
    test = hourly_counts(arrival[arrival >= "1999-02-15"], pd.Timestamp("1999-02-15"), pd.Timestamp("1999-02-28"))
    # the floors: an oracle with the hold-out's own weekday × hour means, Poisson noise around each hour's count
    assert 0.08 < poisson_wape(test) < own_means_wape(test) < 0.12
    # the hold-out has about 9 % fewer calls than the training fortnight
    assert 0.88 < test.sum() / train.sum() < 0.94
    # the training weeks' weekday × hour means miss by more than the target, even scaled to the hold-out's level
    shape = weekday_hour_forecast(train, test)
    assert wape(shape, test.to_numpy()) > 0.2
    assert wape(shape * test.sum() / shape.sum(), test.to_numpy()) > 0.18
    _, _, back = runs
    assert back["volume"]["floor"]["own_means_wape"] == pytest.approx(own_means_wape(test), abs=1e-4)


def test_the_priority_classes_are_labelled_by_the_queue_the_call_found(log_contacts):
    """Arrivals of a class independent of the queue see it as often as a
    random instant does (Poisson arrivals see time averages); here priority 2
    arrives to a queue twice as often and priority 0 less often: the label
    follows the queue's state, which no queue order can reproduce."""
    t = log_contacts["arrival"].to_numpy().astype("datetime64[s]").astype(np.int64)
    left = t + log_contacts["wait_s"].fillna(0).to_numpy().astype(np.int64)
    waited = left > t
    starts, ends = np.sort(t[waited]), np.sort(left[waited])

    def queued(at):
        return np.searchsorted(starts, at, "left") - np.searchsorted(ends, at, "right")

    hours = np.unique(t // 3600)
    instants = (hours[:, None] * 3600 + np.arange(0, 3600, 10)[None, :]).ravel()
    time_share = float((queued(instants) > 0).mean())
    seen = {p: float((queued(t[(log_contacts["priority"].astype(str) == p).to_numpy()] - 1) > 0).mean())
            for p in ("0", "2")}
    assert 0.3 < time_share < 0.45
    assert seen["0"] < time_share and seen["2"] > 1.5 * time_share


@pytest.mark.xfail(strict=True, reason="the hourly volume WAPE (0.23; floor 0.10, but the training fortnight's "
                                       "weekday x hour shape scores 0.21 even at the hold-out's level), the daily "
                                       "service level (MAE 17 points with the weekly staffing pattern, 15.5 with each "
                                       "date's own agents on duty) and abandon rate (MAE 6, 4.9) miss: the hold-out's "
                                       "calls last 12 % longer than the training fortnight's (187 s against 167 s) "
                                       "and no one shrinkage reproduces service level, abandon rate and ASA together "
                                       "(the daily service level MAE stays above 12 points at any shrinkage); and the "
                                       "priority classes are labelled by the queue the call found (priority 2 arrives "
                                       "to a queue 72 % of the time, a random instant 37 %): no queue order reproduces "
                                       "their service levels (simulated 60-62 % and 59-61 %, actual 73 % and 21 %)")
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
