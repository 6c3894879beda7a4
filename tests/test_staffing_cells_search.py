"""The per-interval search over a function that simulates, on cells whose
need is known: each cell passes exactly when it has at least its need of
agents (cells independent of each other, as a staffing with no backlog
between intervals). The search must land on every need exactly, climb to a
need far above its start (the opening hour after a closed day) in a few
rounds, and the probe must find such a need's ceiling or name it out of
reach."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from chansim.kpis.goals import Target
from chansim.studies.staffing.cells import Cells
from chansim.studies.staffing.reach import ESCALATION, probe, raise_cells
from chansim.studies.staffing.searches import MAX_CELL_UP, search_cells

TARGET = Target("service_level", ">=", 0.8)
CELLS = Cells(60, 0, 7.0)


@dataclass
class _Measured:
    """What the search reads of a simulated staffing: which cells meet."""

    schedule: tuple[int, ...]
    need: tuple[int, ...]
    targets: dict = field(default_factory=lambda: {str(TARGET): (0.9, 0.01)})

    def cell_meets(self, targets, cell: int) -> bool:
        return self.schedule[cell] >= self.need[cell]


def _search(need, start, ceiling=None):
    calls = []

    def evaluate(schedule):
        calls.append(tuple(schedule))
        return _Measured(tuple(schedule), tuple(need))

    n = len(need)
    found = search_cells(evaluate, list(start), [0] * n, np.ones(n, dtype=bool), [TARGET], "p", CELLS, ceiling)
    return found, calls


def test_a_cell_far_above_its_start_is_reached_in_a_few_rounds_and_cut_back_exactly():
    need = [5] * 168
    need[7] = 230  # the opening after a holiday: 220 agents above the first estimate
    start = [5] * 168
    start[7] = 10
    found, calls = _search(need, start)
    assert list(found) == need
    # one agent a round would take 220 rounds (the search gives up after MAX_CELL_UP)
    assert len(calls) < MAX_CELL_UP
    # with the probe's ceiling it never climbs past the level known to meet
    found, calls = _search(need, start, ceiling=[0] * 7 + [256] + [0] * 160)
    assert list(found) == need and max(c[7] for c in calls) <= 256


def test_cells_one_agent_short_climb_one_at_a_time_as_before():
    need = [6, 7, 5, 9] + [1] * 164
    start = [5, 5, 5, 8] + [1] * 164
    found, calls = _search(need, start)
    assert list(found) == need
    # no cell ever got more than one agent above its need: no overshoot to cut back
    assert all(c[i] <= need[i] + 1 for c in calls for i in range(4))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 300)), min_size=3, max_size=12))
def test_every_need_is_found_exactly(pairs):
    """From any start, however far the need: the smallest passing level of
    every cell (it passes there, and one agent fewer was simulated failing)."""
    start = [s for s, _ in pairs]
    need = [s + extra for s, extra in pairs]
    found, calls = _search(need, start)
    assert list(found) == need
    for i, level in enumerate(need):
        if level > 0 and level > start[i]:
            assert any(c[i] == level - 1 for c in calls), "one agent fewer was tried and failed"


class _Study:
    def __init__(self):
        self.applies = {"p": [TARGET]}
        self.cells = CELLS
        self.steer, self.reach, self.ceiling, self.unreachable = {}, {}, {}, {}


def test_the_probe_finds_a_ceiling_for_a_far_need_and_names_what_no_staffing_reaches():
    need = [5] * 168
    need[7] = 120  # above start + MAX_CELL_UP, within the escalation
    need[9] = 10_000  # beyond any escalation
    start = np.full(168, 10)
    runs = []

    def run(schedule):
        runs.append(schedule)
        return _Measured(tuple(schedule), tuple(need))

    study = _Study()
    probe(study, "p", run, start, np.ones(168, dtype=bool))
    ceiling = study.ceiling["p"]
    first = 10 + MAX_CELL_UP
    assert ceiling[7] == next(first * f for f in ESCALATION if first * f >= 120)
    assert ceiling[9] == 0 and not study.reach["p"][9] and study.reach["p"][7]
    assert len(runs) == 1 + len(ESCALATION)  # the last interval kept missing: every escalation was tried
    (note,) = study.unreachable["p"]
    assert "1 interval(s)" in note and "mon 09:00" in note
    # the search then climbs to the far need, within its ceiling
    found, _ = _search([n if n < 10_000 else 5 for n in need], start, ceiling)
    assert found[7] == 120


def test_a_weekday_simulated_only_on_a_closed_date_is_not_staffed():
    """insurer-us simulates one week whose Thursday is a holiday: no Thursday
    interval is searched or required, though Thursday's weekly hours are open."""
    from pathlib import Path

    from chansim.scenario import load_scenario
    from chansim.studies.staffing.question import check_question

    scenario = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "insurer-us.yaml")
    q = check_question(scenario, ["member-services"], ["voice.service_level>=0.8"], None, "shifts", 60, None, None)
    closed = q.closed["member-services"].reshape(7, 24)
    assert closed[3].all()  # Thursday 2026-11-26
    assert not closed[4, 7:21].any() and not closed[2, 7:21].any()  # Wednesday and Friday open 07:00-21:00
    # a second week makes Thursday a working day again
    two = check_question(scenario.with_overrides({"days": 14}), ["member-services"], ["voice.service_level>=0.8"],
                         None, "shifts", 60, None, None)
    assert not two.closed["member-services"].reshape(7, 24)[3, 7:21].any()


def test_a_repair_round_raises_a_failing_interval_by_a_share_of_its_requirement():
    need = np.array([10, 40, 50, 51, 230, 0])
    raise_cells(need, [0, 1, 2, 3, 4, 5])
    assert need.tolist() == [11, 41, 51, 53, 235, 1]
    raise_cells(need, [])
    assert need.tolist() == [11, 41, 51, 53, 235, 1]
