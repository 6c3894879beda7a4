"""The shipped scenario library (scenarios/*.yaml): every file validates, is
reproducible (explicit start date and seed), cites or flags its numbers, offers
at least three strategies, and every strategy runs and can be priced in the
scenario's currency and market."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import chansim

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
SCENARIOS = sorted(SCENARIO_DIR.glob("*.yaml"))
IDS = [p.stem for p in SCENARIOS]

# Lines giving these numbers must carry a comment (source or "assumption") on the
# line itself or in the few lines just above it.
KEY_NUMBERS = re.compile(
    r"^\s*(contacts_per_day|shrinkage|markup|cost_per_hour|cost_per_session|USD|per_minute|"
    r"handle_time|patience|concurrency|reach|response_rate):\s*[\[{0-9]"
)
LOOKBACK = 4


def raw(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_library_covers_several_markets():
    assert len(SCENARIOS) >= 4, [p.name for p in SCENARIOS]
    markets = {raw(p).get("market") for p in SCENARIOS}
    currencies = {raw(p).get("currency") for p in SCENARIOS}
    assert len(markets) >= 4 and len(currencies) >= 4, (markets, currencies)


@pytest.mark.parametrize("path", SCENARIOS, ids=IDS)
def test_validates_with_at_least_three_strategies(path: Path):
    scenario = chansim.load_scenario(path)
    assert scenario.name == path.stem
    assert len(scenario.strategy_names) >= 3, scenario.strategy_names


@pytest.mark.parametrize("path", SCENARIOS, ids=IDS)
def test_reproducible_settings_are_explicit(path: Path):
    data = raw(path)
    for key in ("start_date", "seed", "currency", "market", "days", "replications"):
        assert key in data, f"{path.name}: {key} must be set in the file"
    # a week, or a shorter run whose file says why on the same line
    days_line = next(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("days:"))
    assert data["days"] == 7 or "#" in days_line, f"{path.name}: days {data['days']} without a reason"


@pytest.mark.parametrize("path", SCENARIOS, ids=IDS)
def test_numbers_are_sourced_or_flagged(path: Path):
    lines = path.read_text(encoding="utf-8").splitlines()
    comments = [line for line in lines if "#" in line]
    assert len(comments) >= 20, f"{path.name}: only {len(comments)} commented lines"
    assert any("assumption" in line for line in comments)
    bare = [
        f"line {i + 1}: {line.strip()}"
        for i, line in enumerate(lines)
        if KEY_NUMBERS.match(line) and not any("#" in prev for prev in lines[max(0, i - LOOKBACK) : i + 1])
    ]
    assert not bare, f"{path.name}: key numbers without a source or 'assumption' comment: {bare}"


@pytest.mark.parametrize("path", SCENARIOS, ids=IDS)
def test_every_strategy_runs_and_is_priced(path: Path):
    # one day fires every campaign; simulate() first checks that every
    # channel any strategy can use (offer, campaigns, IVR links, fallbacks) has a
    # card or a flat fee in force for the market, date and currency
    scenario = chansim.load_scenario(path, {"days": 1, "replications": 1})
    result = chansim.simulate(scenario, replications=1, keep_log=False)
    assert [s.name for s in result.strategies] == scenario.strategy_names
    for strategy in result.strategies:
        k = strategy.kpis
        assert k["contacts"] > 0, strategy.name
        assert k["cost_channel"] > 0, strategy.name
        assert k["cost_labor"] > 0, strategy.name
        assert 0 <= k["service_level"] <= 1 and 1 <= k["csat"] <= 5, strategy.name
