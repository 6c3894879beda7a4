"""Search the channel mix, bots and staffing for the best points under service targets.

``optimize(scenario)`` reads the scenario's ``optimize:`` section (or the
``space`` given) and returns an :class:`~chansim.studies.optimize.frontier.OptimizeResult`:
every trial with every KPI and its 95 % CI, and the frontier (several
objectives) or the best point (one objective), each as a ready strategy.

How the search goes
    * **Proposals**: optuna's TPE sampler for one objective, NSGA-II for
      several, seeded with the search seed (default: the scenario's). Points
      are proposed in batches of ``batch`` (a setting of the search, never the
      worker count), simulated in parallel, and their results handed back to
      the sampler in proposal order, so the same seed and budget give the same
      trials on 1 worker or 100.
    * **Common random numbers**: every point runs replications 0, 1, ... of
      the scenario's seed, so every point sees the same customers and the
      differences between points are the points', not noise.
    * **Racing**: every point first gets ``first_replications``; only a
      promising one gets the rest up to ``replications``. A point stops early
      when it is clearly infeasible (a constraint missed even at the optimistic
      end of its CI) or clearly dominated (a finished feasible point of an
      earlier batch is at least as good on every objective at its pessimistic
      end as this one at its optimistic end).
    * **Constraints** hold at the pessimistic end of the CI (``mean − ci95 ≥
      value`` for ``>=``, ``mean + ci95 ≤ value`` for ``<=``), as
      ``chansim staff`` does. The sampler is told how far each one misses.
    * **Budget**: ``trials`` distinct points. A point proposed again is not
      simulated again (its trial is marked a repeat and does not count), and
      its first untried neighbour (one step on a range, another value of a
      choice) is put first in the next batch, so a sampler that keeps coming
      back still explores; a search over a finite space stops once every point
      has been tried. An invalid point (values valid one by one but refused
      together by the scenario checks) counts, is marked ``invalid`` and is
      told to the sampler as failed.
    * **One objective**: after the budget, the best point's neighbours (one
      step up and down each whole-number or stepped variable) are tried until
      none is better, so the answer is locally best.
      ``time_limit_s`` stops before the next batch once exceeded (the trials
      run are the same as without it, there are just fewer).
    * **Resuming**: with ``study`` (a file), optuna's SQLite storage keeps
      every trial with its KPIs; running again continues the same study up to
      the budget.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import Executor
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Callable, Mapping

from chansim.errors import InputError, Problem
from chansim.kpis.statistics import ci95_halfwidth
from chansim.studies.experiment import aggregate_replications, measure_replication
from chansim.runtime.parallel import opener, ordered_results
from chansim.scenario.models import Scenario
from chansim.scenario.search_space import SearchSpace
from chansim.studies.optimize.frontier import OptimizeResult, Trial, dominates_clearly, frontier_of
from chansim.studies.optimize.proposals import STUDY_NAME, decode, distributions, encode, neighbours, open_study
from chansim.studies.optimize.space import ResolvedSpace, point_scenario, point_strategy, resolve_space

__all__ = ["optimize", "STUDY_NAME"]

#: Proposals per distinct point before a search gives up finding new points.
MAX_PROPOSALS_PER_TRIAL = 10
_ATTR = "chansim"


def _simulate_replication(scenario: Scenario, name: str, replication: int):
    """One replication of one point, measured (runs in a worker)."""
    measured, _costs, _labor, _log = measure_replication(scenario, name, replication, "none")
    return measured


def _key(params: Mapping[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, default=str)


class _Search:
    """The state of one search: the study, what was simulated, the trials."""

    def __init__(self, scenario: Scenario, space: ResolvedSpace, study, pool_for: Callable[[int], Executor]):
        self.scenario = scenario
        self.space = space
        self.study = study
        self.pool_for = pool_for
        self.addresses = [str(c.address) for c in space.constraints] + [str(o.address) for o in space.objectives]
        self.measured: dict[str, list] = {}  # point key → measured replications (this run)
        self.points: dict[str, tuple[Scenario, dict[str, Any]]] = {}
        self.trials: list[Trial] = []
        self.seen: dict[str, Trial] = {}  # point key → the trial that first tried it
        self.evaluations = 0
        self.pending: list[dict[str, Any]] = []  # untried neighbours of repeated points, for the next batch
        self.replications_run = 0
        self._restore()

    # ------------------------------------------------------------ resuming
    def _restore(self) -> None:
        from optuna.trial import TrialState

        for frozen in self.study.trials:
            doc = frozen.user_attrs.get(_ATTR)
            if frozen.state not in (TrialState.COMPLETE, TrialState.FAIL) or doc is None:
                continue
            trial = Trial.from_dict(doc)
            self.trials.append(trial)
            if trial.repeat_of is None:
                self.seen.setdefault(_key(trial.params), trial)

    @property
    def distinct(self) -> int:
        return len(self.seen)

    # ----------------------------------------------------------- simulating
    def _run(self, jobs: list[tuple[str, int]]) -> None:
        """Simulate the replications ``jobs`` ((point key, replication)) not simulated yet."""
        jobs = [(k, r) for k, r in dict.fromkeys(jobs) if r >= len(self.measured.get(k, []))]
        if not jobs:
            return
        pool = self.pool_for(len(jobs))
        tasks = [(self.points[k][0], self.space.strategy, r) for k, r in jobs]
        for (k, r), measured in zip(jobs, ordered_results(pool, _simulate_replication, tasks)):
            got = self.measured.setdefault(k, [])
            assert r == len(got), "replications are simulated in order"
            got.append(measured)
            self.replications_run += 1

    def _values(self, key: str) -> tuple[dict[str, Any], dict[str, tuple[float | None, float | None]]]:
        per_rep = self.measured[key]
        result = aggregate_replications(self.space.strategy, per_rep)
        singles = [aggregate_replications(self.space.strategy, [m]) for m in per_rep]
        values = {}
        for address in self.addresses:
            mean, ci = result.value(address)
            if ci is None and len(per_rep) >= 2:
                ci = ci95_halfwidth([s.value(address)[0] for s in singles])
            values[address] = (mean, ci)
        return result.to_dict(), values

    # ------------------------------------------------------------ one batch
    def batch(self, size: int, queue: list[dict[str, Any]] | None = None) -> int:
        """Propose ``size`` points (``queue`` first, by default the neighbours
        queued in place of repeats), simulate them (racing), tell the results;
        the new distinct points."""
        from optuna.trial import TrialState

        if queue is None:
            queue, self.pending = self.pending[:size], self.pending[size:]
        for p in queue:
            self.study.enqueue_trial(encode(self.space, p))
        domains = distributions(self.space)
        asked = [self.study.ask(domains) for _ in range(size)]
        params = [decode(self.space, t.params) for t in asked]
        keys = [_key(p) for p in params]
        new = [k for k in dict.fromkeys(keys) if k not in self.seen]
        invalid: dict[str, str] = {}
        for k, p in zip(keys, params):
            if k in new and k not in self.points and k not in invalid:
                try:
                    strategy = point_strategy(self.scenario, self.space, p)
                    self.points[k] = (point_scenario(self.scenario, strategy), strategy)
                except InputError as exc:  # values valid alone, not together: a trial that cannot run
                    invalid[k] = exc.render()
        new_valid = [k for k in new if k not in invalid]
        first = self.space.first_replications
        self._run([(k, r) for k in new_valid for r in range(first)])
        going_on = [k for k in new_valid if self._promising(k)]
        self._run([(k, r) for k in going_on for r in range(self.space.replications)])
        made: dict[str, Trial] = {}
        for t, k, p in zip(asked, keys, params):
            if k in self.seen:
                earlier = self.seen[k]
                trial = earlier.repeat(t.number)
            elif k in invalid:
                trial = Trial.not_valid(t.number, p, invalid[k], self.addresses)
                self.seen[k] = trial
                made[k] = trial
            else:
                kpis, values = self._values(k)
                trial = Trial.measured(t.number, p, self.points[k][1], len(self.measured[k]), kpis, values,
                                       self.space, stopped=k not in going_on)
                self.seen[k] = trial
                self.evaluations += 1
                made[k] = trial
            self.trials.append(trial)
            for c, miss in zip(self.space.constraints, trial.shortfalls(self.space)):
                t.set_constraint(str(c), min(miss, 1e6))  # how far it misses (≤ 0: met), for the sampler
            t.set_user_attr(_ATTR, trial.to_dict())
            objective = trial.objective_values(self.space)
            if objective is None:
                self.study.tell(t, state=TrialState.FAIL)
            else:
                self.study.tell(t, objective)
        for k in made:
            self.measured.pop(k, None)  # told: the replications are not needed any more
        self._replace_repeats([t for t in self.trials[-size:] if t.repeat_of is not None])
        return len(made)

    def _replace_repeats(self, repeats: list[Trial]) -> None:
        """For each point proposed again, queue its first untried neighbour for
        the next batch, so a sampler that keeps coming back still explores."""
        queued = {_key(p) for p in self.pending}
        for trial in repeats:
            for p in neighbours(self.space, trial.params, choices=True):
                k = _key(p)
                if k not in self.seen and k not in queued:
                    queued.add(k)
                    self.pending.append(p)
                    break

    def polish(self) -> int:
        """One objective: try the best point's neighbours (one step up and down
        each whole-number or stepped variable) until none is better. The new points."""
        added = 0
        while True:
            front = frontier_of(self.trials, self.space)
            if not front:
                return added
            best = front[0]
            around = [p for p in neighbours(self.space, best.params) if _key(p) not in self.seen]
            if not around:
                return added
            added += self.batch(len(around), queue=around)
            if frontier_of(self.trials, self.space)[0] is best:
                return added

    def _promising(self, key: str) -> bool:
        """Whether a point deserves its remaining replications (see the module docstring)."""
        if len(self.measured[key]) >= self.space.replications:
            return True
        _, values = self._values(key)
        space = self.space
        if any(values[str(o.address)][0] is None for o in space.objectives):
            return False
        if not all(c.may_hold(*values[str(c.address)]) for c in space.constraints):
            return False
        finished = [t for t in self.seen.values() if t.feasible and t.status == "complete"]
        return not any(dominates_clearly(t.values, values, space.objectives) for t in finished)

    def best_text(self) -> str:
        front = frontier_of(self.trials, self.space)
        if not front:
            return "no feasible point yet"
        if len(self.space.objectives) > 1:
            return f"{len(front)} points on the frontier"
        best = front[0]
        o = self.space.objectives[0]
        mean, ci = best.values[str(o.address)]
        shown = ", ".join(f"{path}={value}" for path, value in best.params.items())
        return f"best {o.address} {mean:,.4g} ± {ci or 0:,.2g} at {shown}"


def optimize(
    scenario: Scenario,
    space: SearchSpace | Mapping[str, Any] | None = None,
    *,
    strategy: str | None = None,
    trials: int | None = None,
    time_limit_s: float | None = None,
    replications: int | None = None,
    seed: int | None = None,
    study: str | Path | None = None,
    workers: int | None = None,
    executor: str | Executor = "processes",
    scheduler: str | None = None,
    lines: Mapping[tuple, int] | None = None,
    origin: tuple = ("optimize",),
    progress: Callable[[int, int, str], None] | None = None,
) -> OptimizeResult:
    """Search ``space`` (default: the scenario's ``optimize:`` section) for the
    best points; see the module docstring for how.

    ``strategy``, ``trials``, ``replications`` and ``seed`` (of the search)
    override the section's. ``study`` is a file keeping the study (SQLite)
    so a search can be resumed. ``workers``, ``executor`` and ``scheduler``
    are those of :func:`chansim.simulate`; the numbers depend on none of them.
    ``progress(points_tried, budget, best_so_far)`` is called after each batch.
    ``lines`` and ``origin`` locate the section in its file for messages.
    Raises :class:`InputError` naming the field for a path that does not
    exist, reversed bounds, an unknown KPI or breakdown, or an objective that
    is not rankable. Finding no feasible point is not an error: the result's
    frontier is empty and ``closest`` lists the points nearest to feasible."""
    started = time.perf_counter()
    if space is None:
        space = scenario.optimize
        if space is None:
            raise InputError(Problem("optimize", "the scenario has no optimize: section; add one or give a "
                                     "search space (--space FILE)"))
    elif not isinstance(space, SearchSpace):
        from chansim.studies.optimize.space_file import space_from_data

        space = space_from_data(space)
    if trials is not None and trials < 1:
        raise InputError(Problem("--trials", "must be ≥ 1"))
    if time_limit_s is not None and not time_limit_s > 0:  # (nan is not > 0 either)
        raise InputError(Problem("--time-limit", f"must be > 0 seconds (got {time_limit_s:g})"))
    resolved = resolve_space(scenario, space, strategy=strategy, lines=lines, origin=origin, trials=trials,
                             replications=replications, seed=seed)
    made = open_study(resolved, scenario, study)
    with ExitStack() as stack:
        pool_for = opener(stack, workers, executor, scheduler)
        search = _Search(scenario, resolved, made, pool_for)
        stopped = "budget"
        asked_limit = MAX_PROPOSALS_PER_TRIAL * resolved.trials
        while search.distinct < resolved.trials:
            if search.distinct >= resolved.size:
                stopped = "space exhausted"
                break
            if len(search.trials) >= asked_limit:
                stopped = "no new points proposed"
                break
            if time_limit_s is not None and time.perf_counter() - started >= time_limit_s:
                stopped = "time limit"
                break
            search.batch(min(resolved.batch, resolved.trials - search.distinct))
            if progress is not None:
                progress(min(search.distinct, resolved.trials), resolved.trials, search.best_text())
        if len(resolved.objectives) == 1 and stopped != "time limit" and search.polish() and progress is not None:
            progress(resolved.trials, resolved.trials, search.best_text())
    return OptimizeResult(
        scenario=scenario,
        space=resolved,
        records=list(search.trials),
        evaluations=search.evaluations,
        replications_run=search.replications_run,
        stopped=stopped,
        run_time_s=time.perf_counter() - started,
    )
