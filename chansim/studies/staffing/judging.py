"""Judging a staffing interval by interval with enough replications to
decide, and confirming it on fresh seeds.

Sequential rule: the staffing is simulated with the study's replications;
while some interval (or a whole-run target) is **undecided** (its target
holds at the optimistic end of the 95 % CI but not at the pessimistic end),
replications are added, a batch of the study's replications at a time, same
seed (replications ``n, n+1, …``: the numbers stay deterministic for a given
seed), until every interval is decided or the run has
:data:`MAX_REPLICATIONS`. An interval still undecided then is reported as
undecided: neither a failure nor a pass.

Confirmation: the final staffing simulated again on a different seed stream
(seed + 1), from :data:`CONFIRM_REPLICATIONS` replications, judged the same
way (replications added while an interval is undecided, up to the same cap),
and reported beside the plan's verdict.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from chansim.kpis.goals import Target
from chansim.studies.staffing.evaluator import Evaluator
from chansim.studies.staffing.pool_kpis import Measured
from chansim.studies.staffing.scaling import describe

__all__ = ["MAX_REPLICATIONS", "CONFIRM_REPLICATIONS", "stopping_rule", "judge", "verdict_of", "confirm"]

#: Replications at most when adding replications to decide an interval.
MAX_REPLICATIONS = 40
#: Replications of the confirmation on fresh seeds.
CONFIRM_REPLICATIONS = 5

#: Whether pool ``n``'s cell ``c`` is judged (simulated and open).
Searched = Callable[[str, int], bool]


def stopping_rule(cap: int = MAX_REPLICATIONS) -> str:
    return f"stops when every interval is decided or at {cap} replications"


def _undecided(measured: dict[str, Measured], applies: dict[str, list[Target]], cells: int,
               searched: Searched | None) -> bool:
    for n, entry in measured.items():
        if entry.verdict(applies[n]) == "undecided":
            return True
        if searched is not None and any(entry.cell_verdict(applies[n], c) == "undecided"
                                        for c in range(cells) if searched(n, c)):
            return True
    return False


def judge(evaluate: Evaluator, state: dict[str, dict[str, Any]], applies: dict[str, list[Target]], cells: int,
          searched: Searched | None, cap: int = MAX_REPLICATIONS) -> dict[str, Measured]:
    """``state`` measured with replications added (module docstring) until
    every interval and whole-run target is decided or at ``cap``."""
    batch = evaluate.replications
    reps = max(batch, evaluate.replications_of(state))
    while True:
        measured = evaluate(state, reps)
        if reps >= cap or not _undecided(measured, applies, cells, searched):
            return measured
        reps = min(reps + batch, cap)


def verdict_of(entry: Measured, targets: Sequence[Target], cells: int, searched: Callable[[int], bool] | None,
               label: Callable[[int], str] | None = None) -> dict[str, Any]:
    """One pool's verdict: ``yes`` (every target holds over the run and in
    every interval judged), ``no`` (some target is missed even at the
    optimistic end) or ``undecided``; with the intervals counted by verdict
    and those not passing named, each failing one with its targets' means
    (``failing_kpis``)."""
    whole = entry.verdict(targets)
    counts = {"pass": 0, "fail": 0, "undecided": 0}
    named: dict[str, list[str]] = {"fail": [], "undecided": []}
    failing_kpis: dict[str, dict[str, float | None]] = {}
    if searched is not None:
        for c in range(cells):
            if not searched(c):
                continue
            v = entry.cell_verdict(targets, c)
            counts[v] += 1
            if v != "pass" and label is not None:
                named[v].append(label(c))
                if v == "fail":
                    failing_kpis[label(c)] = {str(t): _mean(entry.cells[str(t)][0][c]) for t in targets}
    if whole == "fail" or counts["fail"]:
        verdict = "no"
    elif whole == "undecided" or counts["undecided"]:
        verdict = "undecided"
    else:
        verdict = "yes"
    out: dict[str, Any] = {"verdict": verdict, "whole_run": whole}
    if searched is not None:
        out.update(intervals=counts, failing=named["fail"], undecided=named["undecided"], failing_kpis=failing_kpis)
    return out


def _mean(value) -> float | None:
    value = float(value)
    return None if value != value else value


def confirm(evaluate: Evaluator, state: dict[str, dict[str, Any]], cells: int, searched: Searched | None,
            label: Callable[[int], str] | None, replications: int = CONFIRM_REPLICATIONS) -> dict[str, dict[str, Any]]:
    """Per pool, the verdict of ``state`` on fresh seeds (seed + 1), with the
    targets' means and CIs there: ``replications`` of them, then a batch
    more at a time while some interval is undecided, up to
    :data:`MAX_REPLICATIONS` (the rule the answer was judged by)."""
    seed = evaluate.resolved.seed + 1
    done = evaluate.count

    def told(count: int, _rule: str, staffing: str) -> None:  # the study's count goes on
        if evaluate.progress is not None:
            evaluate.progress(done + count, f"the last: the answer on fresh seeds (seed {seed}), "
                              + stopping_rule(), staffing)

    fresh = Evaluator(evaluate.resolved.with_overrides({"seed": seed}), evaluate.strategy, evaluate.pools,
                      evaluate.targets, replications, evaluate.pool_for, evaluate.cells, told)
    fresh.pool = evaluate.pool
    measured = judge(fresh, state, evaluate.targets, cells, searched)
    replications = fresh.replications_of(state)
    evaluate.count += fresh.count
    evaluate.replications_run += fresh.replications_run
    out = {}
    for n, entry in measured.items():
        targets = evaluate.targets[n]
        one = verdict_of(entry, targets, cells, None if searched is None else (lambda c, n=n: searched(n, c)), label)
        one.update(seed=seed, replications=replications,
                   targets={str(t): {"mean": entry.targets[str(t)][0], "ci95": entry.targets[str(t)][1],
                                     "holds": t.holds(*entry.targets[str(t)])} for t in targets})
        out[n] = one
    return out
