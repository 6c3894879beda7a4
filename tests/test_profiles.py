"""Demand profiles per weekday: the hourly rates they give, the arrivals
they make, the staffing first guess, and the fit that writes them."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import chansim
from conftest import scenario_dict
from chansim.engine import run_replication
from chansim.engine.arrivals import hourly_rates
from chansim.errors import InputError
from chansim.scenario.profiles import intraday_by_weekday
from chansim.studies.staffing.first_guess import weekly_load

WEEKDAY = [0] * 7 + [1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 2, 1, 1] + [0] * 4
SATURDAY = [0] * 9 + [1, 1, 1, 1, 1] + [0] * 10
SUNDAY = [1] * 24


#: The profile tests' scenario: voice only, 40 agents, from a Saturday, two days.
PROFILE = {"name": "profiles", "start_date": "2026-01-03", "days": 2, "seed": 5,
           "demand": {"contacts_per_day": 2400, "weekly": [1.2, 1, 1, 1, 1, 0.9, 0.9],
                      "segments": [{"name": "all", "share": 1, "preference": ["voice"]}]},
           "agents": {"pools": [{"name": "v", "channels": ["voice"], "headcount": 40}]},
           "strategies": [{"name": "today", "offer": ["voice"]}]}


SHAPES = {"mon-fri": WEEKDAY, "sat": SATURDAY, "sun": SUNDAY}


def test_each_weekday_has_its_own_hourly_shape_and_the_weekly_weights_their_volume():
    s = chansim.load_scenario(scenario_dict({"demand.intraday": SHAPES}, **PROFILE))
    table = intraday_by_weekday(s.demand)
    assert table.shape == (7, 24) and np.allclose(table.sum(axis=1), 1)
    assert np.allclose(table[5], np.array(SATURDAY) / 5) and np.allclose(table[2], np.array(WEEKDAY) / sum(WEEKDAY))
    # a Saturday start: hours 9-13 of Saturday, then every hour of Sunday
    starts, lengths, rates = hourly_rates(2400, table, s.demand.weekly, 5, 2 * 86400)
    weekly = np.array(s.demand.weekly) / np.mean(s.demand.weekly)
    expected = np.concatenate([2400 * weekly[5] * np.array(SATURDAY) / 5, 2400 * weekly[6] / 24 * np.ones(24)])
    np.testing.assert_allclose(rates * 3600, expected)
    # one list is the same shape every day, as it always was
    same = chansim.load_scenario(scenario_dict({"demand.intraday": {"all": WEEKDAY}}, **PROFILE))
    flat = chansim.load_scenario(scenario_dict({"demand.intraday": WEEKDAY}, **PROFILE))
    np.testing.assert_allclose(hourly_rates(2400, intraday_by_weekday(same.demand), same.demand.weekly, 5, 86400 * 3)[2],
                               hourly_rates(2400, flat.demand.intraday, flat.demand.weekly, 5, 86400 * 3)[2])


def test_arrivals_follow_the_weekday_shapes():
    s = chansim.load_scenario(scenario_dict({"demand.intraday": SHAPES, "days": 14, "start_date": "2026-01-05",
                                             "demand.contacts_per_day": 1200}, **PROFILE))
    arrivals = run_replication(s, "today", 0).contacts["arrival_t"].to_numpy()
    arrivals = arrivals[arrivals >= 0]  # the reported days (the warm-up day before them is negative time)
    hour = (arrivals // 3600).astype(int)
    counts = np.bincount(hour, minlength=14 * 24)[: 14 * 24].reshape(14, 24)
    weekly = np.array(s.demand.weekly) / np.mean(s.demand.weekly)
    table = intraday_by_weekday(s.demand)
    expected = 1200 * weekly[np.arange(14) % 7][:, None] * table[np.arange(14) % 7]
    assert counts[expected == 0].sum() == 0  # no contact where the shape has none (Saturday night, ...)
    seen, want = counts[expected > 0], expected[expected > 0]
    chi2 = float(((seen - want) ** 2 / want).sum())
    assert stats.chi2.sf(chi2, seen.size) > 1e-4, chi2


def test_the_staffing_first_guess_sees_each_weekday():
    s = chansim.load_scenario(scenario_dict({"demand.intraday": SHAPES}, **PROFILE))
    rate, load = weekly_load(s, "v")
    assert rate[5, :9].sum() == 0 and rate[5, 9] > 0 and rate[6, 3] > 0 and rate[0, 3] == 0
    np.testing.assert_allclose(load, rate * 180)


@pytest.mark.parametrize(("intraday", "path", "fragment"), [
    ({"mon-fri": WEEKDAY, "sat": SATURDAY}, "demand.intraday", "no hourly shape for sun"),
    ({"mon-fri": WEEKDAY, "fri-sun": SUNDAY}, "demand.intraday.fri-sun", "fri is also given by 'mon-fri'"),
    ({"all": WEEKDAY[:23]}, "demand.intraday.all", "needs exactly 24 values (got 23)"),
    ({"all": [0] * 24}, "demand.intraday.all", "not all 0"),
    ({"someday": WEEKDAY}, "demand.intraday.someday", "is not a weekday"),
])
def test_a_wrong_weekday_profile_names_its_key(intraday, path, fragment):
    with pytest.raises(InputError) as info:
        chansim.load_scenario(scenario_dict({"demand.intraday": intraday}, **PROFILE))
    assert any(p.path == path and fragment in p.message for p in info.value.problems), info.value.problems


def test_fit_writes_one_shape_per_weekday_when_the_data_has_them(monkeypatch):
    import test_fit_recovery as recovery  # the same generator as the recovery tests

    weekend = [0] * 9 + [2, 4, 5, 5, 4, 3, 2, 1] + [0] * 7
    original = recovery.center

    def with_weekend(days, seed, per_day=900.0):
        data = original(days, seed, per_day)
        data["demand"]["intraday"] = {"mon-fri": recovery.INTRADAY, "sat-sun": weekend}
        data["agents"]["pools"] = [{"name": "phones", "channels": ["voice"], "headcount": 8},
                                   {"name": "chat", "channels": ["webchat"], "headcount": 7}]
        return data

    monkeypatch.setattr(recovery, "center", with_weekend)
    exports, truth = recovery.simulated_exports(days=14, seed=4)
    fitted = chansim.fit(exports).scenario
    shapes = fitted.demand.intraday
    assert isinstance(shapes, dict) and list(shapes) == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    got = intraday_by_weekday(fitted.demand)
    want = intraday_by_weekday(truth.demand)
    assert np.abs(got - want).max() < 0.03, np.abs(got - want).max()  # each hour's share within 3 points
    assert np.all(got[5, :9] == 0) and np.all(got[0, 7:20] > 0)


def test_fit_keeps_one_shape_when_every_weekday_has_the_same():
    import test_fit_recovery as recovery

    exports, _ = recovery.simulated_exports(days=14, seed=3)
    fitted = chansim.fit(exports).scenario
    assert isinstance(fitted.demand.intraday, tuple) and len(fitted.demand.intraday) == 24
