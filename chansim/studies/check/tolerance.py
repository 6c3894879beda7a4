"""Which tolerance a KPI gets in ``chansim check``.

A run with a fixed seed is deterministic: on the same code every KPI matches
its baseline to the last bit. KPIs fall in two kinds:

- *simulation* KPIs (:data:`SIMULATION_KPIS`: counts, times, rates, occupancy)
  come out of the engine;
- *model* KPIs (:data:`MODEL_KPIS`: every ``cost_*``, ``sms_segments``,
  ``csat``, ``csat_pct``) are pure functions (billing, labor, bot fees, the
  CSAT survey with its own seeded stream) applied to the simulated log.

For each strategy: if every simulation KPI that both the run and the baseline
have matches exactly (within :data:`EXACT`, i.e. floating-point noise), the
log is the same, so a model KPI can only have moved because a price, a rate
card, a labor rate or the billing / CSAT code changed: model KPIs must then
match exactly. A KPI new since the baseline (measured now, absent from the
file) says nothing about whether the simulation moved. If the simulation
itself moved (an engine change that draws random numbers differently, a
staffing change), every KPI is held to its band in
:data:`DEFAULT_TOLERANCES`: ``max(abs, rel × |baseline|, ci × baseline's
ci95)``. A baseline file may replace the tolerance of any KPI, for the whole
scenario (``"tolerances": {"asa_s": {"rel": 0.05, "abs": 1.0}}``) or for one
strategy (``"strategies": {"today": {"tolerances": {...}}}``); a replacement
applies in both cases and its missing parts (``rel``, ``abs``, ``ci``) are 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from chansim.errors import InputError, Problem
from chansim.kpis.address import parse_address
from chansim.kpis.table import KPIS, MODEL_KPIS, SIMULATION_KPIS

__all__ = ["Tolerance", "EXACT", "DEFAULT_TOLERANCES", "is_number", "parse_tolerances", "is_same",
           "same_simulation", "tolerance_for"]


@dataclass(frozen=True)
class Tolerance:
    """Allowed absolute difference: ``max(abs, rel × |baseline|, ci × baseline ci95)``."""

    rel: float = 0.0
    abs: float = 0.0
    ci: float = 0.0
    exact: bool = False  # the "same simulation" rule for model KPIs
    custom: bool = False  # from the baseline file

    def allowed(self, baseline: float, ci95: float | None) -> float:
        return max(self.abs, self.rel * abs(baseline), self.ci * (ci95 or 0.0))

    def rule(self, baseline: float, ci95: float | None) -> str:
        """Which part sets the allowed difference, for people."""
        if self.exact:
            return "exact"
        parts = {"abs": self.abs, "rel": self.rel * abs(baseline), "ci": self.ci * (ci95 or 0.0)}
        which = max(parts, key=lambda k: parts[k])
        text = {"abs": f"abs {self.abs:g}", "rel": f"rel {100 * self.rel:g} %", "ci": f"{self.ci:g}×ci95"}[which]
        return f"custom {text}" if self.custom else text

    def to_dict(self) -> dict[str, float]:
        return {"rel": self.rel, "abs": self.abs, "ci": self.ci}


#: Floating-point noise only (summation order); used for model KPIs when the simulation is unchanged.
EXACT = Tolerance(rel=1e-9, abs=1e-9, exact=True)

_CI = 3.0  # × the baseline's own 95 % CI half-width

#: The band of each KPI when the simulation moved (see the module docstring):
#: the KPI table's ``(rel, abs)`` and 3 × the baseline's ci95.
DEFAULT_TOLERANCES: dict[str, Tolerance] = {
    k.key: Tolerance(rel=k.tolerance[0], abs=k.tolerance[1], ci=_CI) for k in KPIS
}


def is_number(value: Any) -> bool:
    """A finite number (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def parse_tolerances(raw: Any, where: str) -> tuple[dict[str, Tolerance], list[Problem]]:
    """The custom tolerances of a baseline's ``tolerances`` mapping (at ``where``),
    and the problems found in it."""
    problems: list[Problem] = []
    out: dict[str, Tolerance] = {}
    if raw is None:
        return out, problems
    if not isinstance(raw, dict):
        return out, [Problem(where, "must be a mapping of KPI → {rel, abs, ci}")]
    for kpi, spec in raw.items():
        at = f"{where}.{kpi}"
        try:
            parse_address(kpi, at)
        except InputError as exc:
            problems += exc.problems
            continue
        if not isinstance(spec, dict) or not spec:
            problems.append(Problem(at, 'must be a mapping such as {"rel": 0.05, "abs": 1.0, "ci": 3}'))
            continue
        unknown = sorted(set(spec) - {"rel", "abs", "ci"})
        if unknown:
            problems.append(Problem(at, f"unknown key(s) {', '.join(unknown)} (allowed: rel, abs, ci)"))
            continue
        bad = [k for k, v in spec.items() if not is_number(v) or v < 0]
        if bad:
            problems.append(Problem(f"{at}.{bad[0]}", f"must be a number ≥ 0 (got {spec[bad[0]]!r})"))
            continue
        out[kpi] = Tolerance(rel=float(spec.get("rel", 0)), abs=float(spec.get("abs", 0)),
                             ci=float(spec.get("ci", 0)), custom=True)
    return out, problems


def is_same(a: float | None, b: float | None) -> bool:
    """Equal within :data:`EXACT` (both null counts as equal)."""
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= EXACT.allowed(a, None)


def same_simulation(baseline: Mapping[str, Any], now: Mapping[str, Any]) -> bool:
    """Whether the simulation is unchanged: every simulation KPI present in both
    the baseline and the run matches exactly (and there is at least one). A KPI
    new since the baseline is left out: it cannot tell."""
    shared = [k for k in SIMULATION_KPIS if k in baseline and k in now]
    return bool(shared) and all(is_same(baseline[k], now[k]) for k in shared)


def tolerance_for(kpi: str, same_simulation: bool, custom: Mapping[str, Tolerance]) -> Tolerance:
    """A custom tolerance, else :data:`EXACT` for a model KPI of an unchanged
    simulation, else the KPI's band."""
    if kpi in custom:
        return custom[kpi]
    if same_simulation and kpi in MODEL_KPIS:
        return EXACT
    return DEFAULT_TOLERANCES.get(kpi, Tolerance(rel=0.03, abs=1.0, ci=_CI))
