"""Probability distributions a scenario can name with ``dist:``.

Every distribution is plain data (a frozen pydantic model) that knows its
``mean`` and draws a batch of values from a ``numpy.random.Generator`` passed in
by the caller: chansim holds no global random state.

=============  ======================  =====================================
``dist``       parameters              meaning
=============  ======================  =====================================
exponential    ``mean``                memoryless time, e.g. patience
lognormal      ``mean``, ``cv``        skewed time, e.g. handle time
gamma          ``mean``, ``cv``        skewed time with a lighter tail
fixed          ``value``               always the same value
uniform        ``low``, ``high``       any value in [low, high)
poisson        ``mean``                a count, e.g. turns of a chat
empirical      ``values``, ``weights`` one of the listed values
=============  ======================  =====================================

``cv`` is the coefficient of variation (standard deviation / mean).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

__all__ = ["Distribution", "DIST_PARAMETERS", "MAX_PARAMETER", "Bounded", "BoundedCount"]

#: The largest value a parameter may take (and any other figure of seconds
#: or counts typed :data:`Bounded`). A distribution draws seconds or counts
#: (turns, characters, actions): a billion of either (32 years, a billion
#: turns) is a slip, and far beyond it the engine's clock and counters overflow.
MAX_PARAMETER = 1e9


def _not_huge(value: float) -> float:
    if value > MAX_PARAMETER:
        raise ValueError(f"must be ≤ {MAX_PARAMETER:g} (got {value:g}); seconds and counts that large are a slip")
    return value


#: A number of seconds or a count, at most :data:`MAX_PARAMETER`.
Bounded = Annotated[float, AfterValidator(_not_huge)]
#: A whole count of characters or the like, at most :data:`MAX_PARAMETER`.
BoundedCount = Annotated[int, AfterValidator(_not_huge)]

DistName = Literal["exponential", "lognormal", "gamma", "fixed", "uniform", "poisson", "empirical"]

#: Which parameters each distribution needs (all of them) and accepts (only these).
DIST_PARAMETERS: dict[str, tuple[str, ...]] = {
    "exponential": ("mean",),
    "lognormal": ("mean", "cv"),
    "gamma": ("mean", "cv"),
    "fixed": ("value",),
    "uniform": ("low", "high"),
    "poisson": ("mean",),
    "empirical": ("values", "weights"),
}


class Distribution(BaseModel):
    """A distribution named by ``dist`` with the parameters that name needs."""

    # allow_inf_nan=False: ".inf" is no parameter (an infinite handle time or
    # turn count would hang or overflow the engine; absent patience = waits forever)
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    dist: DistName = Field(description="Distribution family: " + ", ".join(DIST_PARAMETERS))
    mean: Bounded | None = Field(None, gt=0, description="Mean (exponential, lognormal, gamma, poisson)")
    cv: float | None = Field(None, ge=0, le=100, description="Coefficient of variation, std/mean (lognormal, gamma)")
    value: Bounded | None = Field(None, ge=0, description="The constant (fixed)")
    low: Bounded | None = Field(None, ge=0, description="Lower bound (uniform)")
    high: Bounded | None = Field(None, ge=0, description="Upper bound (uniform)")
    values: tuple[Bounded, ...] | None = Field(None, min_length=1, description="Possible values (empirical)")
    weights: tuple[float, ...] | None = Field(
        None, min_length=1, description="Relative weight of each value (empirical); default all equal"
    )

    @model_validator(mode="after")
    def _parameters_match_family(self) -> "Distribution":
        wanted = DIST_PARAMETERS[self.dist]
        optional = {"weights"} if self.dist == "empirical" else set()
        given = {k for k in ("mean", "cv", "value", "low", "high", "values", "weights") if getattr(self, k) is not None}
        missing = [k for k in wanted if k not in given and k not in optional]
        extra = sorted(given - set(wanted))
        problems = []
        if missing:
            problems.append(f"{self.dist} needs {', '.join(repr(m) for m in missing)}")
        if extra:
            problems.append(f"{self.dist} takes no {', '.join(repr(e) for e in extra)}")
        if self.dist == "uniform" and not missing and self.high < self.low:  # type: ignore[operator]
            problems.append("uniform needs high ≥ low")
        if self.dist == "empirical" and self.values is not None:
            if any(v < 0 for v in self.values):
                problems.append("empirical values must be ≥ 0")
            if self.weights is not None:
                if len(self.weights) != len(self.values):
                    problems.append(
                        f"empirical needs one weight per value ({len(self.values)} values, {len(self.weights)} weights)"
                    )
                elif any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                    problems.append("empirical weights must be ≥ 0 and not all 0")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # ------------------------------------------------------------------ facts
    @property
    def expected(self) -> float:
        """The distribution's mean (``mean`` is the parameter, this is the fact)."""
        if self.dist in ("exponential", "lognormal", "gamma", "poisson"):
            return float(self.mean)  # type: ignore[arg-type]
        if self.dist == "fixed":
            return float(self.value)  # type: ignore[arg-type]
        if self.dist == "uniform":
            return (self.low + self.high) / 2.0  # type: ignore[operator]
        p = self._empirical_probabilities()
        return float(np.dot(p, np.asarray(self.values, dtype=float)))

    @property
    def std(self) -> float:
        """Standard deviation."""
        if self.dist == "exponential":
            return float(self.mean)  # type: ignore[arg-type]
        if self.dist in ("lognormal", "gamma"):
            return float(self.mean * self.cv)  # type: ignore[operator]
        if self.dist == "poisson":
            return math.sqrt(self.mean)  # type: ignore[arg-type]
        if self.dist == "fixed":
            return 0.0
        if self.dist == "uniform":
            return (self.high - self.low) / math.sqrt(12.0)  # type: ignore[operator]
        p = self._empirical_probabilities()
        v = np.asarray(self.values, dtype=float)
        return float(math.sqrt(max(np.dot(p, v * v) - self.expected**2, 0.0)))

    def _empirical_probabilities(self) -> np.ndarray:
        n = len(self.values)  # type: ignore[arg-type]
        w = np.ones(n) if self.weights is None else np.asarray(self.weights, dtype=float)
        return w / w.sum()

    # --------------------------------------------------------------- sampling
    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` values as a float array (counts are whole numbers)."""
        d = self.dist
        if size <= 0:
            return np.empty(0, dtype=float)
        if d == "exponential":
            return rng.exponential(self.mean, size)
        if d == "lognormal":
            if self.cv == 0:
                return np.full(size, float(self.mean))
            sigma2 = math.log1p(self.cv**2)  # type: ignore[operator]
            mu = math.log(self.mean) - sigma2 / 2.0  # type: ignore[arg-type]
            return rng.lognormal(mu, math.sqrt(sigma2), size)
        if d == "gamma":
            cv2 = self.cv**2  # type: ignore[operator]
            shape = 1.0 / cv2 if cv2 > 0 else math.inf  # a tiny cv underflows to 0
            if math.isinf(shape):
                return np.full(size, float(self.mean))
            return rng.gamma(shape, self.mean / shape, size)  # type: ignore[operator]
        if d == "fixed":
            return np.full(size, float(self.value))  # type: ignore[arg-type]
        if d == "uniform":
            return rng.uniform(self.low, self.high, size)
        if d == "poisson":
            return rng.poisson(self.mean, size).astype(float)
        idx = rng.choice(len(self.values), size=size, p=self._empirical_probabilities())  # type: ignore[arg-type]
        return np.asarray(self.values, dtype=float)[idx]

    def describe(self) -> str:
        """Short human form, e.g. ``lognormal(mean=420, cv=0.6)``."""
        params = ", ".join(f"{k}={getattr(self, k)!r}" for k in DIST_PARAMETERS[self.dist] if getattr(self, k) is not None)
        return f"{self.dist}({params})"
