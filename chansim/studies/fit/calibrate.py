"""``fit --calibrate``: the share of the agents counted on duty who were not
taking calls, chosen so that a simulation of the training days reproduces
their service level, ASA and abandon rate.

Agents counted on duty from the agent named on each answered call (see
:mod:`chansim.studies.fit.agents_on_duty`) are everyone who served a call in
a quarter hour; when agents also do other work (outbound calls, back office,
breaks between calls) fewer of them take calls at any moment. The pool's
``shrinkage`` carries that share: agents on shift = counted × (1 − shrinkage).

The search: a golden-section search for the shrinkage in [0, 0.9] that
minimises (Δ service level)² + (Δ abandon rate)² + (Δ ASA ÷ actual ASA)²,
each simulated value from the same continuous simulation the backtest runs
(:func:`chansim.studies.fit.backtest_log.backtest_log`) over the training
days, each date staffed by its own agents on duty; the scenario's seed
fixed, so the calibration is deterministic."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd

from chansim.errors import InputError, Problem
from chansim.scenario import Scenario
from chansim.scenario.models import validate_scenario
from chansim.studies.fit.agents_on_duty import QUARTERS, agents_on_duty, has_agents
from chansim.studies.fit.backtest_log import backtest_log
from chansim.studies.fit.exports import Exports

__all__ = ["Calibration", "calibrate_shrinkage", "BRACKET", "REPLICATIONS", "TOLERANCE"]

BRACKET = (0.0, 0.9)
#: Replications of each simulation of the training days.
REPLICATIONS = 3
#: Width of the final bracket (shrinkage points).
TOLERANCE = 0.01
_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0
_KEYS = ("service_level", "abandon_rate", "asa_s")


@dataclass
class Calibration:
    """The calibrated shrinkage of one channel's pool and what it implies."""

    channel: str
    shrinkage: float
    actual: dict
    simulated: dict
    #: share of the agents counted on duty the queue had (1 − shrinkage)
    availability: float
    #: share of counted agent time spent serving calls (from the records)
    busy_share: float | None
    #: share of the available agents' time spent serving calls
    occupancy: float | None
    period: tuple[str, str]
    replications: int
    #: every shrinkage simulated with its error, in the order tried
    tried: list[tuple[float, float]] = field(default_factory=list)

    def summary(self) -> str:
        occupancy = "" if self.occupancy is None else f"; occupancy of available agents {100 * self.occupancy:.0f} %"
        return f"implied availability {100 * self.availability:.0f} % of agents on duty{occupancy}"

    def method(self) -> str:
        return (f"calibrated: golden-section search on [{BRACKET[0]:g}, {BRACKET[1]:g}], {len(self.tried)} continuous "
                f"simulations of {self.period[0]}..{self.period[1]} ({self.replications} replications, fixed seed) "
                "minimising the squared errors of service level, abandon rate and ASA (relative)")

    def comparison(self) -> str:
        parts = []
        for key, label, scale in (("service_level", "service level", 100), ("abandon_rate", "abandon rate", 100),
                                  ("asa_s", "ASA", 1)):
            unit = " %" if scale == 100 else " s"
            a, s = self.actual.get(key), self.simulated.get(key)
            if a is not None and s is not None:
                parts.append(f"{label} {s * scale:.1f}{unit} simulated vs {a * scale:.1f}{unit} actual")
        return "; ".join(parts)

    def to_dict(self) -> dict:
        return {"channel": self.channel, "shrinkage": self.shrinkage, "availability": self.availability,
                "busy_share": self.busy_share, "occupancy": self.occupancy, "period": list(self.period),
                "replications": self.replications, "actual": self.actual, "simulated": self.simulated,
                "tried": [{"shrinkage": s, "error": e} for s, e in self.tried]}


def _error(actual: dict, simulated: dict) -> float:
    total = 0.0
    for key in _KEYS:
        a, s = actual.get(key), simulated.get(key)
        if a is None or s is None:
            continue
        total += ((s - a) / a) ** 2 if key == "asa_s" else (s - a) ** 2
    return total if math.isfinite(total) else math.inf


def _busy_share(exports: Exports, channel: str) -> float | None:
    """Service time of answered calls ÷ agent time counted on duty."""
    c = exports.contacts
    c = c[(c["channel"].astype(str) == channel) & c["answer"].notna() & c["end"].notna()]
    start = (c["service_start"] if "service_start" in c else c["answer"]).fillna(c["answer"])
    served_h = float((c["end"] - start).dt.total_seconds().clip(lower=0).sum()) / 3600.0
    on_duty = agents_on_duty(exports.contacts)
    duty_h = float(on_duty.loc[on_duty["channel"] == channel, "agents"].sum()) / QUARTERS
    return served_h / duty_h if duty_h > 0 else None


def calibrate_shrinkage(scenario: Scenario, exports: Exports, *, period: tuple[dt.date, dt.date] | None = None,
                        replications: int = REPLICATIONS, tolerance: float = TOLERANCE) -> Calibration:
    """The shrinkage of the call log's channel's pool that best reproduces
    the log's service level, abandon rate and ASA over ``period`` (default:
    every day of ``exports``), simulated with the period's agents on duty."""
    if exports.contacts is None or not has_agents(exports.contacts):
        raise InputError(Problem("--calibrate", "calibrating needs a call log that names the agent of each "
                                                "answered call (map it with --map agent=YourColumn)"))
    base = scenario.model_dump(mode="json")
    memo: dict[float, tuple[float, dict, dict]] = {}
    order: list[tuple[float, float]] = []
    state: dict = {}

    def error(shrinkage: float) -> float:
        shrinkage = round(shrinkage, 3)
        if shrinkage not in memo:
            data = dict(base)
            data["agents"] = dict(base["agents"], pools=[dict(p, shrinkage=shrinkage) for p in base["agents"]["pools"]])
            trial = validate_scenario(data, source=f"{scenario.name} with shrinkage {shrinkage:g}")
            result = backtest_log(trial, exports, test=period, replications=replications)
            state["test"] = result.test
            actual, simulated = result.overall["actual"], result.overall["simulated"]
            memo[shrinkage] = (_error(actual, simulated), actual, simulated)
            order.append((shrinkage, round(memo[shrinkage][0], 6)))
        return memo[shrinkage][0]

    low, high = BRACKET
    x1, x2 = high - _GOLDEN * (high - low), low + _GOLDEN * (high - low)
    f1, f2 = error(x1), error(x2)
    while high - low > tolerance:
        if f1 <= f2:
            high, x2, f2 = x2, x1, f1
            x1 = high - _GOLDEN * (high - low)
            f1 = error(x1)
        else:
            low, x1, f1 = x1, x2, f2
            x2 = low + _GOLDEN * (high - low)
            f2 = error(x2)
    best = min(memo, key=lambda s: (memo[s][0], s))
    _, actual, simulated = memo[best]
    channel = str(pd.Series(exports.contacts["channel"]).astype(str).iloc[0])
    busy = _busy_share(exports if period is None else exports.between(*period, option="--train"), channel)
    availability = round(1.0 - best, 3)
    return Calibration(channel=channel, shrinkage=best, actual=actual, simulated=simulated,
                       availability=availability, busy_share=None if busy is None else round(busy, 4),
                       occupancy=None if busy is None else round(busy / availability, 4),
                       period=state["test"], replications=replications, tried=order)
