"""chansim compare: paired differences, best per KPI, the Pareto frontier, the
figures and the command (JSON, CSV, table, --out, bad input)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from chansim.cli import app
from chansim.cli.compare import COMPARE_FILES
from chansim.kpis import statistics
from chansim.kpis.compare import DIRECTION, HIGHER, LOWER, NEUTRAL, best_by_kpi, paired_differences, pareto_front
from chansim.kpis.table import KPI_KEYS
from chansim.report import RUN_FILES
from chansim.runtime.outdir import MARKER

SMALL = Path(__file__).parent / "data" / "small.yaml"
FAST = ("--replications", "3", "--days", "0.25", "--quiet")
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, ["compare", *map(str, args)])


def compare_json(*args: str) -> dict:
    result = invoke(*args, "--format", "json", *FAST)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def differences(doc: dict, strategy: str) -> dict[str, dict]:
    return {d["kpi"]: d for d in doc["comparison"]["differences"] if d["strategy"] == strategy}


# ------------------------------------------------------------------ pure functions
def fake(frame: dict[str, dict[str, list]]) -> SimpleNamespace:
    """A stand-in RunResult: replication KPIs per strategy, and their means."""
    rows, strategies = [], []
    for name, kpis in frame.items():
        n = len(next(iter(kpis.values())))
        for r in range(n):
            rows.append({"strategy": name, "replication": r, **{k: v[r] for k, v in kpis.items()}})
        means = {k: (float(np.mean([x for x in v if x is not None])) if any(x is not None for x in v) else None)
                 for k, v in kpis.items()}
        strategies.append(SimpleNamespace(name=name, kpis=means))
    return SimpleNamespace(strategies=strategies, replication_kpis=pd.DataFrame(rows))


def test_paired_differences_match_a_paired_t_test():
    a, b = [10.0, 12.0, 9.0, 11.0], [8.0, 11.5, 7.0, 9.0]
    result = fake({"base": {"asa_s": a, "service_level": [0.8] * 4}, "new": {"asa_s": b, "service_level": [0.8] * 4}})
    diffs = paired_differences(result).set_index("kpi")
    row = diffs.loc["asa_s"]
    d = np.subtract(b, a)
    assert row["strategy"] == "new" and row["baseline"] == "base" and row["n"] == 4
    assert row["diff"] == pytest.approx(d.mean())
    assert row["ci95"] == pytest.approx(stats.t.ppf(0.975, 3) * d.std(ddof=1) / 2)
    assert row["p_value"] == pytest.approx(stats.ttest_rel(b, a).pvalue)
    assert row["significant"] and row["better"] is True  # lower ASA is better
    assert row["low"] < row["diff"] < row["high"] < 0


def test_identical_null_constant_and_single_pairs_do_not_crash():
    result = fake({
        "base": {"same": [1.0, 2.0, 3.0], "none": [None] * 3, "shift": [1.0, 2.0, 3.0], "gap": [1.0, None, None],
                 "cost_total": [5.0, 6.0, 7.0]},
        "other": {"same": [1.0, 2.0, 3.0], "none": [None] * 3, "shift": [2.0, 3.0, 4.0], "gap": [4.0, 5.0, None],
                  "cost_total": [5.0, 6.0, 7.0 + 1e-13]},
    })
    diffs = paired_differences(result).set_index("kpi")
    same = diffs.loc["same"]
    assert same["diff"] == 0 and same["ci95"] == 0 and same["p_value"] == 1 and not same["significant"]
    none = diffs.loc["none"]
    assert none["n"] == 0 and not none["significant"] and pd.isna(none["diff"]) and pd.isna(none["p_value"])
    shift = diffs.loc["shift"]  # the same +1 in every replication: certain
    assert shift["diff"] == 1 and shift["ci95"] == 0 and shift["significant"] and shift["p_value"] == 0
    gap = diffs.loc["gap"]  # one pair: a difference but no interval
    assert gap["n"] == 1 and gap["diff"] == 3 and pd.isna(gap["ci95"]) and not gap["significant"]
    dust = diffs.loc["cost_total"]  # floating-point dust is no difference
    assert dust["diff"] == 0 and not dust["significant"]


def test_baseline_can_be_chosen_and_must_exist():
    result = fake({"a": {"asa_s": [1.0, 2.0]}, "b": {"asa_s": [2.0, 3.0]}, "c": {"asa_s": [3.0, 5.0]}})
    diffs = paired_differences(result, baseline="b")
    assert set(diffs["strategy"]) == {"a", "c"} and set(diffs["baseline"]) == {"b"}
    with pytest.raises(ValueError, match="no strategy named"):
        paired_differences(result, baseline="zzz")


def test_best_by_kpi_follows_the_direction_table():
    result = fake({
        "a": {"cost_per_contact": [5.0], "service_level": [0.7], "contacts": [100], "csat": [None], "cost_bot": [0.0]},
        "b": {"cost_per_contact": [4.0], "service_level": [0.9], "contacts": [120], "csat": [None], "cost_bot": [0.0]},
        "c": {"cost_per_contact": [4.0], "service_level": [0.8], "contacts": [90], "csat": [None], "cost_bot": [0.0]},
    })
    best = best_by_kpi(result)
    assert best["cost_per_contact"] == "b"  # lower is better; a tie goes to the first listed
    assert best["service_level"] == "b"  # higher is better
    assert "contacts" not in best  # counts are not ranked
    assert "csat" not in best  # not measured by anyone
    assert "cost_bot" not in best  # the same for everyone: nobody is best
    assert DIRECTION["abandon_rate"] == LOWER and DIRECTION["csat_pct"] == HIGHER and DIRECTION["occupancy"] == NEUTRAL
    assert set(DIRECTION) <= set(KPI_KEYS)  # no typo in the table


def test_pareto_front_on_hand_made_points():
    points = {
        "cheap-bad": (3.0, 3.5),
        "mid": (4.0, 4.2),
        "dominated": (4.5, 4.0),  # mid is cheaper and better
        "dear-best": (6.0, 4.6),
        "dear-worse": (6.0, 4.5),  # as dear as dear-best, worse
        "no-quality": (1.0, None),
        "nan": (float("nan"), 5.0),
    }
    assert pareto_front(points) == ["cheap-bad", "mid", "dear-best"]
    assert pareto_front([("x", 1.0, 1.0), ("y", 1.0, 1.0)]) == ["x", "y"]  # duplicates both stay
    assert pareto_front({}) == []
    assert pareto_front({"only": (2.0, 3.0)}) == ["only"]


def test_the_pareto_filter_takes_any_number_of_coordinates_each_with_its_direction():
    # (cost: lower, csat: higher, asa: lower)
    points = {"a": (1.0, 4.0, 30.0), "b": (2.0, 4.5, 30.0), "c": (2.0, 4.5, 40.0), "d": (3.0, 4.0, 10.0),
              "e": (3.0, 3.9, 10.0)}
    assert statistics.pareto_front(points, (-1, 1, -1)) == ["a", "b", "d"]  # b beats c on asa, d beats e on csat
    # higher is better on both: the best on the first coordinate first
    assert statistics.pareto_front({"x": (1.0, 2.0), "y": (2.0, 1.0), "z": (0.5, 0.5)}, (1, 1)) == ["y", "x"]
    assert pareto_front is statistics.pareto_front  # one filter


def test_the_ci95_half_width_is_student_t_over_the_measured_values():
    values = [0.81, 0.86, None, 0.79, float("nan"), 0.84]
    xs = np.array([0.81, 0.86, 0.79, 0.84])
    assert statistics.ci95_halfwidth(values) == pytest.approx(stats.t.ppf(0.975, 3) * xs.std(ddof=1) / 2)
    assert statistics.ci95_halfwidth([0.8, None]) is None and statistics.ci95_halfwidth([]) is None
    assert statistics.ci95_halfwidth([2.0, 2.0, 2.0]) == 0.0


# ------------------------------------------------------------------ the command
def test_json_has_the_run_document_and_the_comparison():
    doc = compare_json(SMALL)
    assert doc["scenario"] == "small" and doc["replications"] == 3 and doc["chansim_version"]
    assert [s["name"] for s in doc["strategies"]] == ["today", "sms-instead", "more-phones"]
    for strategy in doc["strategies"]:
        assert set(strategy["kpis"]) >= set(KPI_KEYS) and set(strategy["ci95"]) >= set(KPI_KEYS)
    comparison = doc["comparison"]
    assert comparison["baseline"] == "today"
    diffs = comparison["differences"]
    assert {d["strategy"] for d in diffs} == {"sms-instead", "more-phones"}
    assert {d["kpi"] for d in diffs} >= set(KPI_KEYS)
    assert {"diff", "ci95", "p_value", "significant", "n"} <= set(diffs[0])
    best = comparison["best"]
    assert best["cost_per_contact"] in {"today", "sms-instead"} and best["asa_s"] == "more-phones"
    assert not {"contacts", "messages", "occupancy"} & set(best)


def test_identical_strategies_differ_by_nothing(tmp_path):
    scenario = tmp_path / "twins.yaml"
    scenario.write_text(SMALL.read_text() + "  - {name: today-again, offer: [voice, webchat]}\n")
    doc = compare_json(scenario, "--strategy", "today", "--strategy", "today-again")
    diffs = differences(doc, "today-again")
    assert diffs.keys() >= set(KPI_KEYS)
    for kpi, d in diffs.items():
        assert not d["significant"], kpi
        assert d["diff"] in (0, None), kpi
        if d["n"] >= 2:
            assert d["ci95"] == 0 and d["p_value"] == 1
    assert diffs["cost_total"]["diff"] == 0 and diffs["asa_s"]["n"] == 3


def test_more_agents_answer_significantly_sooner():
    doc = compare_json(SMALL, "--strategy", "today", "--strategy", "more-phones")
    asa = differences(doc, "more-phones")["asa_s"]
    assert asa["diff"] < 0 and asa["significant"] and asa["high"] < 0 and asa["p_value"] < 0.05
    assert asa["better"] is True
    labor = differences(doc, "more-phones")["cost_labor"]
    assert labor["diff"] > 0 and labor["significant"] and labor["better"] is False


def test_table_marks_best_and_significance():
    result = invoke(SMALL, *FAST)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    for word in ("today (baseline)", "sms-instead", "more-phones", "cost_per_contact", "±", "★", "▼", "▲"):
        assert word in out, word
    asa = next(line for line in out.splitlines() if line.split("│")[1:2] and "asa_s" in line.split("│")[1])
    cells = [c.strip() for c in asa.split("│")[2:-1]]
    assert "▼" in cells[2] and "★" in cells[2]  # more-phones: sooner, significantly, and the best
    assert "▲" not in cells[0] and "▼" not in cells[0]  # the baseline is compared with nothing
    assert "paired t-test" in out and "best" in out


def test_csv_is_tidy_with_differences():
    result = invoke(SMALL, "--format", "csv", *FAST)
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {"strategy", "channel", "kpi", "mean", "ci95", "diff", "p_value", "significant", "best"} <= set(rows[0])
    overall = [r for r in rows if r["channel"] == "all"]
    assert len(overall) >= 3 * len(KPI_KEYS)
    asa = next(r for r in overall if r["strategy"] == "more-phones" and r["kpi"] == "asa_s")
    assert float(asa["diff"]) < 0 and asa["significant"] == "True" and asa["best"] == "True"
    base = next(r for r in overall if r["strategy"] == "today" and r["kpi"] == "asa_s")
    assert base["diff"] == "" and base["baseline"] == "today"


def test_out_writes_the_run_files_the_comparison_and_every_figure(tmp_path):
    out = tmp_path / "cmp"
    result = invoke(SMALL, "--format", "json", *FAST, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(RUN_FILES + COMPARE_FILES + (MARKER,))
    for name in ("frontier", "cost_breakdown", "service_by_hour", "occupancy_by_pool"):
        png, svg = out / f"{name}.png", out / f"{name}.svg"
        assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 10_000, name
        assert "<svg" in svg.read_text(encoding="utf-8")[:2000], name
    printed = json.loads(result.stdout)
    stored = json.loads((out / "comparison.json").read_text())
    printed.pop("run_time_s"), stored.pop("run_time_s")
    assert stored == printed
    summary = json.loads((out / "summary.json").read_text())
    assert "comparison" not in summary and len(summary["strategies"]) == 3  # the run document, as run writes it
    # a second compare replaces the first whole, and leaves no temporary directory behind
    again = invoke(SMALL, "--replications", "2", "--days", "0.25", "-q", "--out", out)
    assert again.exit_code == 0, again.stderr
    assert json.loads((out / "summary.json").read_text())["replications"] == 2
    assert [p.name for p in tmp_path.iterdir()] == ["cmp"]


@pytest.mark.parametrize(
    "args, message",
    [
        (("missing.yaml",), ""),
        ((str(SMALL), "--strategy", "nope"), "no strategy named 'nope'"),
        ((str(SMALL), "--replications", "0"), ""),
        ((str(SMALL), "--format", "xml"), ""),
    ],
)
def test_bad_input_exits_2(args, message):
    result = invoke(*args, "-q")
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_out_refuses_a_directory_that_is_not_a_result(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    result = invoke(SMALL, *FAST, "--out", mine)
    assert result.exit_code == 2 and "refusing" in result.stderr
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


# ------------------------------------------------------------------ figures from Python
@pytest.fixture(scope="module")
def small_result():
    import chansim

    scenario = chansim.load_scenario(str(SMALL), {"days": 0.25})
    return chansim.simulate(scenario, replications=2)


def test_plot_accessor_returns_labelled_figures(small_result):
    from chansim.report.figures import PlotAccessor, cost_components

    plot = PlotAccessor(small_result)
    for name in ("frontier", "cost_breakdown", "service_by_hour", "occupancy_by_pool"):
        fig = getattr(plot, name)()
        ax = fig.axes[0]
        assert ax.get_title(loc="left").endswith("?"), name  # a title that asks the question it answers
        assert ax.get_ylabel(), name
        import matplotlib.pyplot as plt

        plt.close(fig)
    frontier = plot.frontier()
    assert "USD" in frontier.axes[0].get_xlabel()
    assert "CSAT" in frontier.axes[0].get_ylabel() or "service level" in frontier.axes[0].get_ylabel().lower()
    # the parts of the cost breakdown add up to the cost per contact KPI
    parts = cost_components(small_result)
    for s in small_result.strategies:
        assert parts.loc[s.name].sum() == pytest.approx(s.kpis["cost_per_contact"])


def test_frontier_falls_back_to_service_level_and_says_so(small_result):
    from dataclasses import replace

    from chansim.report.figures import frontier

    blind = [replace(s, kpis={**s.kpis, "csat": None}) for s in small_result.strategies]
    fake_result = replace(small_result, strategies=blind)
    fig = frontier(fake_result)
    label = fig.axes[0].get_ylabel()
    assert "Service level" in label and "CSAT not modelled" in label
    assert "service level" in fig.axes[0].get_title(loc="left")


def test_figures_without_an_event_log_still_draw(small_result, tmp_path):
    from dataclasses import replace

    from chansim.report.figures import save_figures

    paths = save_figures(replace(small_result, log=None), tmp_path / "figs")
    assert len(paths) == 8 and all(p.stat().st_size > 0 for p in paths)
