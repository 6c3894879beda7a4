"""chansim plan: the plan section's checks, the workforce projection, the
hiring program against closed forms and brute force, a user plan costed by
hand, requirements from the simulator, and the files written."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import numpy as np
import pytest
from typer.testing import CliRunner

import chansim
from chansim.cli import app
from chansim.errors import InputError
from chansim.scenario.models.plan import AttritionBand, RateBand
from chansim.studies.plan import plan_hiring
from chansim.studies.plan.calendar import plan_weeks
from chansim.studies.plan.hiring import Terms, cheapest_hires, cover, objective
from chansim.studies.plan.requirements import simulate_requirements, week_scenario
from chansim.studies.plan.workforce import Rules, assisted_curve, pool_rules, project
from chansim.studies.staffing import find_staffing
from conftest import scenario_dict

START = dt.date(2026, 1, 5)


def rules(weeks, *, heads=100, tenure=104, attrition=0.0, training=0, nesting=0, nesting_productivity=1.0,
          curve=(), rate=30.0, rates=()) -> Rules:
    return Rules("agents", weeks, 40.0, training, nesting, nesting_productivity, tuple(curve),
                 (AttritionBand(per_month=attrition),) if attrition else (), tuple(rates), rate,
                 ((heads, tenure),) if heads else ())


def terms(weeks, *, lead=0, class_min=1, class_max=20, cap=None, overtime=0.0, premium=1.5, penalty=1e6) -> Terms:
    months = np.array([(START + dt.timedelta(weeks=w)).month for w in range(weeks)])
    return Terms(lead, class_min, class_max, cap, months, overtime, premium, penalty)


def plan_section(**changes) -> dict:
    plan = {"start": str(START), "weeks": 8, "require": ["voice.service_level >= 0.8"], "week_types": 2,
            "pools": {"agents": {"workforce": [{"headcount": 10, "tenure_weeks": 100}],
                                 "hiring": {"lead_time_weeks": 1, "training_weeks": 2, "nesting_weeks": 1}}},
            "uncertainty": {"paths": 10}}
    plan.update(changes)
    return plan


def small_scenario(**changes) -> dict:
    return scenario_dict({"demand.contacts_per_day": 800, "channels.voice.service_level_target_s": 20,
                          "agents.pools.0.cost_per_hour": 20}, plan=plan_section(**changes))


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("changes, path", [
    ({"weeks": 79}, "plan.weeks"),
    ({"attrition": [{"per_month": 1.0}]}, "plan.attrition[0].per_month"),
    ({"learning_curve": [1.2, 0.0]}, "plan.learning_curve[1]"),
    ({"seasonality": [1.0] * 7}, "plan.seasonality"),
    ({"hiring_plan": [{"pool": "agents", "start": "2025-12-29", "size": 3}]}, "plan.hiring_plan[0].start"),
    ({"hiring_plan": [{"pool": "agents", "start": "2026-01-12", "size": 30}]}, "plan.hiring_plan[0].size"),
    ({"pools": {"agents": {"hiring": {"class_min": 8, "max_hires_per_month": 5}}}}, "plan.pools.agents.hiring.class_min"),
])
def test_bad_plan_is_refused_with_its_path_and_line_at_validate_and_plan(tmp_path, changes, path):
    import yaml

    with pytest.raises(InputError) as caught:
        chansim.load_scenario(small_scenario(**changes))
    assert path in [p.path for p in caught.value.problems]
    file = tmp_path / "s.yaml"
    file.write_text(yaml.safe_dump(small_scenario(**changes), sort_keys=False))
    line = next(i for i, text in enumerate(file.read_text().splitlines(), 1) if text.strip().startswith("plan:"))
    for command in (["validate", str(file)], ["plan", str(file), "-q"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 2, result.output
        assert path in result.output and "(line " in result.output
        lines = [int(n) for n in __import__("re").findall(r"line (\d+)", result.output)]
        assert all(n > line for n in lines)  # inside the plan section


# ------------------------------------------------------------------ the workforce
def test_nesting_and_learning_lower_productive_fte_by_exactly_their_multipliers():
    curve = (1.0, 1.0, 1.4, 1.3, 1.2, 1.1)
    r = rules(10, heads=0, training=2, nesting=2, nesting_productivity=0.6, curve=curve)
    hires = np.zeros(10)
    hires[1] = 5
    p = project(r, hires)
    tenure = np.arange(10) - 1
    expected = [0.0 if t < 2 else (0.6 if t < 4 else 1.0) / (curve[t] if t < len(curve) else 1.0) if t >= 0 else 0.0
                for t in tenure]
    assert np.allclose(p.productive, 5 * np.array(expected), atol=1e-12)
    assert p.productive[4] == pytest.approx(5 * 0.6 / 1.3)
    assert p.training[1:3].tolist() == [5, 5] and p.nesting[3:5].tolist() == [5, 5]


@pytest.mark.parametrize("bot, cut, expected", [
    (None, 0.5, (1.4, 1.2, 1.4, 1.2)),  # no assist: the curve as given
    ({"assist_reduction": {"voice": 0.1}}, 0.5, (1.2, 1.1, 1.2, 1.1)),  # half the extra time
    ({"assist_reduction": {"voice": 0.1}}, 0.0, (1.4, 1.2, 1.4, 1.2)),  # assist, no extra help for new agents
    # a voice bot without assist: nothing to cut
    ({"channels": ["voice"], "call_time": {"dist": "exponential", "mean": 60}}, 0.5, (1.4, 1.2, 1.4, 1.2)),
])
def test_agent_assist_that_helps_new_agents_more_flattens_the_learning_curve(bot, cut, expected):
    strategy = {"name": "assisted", "offer": ["voice"]}
    if bot is not None:
        strategy["bot"] = bot
    scenario = chansim.load_scenario(small_scenario(learning_curve=[1.4, 1.2, 1.4, 1.2], strategy="assisted",
                                                    assist_learning_cut=cut) | {"strategies": [strategy]})
    assert assisted_curve(scenario) == pytest.approx(expected, abs=1e-12)
    r = pool_rules(scenario, "agents")
    assert r.learning_curve == pytest.approx(expected, abs=1e-12)
    assert r.productivity(np.array([3]))[0] == pytest.approx(1 / expected[3])  # trained and nested at 3 weeks


def test_attrition_per_month_leaves_exactly_that_share_in_a_month():
    r = rules(27, heads=100, attrition=0.05)
    p = project(r, np.zeros(27))
    assert p.heads[26] == pytest.approx(100 * 0.95 ** 6)  # 26 weeks = 6 months
    assert p.leavers.sum() == pytest.approx(100 - p.heads[26] * (0.95 ** (12 / 52)), rel=1e-9)


# ------------------------------------------------------------------ the hiring program
def test_steady_state_hires_a_times_headcount_per_month_and_keeps_the_requirement():
    weeks, a, need = 26, 0.03, 100.0
    r, t = rules(weeks, heads=100, attrition=a), terms(weeks)
    hires, gap = cheapest_hires(r, t, np.full(weeks, need))
    p = project(r, hires)
    months = weeks / (52 / 12)
    assert abs(hires.sum() / months - a * need) <= 1 / months  # one hire of rounding over the horizon
    assert p.productive.min() >= need - 1e-9 and p.heads.max() < need + 1.0
    assert gap == 0.0


def test_a_demand_step_at_week_30_with_8_training_weeks_is_met_by_a_class_starting_week_22():
    weeks = 40
    need = np.where(np.arange(weeks) >= 30, 60.0, 50.0)
    r = rules(weeks, heads=50, training=8)
    hires, _ = cheapest_hires(r, terms(weeks), need)
    assert hires[:22].sum() == 0 and hires[22] == 10  # by week 22, and never earlier than needed
    assert cover(r, terms(weeks), project(r, hires), need).shortfall.sum() == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("class_min, class_max, cap", [(1, 2, None), (2, 3, None), (1, 3, 3)])
def test_the_integer_program_equals_brute_force(class_min, class_max, cap):
    weeks = 6
    r = rules(weeks, heads=4, attrition=0.2, training=1, nesting=1, nesting_productivity=0.5, curve=(1, 1, 1.25),
              rates=(RateBand(up_to_weeks=3, per_hour=22.0), RateBand(per_hour=30.0)))
    t = terms(weeks, lead=1, class_min=class_min, class_max=class_max, cap=cap, overtime=0.1, penalty=2500.0)
    need = np.array([3.5, 4.0, 5.0, 6.5, 6.0, 7.0])
    hires, gap = cheapest_hires(r, t, need)
    sizes = [0] + list(range(class_min, class_max + 1))
    best = np.inf
    for combo in itertools.product(sizes, repeat=weeks - 1):
        x = np.array((0,) + combo, dtype=float)
        if cap is not None and any(x[t.months == m].sum() > cap for m in np.unique(t.months)):
            continue
        best = min(best, objective(r, t, project(r, x), need))
    assert gap == 0.0
    assert objective(r, t, project(r, hires), need) == pytest.approx(best, rel=1e-9)


def test_a_user_plan_is_costed_to_the_cent():
    # 2 agents at 34/h; one hire in week 2 at 29/h (first 26 weeks); 40 h a week; no attrition.
    # week 1 needs 3 FTE: 1 FTE of overtime (cap 0.5 × 2) at 34 × 1.5 × 40 = 2,040.
    # weeks: 2 × 40 × 34 = 2,720; then 2,720 + 40 × 29 = 3,880 for weeks 2-4 → 2,720 + 2,040 + 3 × 3,880.
    data = scenario_dict({"agents.pools.0.cost_per_hour": 34}, plan=plan_section(
        weeks=4, overtime={"cap": 0.5, "premium": 1.5},
        pools={"agents": {"workforce": [{"headcount": 2, "tenure_weeks": 100}],
                          "hiring": {"training_weeks": 0, "nesting_weeks": 0},
                          "cost_per_hour": [{"up_to_weeks": 26, "per_hour": 29}, {"per_hour": 34}]}},
        hiring_plan=[{"pool": "agents", "start": "2026-01-14", "size": 1}]))
    data["agents"]["hours_per_fte"] = 40
    result = plan_hiring(chansim.load_scenario(data), required={"agents": np.array([3.0, 3.0, 3.0, 3.0])})
    assert result.user_plan
    assert result.weekly["hires_starting"].tolist() == [0, 1, 0, 0]
    assert round(float(result.weekly["cost"].sum()), 2) == 2720 + 2040 + 3 * 3880
    assert round(float(result.weekly["overtime_cost"].sum()), 2) == 2040


def test_risk_is_zero_without_uncertainty_and_grows_with_it():
    base = dict(weeks=6, uncertainty={"demand": 0.0, "attrition": 0.0, "paths": 5},
                pools={"agents": {"workforce": [{"headcount": 20, "tenure_weeks": 100}]}})
    need = {"agents": np.full(6, 18.0)}
    calm = plan_hiring(chansim.load_scenario(scenario_dict(plan=plan_section(**base))), required=need)
    assert calm.weekly["risk"].max() == 0.0
    base["uncertainty"] = {"demand": 0.2, "attrition": 0.0, "paths": 200, "seed": 3}
    rough = plan_hiring(chansim.load_scenario(scenario_dict(plan=plan_section(**base))), required=need)
    assert 0.0 < rough.weekly["risk"].max() < 1.0


# ------------------------------------------------------------------ from the simulator
def test_a_simulated_week_agrees_with_the_staffing_search_on_that_week():
    scenario = chansim.load_scenario(small_scenario(seasonality=[1.0, 1.5] + [1.0] * 10, weeks=8))
    weeks = plan_weeks(scenario)
    simulated = simulate_requirements(scenario, weeks)
    assert len(simulated.types) == 2
    for kind, hours in zip(simulated.types, simulated.hours["agents"]):
        week = week_scenario(scenario, weeks, kind)
        assert week.demand.contacts_per_day == pytest.approx(800 * weeks.demand[kind.week])
        alone = find_staffing(scenario.with_overrides({"demand.contacts_per_day": 800 * kind.demand,
                                                       "start_date": str(weeks.starts[kind.week])}),
                              ["agents"], ["voice.service_level >= 0.8"], replications=2)
        assert hours == pytest.approx(alone.pools["agents"].labor["staffed_hours"] * 7)  # one simulated day
    low, high = sorted(simulated.hours["agents"])
    assert high > low


def test_plan_cli_writes_tables_workbook_figures_and_report(tmp_path):
    import yaml

    from openpyxl import load_workbook

    file = tmp_path / "s.yaml"
    file.write_text(yaml.safe_dump(small_scenario(), sort_keys=False))
    out = tmp_path / "plan"
    result = CliRunner().invoke(app, ["plan", str(file), "--quick", "-q", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("weekly.csv", "weekly.parquet", "monthly.csv", "yearly.csv", "plan.xlsx", "plan_fte.png",
                 "plan_hires.png", "plan_cost.png", "report.html", "plan.json"):
        assert (out / name).is_file(), name
    book = load_workbook(out / "plan.xlsx")
    assert book.sheetnames == ["weekly", "monthly", "yearly"]
    weekly = [list(row) for row in book["weekly"].iter_rows(values_only=True)]
    assert "required_fte (FTE)" in weekly[0] and "cost (USD)" in weekly[0]
    assert len(weekly) == 1 + 8 and book["weekly"].freeze_panes == "A2"
    cost = weekly[0].index("cost (USD)")
    assert all(isinstance(row[cost], (int, float)) for row in weekly[1:])  # numbers stored as numbers
    doc = json.loads((out / "plan.json").read_text())
    assert doc["simulated_weeks"] and doc["targets"] == ["voice.service_level >= 0.8"]
    assert "Hiring plan" in (out / "report.html").read_text()
