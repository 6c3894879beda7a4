"""The decision rule applied to a run: which strategy to recommend, and why.

Pure functions over a :class:`~chansim.studies.experiment.RunResult` and the
scenario's ``decision:`` section (:class:`~chansim.scenario.models.Decision`);
nothing here simulates, prints or formats.

The rule:

1. **Requirements.** A strategy meets a requirement (``KPI >= VALUE``) when it
   holds at the pessimistic end of the 95 % CI of its mean
   (:class:`~chansim.kpis.goals.Target`; a mean without an interval, one
   replication, is its own end). A requirement on a channel the strategy does
   not offer does not apply to it. A KPI the run did not measure is a miss.
2. **Objective.** The chosen strategy is the best on the objective among those
   meeting every requirement.
3. **Ties.** Another strategy ties with the best when their objectives differ
   by less than ``tie`` (relative to the best) or when the paired difference
   (same customers, :func:`~chansim.kpis.compare.paired_differences`) is not
   significant. Among tied strategies a dominated one is dropped, then the
   tie-breakers are applied in order, each with the same tie rule; what is
   still tied after the last goes to the strategy listed first.
4. **None meets them.** The chosen strategy is the one with the smallest total
   shortfall (the relative misses added up), then the best objective.

A strategy is **dominated** when another is at least as good on the
objective, on every requirement's KPI and on every tie-breaker, and better
on one (means compared).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from chansim.errors import InputError, Problem
from chansim.kpis.address import parse_address, lookup
from chansim.kpis.compare import NEUTRAL, direction, paired_differences
from chansim.kpis.goals import Target, parse_target
from chansim.scenario.models.decision import DEFAULT_SERVICE_SHARE, Decision as DecisionSpec

__all__ = ["Miss", "Standing", "Decision", "decide", "decision_problems", "requirements", "FALLBACK_OBJECTIVE"]

#: The objective used when the default one (cost_per_issue) was measured by no strategy.
FALLBACK_OBJECTIVE = "cost_per_contact"


@dataclass(frozen=True)
class Miss:
    """A requirement a strategy misses: ``at_worst`` is the pessimistic end of
    the CI, ``by`` how far it is from the value (KPI units; inf when not
    measured), ``shortfall`` the same relative to the value."""

    requirement: str
    kpi: str
    op: str
    value: float
    mean: float | None
    ci95: float | None
    at_worst: float | None
    by: float
    shortfall: float


@dataclass(frozen=True)
class Standing:
    """One strategy under the rule."""

    strategy: str
    objective: float | None
    objective_ci95: float | None
    misses: tuple[Miss, ...] = ()
    #: requirements on channels the strategy does not offer
    not_applicable: tuple[str, ...] = ()
    dominated_by: tuple[str, ...] = ()

    @property
    def meets_all(self) -> bool:
        return not self.misses

    @property
    def shortfall(self) -> float:
        """The relative misses added up (0 when every requirement is met)."""
        return float(sum(m.shortfall for m in self.misses))


@dataclass(frozen=True)
class Decision:
    """The recommended strategy (None when no strategy measured the objective) and why."""

    objective: str
    #: +1 higher is better, -1 lower
    direction: int
    requirements: tuple[str, ...]
    #: defaults the rule relies on, said in words
    assumed: tuple[str, ...]
    tie: float
    tie_breakers: tuple[str, ...]
    chosen: str | None
    meets_all: bool
    #: the strategies tied with the chosen one on the objective (itself included), empty without a tie
    tied: tuple[str, ...] = ()
    #: the tie-breaker that settled the tie; None when it was still tied after the last (first listed chosen)
    broken_by: str | None = None
    standings: tuple[Standing, ...] = field(default_factory=tuple)

    @property
    def is_tie(self) -> bool:
        return len(self.tied) > 1

    def standing(self, name: str) -> Standing:
        return next(s for s in self.standings if s.strategy == name)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON types; an unmeasured miss's ``by`` and ``shortfall`` are null)."""
        def num(v: float | None) -> float | None:
            return None if v is None or not math.isfinite(v) else float(v)

        return {
            "objective": self.objective, "better": "higher" if self.direction > 0 else "lower",
            "requirements": list(self.requirements), "assumed": list(self.assumed), "tie_threshold": self.tie,
            "tie_breakers": list(self.tie_breakers), "chosen": self.chosen, "meets_all": self.meets_all,
            "tie": self.is_tie, "tied": list(self.tied), "broken_by": self.broken_by,
            "strategies": {s.strategy: {
                "objective": num(s.objective), "objective_ci95": num(s.objective_ci95), "meets_all": s.meets_all,
                "misses": [{"requirement": m.requirement, "mean": num(m.mean), "ci95": num(m.ci95),
                            "at_worst": num(m.at_worst), "by": num(m.by), "shortfall": num(m.shortfall)}
                           for m in s.misses],
                "not_applicable": list(s.not_applicable), "dominated_by": list(s.dominated_by),
            } for s in self.standings},
        }


