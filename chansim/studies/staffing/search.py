"""The smallest staffing that meets service targets, found by simulation.

``find_staffing(scenario, ["voice"], ["voice.service_level>=0.8"])`` answers
"how many agents does the voice pool need?" by simulating candidate rosters.
Targets (:mod:`chansim.kpis.goals`) name any KPI address: a bare KPI is
measured over the searched pool's channels together, ``voice.service_level``
over one channel, ``pool.digital.occupancy`` on one pool. A target holds at
the **pessimistic end of the 95 % CI** of its mean over replications.

Three answers, in the planner's terms:

Flat (default): the pool's own roster, scaled
    A ``headcount`` pool gets a headcount. A pool with a ``schedule`` or
    ``shifts`` keeps its shape: the search scales it so that its busiest
    interval (or its largest shift) has N agents, every other value in
    proportion (rounded, never below 1 where the shape has agents), and finds
    the smallest N meeting the targets over the whole run. Search: start from
    Erlang C at the busiest hour, simulate; step down (1, 2, 4, ...) until a
    level fails or up until one passes; bisect. N passes and N − 1 was
    simulated and fails.
Per interval (``per_interval=True``)
    A schedule per weekday × interval of ``interval_minutes`` (15, 30, 60):
    the targets must hold for the contacts arriving in each weekday ×
    interval (pooled over the simulated weeks, per replication, then the CI
    convention; a cell with no contacts has nothing to meet, one with data in
    a single replication must meet the target with its mean). Start from
    Erlang C per hour; while some cell fails, add one agent to every failing
    cell; then repeatedly try removing one agent from every cell not yet
    known to be minimal, all at once: if every cell still passes the cut is
    kept, otherwise it is undone for the cells blamed for the failures (a
    failing cell blames itself if it was cut, else the nearest earlier cut
    cell, whose backlog it inherited), which are then fixed. Only contact
    KPIs can be targeted per interval (:data:`INTERVAL_KPIS`).
Shifts (``shifts=True``)
    The per-interval requirement turned into the cheapest whole numbers of
    agents on the pool's own shift patterns (its ``shifts``, their
    ``agents`` ignored) by an integer program
    (:mod:`chansim.studies.staffing.shift_plan`): minimise paid hours × cost per hour
    subject to agents on the floor ≥ requirement in every interval. The plan
    is simulated again to confirm the targets, with replications added
    until every interval is decided (:mod:`~chansim.studies.staffing.judging`);
    where it fails, the failing intervals' requirement goes up by 2 % (at least one agent) and the
    plan is solved again (at most :data:`MAX_SHIFT_ROUNDS` times).

A search that reaches its cap (no level up to its cap passes, or cells still
fail after :data:`~chansim.studies.staffing.searches.MAX_CELL_UP` rounds of
adding agents) answers with the largest staffing it tried, judged ``no``.

The answer's verdict per pool is ``yes``, ``no`` or ``undecided``: the final
staffing is judged with replications added until every interval (and
whole-run target) is decided or at
:data:`~chansim.studies.staffing.judging.MAX_REPLICATIONS`, then confirmed on
fresh seeds. Each pool's answer also says how efficiently it covers what is
required (:mod:`~chansim.studies.staffing.efficiency`).

Closed intervals are never staffed: ``closed`` gives, per pool, the cells
(weekday × interval) in which every channel of the pool is closed; by
default they come from the channels' opening ``hours`` when the scenario
has them, else every cell is open. Closed cells keep 0 agents and have no
targets.

Every candidate is simulated with the scenario's seed (common random
numbers: every candidate sees the same customers), each staffing once. Pools
are searched one after another; when they share a channel the round is
repeated until nothing changes (at most :data:`MAX_ROUNDS`). The days after
the run (while the engine drains the contacts still in the system) keep the
roster of the last simulated weekday.
"""

from __future__ import annotations

