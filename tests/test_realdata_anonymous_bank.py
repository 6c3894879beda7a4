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
    fitted, fit, _ = runs
    text = fitted.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    hours = data["channels"]["voice"]["hours"]
    assert hours["fri"].endswith("-14:00") and hours["sat"].endswith("-24:00")
    names = {i["name"] for i in data["demand"]["intents"]}
    assert {"PS-p0", "PS-p2"} <= names
    assert str(data["pricing"]["date"]) > "1999-02-28"
    assert "assumed" in text.split("market:")[1].splitlines()[0]
    assert data["agents"]["pools"][0]["interval_minutes"] == 15
    # the priority labels follow the queue the call found: one first-come-first-served queue
    assert {i["priority"] for i in data["demand"]["intents"]} == {0}
    assert "first-come-first-served" in text
    assert any(n.startswith("queue order: first come, first served") and "PS-p0" in n for n in fit["notes"])


def test_the_fitted_scenario_dated_1999_is_accepted_by_validate_and_run(runs):
    fitted, _, _ = runs
    runner = CliRunner()
    assert runner.invoke(app, ["validate", str(fitted)]).exit_code == 0
    run = runner.invoke(app, ["run", str(fitted), "--replications", "2", "--days", "2", "--format", "json", "--quiet"])
    assert run.exit_code == 0, run.output
    kpis = json.loads(run.stdout)["strategies"][0]["kpis"]
    assert kpis["contacts"] > 0 and 0 <= kpis["service_level"] <= 1


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


@pytest.mark.xfail(strict=True, reason="the daily targets need the hold-out's own demand: the hourly volume WAPE "
                                       "(0.23) is above 0.15 as every week of the month forecast by the other three "
                                       "is (0.16-0.28, level known); the daily service level (MAE 13) and abandon "
                                       "rate (4.9) miss as Erlang A fed the training fortnight misses at every "
                                       "shrinkage (8.8 and 4.1 at best) and meets them fed the hold-out's arrivals; "
                                       "and the priority labels follow the queue the call found, which no queue "
                                       "order reproduces (simulated 57 % and 58 %, actual 73 % and 21 %): see the "
                                       "tests above and the how-to")
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


def test_every_week_forecast_by_the_other_three_at_its_own_level_misses_the_volume_target(log_contacts):
    """The month's own week-to-week change: each week's hours forecast by the
    other three weeks' mean for the weekday and hour, scaled to the week's
    actual total (a level no forecast knows), miss WAPE 0.15 every time."""
    arrival = log_contacts["arrival"]
    counts = hourly_counts(arrival, pd.Timestamp("1999-02-01"), pd.Timestamp("1999-02-28")).to_numpy(dtype=float)
    weeks = counts.reshape(4, 7 * 24)
    scores = []
    for i in range(4):
        forecast = np.delete(weeks, i, axis=0).mean(axis=0)
        scores.append(wape(forecast * weeks[i].sum() / forecast.sum(), weeks[i]))
    assert min(scores) > 0.15, scores


def _daily_erlang_a(demand: dict, agents: dict, aht: dict, patience_s: float, shrinkage: float) -> dict:
    """Erlang A in each quarter hour (calls ``demand[q]`` in 15 minutes,
    ``agents[q] × (1 − shrinkage)`` rounded, the day's handle time): each
    date's service level (20 s) and abandon rate, weighted by calls."""
    from chansim.analytic.chains import erlang_a

    days: dict = {}
    for q, n in demand.items():
        if n <= 0:
            continue
        heads = int(round(agents.get(q, 0.0) * (1.0 - shrinkage)))
        day = q.normalize()
        if heads < 1:
            sl, ab = 0.0, 1.0
        else:
            m = _erlang_a_cached(heads, round(n, 6), round(aht[day], 3), round(patience_s, 3), erlang_a)
            sl, ab = m
        s = days.setdefault(day, [0.0, 0.0, 0.0])
        s[0] += n * sl
        s[1] += n * ab
        s[2] += n
    return {d: (v[0] / v[2], v[1] / v[2]) for d, v in days.items()}


_CACHE: dict = {}


def _erlang_a_cached(heads, n, aht, patience, erlang_a):
    key = (heads, n, aht, patience)
    if key not in _CACHE:
        m = erlang_a(heads, n / 900.0, aht, patience)
        _CACHE[key] = (m.service_level(20.0), m.abandon_rate)
    return _CACHE[key]


def test_an_independent_model_fed_the_training_fortnight_cannot_reach_the_daily_targets(log_contacts):
    """Erlang A (M/M/N+M, stationary per quarter hour) staffed like the
    backtest, each hold-out date by its own agents on duty, at every
    shrinkage from 0 to 0.6: fed the training fortnight's demand (weekday ×
    quarter-hour means), handle time and patience, no shrinkage brings the
    daily service level within 5 points or the abandon rate within 3 (mean
    absolute errors over the 14 hold-out days). Fed what only the hold-out
    knows (its own quarter-hour arrivals and each day's handle time), the
    same model meets both: the daily targets need the hold-out's demand."""
    from chansim.studies.fit.agents_on_duty import agents_on_duty

    c = log_contacts
    split = pd.Timestamp("1999-02-15")
    train, test = c[c["arrival"] < split], c[c["arrival"] >= split]
    on = agents_on_duty(c)
    agents = on[on["hour_start"] >= split].set_index("hour_start")["agents"].to_dict()
    days = pd.date_range(split, "1999-02-28")

    def rates(frame):
        answered = frame["answer"].notna()
        return (float(frame.loc[answered, "handle_s"].mean()),
                float(frame["wait_s"].fillna(0).sum() / (~answered).sum()))  # exponential patience MLE

    actual = {}
    for day in days:
        f = test[test["arrival"].dt.normalize() == day]
        answered = f["answer"].notna()
        actual[day] = (float((answered & (f["wait_s"].fillna(0) <= 20)).mean()), float((~answered).mean()))

    def mae(model):
        return (100 * np.mean([abs(model[d][0] - actual[d][0]) for d in days]),
                100 * np.mean([abs(model[d][1] - actual[d][1]) for d in days]))

    quarters = train["arrival"].dt.floor("15min").value_counts()
    weekdays = pd.Series(pd.date_range("1999-02-01", "1999-02-14").day_of_week).value_counts()
    cell = quarters.groupby([quarters.index.day_of_week, quarters.index.hour * 4 + quarters.index.minute // 15]).sum()
    forecast = {}
    for day in days:
        for k in range(96):
            n = float(cell.get((day.day_of_week, k), 0.0)) / weekdays[day.day_of_week]
            forecast[day + pd.Timedelta(minutes=15 * k)] = n
    aht, patience = rates(train)
    fitted = [mae(_daily_erlang_a(forecast, agents, dict.fromkeys(days, aht), patience, s))
              for s in np.arange(0.0, 0.61, 0.05)]
    assert min(sl for sl, _ in fitted) > 5 and min(ab for _, ab in fitted) > 3, fitted

    own = test["arrival"].dt.floor("15min").value_counts().astype(float).to_dict()
    day_aht = {day: rates(test[test["arrival"].dt.normalize() == day])[0] for day in days}
    oracle = [mae(_daily_erlang_a(own, agents, day_aht, rates(test)[1], s)) for s in np.arange(0.0, 0.61, 0.05)]
    assert any(sl <= 5 and ab <= 3 for sl, ab in oracle), oracle
