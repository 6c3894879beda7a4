"""Patience from waits, treating answered contacts as censored: a contact
answered after ``w`` seconds would have waited *at least* ``w``.

Averaging the waits of abandoned contacts alone is biased low (the patient
ones were answered before they gave up); these estimators are not:
Kaplan-Meier for the survival curve, and maximum likelihood with censoring for
an exponential or a lognormal patience, the smaller AIC chosen."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from chansim.scenario.distributions import Distribution

__all__ = ["kaplan_meier", "PatienceFit", "fit_patience", "censored_exponential", "censored_lognormal"]

#: Abandons needed to choose between families; with fewer, exponential only.
MIN_ABANDONS_FOR_CHOICE = 10
MAX_CV = 100.0  # the largest cv a scenario's distribution accepts
_FLOOR_S = 0.5  # an abandon after 0 s is counted at half a second


def kaplan_meier(durations: np.ndarray, observed: np.ndarray) -> pd.DataFrame:
    """The product-limit estimate: at each distinct event time, those at
    risk, the events, and the survival just after. Censoring at a tied time
    counts as after the events (the usual convention). Greenwood 95 % bounds."""
    t = np.asarray(durations, dtype=float)
    e = np.asarray(observed, dtype=bool)
    times = np.unique(t[e])
    order = np.sort(t)
    at_risk = t.size - np.searchsorted(order, times, side="left")
    events = np.array([np.count_nonzero(e & (t == u)) for u in times]) if times.size < 2000 else \
        np.bincount(np.searchsorted(times, t[e]), minlength=times.size)
    survival = np.cumprod(1 - events / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(at_risk > events, events / (at_risk * (at_risk - events)), np.inf)
    greenwood = np.cumsum(terms)
    half = 1.96 * survival * np.sqrt(greenwood)
    return pd.DataFrame({"time": times, "at_risk": at_risk, "events": events, "survival": survival,
                         "low": np.clip(survival - half, 0, 1), "high": np.clip(survival + half, 0, 1)})


@dataclass(frozen=True)
class PatienceFit:
    """Chosen patience distribution with 95 % intervals and the AIC of each family."""

    dist: Distribution
    abandons: int
    answered: int
    aic: dict[str, float]
    mean_ci: tuple[float, float]
    cv_ci: tuple[float, float] | None
    naive_mean: float  # mean wait of abandoned contacts only (biased low): reported for contrast
    survival: object  # scipy frozen distribution of the chosen family

    @property
    def family(self) -> str:
        return self.dist.dist


def censored_exponential(t: np.ndarray, event: np.ndarray) -> tuple[float, tuple[float, float], float]:
    """MLE of the mean (total time at risk / events), its exact 95 % interval
    (2T/mean is chi-squared with 2d degrees of freedom for type-II censoring,
    a close approximation otherwise) and the log-likelihood."""
    total, d = float(t.sum()), int(event.sum())
    mean = total / d
    low = 2 * total / stats.chi2.ppf(0.975, 2 * d)
    high = 2 * total / stats.chi2.ppf(0.025, 2 * d)
    loglik = -d * math.log(mean) - total / mean
    return mean, (low, high), loglik


def _lognormal_nll(params: np.ndarray, log_t_event: np.ndarray, log_t_cens: np.ndarray) -> float:
    mu, log_sigma = params
    sigma = math.exp(log_sigma)
    z_e = (log_t_event - mu) / sigma
    z_c = (log_t_cens - mu) / sigma
    ll = np.sum(stats.norm.logpdf(z_e) - math.log(sigma) - log_t_event) + np.sum(stats.norm.logsf(z_c))
    return float(-ll)


def censored_lognormal(t: np.ndarray, event: np.ndarray) -> tuple[float, float, tuple, tuple, float]:
    """MLE of (mean, cv) with delta-method 95 % intervals from the observed
    information, and the log-likelihood."""
    t = np.maximum(t, _FLOOR_S)
    log_e, log_c = np.log(t[event]), np.log(t[~event & (t > _FLOOR_S)])
    start = np.array([log_e.mean() + 0.5, math.log(max(log_e.std(), 0.3))])
    res = optimize.minimize(_lognormal_nll, start, args=(log_e, log_c), method="Nelder-Mead",
                            options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 4000})
    mu, log_sigma = res.x
    sigma = math.exp(log_sigma)
    h = _hessian(lambda p: _lognormal_nll(p, log_e, log_c), res.x)
    try:
        cov = np.linalg.inv(h)
    except np.linalg.LinAlgError:
        cov = np.full((2, 2), np.nan)
    mean = math.exp(mu + sigma**2 / 2)
    cv = math.sqrt(math.expm1(sigma**2))
    # gradients w.r.t. (mu, log sigma)
    g_mean = np.array([mean, mean * sigma**2])
    g_cv = np.array([0.0, (math.exp(sigma**2) * sigma**2) / cv])
    se_mean = math.sqrt(max(g_mean @ cov @ g_mean, 0.0))
    se_cv = math.sqrt(max(g_cv @ cov @ g_cv, 0.0))
    return mean, cv, (mean - 1.96 * se_mean, mean + 1.96 * se_mean), \
        (max(cv - 1.96 * se_cv, 0.0), cv + 1.96 * se_cv), -float(res.fun)


def _hessian(f, x: np.ndarray, step: float = 1e-4) -> np.ndarray:
    n = x.size
    h = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ei, ej = np.eye(n)[i] * step, np.eye(n)[j] * step
            h[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * step * step)
    return h


def fit_patience(waits: np.ndarray, abandoned: np.ndarray) -> PatienceFit | None:
    """Fit patience to queue waits (abandoned: the wait was the patience;
    answered: censored). None when nobody abandoned (patience not seen)."""
    t = np.asarray(waits, dtype=float)
    event = np.asarray(abandoned, dtype=bool)
    keep = np.isfinite(t) & (t >= 0)
    t, event = t[keep], event[keep]
    d = int(event.sum())
    if d == 0:
        return None
    naive = float(t[event].mean())
    t = np.where(event, np.maximum(t, _FLOOR_S), t)
    mean_e, ci_e, ll_e = censored_exponential(t, event)
    aic = {"exponential": 2 - 2 * ll_e}
    chosen = Distribution(dist="exponential", mean=round(mean_e, 3))
    mean_ci, cv_ci = ci_e, None
    frozen = stats.expon(scale=mean_e)
    if d >= MIN_ABANDONS_FOR_CHOICE:
        mean_l, cv_l, ci_ml, ci_cl, ll_l = censored_lognormal(t, event)
        # both log-likelihoods are densities of the same waits, so their AICs compare
        aic["lognormal"] = 4 - 2 * ll_l
        # a cv beyond what a scenario holds (a handful of very long waits) keeps the exponential
        if aic["lognormal"] < aic["exponential"] and cv_l <= MAX_CV:
            chosen = Distribution(dist="lognormal", mean=round(mean_l, 3), cv=round(cv_l, 4))
            mean_ci, cv_ci = ci_ml, ci_cl
            s2 = math.log1p(cv_l**2)
            frozen = stats.lognorm(s=math.sqrt(s2), scale=math.exp(math.log(mean_l) - s2 / 2))
    return PatienceFit(dist=chosen, abandons=d, answered=int((~event).sum()), aic=aic, mean_ci=mean_ci,
                       cv_ci=cv_ci, naive_mean=naive, survival=frozen)
