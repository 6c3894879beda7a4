"""chansim optimize / chansim.optimize: the search against `chansim staff`,
Erlang C and an exhaustive sweep; same trials on any worker count; ready
strategies that `chansim compare` runs as is; resuming; bad input.

The voice-only anchor is the M/M/c case of tests/test_staffing.py: 4800
calls a day, flat, exponential handle time 180 s, service level within 20 s,
nobody abandons: A = 10 Erlangs, Erlang C needs 14 agents for 80 % (0.796 at
13, 0.888 at 14). With 3 replications of one day, 13 fails even at its mean
and 14 passes at the pessimistic end of its CI.
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
import yaml
from typer.testing import CliRunner

import chansim
from chansim.analytic import smallest_agents_for_service_level
from chansim.cli import app
from chansim.errors import InputError
from chansim.studies.optimize.space import resolve_space
from chansim.scenario.search_space import SearchSpace
from chansim.studies.staffing.search import find_staffing
from chansim.studies.sweep import sweep

runner = CliRunner()


def mmc() -> dict:
    return {
        "name": "mmc", "start_date": "2026-01-05", "days": 1, "seed": 1, "replications": 3, "warmup_hours": 2,
        "demand": {"contacts_per_day": 4800, "segments": [{"name": "all", "share": 1, "preference": ["voice"]}]},
        "channels": {"voice": {"handle_time": {"dist": "exponential", "mean": 180}, "service_level_target_s": 20}},
        "agents": {"pools": [{"name": "voice", "channels": ["voice"], "headcount": 5, "cost_per_hour": 30}]},
    }


TWO_POOLS = {
    "name": "two-pools", "start_date": "2026-01-05", "days": 0.5, "seed": 3, "replications": 3,
    "demand": {"contacts_per_day": 3000, "segments": [
        {"name": "digital", "share": 0.4, "preference": ["webchat", "voice"]},
        {"name": "phone", "share": 0.6, "preference": ["voice", "webchat"]}]},
    "channels": {
        "voice": {"handle_time": {"dist": "lognormal", "mean": 300, "cv": 0.6},
                  "patience": {"dist": "exponential", "mean": 120}, "service_level_target_s": 20},
        "webchat": {"turns": {"dist": "poisson", "mean": 4},
                    "agent_time_per_turn": {"dist": "lognormal", "mean": 30, "cv": 0.5},
                    "customer_reply_delay": {"dist": "lognormal", "mean": 40, "cv": 1.0},
                    "patience": {"dist": "exponential", "mean": 300}, "service_level_target_s": 60}},
    "pricing": {"fees": {"voice": {"per_minute": 0.05}, "webchat": {"per_message": 0.01}}},
    "agents": {"pools": [
        {"name": "phones", "channels": ["voice"], "headcount": 9, "cost_per_hour": 40},
        {"name": "digital", "channels": ["webchat"], "headcount": 4, "concurrency": 3, "cost_per_hour": 38}]},
    "strategies": [{"name": "today", "offer": ["voice", "webchat"]}],
    "optimize": {
        "variables": {"agents.pools.phones.headcount": "7..10", "agents.pools.digital.headcount": "2..4"},
        "constraints": ["abandon_rate <= 0.06"],
        "objectives": ["cost_total", "csat"],
        "trials": 8,
    },
}
AXES = {"agents.pools.phones.headcount": [7, 8, 9, 10], "agents.pools.digital.headcount": [2, 3, 4]}


@pytest.fixture(scope="module")
def two_pools():
    return chansim.load_scenario(TWO_POOLS)


@pytest.fixture(scope="module")
def searched(two_pools):
    return chansim.optimize(two_pools)


@pytest.fixture(scope="module")
def two_pools_file(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("optimize") / "two.yaml"
    path.write_text(yaml.safe_dump(TWO_POOLS))
    return str(path)


# ----------------------------------------------------------- one variable
def test_one_headcount_matches_staff_and_erlang_c():
    scenario = chansim.load_scenario(mmc())
    space = {"variables": {"agents.pools.voice.headcount": "8..24"}, "constraints": ["service_level >= 0.8"],
             "objectives": ["cost_total"], "trials": 10}
    result = chansim.optimize(scenario, space)
    found = int(result.frontier["agents.pools.voice.headcount"].iloc[0])
    staffed = find_staffing(scenario, ["voice"], ["service_level>=0.8"], replications=3).pools["voice"].headcount
    erlang, _ = smallest_agents_for_service_level(4800 / 86_400, 180, 20, 0.8)
    assert found == staffed == erlang == 14
    trials = result.trials
    # the answer is locally best: one agent fewer was tried and misses the target
    below = trials[trials["agents.pools.voice.headcount"] == 13].iloc[0]
    assert not below["feasible"]
    # racing: a hopeless headcount stops after its first 2 replications; the answer got all 3
    hopeless = trials[(trials["agents.pools.voice.headcount"] <= 10) & trials["trial"].isin(
        [t.number for t in result.records if t.repeat_of is None])]
    assert len(hopeless) and (hopeless["replications"] == 2).all()
    assert set(hopeless["status"]) == {"stopped: infeasible"}
    assert int(result.frontier["replications"].iloc[0]) == 3
    assert result.frontier["service_level"].iloc[0] - result.frontier["service_level_ci95"].iloc[0] >= 0.8


# ---------------------------------------------------- against a full grid
def test_frontier_covers_every_feasible_non_dominated_grid_point(two_pools, searched):
    grid = sweep(two_pools, AXES)
    objectives = [("cost_total", -1), ("csat", 1)]
    keys = list(AXES)
    # a point the search simulated with every replication has exactly the grid's numbers (common random numbers)
    complete = [t for t in searched.records if t.status == "complete"]
    assert complete
    for t in complete:
        row = grid[(grid[keys[0]] == t.params[keys[0]]) & (grid[keys[1]] == t.params[keys[1]])].iloc[0]
        for key in ("cost_total", "csat", "abandon_rate", "service_level"):
            assert t.kpis["kpis"][key] == pytest.approx(row[key], rel=1e-12)
            assert t.kpis["ci95"][key] == pytest.approx(row[f"{key}_ci95"], rel=1e-9, abs=1e-12)
    feasible = grid[grid["abandon_rate"] + grid["abandon_rate_ci95"] <= 0.06]
    assert 0 < len(feasible) < len(grid)

    def dominated(row) -> bool:
        for _, other in feasible.iterrows():
            if all(s * (other[k] - row[k]) >= 0 for k, s in objectives) and \
                    any(s * (other[k] - row[k]) > 0 for k, s in objectives):
                return True
        return False

    best_of_grid = [row for _, row in feasible.iterrows() if not dominated(row)]
    front = searched.frontier
    assert len(front) >= 2
    for row in best_of_grid:
        covered = False
        for _, f in front.iterrows():
            if all(s * (f[k] - row[k]) >= -(f[f"{k}_ci95"] + row[f"{k}_ci95"]) for k, s in objectives):
                covered = True
        assert covered, f"grid point {dict(row[keys])} is neither matched nor dominated within CI"
    # and every frontier point is feasible and on the grid's own frontier or within CI of it
    for _, f in front.iterrows():
        assert f["abandon_rate"] + f["abandon_rate_ci95"] <= 0.06


def test_same_seed_same_trials_on_one_and_two_workers(two_pools, searched):
    again = chansim.optimize(two_pools, workers=2)
    assert again.trials.equals(searched.trials)
    assert again.frontier.equals(searched.frontier)
    assert again.strategies == searched.strategies


def test_another_search_seed_proposes_other_points(two_pools, searched):
    other = chansim.optimize(two_pools, seed=99)
    first = [tuple(t.params.values()) for t in searched.records]
    assert [tuple(t.params.values()) for t in other.records] != first


# --------------------------------------------------------- output and CLI
def doc_names(doc: dict) -> list[str]:
    return [s["name"] for s in doc["strategies"]]


def test_frontier_strategies_run_as_is_with_compare(two_pools_file, tmp_path):
    out = tmp_path / "found"
    done = runner.invoke(app, ["optimize", two_pools_file, "--out", str(out), "--format", "json", "--quiet"])
    assert done.exit_code == 0, done.output
    doc = json.loads(done.stdout)
    assert doc["feasible"] and doc["frontier"] and len(doc["strategies"]) == len(doc["frontier"])
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [".chansim-result.json", "optimize.json", "trials.csv", "frontier.csv", "strategies.yaml", "scenario.yaml",
         "trials.png", "trials.svg", "report.html"])
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<section id="frontier">' in page and "<svg" in page and "<script" not in page
    assert all(name in page for name in doc_names(doc))
    fragment = yaml.safe_load((out / "strategies.yaml").read_text())
    assert [s["name"] for s in fragment["strategies"]] == [p["name"] for p in doc["frontier"]]
    assert all(set(s["set"]) == set(AXES) for s in fragment["strategies"])
    compared = runner.invoke(app, ["compare", str(out / "scenario.yaml"), "--format", "json", "--quiet"])
    assert compared.exit_code == 0, compared.output
    ran = {s["name"]: s for s in json.loads(compared.stdout)["strategies"]}
    assert list(ran)[0] == "today"
    for point in doc["frontier"]:
        for key in ("cost_total", "csat", "abandon_rate"):
            assert ran[point["name"]]["kpis"][key] == pytest.approx(point["kpis"][key], rel=1e-12)


def test_table_prints_the_frontier_and_ready_strategies(two_pools_file):
    done = runner.invoke(app, ["optimize", two_pools_file, "--trials", "4", "--quiet"])
    assert done.exit_code == 0, done.output
    assert "frontier of" in done.stdout and "agents.pools.phones.headcount" in done.stdout
    assert "strategies:" in done.stdout and "frontier-1" in done.stdout


def test_off_a_terminal_progress_is_a_line_per_batch_and_quiet_is_silent(two_pools_file):
    import re

    done = runner.invoke(app, ["optimize", two_pools_file, "--trials", "4"])
    assert done.exit_code == 0, done.output
    lines = [ln for ln in done.stderr.splitlines() if ln.startswith("points ")]
    assert lines and re.match(r"points 4 of 4 \(ETA 0 s\): ", lines[-1]), done.stderr
    assert all(re.match(r"points \d+ of 4 \(ETA [^)]+\): ", ln) for ln in lines)
    quiet = runner.invoke(app, ["optimize", two_pools_file, "--trials", "4", "--quiet"])
    assert "points " not in quiet.stderr


def test_no_feasible_point_is_not_an_error(two_pools_file):
    done = runner.invoke(app, ["optimize", two_pools_file, "--trials", "3", "--quiet",
                               "--set", "optimize.constraints=[abandon_rate <= 0.0001]"])
    assert done.exit_code == 0, done.output
    assert "no feasible point; closest were" in done.stdout
    as_json = runner.invoke(app, ["optimize", two_pools_file, "--trials", "3", "--quiet", "--format", "json",
                                  "--set", "optimize.constraints=[abandon_rate <= 0.0001]"])
    doc = json.loads(as_json.stdout)
    assert not doc["feasible"] and doc["frontier"] == [] and doc["strategies"] == []
    shortfalls = [p["shortfall"] for p in doc["closest"]]
    assert shortfalls == sorted(shortfalls) and all(s > 0 for s in shortfalls)


def test_a_study_file_resumes_where_it_stopped(two_pools, tmp_path):
    study = tmp_path / "search.db"
    first = chansim.optimize(two_pools, trials=4, study=study)
    resumed = chansim.optimize(two_pools, trials=6, study=study)
    assert [t.params for t in resumed.records[: len(first.records)]] == [t.params for t in first.records]
    assert sum(1 for t in resumed.records if t.repeat_of is None) == 6
    assert resumed.evaluations == 6 - 4  # the first points are read back, not simulated again
    with pytest.raises(InputError, match="--study.*another"):
        chansim.optimize(two_pools, {**TWO_POOLS["optimize"], "objectives": ["cost_total"]}, study=study)


def test_a_time_limit_stops_between_batches(two_pools):
    result = chansim.optimize(two_pools, time_limit_s=1e-9)
    assert result.stopped == "time limit" and result.records == []


def test_strategy_fields_change_the_strategy_and_paths_go_in_its_set(two_pools):
    space = {"variables": {"strategies.*.offer": [["voice"], ["voice", "webchat"]],
                           "agents.pools.phones.headcount": "8..9"},
             "objectives": ["cost_per_contact"], "trials": 4}
    result = chansim.optimize(two_pools, space)
    best = result.strategies[0]
    assert best["offer"] in (["voice"], ["voice", "webchat"])
    assert set(best["set"]) == {"agents.pools.phones.headcount"}
    assert result.frontier["cost_per_contact"].iloc[0] == min(
        t.kpis["kpis"]["cost_per_contact"] for t in result.records if t.status == "complete")


# --------------------------------------------------------------- bad input
@pytest.mark.parametrize("change, field, words", [
    ({"variables": {"agents.pools.phones.headcunt": "7..10"}}, "optimize.variables.agents.pools.phones.headcunt",
     "no 'headcunt'"),
    ({"variables": {"agents.pools.nobody.headcount": "7..10"}}, "optimize.variables.agents.pools.nobody",
     "nothing named 'nobody'"),
    ({"variables": {"agents.pools.phones.headcount": "10..7"}}, "optimize.variables", "reversed"),
    ({"constraints": ["service_levle >= 0.8"]}, "optimize.constraints[0]", "no KPI named 'service_levle'"),
    ({"constraints": ["fax.service_level >= 0.8"]}, "optimize.constraints[0]", "no channel named 'fax'"),
    ({"constraints": ["pool.nobody.occupancy <= 0.9"]}, "optimize.constraints[0]", "no pool named 'nobody'"),
    ({"objectives": ["contacts"]}, "optimize.objectives[0]", "cannot be an objective"),
    ({"variables": {"agents.pools.phones.headcount": "-2..3"}}, "optimize.variables.agents.pools.phones.headcount",
     "must be ≥ 0"),
])
def test_bad_search_spaces_exit_2_naming_the_field(tmp_path, change, field, words):
    data = {**TWO_POOLS, "optimize": {**TWO_POOLS["optimize"], **change}}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    done = runner.invoke(app, ["optimize", str(path), "--quiet"])
    assert done.exit_code == 2, done.output
    message = " ".join(done.stderr.split())
    assert field in message and words in message
    assert "(line " in message  # located in the file
    assert "Traceback" not in done.output


def test_a_separate_space_file(two_pools_file, tmp_path):
    space = tmp_path / "space.yaml"
    space.write_text(yaml.safe_dump({"variables": {"agents.pools.phones.headcount": "7..9"},
                                     "objectives": ["cost_total"], "constraints": ["service_level >= 0.7"],
                                     "trials": 3}))
    done = runner.invoke(app, ["optimize", two_pools_file, "--space", str(space), "--format", "json", "--quiet"])
    assert done.exit_code == 0, done.output
    doc = json.loads(done.stdout)
    assert list(doc["variables"]) == ["agents.pools.phones.headcount"] and len(doc["frontier"]) == 1
    space.write_text("variables: {agents.pools.phones.headcount: 9..7}\nobjectives: [cost_total]\n")
    bad = runner.invoke(app, ["optimize", two_pools_file, "--space", str(space), "--quiet"])
    assert bad.exit_code == 2 and "variables" in bad.stderr and "reversed" in bad.stderr


def test_a_scenario_without_a_section_needs_a_space():
    with pytest.raises(InputError, match="optimize"):
        chansim.optimize(chansim.load_scenario(mmc()))


def test_search_settings_override_and_check(two_pools):
    space = SearchSpace.model_validate(TWO_POOLS["optimize"])
    resolved = resolve_space(two_pools, space, trials=5, replications=4, seed=7)
    assert (resolved.trials, resolved.replications, resolved.seed, resolved.size) == (5, 4, 7, 12)
    assert resolved.first_replications == 2 and math.isfinite(resolved.size)
    with pytest.raises(InputError, match="--strategy"):
        resolve_space(two_pools, space, strategy="nope")


def test_clearly_dominated_needs_the_whole_intervals_apart():
    from chansim.kpis.address import parse_address
    from chansim.studies.optimize.frontier import dominates_clearly
    from chansim.studies.optimize.space import Objective

    goals = [Objective(parse_address("cost_total"), -1), Objective(parse_address("csat"), 1)]
    winner = {"cost_total": (100.0, 5.0), "csat": (4.5, 0.1)}
    # worse by more than both half-widths on both objectives: clearly dominated
    assert dominates_clearly(winner, {"cost_total": (111.0, 5.0), "csat": (4.2, 0.1)}, goals)
    # the intervals of cost overlap: not clearly
    assert not dominates_clearly(winner, {"cost_total": (109.0, 5.0), "csat": (4.2, 0.1)}, goals)
    # cheaper at its optimistic end: not dominated
    assert not dominates_clearly(winner, {"cost_total": (120.0, 30.0), "csat": (4.0, 0.1)}, goals)
    # a null objective is never dominated (nothing to compare)
    assert not dominates_clearly(winner, {"cost_total": (None, None), "csat": (4.0, 0.1)}, goals)


def test_on_a_dask_cluster_the_trials_are_the_same(two_pools):
    distributed = pytest.importorskip("distributed")
    alone = chansim.optimize(two_pools, trials=4)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster:
        on_dask = chansim.optimize(two_pools, trials=4, executor="dask", scheduler=cluster.scheduler_address)
    assert on_dask.trials.equals(alone.trials)


def test_values_valid_alone_but_not_together_make_an_invalid_trial(two_pools):
    space = {"variables": {"strategies.*.offer": [["voice", "webchat"], ["webchat"]],
                           "strategies.*.ivr_deflection": [None, {"to": "webchat", "accept": 0.3, "link_channel": "webchat"}]},
             "objectives": ["cost_total"], "trials": 4}
    result = chansim.optimize(two_pools, space)
    tried = [t for t in result.records if t.repeat_of is None]
    assert len(tried) == 4 and result.stopped in ("budget", "space exhausted")
    invalid = [t for t in tried if t.status == "invalid"]
    assert [t.params for t in invalid] == [{"strategies.*.offer": ["webchat"],
                                            "strategies.*.ivr_deflection": {"to": "webchat", "accept": 0.3, "link_channel": "webchat"}}]
    assert "does not offer voice" in invalid[0].note and not invalid[0].feasible
    assert result.frontier_records and result.frontier_records[0].status == "complete"


def test_a_real_variable_on_a_strategy_field(two_pools):
    data = {**TWO_POOLS, "strategies": [*TWO_POOLS["strategies"], {
        "name": "deflect", "offer": ["voice", "webchat"], "ivr_deflection": {"to": "webchat", "accept": 0.3, "link_channel": "webchat"}}]}
    scenario = chansim.load_scenario(data)
    space = {"strategy": "deflect", "variables": {"strategies.*.ivr_deflection.offered": "0.0..0.6"},
             "objectives": ["cost_total"], "trials": 3}
    result = chansim.optimize(scenario, space)
    offered = [t.params["strategies.*.ivr_deflection.offered"] for t in result.records]
    assert len(set(offered)) == 3 and all(isinstance(x, float) and 0.0 <= x <= 0.6 for x in offered)
    for t in result.records:
        assert t.strategy["ivr_deflection"] == {**t.strategy["ivr_deflection"], "to": "webchat", "accept": 0.3,
                                                "offered": t.params["strategies.*.ivr_deflection.offered"]}
    # a strategy without the section cannot take the field alone: named, with what is missing
    with pytest.raises(InputError, match=r"optimize\.variables.*ivr_deflection.*to.*required"):
        chansim.optimize(scenario, {**space, "strategy": "today"})


@given(low=st.integers(-50, 50), span=st.integers(0, 60), step=st.integers(1, 7))
def test_a_range_reads_as_written(low, span, step):
    from chansim.scenario.search_space import parse_variable

    high = low + span
    got = parse_variable(f"{low}..{high}:{step}")
    assert (got.low, got.high, got.step, got.size) == (low, high, step, span // step + 1)
    assert str(got) == (f"{low}..{high}" + (f":{step}" if step != 1 else ""))
    if span:
        with pytest.raises(ValueError, match="reversed"):
            parse_variable(f"{high}..{low}")
    real = parse_variable(f"{low}.0..{high + 0.5}")
    assert (real.kind, real.low, real.high, real.step) == ("real", float(low), high + 0.5, None)


def test_the_figure_shows_every_trial_and_the_frontier(searched):
    fig = searched.plot()
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("cost_total", "csat")
    tried = [t for t in searched.records if t.repeat_of is None]
    dots = sum(len(c.get_offsets()) for c in ax.collections if hasattr(c, "get_offsets")
               and c.get_label() in ("feasible", "infeasible or stopped early"))
    assert dots == len(tried)
    bars = next(c for c in ax.containers if c.get_label() == "frontier")
    assert sorted(bars.lines[0].get_xdata()) == sorted(searched.frontier["cost_total"])


def test_a_breakdown_constraint_gets_its_interval_from_the_replications(two_pools):
    space = {"variables": {"agents.pools.phones.headcount": "8..9"}, "objectives": ["cost_total"],
             "constraints": ["voice.service_level >= 0.5", "pool.phones.occupancy <= 0.99"], "trials": 2}
    result = chansim.optimize(two_pools, space)
    for t in result.records:
        assert t.replications == 3
        for address in ("voice.service_level", "pool.phones.occupancy"):
            mean, ci = t.values[address]
            assert mean is not None and ci is not None and ci > 0, address
        assert t.values["voice.service_level"][0] == pytest.approx(t.kpis["by_channel"]["voice"]["service_level"])
    assert list(result.trials.columns[5:9]) == ["voice.service_level", "voice.service_level_ci95",
                                                 "pool.phones.occupancy", "pool.phones.occupancy_ci95"]


def test_a_choice_that_runs_only_with_other_values_makes_invalid_trials_and_the_study_goes_on(two_pools):
    data = {**TWO_POOLS, "strategies": [{"name": "deflect", "offer": ["voice", "webchat"], "ivr_deflection": {
        "to": "webchat", "accept": 0.3, "link_channel": "webchat"}}]}
    scenario = chansim.load_scenario(data)
    # the first choice (no webchat) cannot run with the strategy's deflection to webchat; the second can
    space = {"variables": {"strategies.*.offer": [["voice"], ["voice", "webchat"]],
                           "agents.pools.phones.headcount": [8, 9]},
             "objectives": ["cost_total"], "trials": 4}
    result = chansim.optimize(scenario, space)
    tried = [t for t in result.records if t.repeat_of is None]
    invalid = [t for t in tried if t.status == "invalid"]
    assert len(tried) == 4 and len(invalid) == 2
    assert all(t.params["strategies.*.offer"] == ["voice"] and not t.feasible and t.note for t in invalid)
    assert result.frontier_records and all(t.status == "complete" for t in result.frontier_records)
    assert all(t.params["strategies.*.offer"] == ["voice", "webchat"] for t in result.frontier_records)
    # a space where no combination can run is refused up front, naming the variable
    with pytest.raises(InputError, match=r"optimize\.variables\.strategies\.\*\.offer"):
        chansim.optimize(scenario, {**space, "variables": {"strategies.*.offer": [["voice"]],
                                                           "agents.pools.phones.headcount": [8, 9]}})