import math
from concurrent.futures import Executor
from contextlib import ExitStack
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from chansim.errors import InputError, Problem
from chansim.runtime.parallel import opener
from chansim.scenario.models import Scenario
from chansim.scenario.rosters import WEEKDAYS, shift_cover, shift_step, weekly_roster
from chansim.studies.staffing.cells import Cells, closed_cells
from chansim.studies.staffing.evaluator import Evaluator, Progress, state_key
from chansim.studies.staffing.first_guess import erlang_by_hour
from chansim.studies.staffing.pool_kpis import INTERVAL_KPIS, Measured, contact_kpis_by_group, pool_kpis
from chansim.studies.staffing.question import check_question
from chansim.studies.staffing.scaling import peak_of, roster_overrides, scaled_roster, shape_of
from chansim.studies.staffing.reach import failing_cells, probe, raise_cells
from chansim.studies.staffing.searches import CapReached, search_cells, search_level
from chansim.studies.staffing.shift_plan import ShiftPlan, cheapest_shifts
from chansim.studies.staffing.result import PoolStaffing, StaffingResult
from chansim.studies.staffing.answer import study_result
from chansim.studies.staffing.judging import judge, stopping_rule
from chansim.kpis.goals import CONVENTION, Target, parse_target

__all__ = [
    "Target",
    "parse_target",
    "find_staffing",
    "StaffingResult",
    "PoolStaffing",
    "CONVENTION",
    "INTERVAL_KPIS",
    "MAX_ROUNDS",
    "MAX_SHIFT_ROUNDS",
    "pool_kpis",
    "contact_kpis_by_group",
    "scaled_roster",
    "closed_cells",
]

#: Rounds of coordinate descent for pools that share channels.
MAX_ROUNDS = 5
#: Rounds of "raise the failing intervals' requirement and solve again" (shifts).
MAX_SHIFT_ROUNDS = 6
#: When each search stops, in words (the progress line's rule).
RULES = {"flat": "stops at the smallest level N that passes where N − 1 fails",
         "per_interval": "stops when no interval can lose an agent",
         "shifts": f"stops when no interval can lose an agent, then after at most {MAX_SHIFT_ROUNDS} shift plans"}


# -------------------------------------------------------------- the study
def find_staffing(
    scenario: Scenario,
    pools: Sequence[str],
    targets: Sequence[Target | str],
    *,
    strategy: str | None = None,
    per_interval: bool = False,
    shifts: bool = False,
    interval_minutes: int = 60,
    per_hour: bool = False,
    replications: int | None = None,
    workers: int | None = None,
    executor: str | Executor = "processes",
    scheduler: str | None = None,
    progress: Progress | None = None,
    closed: Mapping[str, np.ndarray] | None = None,
) -> StaffingResult:
    """The smallest roster of each pool in ``pools`` meeting every target, by simulation.

    Flat by default (the pool's own roster scaled), ``per_interval`` (a
    schedule per weekday × ``interval_minutes``; ``per_hour`` is
    ``per_interval`` at 60 minutes) or ``shifts`` (the cheapest counts on the
    pool's shift patterns); see the module docstring. ``strategy`` defaults to
    the scenario's first; its ``set`` is applied first. ``progress(done,
    rule, staffing)`` is called after each simulation (``rule``: when the
    search stops, in words). ``closed[pool]``: cells to leave unstaffed
    (default: from opening hours). Raises :class:`InputError` for an unknown
    pool, strategy or channel, a bad target, fewer than 2 replications, or an
    interval no shift pattern covers. When no staffing within the search's cap
    meets the targets, the answer is the largest staffing tried, judged
    ``no`` (its verdict's ``search`` says why). ``workers``, ``executor`` and
    ``scheduler`` are those of :func:`chansim.simulate`; the executor is
    opened once for the whole search."""
    with ExitStack() as stack:
        pool_for = opener(stack, workers, executor, scheduler)
        mode = "shifts" if shifts else ("per_interval" if per_interval or per_hour else "flat")
        return _Study(scenario, pools, targets, strategy, mode, interval_minutes, replications, pool_for,
                      progress, closed).run()


