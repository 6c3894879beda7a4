"""The director's question and its answer: the strategy the scenario's
decision rule picks (``decision:``, :mod:`chansim.kpis.decision`), said in
words: the rule, the choice or the tie, each strategy left out and why, and
what the choice gives up.

Pure functions over a :class:`~chansim.studies.experiment.RunResult`; nothing here
prints or draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from chansim.kpis.compare import paired_differences
from chansim.kpis.decision import Decision, Miss, decide
from chansim.kpis.table import BY_KEY, kind_of
from chansim.report.formats import fmt, fmt_ci
from chansim.scenario.models.decision import DEFAULT_SERVICE_SHARE

__all__ = ["Answer", "Tradeoff", "answer", "cost_kpi", "decision_lines", "decision_document", "miss_text",
           "SERVICE_GOAL", "TRADEOFF_KPIS"]

#: The share of each channel's contacts answered within its target time
#: required when the scenario states no requirement (``decision.require``).
SERVICE_GOAL = DEFAULT_SERVICE_SHARE
#: KPIs a cheaper strategy may give up, in the order they are told.
TRADEOFF_KPIS = ("service_level", "csat", "fcr_rate", "abandon_rate", "asa_s", "frt_s", "response_time_s",
                 "ttr_s", "containment_rate")


@dataclass(frozen=True)
class Tradeoff:
    """``kpi`` is significantly better under ``better_strategy`` than under the answer."""

    kpi: str
    better_strategy: str
    answer_value: float | None
    better_value: float | None
    diff: float
    ci95: float | None


@dataclass(frozen=True)
class Answer:
    """The recommended strategy (None when no strategy measured the objective) and why."""

    strategy: str | None
    cost_kpi: str
    meets_goal: bool
    #: strategies meeting every requirement
    meeting: tuple[str, ...]
    decision: Decision
    tradeoffs: tuple[Tradeoff, ...] = field(default_factory=tuple)


def _num(value: Any) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def cost_kpi(result: Any) -> str:
    """The objective the decision rule ranks on (``cost_per_issue`` by default,
    ``cost_per_contact`` when no strategy measured it)."""
    return decide(result).objective


def answer(result: Any) -> Answer:
    """The strategy the decision rule picks (:func:`chansim.kpis.decision.decide`)
    and its trade-offs: the KPIs of :data:`TRADEOFF_KPIS` on which another
    strategy is significantly better (paired over the same customers), the
    largest gain per KPI."""
    d = decide(result)
    meeting = tuple(s.strategy for s in d.standings if s.meets_all)
    tradeoffs = tuple(_tradeoffs(result, d.chosen)) if d.chosen is not None else ()
    return Answer(d.chosen, d.objective, d.meets_all, meeting, d, tradeoffs)


# ------------------------------------------------------------------ in words
def _amount(value: float, kpi: str, currency: str = "") -> str:
    """A distance in the KPI's unit: points for shares."""
    if kind_of(kpi) == "share":
        return f"{100 * value:.1f} pts"
    return fmt(value, kpi, currency)


def miss_text(miss: Miss, currency: str = "") -> str:
    """``webchat.service_level 62.0 % ± 3.0 (at worst 59.0 %) misses the requirement >= 80.0 % by 21.0 pts``."""
    kpi = miss.kpi.rsplit(".", 1)[-1]
    goal = f"{miss.op} {fmt(miss.value, kpi, currency)}"
    if miss.mean is None:
        return f"{miss.kpi} not measured (required {goal})"
    ci = fmt_ci(miss.ci95, kpi, miss.mean)
    worst = f" (at worst {fmt(miss.at_worst, kpi, currency)})" if ci else ""
    return (f"{miss.kpi} {fmt(miss.mean, kpi, currency)}{' ' + ci if ci else ''}{worst} misses the requirement "
            f"{goal} by {_amount(miss.by, kpi, currency)}")


def _then(items: tuple[str, ...] | list[str]) -> str:
    return ", then ".join(items) if items else "nothing"


