"""The estimators behind ``chansim fit``, against known answers: the
Kaplan-Meier curve of a textbook data set, censored maximum likelihood by
hand, the bias of averaging abandoned waits, AIC choosing the family that
made the data, and the weekly and intraday profiles of known counts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from chansim.studies.fit.durations import fit_duration
from chansim.studies.fit.estimate import TooLittleData
from chansim.studies.fit.patience import censored_exponential, fit_patience, kaplan_meier
from chansim.studies.fit.volumes import fit_volumes


def test_kaplan_meier_matches_the_textbook_6mp_leukaemia_curve():
    # Freireich et al. (1963), 6-MP arm: remission times in weeks, + = censored
    events = [6, 6, 6, 7, 10, 13, 16, 22, 23]
    censored = [6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35]
    t = np.array(events + censored, dtype=float)
    e = np.array([True] * len(events) + [False] * len(censored))
    km = kaplan_meier(t, e)
    assert km["time"].tolist() == [6, 7, 10, 13, 16, 22, 23]
    assert km["at_risk"].tolist() == [21, 17, 15, 12, 11, 7, 6]
    assert km["survival"].round(3).tolist() == [0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448]
    # Greenwood standard error at t = 6: S * sqrt(3 / (21 * 18)) = 0.0764 (the upper bound is clipped at 1)
    se6 = (km["survival"].iloc[0] - km["low"].iloc[0]) / 1.96
    assert km["high"].iloc[0] == 1.0
    assert se6 == pytest.approx(0.0764, abs=5e-4)


def test_censored_exponential_is_time_at_risk_over_events():
    t = np.array([10.0, 20.0, 30.0, 40.0])
    e = np.array([True, False, True, False])
    mean, (low, high), loglik = censored_exponential(t, e)
    assert mean == pytest.approx(50.0)  # 100 s at risk, 2 abandons
    assert low < 50 < high
    assert loglik == pytest.approx(-2 * math.log(50) - 2)


def test_abandoned_waits_alone_are_badly_biased_and_the_censored_fit_is_not():
    """Patience exponential with mean 300 s; agents answer after an
    exponential 60 s wait: most customers are answered before they would
    give up, and those who abandon are the impatient ones."""
    rng = np.random.default_rng(5)
    n = 20_000
    patience = rng.exponential(300.0, n)
    answer_after = rng.exponential(60.0, n)
    abandoned = patience < answer_after
    waits = np.minimum(patience, answer_after)
    naive = waits[abandoned].mean()
    fit = fit_patience(waits, abandoned)
    assert naive < 0.25 * 300  # the naive mean is about 50 s: off by a factor of 6
    assert fit.dist.dist == "exponential"
    assert fit.mean_ci[0] <= 300 <= fit.mean_ci[1]
    assert abs(fit.dist.expected - 300) < 0.1 * 300
    assert fit.naive_mean == pytest.approx(naive)


def test_censored_lognormal_patience_is_recovered_and_chosen():
    rng = np.random.default_rng(9)
    n = 20_000
    sigma2 = math.log1p(1.2**2)
    patience = rng.lognormal(math.log(200) - sigma2 / 2, math.sqrt(sigma2), n)
    answer_after = rng.exponential(150.0, n)
    abandoned = patience < answer_after
    fit = fit_patience(np.minimum(patience, answer_after), abandoned)
    assert fit.dist.dist == "lognormal"
    assert fit.mean_ci[0] <= 200 <= fit.mean_ci[1]
    assert fit.cv_ci[0] <= 1.2 <= fit.cv_ci[1]


def test_no_abandons_means_no_patience():
    assert fit_patience(np.array([1.0, 2.0, 3.0]), np.array([False, False, False])) is None


@pytest.mark.parametrize("family", ["lognormal", "gamma", "exponential"])
def test_aic_picks_the_family_that_made_the_data(family):
    rng = np.random.default_rng(3)
    n = 5000
    if family == "lognormal":
        x = rng.lognormal(5.5, 0.8, n)
    elif family == "gamma":
        x = rng.gamma(2.5, 100.0, n)
    else:
        x = rng.exponential(300.0, n)
    fit = fit_duration(x)
    assert fit.family == family
    assert fit.mean_ci[0] <= x.mean() * 1.02 and fit.mean_ci[1] >= x.mean() * 0.98
    assert fit.ks_pvalue > 0.01


def test_a_bimodal_handle_time_is_left_empirical():
    rng = np.random.default_rng(4)
    x = np.concatenate([rng.normal(60, 5, 3000), rng.normal(600, 30, 3000)]).clip(1)
    fit = fit_duration(x)
    assert fit.family == "empirical"
    assert fit.dist.expected == pytest.approx(x.mean(), rel=0.02)


def test_too_few_observations_say_how_many_are_needed():
    with pytest.raises(TooLittleData) as info:
        fit_duration(np.arange(1, 12, dtype=float), what="answered calls")
    assert info.value.have == 11 and info.value.need == 30
    assert "11 answered calls; at least 30 are needed" in str(info.value)


def test_profiles_of_known_counts():
    hours = pd.date_range("2026-01-05", periods=14 * 24, freq="h")  # two weeks from a Monday
    weekly = np.array([2.0, 1, 1, 1, 1, 1, 0.5])
    intraday = np.zeros(24)
    intraday[9:17] = [1, 2, 3, 4, 4, 3, 2, 1]
    counts = 10 * weekly[hours.day_of_week] * intraday[hours.hour]
    hourly = pd.DataFrame({"channel": "voice", "hour_start": hours, "offered": counts})
    fit = fit_volumes(hourly, "test")
    assert fit.days == 14 and fit.all_weekdays
    assert np.allclose(fit.weekly, weekly / weekly.mean(), atol=1e-3)
    assert np.allclose(np.array(fit.intraday) / 100, intraday / intraday.sum(), atol=1e-4)
    assert fit.contacts_per_day.value == pytest.approx(counts.sum() / 14)
    assert not fit.weekday_shapes_differ  # the same shape every day


def test_repeats_from_customer_ids():
    from chansim.studies.fit.repeats import fit_repeats

    t = pd.Timestamp("2026-03-02 09:00")
    rows = [  # customer, channel, arrival (h after t), answered, duration (h)
        ("A", "voice", 0, True, 0.1), ("A", "voice", 24.1, True, 0.1),  # back after 24 h, same channel
        ("B", "voice", 1, False, 0.05), ("B", "webchat", 3.05, True, 0.2),  # abandoned, back on chat after 2 h
        ("C", "voice", 2, True, 0.1), ("C", "voice", 400, True, 0.1),  # back after more than 7 days: not a repeat
        ("D", "webchat", 5, True, 0.2),
    ]
    contacts = pd.DataFrame({
        "customer_id": [r[0] for r in rows], "channel": [r[1] for r in rows],
        "arrival": [t + pd.Timedelta(hours=r[2]) for r in rows],
        "answer": [t + pd.Timedelta(hours=r[2]) if r[3] else pd.NaT for r in rows],
        "end": [t + pd.Timedelta(hours=r[2] + r[4]) for r in rows],
    })
    fit = fit_repeats(contacts, "test")
    assert fit.repeat_share.value == pytest.approx(2 / 7)
    assert fit.unresolved["voice"].value == pytest.approx(1 / 4)  # of 4 answered calls, A's first came back
    assert fit.unresolved["webchat"].value == 0.0
    assert fit.after_abandon.value == 1.0
    assert fit.switch_share.value == pytest.approx(0.5)
    assert fit.delay_mean.value == pytest.approx((24.0 + 2.0) / 2 * 3600)


def test_a_weekday_with_its_own_shape_is_detected():
    hours = pd.date_range("2026-01-05", periods=14 * 24, freq="h")
    morning = np.where((hours.hour >= 8) & (hours.hour < 12), 40.0, 0.0)
    evening = np.where((hours.hour >= 16) & (hours.hour < 20), 40.0, 0.0)
    counts = np.where(hours.day_of_week == 5, evening, morning)  # Saturdays are evenings
    fit = fit_volumes(pd.DataFrame({"channel": "voice", "hour_start": hours, "offered": counts}), "test")
    assert fit.weekday_shapes_differ and fit.weekday_shape_pvalue < 1e-6