# ------------------------------------------------------------------ checking the section
def _ranked(address: str, where: str) -> list[Problem]:
    try:
        parse_address(address, where)
    except InputError as exc:
        return list(exc.problems)
    if direction(address) == NEUTRAL:
        return [Problem(where, f"{address!r} has no better direction (a count or occupancy); name a KPI that is "
                               "better lower (money, times, abandonment) or higher (service, CSAT)")]
    return []


def decision_problems(spec: DecisionSpec) -> list[Problem]:
    """What is wrong with a ``decision:`` section against the KPI table:
    unknown KPIs or breakdowns, and an objective or tie-breaker without a
    direction. Paths are those of the file (``decision.require[1]``)."""
    problems = _ranked(spec.objective, "decision.objective")
    for i, text in enumerate(spec.require or ()):
        where = f"decision.require[{i}]"
        try:
            parse_target(text, where)
        except InputError as exc:
            problems += exc.problems
    for i, key in enumerate(spec.tie_breakers):
        problems += _ranked(key, f"decision.tie_breakers[{i}]")
    return problems


def requirements(spec: DecisionSpec, scenario: Any = None) -> tuple[list[Target], list[str]]:
    """The requirements of ``spec`` as targets, and what was assumed for
    them. Without ``require``: each channel offered by a strategy of
    ``scenario`` that has an answer-time target must answer
    :data:`DEFAULT_SERVICE_SHARE` of its contacts within it."""
    if spec.require is not None:
        return [parse_target(t, "decision.require") for t in spec.require], []
    if scenario is None:
        return [], ["no requirement: the scenario is not known"]
    offered = {ch for st in scenario.strategies for ch in st.offer}
    targets = [Target(f"{ch}.service_level", ">=", DEFAULT_SERVICE_SHARE, spaced=True)
               for ch, spec_ in scenario.channels.items()
               if ch in offered and spec_.service_level_target_s is not None]
    if not targets:
        return [], ["no requirement: decision.require is absent and no offered channel has an answer-time target"]
    return targets, [f"decision.require is absent: each offered channel with an answer-time target must answer "
                     f"{100 * DEFAULT_SERVICE_SHARE:.0f} % of its contacts within it (no channel states its own "
                     f"target share, so {100 * DEFAULT_SERVICE_SHARE:.0f} % is assumed)"]


# ------------------------------------------------------------------ applying the rule
def _doc(strategy: Any) -> Mapping[str, Any]:
    return strategy if isinstance(strategy, Mapping) else strategy.to_dict()


def _offers(strategy: Any, target: Target) -> bool:
    """False when ``target`` is on a channel the strategy has no results for (does not offer)."""
    a = target.address
    if a.breakdown != "channel":
        return True
    return a.member in (_doc(strategy).get("by_channel") or {})


def _value(strategy: Any, address: str) -> tuple[float | None, float | None]:
    mean, ci = lookup(strategy, address)
    clean = [None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v) for v in (mean, ci)]
    return clean[0], clean[1]


def _standing(strategy: Any, objective: str, targets: Sequence[Target]) -> Standing:
    misses, na = [], []
    for t in targets:
        if not _offers(strategy, t):
            na.append(str(t))
            continue
        mean, ci = _value(strategy, str(t.address))
        short = t.shortfall(mean, ci)
        if short > 1e-12:
            worst = t.edge(mean, ci)
            by = math.inf if worst is None else abs(worst - t.value)
            misses.append(Miss(str(t), str(t.address), t.op, t.value, mean, ci, worst, by, short))
    mean, ci = _value(strategy, objective)
    return Standing(strategy.name, mean, ci, tuple(misses), tuple(na))


