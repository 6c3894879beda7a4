"""What is checked before simulating: the size estimate and its override,
and pricing problems located in the scenario file."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from chansim.cli import app
from chansim.runtime.preflight import estimate_bytes, prepare, size_problems
from chansim.scenario import load_scenario

SMALL = Path(__file__).parent / "data" / "small.yaml"
MALFORMED = Path(__file__).parent / "malformed"
runner = CliRunner()


def test_the_estimate_follows_the_documented_formula():
    s = load_scenario(SMALL)
    contacts = 0.5 * 3000  # days × contacts_per_day (no campaigns)
    messages = contacts * (2 * 5 + 1)  # the largest mean turns: sms, poisson mean 5
    slots = 12 * 1 + 4 * 3  # more-phones has 12 on the phones; digital: 4 × concurrency 3
    assert estimate_bytes(s) == contacts * 400 + messages * 120 + slots * 200


def test_a_run_that_cannot_fit_is_refused_with_the_estimate():
    s = load_scenario(SMALL)
    need = estimate_bytes(s)
    assert size_problems(s, at_once=1, available=2 * need) == []
    [problem] = size_problems(s, at_once=2, available=2 * need)
    assert "too large to simulate" in problem.message and "× 2 at once" in problem.message
    assert "--no-size-check" in problem.message


def test_the_size_check_can_be_overridden():
    huge = MALFORMED / "contacts_huge.yaml"
    assert runner.invoke(app, ["validate", str(huge)]).exit_code == 2
    result = runner.invoke(app, ["validate", str(huge), "--no-size-check"])
    assert result.exit_code == 0, result.stderr
    assert prepare(huge, size_check=False).scenario.demand.contacts_per_day == 1e12
