"""``backtest``: a fitted scenario simulated over the data's period against
the data. Checked on exports chansim made (the shipped examples) and on an
independent export from a queue written directly in Ciw."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import chansim
from chansim.cli import app
from chansim.studies.fit.backtest import backtest
from chansim.studies.fit.interval_kpis import KPIS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "exports"
EXAMPLE_FILES = [str(EXAMPLES / n) for n in ("interval-report.csv", "contact-records.csv", "chat-messages.csv")]
EXAMPLE_MAP = ["timestamp=SentAt,text=Body"]
runner = CliRunner()

# --------------------------------------------------------------- Ciw export
START = pd.Timestamp("2026-02-02")  # a Monday
INTRADAY = [0] * 7 + [1, 5, 8, 9, 9, 7, 7, 8, 8, 7, 6, 5, 3] + [0] * 4
CIW_AGENTS = 8


def ciw_export(tmp_path: Path, seed: int = 1, days: int = 7) -> list[Path]:
    """An M(t)/lognormal/8+M queue simulated in Ciw (time-varying arrivals,
    lognormal service with mean 300 s and cv 0.6, exponential reneging with
    mean 180 s), exported as contact records and a 30-minute interval report
    with the agents staffed."""
    import ciw

    weights = np.array(INTRADAY, dtype=float) / sum(INTRADAY)
    sigma2 = math.log1p(0.6**2)
    ciw.seed(seed)  # Ciw keeps its random state globally, and draws arrival dates as the network is made
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.PoissonIntervals(list(900 * weights / 3600.0),
                                                          [3600.0 * (h + 1) for h in range(24)],
                                                          max_sample_date=days * 86_400)],
        service_distributions=[ciw.dists.Lognormal(math.log(300) - sigma2 / 2, math.sqrt(sigma2))],
        number_of_servers=[CIW_AGENTS],
        reneging_time_distributions=[ciw.dists.Exponential(1 / 180)],
    )
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(days * 86_400 + 6 * 3600)
    records = sorted(simulation.get_all_records(), key=lambda r: r.arrival_date)

    def stamp(seconds: float) -> str:
        return (START + pd.Timedelta(seconds=round(seconds, 3))).strftime("%Y-%m-%dT%H:%M:%S.%f")

    rows = []
    for i, r in enumerate(records):
        served = r.record_type == "service"
        rows.append({"Call ID": i, "Line": "inbound", "Offered At": stamp(r.arrival_date),
                     "Answered At": stamp(r.service_start_date) if served else "",
                     "Ended At": stamp(r.service_end_date if served else r.exit_date)})
    contacts = tmp_path / "ciw-calls.csv"
    pd.DataFrame(rows).to_csv(contacts, index=False)
    grid = pd.date_range(START, periods=days * 48, freq="30min")
    arrivals = pd.to_datetime([row["Offered At"] for row in rows]).floor("30min")
    offered = pd.Series(1, index=arrivals).groupby(level=0).sum().reindex(grid, fill_value=0)
    report = pd.DataFrame({"Interval": grid.strftime("%Y-%m-%d %H:%M"), "Offered": offered.to_numpy(),
                           "Agents": CIW_AGENTS})
    intervals = tmp_path / "ciw-intervals.csv"
    report.to_csv(intervals, index=False)
    return [contacts, intervals]


CIW_MAP = ["contact_id=Call ID,channel=Line,arrival=Offered At,answer=Answered At,end=Ended At",
           "interval_start=Interval,agents_staffed=Agents"]


@pytest.fixture(scope="module")
def ciw_files(tmp_path_factory) -> list[Path]:
    return ciw_export(tmp_path_factory.mktemp("ciw"))


@pytest.mark.slow
def test_fit_and_backtest_reproduce_an_independent_ciw_queue_by_hour(ciw_files):
    fitted = chansim.fit(ciw_files, mapping=CIW_MAP)
    voice = fitted.scenario.channels["voice"]
    assert voice.handle_time.dist == "lognormal"
    assert fitted.report.estimate("channels.voice.handle_time.mean").covers(300.0)
    assert fitted.report.estimate("channels.voice.patience.mean").covers(180.0)
    assert fitted.scenario.agents.pools[0].schedule == (CIW_AGENTS,) * 24
    result = backtest(fitted.scenario, fitted.exports, replications=8)
    assert result.staffing == "interval report" and result.days == 7
    summary = result.summary.set_index("kpi")
    for kpi, tolerance in (("service_level", 0.03), ("abandon_rate", 0.015)):
        row = summary.loc[kpi]
        # hour by hour: about 95 % of hours inside the band (at least 85 % of the ~90 hours)
        assert row["coverage"] >= 0.85, f"{kpi}: {row['coverage']:.0%} of {row['hours']} hours in the band"
        # overall: close (the band holds the simulation's noise, not the fitted parameters' uncertainty)
        assert abs(row["simulated"] - row["actual"]) <= tolerance, f"{kpi}: {row.to_dict()}"
    # the abandonment is not trivially small: the comparison has something to catch
    assert summary.loc["abandon_rate", "actual"] > 0.02


@pytest.mark.slow
def test_a_wrong_scenario_is_caught_by_the_band(ciw_files):
    """A patience a sixth of the truth: the backtest must show it (a test that cannot fail proves nothing)."""
    fitted = chansim.fit(ciw_files, mapping=CIW_MAP)
    wrong = fitted.scenario.with_overrides({"channels.voice.patience.mean": 30.0})
    result = backtest(wrong, fitted.exports, replications=4)
    row = result.summary.set_index("kpi").loc["abandon_rate"]
    assert not row["low"] <= row["actual"] <= row["high"]
    assert row["simulated"] > 1.25 * row["actual"] and row["bias"] > 0.01


def test_backtest_of_the_fitted_example_shows_small_bias():
    """The shipped examples were simulated by chansim (examples/exports/generate.py): fitting them and
    backtesting the fit against them shows small bias on the phone line."""
    fitted = chansim.fit(EXAMPLE_FILES, mapping=EXAMPLE_MAP)
    result = backtest(fitted.scenario, fitted.exports, replications=6)
    voice = result.summary[result.summary["channel"] == "voice"].set_index("kpi")
    assert abs(voice.loc["service_level", "bias"]) < 0.05
    assert abs(voice.loc["aht_s", "bias"]) < 0.05 * voice.loc["aht_s", "actual"]
    assert abs(voice.loc["occupancy", "bias"]) < 0.05
    for kpi in ("service_level", "abandon_rate", "aht_s", "occupancy"):
        assert voice.loc[kpi, "coverage"] >= 0.8, f"{kpi}: {voice.loc[kpi].to_dict()}"
    assert set(result.hours["kpi"]) == set(KPIS)


def test_an_interval_report_alone_is_enough(ciw_files, tmp_path):
    fitted = chansim.fit(ciw_files, mapping=CIW_MAP)
    report = tmp_path / "report.csv"
    pd.DataFrame({"interval_start": ["2026-02-02 09:00", "2026-02-02 10:00"], "channel": "voice", "offered": [80, 90],
                  "handled": [75, 85], "abandoned": [5, 5], "aht_s": [300, 310], "asa_s": [20, 25],
                  "service_level": [0.7, 0.65], "agents_staffed": [8, 8]}).to_csv(report, index=False)
    result = backtest(fitted.scenario, [report], replications=3)
    voice = result.summary.set_index("kpi")
    assert voice.loc["service_level", "actual"] == pytest.approx((0.7 * 80 + 0.65 * 90) / 170)
    assert voice.loc["aht_s", "actual"] == pytest.approx((300 * 75 + 310 * 85) / 160)
    assert voice.loc["occupancy", "actual"] == pytest.approx((300 * 75 + 310 * 85) / (2 * 8 * 3600))
    assert result.days == 1 and voice.loc["service_level", "hours"] == 2


# -------------------------------------------------------------------- CLI
def test_cli_backtest_prints_json_writes_figures_and_gates(tmp_path):
    scenario = tmp_path / "fitted.yaml"
    fit = runner.invoke(app, ["fit", *EXAMPLE_FILES, "--map", EXAMPLE_MAP[0], "--out", str(scenario)])
    assert fit.exit_code == 0, fit.stderr
    args = ["backtest", str(scenario), *EXAMPLE_FILES[:2], "--replications", "3", "--format", "json", "--quiet"]
    result = runner.invoke(app, [*args, "--report", str(tmp_path / "bt")])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["days"] == 7 and doc["replications"] == 3 and doc["staffing"] == "interval report"
    assert {(row["channel"], row["kpi"]) for row in doc["summary"]} == {(c, k) for c in ("voice", "webchat") for k in KPIS}
    assert doc["passed"] is True
    written = sorted(p.name for p in (tmp_path / "bt").iterdir() if not p.name.startswith("."))  # the folder marker aside
    assert written == sorted(["summary.csv", "hours.csv"] + [f"backtest_{k}.png" for k in KPIS])
    # the gate: the same backtest fails a MAPE bound it cannot meet, and passes a loose one on chosen KPIs
    args[args.index("--replications") + 1] = "2"
    gated = runner.invoke(app, [*args, "--max-mape", "0.01"])
    assert gated.exit_code == 1 and json.loads(gated.stdout)["passed"] is False
    assert "backtest gate failed" in gated.stderr
    loose = runner.invoke(app, [*args, "--max-mape", "1000", "--kpi", "service_level", "--kpi", "aht_s"])
    assert loose.exit_code == 0, loose.stderr
    bad = runner.invoke(app, [*args, "--max-mape", "10", "--kpi", "nps"])
    assert bad.exit_code == 2 and "unknown KPI nps" in bad.stderr


def test_cli_backtest_table(tmp_path):
    scenario = tmp_path / "fitted.yaml"
    assert runner.invoke(app, ["fit", *EXAMPLE_FILES[:2], "--out", str(scenario)]).exit_code == 0
    result = runner.invoke(app, ["backtest", str(scenario), *EXAMPLE_FILES[:2], "--replications", "2", "--quiet"])
    assert result.exit_code == 0, result.stderr
    assert "backtest of fitted" in result.stdout and "service_level" in result.stdout
    assert "occupancy not compared for webchat" in result.stdout