def _dominators(strategies: Sequence[Any], keys: Sequence[str]) -> dict[str, tuple[str, ...]]:
    ranked = [(k, direction(k)) for k in dict.fromkeys(keys) if direction(k) != NEUTRAL]
    values = {s.name: {k: _value(s, k)[0] for k, _ in ranked} for s in strategies}
    out = {}
    for s in strategies:
        mine, by = values[s.name], []
        for o in strategies:
            if o.name == s.name:
                continue
            pairs = [(way * mine[k], way * values[o.name][k]) for k, way in ranked
                     if mine[k] is not None and values[o.name][k] is not None]
            if pairs and all(b >= a for a, b in pairs) and any(b > a for a, b in pairs):
                by.append(o.name)
        out[s.name] = tuple(by)
    return out


def _ties(result: Any, best: str, names: Sequence[str], key: str, tie: float, values: Mapping[str, float]) -> list[str]:
    """``names`` tying with ``best`` on ``key``: within ``tie`` of it, or not significantly different (paired)."""
    significant: dict[str, bool] = {}
    frame = getattr(result, "replication_kpis", None)
    if len(names) > 1 and frame is not None and len(frame) and key in frame.columns:
        diffs = paired_differences(result, baseline=best, keys=[key])
        for row in diffs.itertuples(index=False):
            if row.n >= 2:  # one pair gives no test: judge on the threshold only
                significant[str(row.strategy)] = bool(row.significant)
    scale = max(abs(values[best]), 1e-12)
    return [n for n in names if n == best or abs(values[n] - values[best]) <= tie * scale
            or significant.get(n) is False]


def _best(names: Sequence[str], values: Mapping[str, float], way: int) -> str:
    return max(names, key=lambda n: way * values[n])  # max() keeps the first of equals


def decide(result: Any, spec: DecisionSpec | None = None) -> Decision:
    """The rule of ``spec`` (default: the run's scenario's ``decision:``) applied to ``result``."""
    scenario = getattr(result, "scenario", None)
    spec = spec if spec is not None else getattr(scenario, "decision", None) or DecisionSpec()
    targets, assumed = requirements(spec, scenario)
    strategies = list(result.strategies)
    objective = spec.objective
    if (spec.objective == DecisionSpec().objective and spec.objective not in spec.model_fields_set
            and all(_value(s, objective)[0] is None for s in strategies)):
        objective = FALLBACK_OBJECTIVE
        assumed.append(f"no strategy measured {spec.objective}: {objective} stands in as the objective")
    way = direction(objective) or -1
    breakers = tuple(k for k in spec.tie_breakers if k != objective)
    dominated = _dominators(strategies, [objective, *(str(t.address) for t in targets), *breakers])
    standings = [_standing(s, objective, targets) for s in strategies]
    standings = tuple(Standing(s.strategy, s.objective, s.objective_ci95, s.misses, s.not_applicable,
                               dominated[s.strategy]) for s in standings)
    base = dict(objective=objective, direction=way, requirements=tuple(str(t) for t in targets),
                assumed=tuple(assumed), tie=spec.tie, tie_breakers=breakers, standings=standings)
    measured = [s for s in standings if s.objective is not None]
    meeting = [s.strategy for s in measured if s.meets_all]
    if not measured:
        return Decision(chosen=None, meets_all=False, **base)
    if not meeting:
        least = min(s.shortfall for s in measured)
        closest = [s for s in measured if s.shortfall <= least + 1e-12]
        chosen = max(closest, key=lambda s: way * s.objective).strategy  # type: ignore[operator]
        return Decision(chosen=chosen, meets_all=False, **base)
    objectives = {s.strategy: float(s.objective) for s in measured}  # type: ignore[arg-type]
    best = _best(meeting, objectives, way)
    tied = _ties(result, best, meeting, objective, spec.tie, objectives)
    if len(tied) == 1:
        return Decision(chosen=best, meets_all=True, **base)
    by_name = {s.strategy: s for s in standings}
    pool = [n for n in tied if not any(d in tied for d in by_name[n].dominated_by)] or tied
    broken_by = None
    for key in breakers:
        if len(pool) == 1:
            break
        values = {n: _value(result.strategy(n), key)[0] for n in pool}
        have = [n for n in pool if values[n] is not None]
        if not have:
            continue
        leader = _best(have, values, direction(key))  # type: ignore[arg-type]
        narrowed = _ties(result, leader, have, key, spec.tie, values)  # type: ignore[arg-type]
        if len(narrowed) < len(pool):
            pool, broken_by = narrowed, key if len(narrowed) == 1 else broken_by
    if len(pool) > 1:
        broken_by = None
    return Decision(chosen=pool[0], meets_all=True, tied=tuple(tied), broken_by=broken_by, **base)
