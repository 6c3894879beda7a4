"""Shifts: expanded to agents on the floor per interval (breaks, midnight,
the weekly wrap), their bad input, and the engine following them."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from chansim import load_scenario, simulate
from chansim.cli import app
from chansim.engine import run_replication
from chansim.studies.staffing.judging import MAX_REPLICATIONS
from conftest import load_problems
from test_rosters import with_pool


def shift(**kw) -> dict:
    return {"name": "s", "start": "07:00", "hours": 8, "agents": 1, **kw}


def test_night_shift_with_a_break_across_midnight():
    # Monday 22:00 for 8 h, a 30-minute break 4 h in: on 22:00-02:00, off 02:00-02:30, on 02:30-06:00 (Tuesday).
    night = shift(name="night", start="22:00", days="mon", agents=3, breaks=[{"after_h": 4, "minutes": 30}])
    interval, agents = on_shift_of(with_pool(shifts=[night]))
    assert interval == 1800.0
    monday, tuesday = agents[:48], agents[48:96]
    assert monday.tolist() == [0] * 44 + [3] * 4
    assert tuesday.tolist() == [3] * 4 + [0] + [3] * 7 + [0] * 36
    assert agents[96:7 * 48].sum() == 0  # no one else all week


def test_sunday_night_shift_covers_the_first_hours_of_a_monday_run():
    sunday = shift(start="22:00", days="sun", agents=2)
    interval, agents = on_shift_of(with_pool(shifts=[sunday]))
    assert interval == 3600.0
    assert agents[:24].tolist() == [2] * 6 + [0] * 18
    assert agents[6 * 24:7 * 24].tolist() == [0] * 22 + [2] * 2  # Sunday evening, day 6 of the run


def test_shifts_add_up_at_fifteen_minutes():
    early = shift(name="early", start="07:15", hours=8, days="mon-fri", agents=4,
                  breaks=[{"after_h": 2, "minutes": 15}, {"after_h": 4.5, "minutes": 30}])
    late = shift(name="late", start="13:00", hours=8, days="mon-fri", agents=5)
    weekend = shift(name="weekend", start="09:00", hours=6, days="sat,sun", agents=2)
    interval, agents = on_shift_of(with_pool(shifts=[early, late, weekend]))
    assert interval == 900.0
    q = lambda hh, mm: hh * 4 + mm // 15  # noqa: E731 - index of a quarter hour
    monday = agents[:96]
    expected = np.zeros(96, dtype=int)
    expected[q(7, 15):q(15, 15)] += 4
    expected[q(9, 15):q(9, 30)] -= 4  # first break
    expected[q(11, 45):q(12, 15)] -= 4  # second break, 4.5 h in
    expected[q(13, 0):q(21, 0)] += 5
    assert monday.tolist() == expected.tolist()
    saturday = agents[5 * 96:6 * 96]
    assert saturday.tolist() == [0] * q(9, 0) + [2] * 24 + [0] * (96 - q(15, 0))


def on_shift_of(data: dict):
    from chansim.scenario.rosters import on_shift

    return on_shift(load_scenario(data), 0)


# ------------------------------------------------------------- bad input
@pytest.mark.parametrize(("bad", "path", "fragment"), [
    ({"start": "25:00"}, "agents.pools[0].shifts[0].start", "within the day"),
    ({"start": "7am"}, "agents.pools[0].shifts[0].start", "HH:MM"),
    ({"days": "weekdays"}, "agents.pools[0].shifts[0].days", "not a weekday"),
    ({"hours": 30}, "agents.pools[0].shifts[0].hours", "at most 24 hours"),
    ({"breaks": [{"after_h": 7.5, "minutes": 45}]}, "agents.pools[0].shifts[0].breaks[0]", "must end within its shift"),
    ({"breaks": [{"after_h": 0, "minutes": 600}]}, "agents.pools[0].shifts[0].breaks[0]", "must end within its shift"),
    ({"breaks": [{"after_h": 2, "minutes": 60}, {"after_h": 2.5, "minutes": 15}]},
     "agents.pools[0].shifts[0].breaks[1]", "overlaps breaks[0]"),
    ({"agents": -1}, "agents.pools[0].shifts[0].agents", "≥ 0"),
])
def test_bad_shifts_name_the_field(tmp_path, bad, path, fragment):
    found = load_problems(with_pool(shifts=[shift(**bad)]), tmp_path)
    assert [p.path for p in found] == [path], found
    assert fragment in found[0].message
    assert found[0].line is not None


def test_shift_names_are_unique():
    (p,) = load_problems(with_pool(shifts=[shift(), shift()]))
    assert p.path == "agents.pools[0].shifts[1].name"


# ----------------------------------------------------------------- engine
def test_a_break_takes_the_agent_off_the_floor_after_the_call_in_hand():
    # One agent on shift 00:00-08:00 with a one-hour break 1 h in (01:00-02:00).
    # c0 at 3500 s lasts 200 s: the agent finishes it at 3700 (100 s of overtime into the break).
    # c1 at 3650 waits: nobody takes new work during the break; answered at 7200 when the break ends.
    data = with_pool(shifts=[shift(start="00:00", breaks=[{"after_h": 1, "minutes": 60}])])
    data.update(days=1, replications=1)
    data["demand"]["contacts_per_day"] = 0
    data["channels"]["voice"]["handle_time"] = {"dist": "fixed", "value": 200}
    log = run_replication(load_scenario(data), "baseline", 0, arrivals=np.array([3500.0, 3650.0]))
    c = log.contacts.set_index("contact_id")
    assert c["answer_t"].tolist() == [3500, 7200]
    assert c["end_t"].tolist() == [3700, 7400]
    staffed = log.staffing.set_index("interval_start_s")["staffed"]
    assert staffed.loc[[0.0, 3600.0, 7200.0, 8 * 3600.0]].tolist() == [1, 0, 1, 0]
    assert log.staffing.set_index("interval_start_s")["overtime_s"].loc[3600.0] == 100


# ------------------------------------------------------ cheapest shift counts
def _patterns(step: int = 60) -> dict:
    """Three weekday patterns over one week at ``step`` minutes (covers as in the scenario)."""
    from chansim.scenario.models import Shift
    from chansim.scenario.rosters import shift_cover

    shifts = [Shift(name="early", start="07:00", hours=8, days="mon-fri", breaks=[{"after_h": 4, "minutes": 60}]),
              Shift(name="middle", start="10:00", hours=6, days="mon-fri"),
              Shift(name="late", start="13:00", hours=8, days="mon-fri", breaks=[{"after_h": 2, "minutes": 60}]),
              Shift(name="weekend", start="09:00", hours=10, days="sat,sun")]
    return {s.name: shift_cover(s, step) for s in shifts}


def _requirement(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    week = np.zeros((7, 24), dtype=int)
    week[:5, 7:21] = rng.integers(0, 9, size=(5, 14))
    week[5:, 9:19] = rng.integers(0, 4, size=(2, 10))
    return week.reshape(-1)


@pytest.mark.parametrize("seed", range(6))
def test_milp_is_never_dearer_than_the_rounded_up_requirement(seed):
    from chansim.studies.staffing.shift_plan import cheapest_shifts, rounded_up_shifts

    covers = _patterns()
    costs = {name: cover.sum() * 30.0 for name, cover in covers.items()}  # paid hours a week × 30 an hour
    need = _requirement(seed)
    best = cheapest_shifts(need, covers, costs)
    rounded = rounded_up_shifts(need, covers, costs)
    assert best.optimal
    assert np.all(best.covered >= need) and np.all(rounded.covered >= need)
    assert best.lower_bound - 1e-6 <= best.cost <= rounded.cost + 1e-6
    assert best.cost == pytest.approx(sum(best.counts[n] * costs[n] for n in covers))


def test_milp_is_optimal_on_a_small_case_checked_by_enumeration():
    import itertools

    from chansim.studies.staffing.shift_plan import cheapest_shifts

    covers = _patterns()
    costs = {name: cover.sum() * 30.0 for name, cover in covers.items()}
    need = np.minimum(_requirement(3), 3)
    best = cheapest_shifts(need, covers, costs)
    names = list(covers)
    cheapest = min(
        sum(c * costs[n] for c, n in zip(counts, names))
        for counts in itertools.product(range(7), repeat=len(names))
        if np.all(sum(c * covers[n] for c, n in zip(counts, names)) >= need)
    )
    assert best.cost == pytest.approx(cheapest)


def test_a_needed_interval_no_pattern_covers_is_an_input_error():
    from chansim.errors import InputError
    from chansim.studies.staffing.shift_plan import cheapest_shifts

    covers = _patterns()
    need = np.zeros(7 * 24, dtype=int)
    need[3] = 2  # Monday 03:00: nobody works then
    with pytest.raises(InputError, match="no shift pattern covers interval 3, where 2 agents are needed"):
        cheapest_shifts(need, covers, {n: 1.0 for n in covers})


# ------------------------------------------------------------- staff --shifts
SHIFTS = str(Path(__file__).parent / "data" / "shifts.yaml")


@pytest.fixture(scope="module")
def staffed_shifts():
    runner = CliRunner()
    result = runner.invoke(app, ["staff", SHIFTS, "-p", "phones", "-t", "voice.service_level>=0.8", "--shifts",
                                 "--format", "json", "--workers", "1"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout), result.stderr


def test_staff_shifts_returns_counts_whose_simulated_targets_hold(staffed_shifts):
    doc, _ = staffed_shifts
    phones = doc["pools"]["phones"]
    counts = phones["shifts"]
    assert set(counts) == {"early-a", "early-b", "middle", "late-a", "late-b"}
    assert all(isinstance(v, int) and v >= 0 for v in counts.values()) and sum(counts.values()) > 0
    assert doc["mode"] == "shifts" and phones["meets_targets"]
    achieved = phones["targets"]["voice.service_level>=0.8"]
    assert achieved["holds"] and achieved["mean"] - achieved["ci95"] >= 0.8
    assert phones["fte"] > 0 and phones["cost_labor"] > 0 and phones["staffed_hours"] > 0
    # simulate those counts independently: the per-channel target holds at the pessimistic end of its CI
    scenario = load_scenario(SHIFTS)
    data = scenario.model_dump(mode="json", exclude_none=True)
    for shift in data["agents"]["pools"][0]["shifts"]:
        shift["agents"] = counts[shift["name"]]
    # on the replications the answer was judged on (added until every interval was decided)
    run = simulate(load_scenario(data), replications=doc["judged_replications"], workers=1).strategies[0]
    mean, ci = run.by_channel["voice"]["service_level"], achieved["ci95"]
    assert mean == pytest.approx(achieved["mean"])
    assert mean - ci >= 0.8
    # FTE: paid hours ÷ (37.5 h a week × the one simulated day as a share of a week)
    paid = run.by_pool["phones"]["paid_hours"]
    assert phones["fte"] == pytest.approx(paid / (37.5 / 7))


def test_staff_shifts_objective_is_never_above_the_requirement_rounded_up_into_the_patterns(staffed_shifts):
    from chansim.scenario.rosters import shift_cover
    from chansim.studies.staffing.shift_plan import rounded_up_shifts

    doc, _ = staffed_shifts
    phones = doc["pools"]["phones"]
    need = np.zeros((7, 48), dtype=int)  # the hourly requirement on the 30-minute grid of the breaks
    need[0] = np.repeat(phones["requirement"]["mon"], 2)
    pool = load_scenario(SHIFTS).agents.pools[0]
    covers = {s.name: shift_cover(s, 30) for s in pool.shifts}
    costs = {n: c.sum() * 0.5 / (1 - 0.25) * 30 for n, c in covers.items()}
    rounded = rounded_up_shifts(need.reshape(-1), covers, costs)
    plan = phones["plan"]
    assert plan["optimal"]
    assert plan["lower_bound_per_week"] - 1e-6 <= plan["cost_per_week"] <= rounded.cost + 1e-6
    assert plan["cost_per_week"] == pytest.approx(sum(phones["shifts"][n] * costs[n] for n in covers))
    # the plan covers the requirement in every interval
    covered = sum(phones["shifts"][n] * covers[n] for n in covers).reshape(7, 48)[0]
    assert np.all(covered >= need[0])


def test_staff_prints_a_line_per_evaluation_with_the_count_and_the_stopping_rule(staffed_shifts):
    doc, err = staffed_shifts
    lines = [line for line in err.splitlines() if re.match(r"^\d+ evaluations? in ", line)]
    assert [int(line.split()[0]) for line in lines] == list(range(1, doc["evaluations"] + 1))
    fresh = [i for i, line in enumerate(lines) if "fresh seeds" in line]
    assert fresh and fresh == list(range(fresh[0], len(lines)))  # the confirmation comes last, a line a batch
    assert all("stops when no interval can lose an agent" in line for line in lines[:fresh[0]])
    assert all(f"stops when every interval is decided or at {MAX_REPLICATIONS} replications" in lines[i] for i in fresh)
    assert "of about" not in err


def test_staff_shifts_needs_shift_patterns():
    result = CliRunner().invoke(app, ["staff", str(Path(__file__).parent / "data" / "small.yaml"), "-p", "phones",
                                      "-t", "voice.service_level>=0.8", "--shifts", "--quiet"])
    assert result.exit_code == 2
    assert "pool 'phones' has no shift patterns" in result.stderr


# ------------------------------------------------------------------ property
@st.composite
def shift_patterns(draw):
    shifts = []
    for i in range(draw(st.integers(1, 4))):
        hours = draw(st.sampled_from([4, 6, 7.5, 8, 10, 12]))
        start = draw(st.integers(0, 95)) * 15
        days = draw(st.lists(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), min_size=1,
                             max_size=7, unique=True))
        breaks, at = [], 0.0
        for _ in range(draw(st.integers(0, 2))):
            at += draw(st.sampled_from([1, 1.5, 2]))
            minutes = draw(st.sampled_from([15, 30, 45]))
            if at + minutes / 60 <= hours:
                breaks.append({"after_h": at, "minutes": minutes})
                at += minutes / 60
        shifts.append({"name": f"s{i}", "start": f"{start // 60:02d}:{start % 60:02d}", "hours": hours, "days": days,
                       "agents": draw(st.integers(0, 9)), "breaks": breaks})
    return shifts


@settings(max_examples=40, deadline=None)
@given(shift_patterns())
def test_agent_minutes_on_the_floor_add_up(shifts):
    from chansim.scenario.models import Pool
    from chansim.scenario.rosters import weekly_roster

    interval, week = weekly_roster(Pool(name="p", channels=["voice"], shifts=shifts))
    on_floor = week.sum() * interval / 60
    expected = sum(s["agents"] * len(s["days"]) * (s["hours"] * 60 - sum(b["minutes"] for b in s["breaks"]))
                   for s in shifts)
    assert on_floor == pytest.approx(expected)
    assert week.min() >= 0 and week.max() <= sum(s["agents"] for s in shifts)


# ------------------------------------------------- efficiency and verdicts
def test_over_coverage_on_a_hand_case():
    from chansim.studies.staffing.efficiency import coverage, floor_hours

    # one 8 h shift from 07:00 with a 30 min break, 3 agents: 3 × 7.5 = 22.5 agent-hours on the floor
    pool = load_scenario(with_pool(cost_per_hour=30, shifts=[
        {"name": "day", "start": "07:00", "hours": 8, "days": "mon", "agents": 3,
         "breaks": [{"after_h": 4, "minutes": 30}]}])).agents.pools[0]
    scheduled = floor_hours(pool, 60)
    assert scheduled.sum() == pytest.approx(22.5) and scheduled[7] == 3 and scheduled[11] == pytest.approx(1.5)
    required = np.zeros(7 * 24)
    required[8:14] = 3  # 18 agent-hours required on Monday
    required[24 + 9] = 5  # Tuesday: not simulated, left out
    out = coverage(required, scheduled, [0], 60, "shifts")
    assert out["required_hours"] == 18 and out["scheduled_hours"] == 22.5
    assert out["over_coverage"] == pytest.approx(22.5 / 18 - 1)  # +25 %
    assert out["scheduled_agents"]["mon"][11] == pytest.approx(1.5) and list(out["required_agents"]) == ["mon"]


class _Fake:
    """An evaluator whose one interval measures ``mean`` with a CI of ``spread / √replications``."""

    def __init__(self, mean: float, spread: float, base: int = 3):
        self.replications, self.mean, self.spread, self.asked, self.run = base, mean, spread, [], 0

    def replications_of(self, state):
        return self.run

    def __call__(self, state, replications=None):
        from chansim.studies.staffing.pool_kpis import Measured

        reps = replications or self.replications
        self.asked.append(reps)
        self.run = max(self.run, reps)
        ci = self.spread / math.sqrt(reps)
        entry = Measured({}, {}, {}, {"voice.service_level>=0.8": (self.mean, ci)},
                         {"voice.service_level>=0.8": (np.array([self.mean]), np.array([ci]), np.array([reps]))})
        return {"p": entry}


@pytest.mark.parametrize("mean, spread, asked, verdict", [
    (0.99, 0.05, [3], "yes"),  # clear at once: no replication added
    (0.86, 0.15, [3, 6, 9], "yes"),  # 0.86 − 0.15/√6 < 0.8 ≤ 0.86 − 0.15/√9
    (0.69, 0.3, [3, 6, 9], "no"),  # 0.69 + 0.3/√6 ≥ 0.8 > 0.69 + 0.3/√9: missed even at the optimistic end
    (0.80, 0.3, [3, 6, 9, 12, 15, 18, 20], "undecided"),  # on the target: undecided at the cap
])
def test_the_sequential_rule_adds_replications_only_until_the_interval_is_decided(mean, spread, asked, verdict):
    from chansim.kpis.goals import parse_target
    from chansim.studies.staffing.judging import judge, verdict_of

    fake = _Fake(mean, spread)
    targets = {"p": [parse_target("voice.service_level>=0.8")]}
    measured = judge(fake, {}, targets, 1, lambda n, c: True, cap=20)
    assert fake.asked == asked
    assert verdict_of(measured["p"], targets["p"], 1, lambda c: True, str)["verdict"] == verdict


def test_a_shift_plan_shows_its_efficiency_verdict_and_fresh_seeds_and_its_report_fills_hour_by_hour(tmp_path):
    from chansim.report.staffing_files import read_staff_dir

    out = tmp_path / "staffed"
    result = CliRunner().invoke(app, ["staff", SHIFTS, "-p", "phones", "-t", "voice.service_level>=0.8", "--shifts",
                                      "--workers", "1", "--quiet", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "over-coverage" in result.stdout and "FTE" in result.stdout and "fresh seeds" in result.stdout
    doc = json.loads((out / "staffing.json").read_text())
    phones = doc["pools"]["phones"]
    eff = phones["efficiency"]
    assert eff["required_hours"] == pytest.approx(sum(sum(v) for v in phones["requirement"].values()))
    assert eff["over_coverage"] == pytest.approx(eff["scheduled_hours"] / eff["required_hours"] - 1)
    assert eff["fte"] == phones["fte"] and eff["occupancy"] == phones["kpis"]["occupancy"]
    assert phones["verdict"]["verdict"] in ("yes", "undecided") and phones["confirmation"]["seed"] == doc["seed"] + 1
    assert doc["judged_replications"] <= doc["max_replications"] == MAX_REPLICATIONS
    page = (out / "report.html").read_text()
    grid = page[page.index('id="by-hour"'):]
    assert ">required<" in grid and ">scheduled<" in grid and ">voice.service_level<" in grid
    reread, _ = read_staff_dir(out)
    assert reread.pools["phones"].efficiency == eff
