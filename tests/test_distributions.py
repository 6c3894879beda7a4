"""Tests for chansim.scenario.distributions: declared means and spreads, parameter
validation, and a property that holds for any valid parameters."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from chansim.scenario.distributions import DIST_PARAMETERS, Distribution

N = 200_000

# Several parameter sets per family; cv up to 2 keeps the sample mean of a
# lognormal close enough to normal for a 3-standard-error check.
CONTINUOUS = [
    {"dist": "exponential", "mean": 1.0},
    {"dist": "exponential", "mean": 180.0},
    {"dist": "exponential", "mean": 0.05},
    {"dist": "lognormal", "mean": 420.0, "cv": 0.6},
    {"dist": "lognormal", "mean": 30.0, "cv": 0.1},
    {"dist": "lognormal", "mean": 600.0, "cv": 1.5},
    {"dist": "lognormal", "mean": 2.0, "cv": 2.0},
    {"dist": "gamma", "mean": 420.0, "cv": 0.6},
    {"dist": "gamma", "mean": 5.0, "cv": 0.05},
    {"dist": "gamma", "mean": 100.0, "cv": 1.0},
    {"dist": "gamma", "mean": 50.0, "cv": 2.0},
    {"dist": "uniform", "low": 0.0, "high": 1.0},
    {"dist": "uniform", "low": 30.0, "high": 90.0},
    {"dist": "uniform", "low": 5.0, "high": 5.5},
    {"dist": "poisson", "mean": 0.5},
    {"dist": "poisson", "mean": 8.0},
    {"dist": "poisson", "mean": 250.0},
    {"dist": "empirical", "values": [1, 2, 3], "weights": [0.2, 0.5, 0.3]},
    {"dist": "empirical", "values": [10, 100], "weights": [9, 1]},
    {"dist": "empirical", "values": [4, 8, 15, 16, 23, 42]},
]


def _id(params: dict) -> str:
    return "-".join(f"{v}" if k == "dist" else f"{k}={v}" for k, v in params.items())


@pytest.mark.parametrize("params", CONTINUOUS, ids=_id)
def test_sample_mean_within_three_standard_errors(params):
    d = Distribution(**params)
    x = d.sample(np.random.default_rng(20260105), N)
    assert x.shape == (N,)
    assert x.dtype == np.float64
    se = d.std / math.sqrt(N)
    assert se > 0
    assert abs(x.mean() - d.expected) < 3 * se, (x.mean(), d.expected, se)


@pytest.mark.parametrize("params", CONTINUOUS, ids=_id)
def test_sample_std_matches_declared_std(params):
    d = Distribution(**params)
    x = d.sample(np.random.default_rng(11), N)
    # a loose check; heavy-tailed lognormals converge slowly
    assert x.std() == pytest.approx(d.std, rel=0.15)


@pytest.mark.parametrize(
    ("params", "mean"),
    [
        ({"dist": "exponential", "mean": 180.0}, 180.0),
        ({"dist": "lognormal", "mean": 420.0, "cv": 0.6}, 420.0),
        ({"dist": "gamma", "mean": 7.0, "cv": 2.0}, 7.0),
        ({"dist": "poisson", "mean": 8.0}, 8.0),
        ({"dist": "fixed", "value": 3.5}, 3.5),
        ({"dist": "uniform", "low": 10.0, "high": 30.0}, 20.0),
        ({"dist": "empirical", "values": [1, 2, 3], "weights": [0.2, 0.5, 0.3]}, 2.1),
        ({"dist": "empirical", "values": [1, 2, 3, 6]}, 3.0),
    ],
    ids=lambda v: v["dist"] if isinstance(v, dict) else str(v),
)
def test_expected_is_the_declared_mean(params, mean):
    assert Distribution(**params).expected == pytest.approx(mean)


def test_declared_std_formulas():
    assert Distribution(dist="exponential", mean=5).std == 5
    assert Distribution(dist="lognormal", mean=200, cv=0.5).std == pytest.approx(100)
    assert Distribution(dist="gamma", mean=10, cv=2).std == pytest.approx(20)
    assert Distribution(dist="poisson", mean=9).std == pytest.approx(3)
    assert Distribution(dist="uniform", low=0, high=12).std == pytest.approx(12 / math.sqrt(12))
    assert Distribution(dist="fixed", value=4).std == 0
    assert Distribution(dist="empirical", values=[0, 2]).std == pytest.approx(1)


@pytest.mark.parametrize("value", [0.0, 1.0, 42.5])
def test_fixed_is_exact(value):
    d = Distribution(dist="fixed", value=value)
    x = d.sample(np.random.default_rng(3), 1000)
    assert np.array_equal(x, np.full(1000, value))
    assert d.expected == value and d.std == 0


@pytest.mark.parametrize("dist", ["lognormal", "gamma"])
def test_zero_cv_is_constant(dist):
    x = Distribution(dist=dist, mean=37.0, cv=0.0).sample(np.random.default_rng(3), 500)
    assert np.array_equal(x, np.full(500, 37.0))


def test_poisson_draws_whole_numbers():
    x = Distribution(dist="poisson", mean=6).sample(np.random.default_rng(5), 10_000)
    assert np.array_equal(x, np.rint(x))


def test_uniform_stays_in_bounds():
    x = Distribution(dist="uniform", low=30, high=90).sample(np.random.default_rng(5), 50_000)
    assert x.min() >= 30 and x.max() < 90
    assert x.min() < 31 and x.max() > 89  # and fills the interval


def test_empirical_weights_are_respected():
    d = Distribution(dist="empirical", values=[10, 20, 30, 40], weights=[1, 0, 3, 6])
    x = d.sample(np.random.default_rng(8), N)
    assert set(np.unique(x)) == {10.0, 30.0, 40.0}  # weight 0 is never drawn
    for value, p in [(10, 0.1), (30, 0.3), (40, 0.6)]:
        share = np.mean(x == value)
        assert abs(share - p) < 3 * math.sqrt(p * (1 - p) / N), (value, share)


def test_empirical_without_weights_is_uniform_over_values():
    d = Distribution(dist="empirical", values=[1, 5, 9])
    x = d.sample(np.random.default_rng(9), 90_000)
    for value in (1, 5, 9):
        assert abs(np.mean(x == value) - 1 / 3) < 3 * math.sqrt((1 / 3) * (2 / 3) / 90_000)


def test_same_seed_same_draws_and_no_global_state():
    d = Distribution(dist="lognormal", mean=420, cv=0.6)
    a = d.sample(np.random.default_rng(123), 100)
    np.random.seed(999)  # the legacy global state must not matter
    b = d.sample(np.random.default_rng(123), 100)
    c = d.sample(np.random.default_rng(124), 100)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("size", [0, -3])
def test_no_draws_gives_an_empty_array(size):
    x = Distribution(dist="exponential", mean=1).sample(np.random.default_rng(0), size)
    assert x.shape == (0,)


def test_describe():
    assert Distribution(dist="lognormal", mean=420, cv=0.6).describe() == "lognormal(mean=420.0, cv=0.6)"


def test_frozen():
    d = Distribution(dist="exponential", mean=1)
    with pytest.raises(ValidationError):
        d.mean = 2  # type: ignore[misc]


# ------------------------------------------------------------ invalid input
@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"dist": "lognormal", "mean": 420}, "lognormal needs 'cv'"),
        ({"dist": "gamma", "cv": 0.5}, "gamma needs 'mean'"),
        ({"dist": "exponential", "mean": 180, "cv": 0.5}, "exponential takes no 'cv'"),
        ({"dist": "poisson", "mean": 8, "value": 3}, "poisson takes no 'value'"),
        ({"dist": "fixed"}, "fixed needs 'value'"),
        ({"dist": "uniform", "low": 10, "high": 5}, "high ≥ low"),
        ({"dist": "uniform", "low": 10}, "uniform needs 'high'"),
        ({"dist": "empirical", "values": [1, 2, 3], "weights": [1, 2]}, "one weight per value"),
        ({"dist": "empirical", "values": [1, 2], "weights": [0, 0]}, "not all 0"),
        ({"dist": "empirical", "values": [1, 2], "weights": [1, -1]}, "weights must be ≥ 0"),
        ({"dist": "empirical", "values": [-1, 2]}, "values must be ≥ 0"),
        ({"dist": "empirical", "weights": [1]}, "empirical needs 'values'"),
        ({"dist": "empirical", "values": []}, "at least 1 item"),
        ({"dist": "exponential", "mean": -5}, "greater than 0"),
        ({"dist": "exponential", "mean": 0}, "greater than 0"),
        ({"dist": "lognormal", "mean": 10, "cv": -0.1}, "greater than or equal to 0"),
        ({"dist": "fixed", "value": -1}, "greater than or equal to 0"),
        ({"dist": "uniform", "low": -1, "high": 1}, "greater than or equal to 0"),
        ({"dist": "normal", "mean": 1}, "Input should be"),
        ({"mean": 1}, "Field required"),
        ({"dist": "exponential", "mean": 1, "scale": 2}, "Extra inputs are not permitted"),
        ({"dist": "exponential", "mean": "soon"}, "valid number"),
        ({"dist": "exponential", "mean": float("nan")}, "mean"),
        ({"dist": "exponential", "mean": float("inf")}, "mean"),
        ({"dist": "fixed", "value": float("inf")}, "value"),
        ({"dist": "poisson", "mean": float("inf")}, "mean"),
    ],
    ids=lambda v: v if isinstance(v, str) else _id(v),
)
def test_invalid_parameters_raise_validation_error(params, fragment):
    with pytest.raises(ValidationError) as info:
        Distribution(**params)
    assert fragment in str(info.value)


def test_every_family_has_a_parameter_table_entry():
    families = Distribution.model_fields["dist"].annotation.__args__
    assert set(families) == set(DIST_PARAMETERS)


# ------------------------------------------------------------------ property
positive = st.floats(min_value=1e-6, max_value=1e7, allow_nan=False, allow_infinity=False)
cv = st.floats(min_value=0.0, max_value=20.0, allow_nan=False, allow_infinity=False)
nonneg = st.floats(min_value=0.0, max_value=1e7, allow_nan=False, allow_infinity=False)


@st.composite
def valid_distributions(draw) -> Distribution:
    dist = draw(st.sampled_from(sorted(DIST_PARAMETERS)))
    if dist in ("exponential", "poisson"):
        return Distribution(dist=dist, mean=draw(positive))
    if dist in ("lognormal", "gamma"):
        return Distribution(dist=dist, mean=draw(positive), cv=draw(cv))
    if dist == "fixed":
        return Distribution(dist=dist, value=draw(nonneg))
    if dist == "uniform":
        a, b = draw(nonneg), draw(nonneg)
        return Distribution(dist=dist, low=min(a, b), high=max(a, b))
    values = draw(st.lists(nonneg, min_size=1, max_size=6))
    weights = draw(
        st.none()
        | st.lists(st.floats(min_value=0.0, max_value=100.0), min_size=len(values), max_size=len(values)).filter(
            lambda w: sum(w) > 0
        )
    )
    return Distribution(dist=dist, values=values, weights=weights)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(d=valid_distributions(), seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_samples_are_never_negative_and_always_finite(d, seed):
    x = d.sample(np.random.default_rng(seed), 200)
    assert x.shape == (200,)
    assert np.all(np.isfinite(x)), d
    assert np.all(x >= 0), d
    assert math.isfinite(d.expected) and d.expected >= 0
    assert math.isfinite(d.std) and d.std >= 0