class _Study:
    """One staffing search: its checked question (:mod:`~chansim.studies.staffing.question`), the
    staffings it simulates (:class:`~chansim.studies.staffing.evaluator.Evaluator`) and the rounds of its mode."""

    def __init__(self, scenario: Scenario, pools: Sequence[str], targets: Sequence[Target | str],
                 strategy: str | None, mode: str, minutes: int, replications: int | None,
                 pool_for: Callable[[int], Executor], progress: Progress | None,
                 closed: Mapping[str, np.ndarray] | None):
        q = check_question(scenario, pools, targets, strategy, mode, minutes, replications, closed)
        self.resolved, self.names, self.strategy, self.mode = q.resolved, q.names, q.strategy, mode
        self.reps = q.replications
        self.targets, self.channels, self.applies = q.targets, q.channels, q.applies
        self.rates, self.loads, self.cells, self.closed = q.rates, q.loads, q.cells, q.closed
        self.evaluate = Evaluator(q.resolved, q.strategy, q.channels, q.applies, q.replications, pool_for, q.cells,
                                  progress)
        self.evaluate.rule = RULES[mode] + "; then " + stopping_rule()
        #: Per pool whose search reached its cap with no staffing passing: why, in words.
        self.capped: dict[str, str] = {}
        #: Per pool: what no staffing within the search's reach meets (targets, intervals), in words.
        self.unreachable: dict[str, list[str]] = {}
        #: Per pool: the targets and the cells the per-interval search steers by (those within reach).
        self.steer: dict[str, list[Target]] = {}
        self.reach: dict[str, np.ndarray] = {}
        #: Per pool and cell: a level the probe found to meet far above the first estimate (0: none).
        self.ceiling: dict[str, np.ndarray] = {}

    # ------------------------------------------------------------ helpers
    def _erlang(self, n: str, state) -> np.ndarray:
        return erlang_by_hour(self.resolved, n, self.rates[n], self.loads[n], self.applies[n], state)

    def _simulated_hours(self) -> np.ndarray:
        first = self.resolved.start_date.weekday()
        days = max(1, math.ceil(self.resolved.days - 1e-9))
        mask = np.zeros((7, 24), dtype=bool)
        for d in range(min(days, 7)):
            mask[(first + d) % 7] = True
        return mask

    # ------------------------------------------------------------- search
    def run(self) -> StaffingResult:
        state: dict[str, dict[str, Any]] = {}
        for n in self.names:
            spec = self.resolved.pool(n)
            kind, shape = shape_of(spec)
            if kind == "shifts":
                state[n] = {"shifts": {s.name: s.agents for s in spec.shifts}}
            else:
                state[n] = {kind: shape} | ({"interval_minutes": spec.interval_minutes} if kind == "schedule" else {})
        plans: dict[str, ShiftPlan] = {}
        requirement: dict[str, tuple[int, ...]] = {}
        rounds = self._rounds(state, requirement)
        if self.mode == "shifts":
            rounds += self._to_shifts(state, requirement, plans)
        elif self.mode == "per_interval":
            rounds += self._repair(state, requirement)
        final = judge(self.evaluate, state, self.applies, self._cell_count(), self._judged())
        return study_result(self, state, final, requirement, plans, rounds)

    def _cell_count(self) -> int:
        return self.cells.count if self.cells is not None else 0

    def _judged(self):
        """Whether a pool's cell is judged: simulated and open (None in a flat search)."""
        return self._searched if self.cells is not None else None

    def _rounds(self, state: dict[str, dict[str, Any]], requirement: dict[str, tuple[int, ...]]) -> int:
        searched: set[str] = set()
        coupled = _coupled(self.resolved, self.names)
        rounds = 0
        for rounds in range(1, MAX_ROUNDS + 1):
            changed = False
            for n in self.names:
                before = state_key(state[n])
                if self.mode == "flat":
                    state[n] = self._flat(n, state, n in searched)
                else:
                    cells = self._cells_of(n, state, requirement.get(n))
                    requirement[n] = cells
                    state[n] = {"schedule": self.cells.schedule(cells), "interval_minutes": self.cells.minutes}
                changed |= state_key(state[n]) != before
                searched.add(n)
            if not coupled or not changed:
                break
        return rounds

    def _flat(self, n: str, state: dict[str, dict[str, Any]], again: bool) -> dict[str, Any]:
        spec = self.resolved.pool(n)
        kind, shape = shape_of(spec)
        closed = self.closed[n]
        if kind == "headcount" and closed.any():
            # a 24/7 headcount would staff closed hours: scale the open hours instead
            open_hours = (~closed.reshape(7, 24)).astype(int)
            spec = self.resolved.with_overrides(roster_overrides(spec, {
                "schedule": {WEEKDAYS[d]: open_hours[d].tolist() for d in range(7)}})).pool(n)
        elif kind == "schedule" and closed.any():
            # the user's shape, less any agents it has in closed hours
            interval, week = weekly_roster(spec)
            minutes = int(interval // 60)
            shut = np.repeat(closed.reshape(7, 24), 60 // minutes, axis=1).reshape(-1)
            if (week[shut] > 0).any():
                days = np.where(shut, 0, week).reshape(7, -1)
                spec = self.resolved.with_overrides(roster_overrides(spec, {
                    "schedule": {WEEKDAYS[d]: days[d].tolist() for d in range(7)},
                    "interval_minutes": minutes})).pool(n)
        load = np.where(self._simulated_hours(), self.loads[n], 0.0)
        peak = np.unravel_index(int(np.argmax(load)), load.shape)
        estimate = max(int(self._erlang(n, state)[peak]), 1)
        if again:
            current = state[n]
            start = current.get("headcount") or peak_of(current)
        else:
            start = estimate
        cap = max(4 * (math.floor(float(load.max())) + 1), start + 50) if load.max() > 0 else 2000

        def passes(level: int) -> bool:
            roster = scaled_roster(spec, level)
            return self.evaluate({**state, n: roster})[n].passes(self.applies[n])

        self.capped.pop(n, None)
        try:
            level = search_level(passes, start, 1, cap, n, self.applies[n])
        except CapReached as reached:
            self.capped[n], level = reached.why, reached.staffing
        return scaled_roster(spec, level)

    def _cells_of(self, n: str, state: dict[str, dict[str, Any]], previous: tuple[int, ...] | None) -> tuple[int, ...]:
        cells = self.cells
        assert cells is not None
        closed = self.closed[n]
        simulated = np.repeat(self._simulated_hours().reshape(-1), 60 // cells.minutes)
        rate = cells.hourly(np.where(self._simulated_hours(), self.rates[n], 0.0))
        searched = simulated & ~closed
        floor = np.where(searched & (rate > 0), 1, 0)
        if previous is not None:
            start = np.asarray(previous)
        else:
            start = np.where(searched, cells.hourly(self._erlang(n, state)), 0)
        start = np.where(closed, 0, start)

        def run(values: tuple[int, ...]) -> Measured:
            roster = {"schedule": cells.schedule(values), "interval_minutes": cells.minutes}
            return self.evaluate({**state, n: roster})[n]

        if n not in self.reach:
            probe(self, n, run, start, searched)
        self.capped.pop(n, None)
        try:
            return search_cells(run, [int(v) for v in start], [int(v) for v in floor], self.reach[n], self.steer[n],
                                n, cells, self.ceiling.get(n))
        except CapReached as reached:
            self.capped[n] = reached.why
            return reached.staffing

    def _to_shifts(self, state: dict[str, dict[str, Any]], requirement: dict[str, tuple[int, ...]],
                   plans: dict[str, ShiftPlan]) -> int:
        cells = self.cells
        assert cells is not None
        need = {n: np.asarray(requirement[n], dtype=np.int64) for n in self.names}
        for n in self.names:
            simulated = np.repeat(self._simulated_hours().reshape(-1), 60 // cells.minutes)
            need[n] = np.where(simulated & ~self.closed[n], need[n], 0)
        def staff(n: str) -> None:
            plans[n] = self._plan(n, need[n])
            state[n] = {"shifts": plans[n].counts}

        rounds = self._raise_failing(state, need, staff)
        for n in self.names:
            requirement[n] = tuple(int(v) for v in need[n])
        return rounds

    def _repair(self, state: dict[str, dict[str, Any]], requirement: dict[str, tuple[int, ...]]) -> int:
        """Per interval: the schedule judged (replications added until
        decided); the intervals it fails get 2 % more agents (at least one), at most
        :data:`MAX_SHIFT_ROUNDS` times."""
        cells = self.cells
        need = {n: np.asarray(requirement[n], dtype=np.int64) for n in self.names}

        def staff(n: str) -> None:
            requirement[n] = tuple(int(v) for v in need[n])
            state[n] = {"schedule": cells.schedule(requirement[n]), "interval_minutes": cells.minutes}

        return self._raise_failing(state, need, staff, staffed=True)

    def _raise_failing(self, state: dict[str, dict[str, Any]], need: dict[str, np.ndarray],
                       staff: Callable[[str], None], staffed: bool = False) -> int:
        """Rounds of: judge the staffing, give the intervals that do not pass
        more agents in ``need`` (:func:`~chansim.studies.staffing.reach.raise_cells`)
        and staff each pool from it (``staff``; first, before judging, unless
        ``staffed`` already); at most :data:`MAX_SHIFT_ROUNDS`."""
        rounds = 0
        for rounds in range(1, MAX_SHIFT_ROUNDS + 1):
            if not staffed:
                for n in self.names:
                    staff(n)
            measured = judge(self.evaluate, state, self.applies, self.cells.count, self._searched)
            failing = failing_cells(self, measured, need)
            if not any(failing.values()):
                break
            for n in self.names:
                raise_cells(need[n], failing[n])
                if staffed:
                    staff(n)
        return rounds

    def _searched(self, n: str, cell: int) -> bool:
        cells = self.cells
        simulated = self._simulated_hours().reshape(-1)[cell // (60 // cells.minutes)]
        return bool(simulated and not self.closed[n][cell])

    def _plan(self, n: str, need: np.ndarray) -> ShiftPlan:
        cells = self.cells
        spec = self.resolved.pool(n)
        step = math.gcd(cells.minutes, shift_step(spec.shifts))
        required = np.repeat(need, cells.minutes // step)
        covers = {s.name: shift_cover(s, step) for s in spec.shifts}
        shrinkage = spec.shrinkage if spec.shrinkage is not None else self.resolved.agents.shrinkage
        rate = spec.cost_per_hour if spec.cost_per_hour > 0 else 1.0
        costs = {s.name: covers[s.name].sum() * step / 60.0 / (1.0 - shrinkage) * rate for s in spec.shifts}
        labels = [Cells(step, 0, 7).label(t) for t in range(required.size)]
        try:
            return cheapest_shifts(required, covers, costs, labels=labels)
        except InputError as exc:
            raise InputError([Problem(f"agents.pools.{n}.shifts", p.message) for p in exc.problems]) from None


def _coupled(resolved: Scenario, names: Sequence[str]) -> bool:
    """Whether any searched pool shares a channel with another pool (so its
    staffing changes another pool's KPIs)."""
    for n in names:
        mine = set(resolved.pool(n).channels)
        if any(p.name != n and mine & set(p.channels) for p in resolved.agents.pools):
            return True
    return False