def rule_text(d: Decision) -> str:
    """The decision rule in one sentence."""
    best = "highest" if d.direction > 0 else "lowest"
    need = (f"meeting every requirement ({', '.join(d.requirements)}), each judged at the pessimistic end of its "
            "95 % CI" if d.requirements else "(no requirement)")
    return (f"{best} {d.objective} among the strategies {need}; {d.objective} within {100 * d.tie:g} % or not "
            f"significantly different (paired over the same customers) is a tie, broken by {_then(d.tie_breakers)}")


def _value(d: Decision, name: str, currency: str) -> str:
    s = d.standing(name)
    ci = fmt_ci(s.objective_ci95, d.objective, s.objective)
    return f"{d.objective} {fmt(s.objective, d.objective, currency)}{' ' + ci if ci else ''}"


def verdict_text(d: Decision, currency: str = "") -> str:
    """The choice (or the tie, or that none meets the requirements) in one sentence."""
    if d.chosen is None:
        return f"No answer: no strategy has a measured {d.objective} in this result."
    chosen = d.chosen
    if not d.meets_all:
        s = d.standing(chosen)
        return (f"No strategy meets every requirement. Closest: {chosen} (the smallest total shortfall, "
                f"{100 * s.shortfall:.1f} % of the required values), {_value(d, chosen, currency)}.")
    if d.is_tie:
        how = (f"broken by {d.broken_by}" if d.broken_by else
               f"still tied after {_then(d.tie_breakers)}: the first listed")
        return (f"Tie on {d.objective} between {', '.join(d.tied)} (within {100 * d.tie:g} % or not significantly "
                f"different); {how}: choose {chosen}, {_value(d, chosen, currency)}.")
    return f"Choose {chosen}: {_value(d, chosen, currency)}, meeting every requirement."


def exclusion_lines(d: Decision, currency: str = "") -> list[str]:
    """Why each other strategy was not chosen: its misses, or that it is dominated."""
    lines = []
    for s in d.standings:
        if s.misses:
            lines.append(f"{s.strategy} excluded: " + "; ".join(miss_text(m, currency) for m in s.misses) + ".")
        if s.dominated_by:
            note = " (and it is the one chosen)" if s.strategy == d.chosen else ""
            lines.append(f"{s.strategy} is dominated by {', '.join(s.dominated_by)}: at least as good on "
                         f"{d.objective}, every requirement's KPI and every tie-breaker, and better on one{note}.")
    return lines


def decision_lines(d: Decision, currency: str = "") -> list[str]:
    """The decision in words: the rule, what was assumed, the verdict, then each exclusion."""
    return ([f"Decision rule: {rule_text(d)}."] + [f"Assumed: {a}." for a in d.assumed]
            + [verdict_text(d, currency)] + exclusion_lines(d, currency))


def decision_document(result: Any) -> dict[str, Any]:
    """The ``decision`` object of the JSON output: the rule in words, the
    choice, the tie, each strategy's misses, and the decision in lines."""
    d = decide(result)
    currency = getattr(getattr(result, "scenario", None), "currency", "")
    return {"rule": rule_text(d), **d.to_dict(), "lines": decision_lines(d, currency)}


def _tradeoffs(result: Any, chosen: str) -> list[Tradeoff]:
    if len(result.strategies) < 2 or result.replication_kpis is None or not len(result.replication_kpis):
        return []
    diffs = paired_differences(result, baseline=chosen)
    mine = result.strategy(chosen).kpis
    out = []
    for key in TRADEOFF_KPIS:
        sign = BY_KEY[key].sign if key in BY_KEY else 0
        if not sign:
            continue
        rows = diffs[(diffs["kpi"] == key) & diffs["significant"].astype(bool)]
        rows = rows[rows["diff"].astype(float) * sign > 0]  # the other strategy is better on it
        if not len(rows):
            continue
        best = rows.loc[rows["diff"].abs().astype(float).idxmax()]
        other = result.strategy(str(best["strategy"])).kpis
        out.append(Tradeoff(key, str(best["strategy"]), _num(mine.get(key)), _num(other.get(key)),
                            float(best["diff"]), _num(best["ci95"])))
    return out
