"""``chansim reprice`` measures a stored run again through the run's own
measurement pipeline: without a price change it reports the run's KPIs
exactly, on every strategy that ran and only those; a price change moves
only the cost KPIs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chansim.cli import app
from chansim.kpis.table import KPI_GROUPS, KPI_KEYS

SMALL = str(Path(__file__).parent / "data" / "small.yaml")
runner = CliRunner()


def _stored(folder: Path, *options: str) -> dict:
    result = runner.invoke(app, ["run", SMALL, "--replications", "2", "-q", "--format", "json", "--out", str(folder),
                                 *options])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def stored_run(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("reprice") / "run"
    return out, _stored(out)


def _reprice(folder: Path, *options: str) -> dict:
    result = runner.invoke(app, ["reprice", str(folder), "--format", "json", *options])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _kpis(doc: dict, which: str) -> dict[str, dict]:
    table: dict[str, dict] = {}
    for row in doc["kpis"]:
        table.setdefault(row["strategy"], {})[row["kpi"]] = row[which]
    return table


def test_without_a_price_change_reprice_reports_the_runs_own_kpis_exactly(stored_run):
    out, run = stored_run
    names = [s["name"] for s in run["strategies"]]
    assert len(names) > 1
    doc = _reprice(out)
    assert doc["strategies"] == names and doc["replications"] == {name: 2 for name in names}
    own = {s["name"]: s["kpis"] for s in run["strategies"]}
    assert _kpis(doc, "before") == own and _kpis(doc, "after") == own
    for total in doc["totals"]:  # the cost table is the same KPIs
        kpis = own[total["strategy"]]
        assert (total["contacts"], total["issues"], total["total_before"], total["per_contact_before"]) == (
            kpis["contacts"], kpis["issues"], kpis["cost_total"], kpis["cost_per_contact"])
    for row in doc["rows"]:
        channel = next(s for s in run["strategies"] if s["name"] == row["strategy"])["by_channel"][row["channel"]]
        assert row["before"] == row["after"] == channel["cost_channel"] and row["contacts"] == channel["contacts"]
    assert doc["changed_channels"] == []


def test_a_price_change_moves_only_the_cost_kpis(stored_run):
    out, run = stored_run
    doc = _reprice(out, "--markup", "0.5")
    before, after = _kpis(doc, "before"), _kpis(doc, "after")
    assert before == {s["name"]: s["kpis"] for s in run["strategies"]}
    for name in before:
        for key in KPI_KEYS:
            if key not in KPI_GROUPS["cost"] or key in ("cost_labor", "cost_bot"):
                assert after[name][key] == before[name][key], (name, key)
        assert after[name]["cost_channel"] > before[name]["cost_channel"]
        assert after[name]["cost_total"] - before[name]["cost_total"] == pytest.approx(
            after[name]["cost_channel"] - before[name]["cost_channel"])
    # the rule table is per run of each strategy: its costs add up to the strategy's channel fees
    for which, kpis in (("before", before), ("after", after)):
        for name in before:
            rules = [r for r in doc["rules"][which] if r["strategy"] == name]
            assert sum(r["cost"] for r in rules) == pytest.approx(kpis[name]["cost_channel"], rel=1e-12)


def test_reprice_lists_only_the_strategies_that_ran(tmp_path):
    out = tmp_path / "two"
    run = _stored(out, "--strategy", "sms-instead", "--strategy", "today")
    doc = _reprice(out)
    ran = [s["name"] for s in run["strategies"]]
    assert set(doc["strategies"]) == set(ran) == {"today", "sms-instead"}
    assert {row["strategy"] for row in doc["kpis"]} == set(ran)
    assert {row["strategy"] for row in doc["rows"]} <= set(ran)
    assert _kpis(doc, "after") == {s["name"]: s["kpis"] for s in run["strategies"]}
    table = runner.invoke(app, ["reprice", str(out), "--markup", "0.5"])
    assert table.exit_code == 0 and "more-phones" not in table.stdout and "cost_channel" in table.stdout
