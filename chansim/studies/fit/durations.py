"""Fit a distribution of durations (handle time, reply delays, characters):
maximum likelihood for lognormal, gamma and exponential, a histogram for
empirical, the family with the smallest AIC chosen, and bootstrap 95 %
intervals for the mean and the coefficient of variation."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from chansim.scenario.distributions import Distribution
from chansim.studies.fit.estimate import TooLittleData

__all__ = ["DurationFit", "fit_duration", "FAMILIES", "MIN_OBSERVATIONS"]

FAMILIES = ("lognormal", "gamma", "exponential", "empirical")
MIN_OBSERVATIONS = 30
_BOOTSTRAP = 200
_BOOTSTRAP_CELLS = 2_000_000  # resampled values held at once (16 MB)
_EMPIRICAL_BINS = 20


@dataclass(frozen=True)
class DurationFit:
    """The chosen family with its parameters, the AIC of every family tried,
    the goodness of fit (Kolmogorov-Smirnov) and 95 % intervals."""

    dist: Distribution
    n: int
    aic: dict[str, float]
    ks_statistic: float
    ks_pvalue: float
    mean_ci: tuple[float, float]
    cv_ci: tuple[float, float] | None
    sample_mean: float
    sample_cv: float
    scipy_frozen: object = field(repr=False, compare=False, default=None)

    @property
    def family(self) -> str:
        return self.dist.dist

    def pdf(self, x: np.ndarray) -> np.ndarray:
        return self.scipy_frozen.pdf(x)  # type: ignore[attr-defined]

    def ppf(self, q: np.ndarray) -> np.ndarray:
        return self.scipy_frozen.ppf(q)  # type: ignore[attr-defined]


def _lognormal(x: np.ndarray) -> tuple[float, float, object]:
    logs = np.log(x)
    mu, sigma = float(logs.mean()), float(logs.std())
    frozen = stats.lognorm(s=max(sigma, 1e-9), scale=math.exp(mu))
    return math.exp(mu + sigma**2 / 2), math.sqrt(math.expm1(sigma**2)), frozen


def _gamma(x: np.ndarray) -> tuple[float, float, object]:
    shape, _, scale = stats.gamma.fit(x, floc=0)
    return shape * scale, 1 / math.sqrt(shape), stats.gamma(shape, scale=scale)


def _exponential(x: np.ndarray) -> tuple[float, float, object]:
    mean = float(x.mean())
    return mean, 1.0, stats.expon(scale=mean)


class _Histogram(stats.rv_continuous):
    """A density constant between equal-count bin edges (the empirical family)."""

    def __init__(self, edges: np.ndarray, weights: np.ndarray):
        super().__init__(a=float(edges[0]), b=float(edges[-1]), name="histogram")
        self.edges, self.weights = edges, weights / weights.sum()
        self.cum = np.concatenate([[0.0], np.cumsum(self.weights)])

    def _pdf(self, x):
        i = np.clip(np.searchsorted(self.edges, x, side="right") - 1, 0, len(self.weights) - 1)
        return self.weights[i] / np.diff(self.edges)[i]

    def _cdf(self, x):
        return np.interp(x, self.edges, self.cum)

    def _ppf(self, q):
        return np.interp(q, self.cum, self.edges)


def _histogram(x: np.ndarray) -> tuple[object, np.ndarray, np.ndarray]:
    bins = min(_EMPIRICAL_BINS, max(2, x.size // 10))
    edges = np.unique(np.quantile(x, np.linspace(0, 1, bins + 1)))
    counts = np.histogram(x, edges)[0].astype(float)
    return _Histogram(edges, counts), edges, counts


_FITTERS = {"lognormal": _lognormal, "gamma": _gamma, "exponential": _exponential}
_PARAMETERS = {"lognormal": 2, "gamma": 2, "exponential": 1}


def _loglik(frozen: object, x: np.ndarray) -> float:
    with np.errstate(divide="ignore"):
        return float(np.sum(np.log(frozen.pdf(x))))  # type: ignore[attr-defined]


def fit_duration(values: np.ndarray, *, families: tuple[str, ...] = FAMILIES, seed: int = 0,
                 what: str = "observations", minimum: int = MIN_OBSERVATIONS) -> DurationFit:
    """Fit positive values; zeros are raised to the smallest positive value
    (a duration rounded to 0 s is short, not absent)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x) & (x >= 0)]
    if x.size < minimum:
        raise TooLittleData(what, int(x.size), minimum)
    if np.ptp(x) == 0:  # every value the same: a fixed distribution
        value = float(x[0])
        frozen = stats.uniform(loc=value - 1e-9, scale=2e-9)
        return DurationFit(dist=Distribution(dist="fixed", value=round(value, 3)), n=int(x.size), aic={},
                           ks_statistic=0.0, ks_pvalue=1.0, mean_ci=(value, value), cv_ci=None, sample_mean=value,
                           sample_cv=0.0, scipy_frozen=frozen)
    positive = x[x > 0]
    floor = float(positive.min()) if positive.size else 1.0
    x = np.maximum(x, min(floor, 1.0))
    aic: dict[str, float] = {}
    fitted: dict[str, tuple] = {}
    for family in families:
        if family == "empirical":
            frozen, edges, counts = _histogram(x)
            aic[family] = 2 * (len(counts) - 1) - 2 * _loglik(frozen, x)
            fitted[family] = (float(x.mean()), float(x.std(ddof=1) / x.mean()), frozen, edges, counts)
        else:
            mean, cv, frozen = _FITTERS[family](x)
            aic[family] = 2 * _PARAMETERS[family] - 2 * _loglik(frozen, x)
            fitted[family] = (mean, cv, frozen)
    best = min(aic, key=lambda f: (aic[f], families.index(f)))
    mean, cv, frozen = fitted[best][:3]
    if best == "empirical":
        edges, counts = fitted[best][3], fitted[best][4]
        mids = (edges[:-1] + edges[1:]) / 2
        dist = Distribution(dist="empirical", values=tuple(round(float(v), 3) for v in mids),
                            weights=tuple(int(c) for c in counts))
    elif best == "exponential":
        dist = Distribution(dist="exponential", mean=round(mean, 3))
    else:
        dist = Distribution(dist=best, mean=round(mean, 3), cv=round(cv, 4))
    ks = stats.kstest(x, frozen.cdf)  # type: ignore[attr-defined]
    mean_ci, cv_ci = _bootstrap(x, best, seed)
    return DurationFit(dist=dist, n=int(x.size), aic=aic, ks_statistic=float(ks.statistic),
                       ks_pvalue=float(ks.pvalue), mean_ci=mean_ci, cv_ci=cv_ci, sample_mean=float(x.mean()),
                       sample_cv=float(x.std(ddof=1) / x.mean()), scipy_frozen=frozen)


def _bootstrap(x: np.ndarray, family: str, seed: int) -> tuple[tuple[float, float], tuple[float, float] | None]:
    """Percentile bootstrap of the family's mean and cv estimates. The
    resamples are drawn a block of rows at a time (the same draws as all at
    once), so memory stays bounded however many values there are."""
    rng = np.random.default_rng(seed)
    rows = max(1, min(_BOOTSTRAP, _BOOTSTRAP_CELLS // x.size))
    parts = [_resample_estimates(x[rng.integers(0, x.size, size=(min(rows, _BOOTSTRAP - done), x.size))], family)
             for done in range(0, _BOOTSTRAP, rows)]
    means = np.concatenate([p[0] for p in parts])
    cvs = np.concatenate([p[1] for p in parts])
    mean_ci = (float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975)))
    cv_ci = None if family == "exponential" else (float(np.quantile(cvs, 0.025)), float(np.quantile(cvs, 0.975)))
    return mean_ci, cv_ci


def _resample_estimates(samples: np.ndarray, family: str) -> tuple[np.ndarray, np.ndarray]:
    """The family's mean and cv estimate of each resample (one per row)."""
    if family == "lognormal":
        logs = np.log(samples)
        s2 = logs.var(axis=1)
        return np.exp(logs.mean(axis=1) + s2 / 2), np.sqrt(np.expm1(s2))
    if family == "gamma":
        # closed-form approximation of the gamma MLE shape (Minka), per resample
        s = np.log(samples.mean(axis=1)) - np.log(samples).mean(axis=1)
        shape = (3 - s + np.sqrt((s - 3) ** 2 + 24 * s)) / (12 * s)
        return samples.mean(axis=1), 1 / np.sqrt(shape)
    means = samples.mean(axis=1)
    return means, samples.std(axis=1, ddof=1) / means
