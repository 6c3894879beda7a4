"""Every file a user hands chansim is read as carefully as a scenario file:
a rate card (``--rate-card``), a stored result folder (``report DIR``,
``reprice DIR``) and the demand profiles. Bad input exits 2 with one message
naming the file (and the field and line where there are such), never a
traceback, and changes nothing the user made."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chansim.billing.card_values import MAX_RATE
from chansim.billing.ratecard import load_card_file
from chansim.cli import app
from chansim.report.stored import MAX_STORED_BYTES
from chansim.scenario.models.demand import MAX_WEIGHTED_CONTACTS

SMALL = Path(__file__).parent / "data" / "small.yaml"
runner = CliRunner()

CARD = """\
cards:
  - id: sms-us-own
    channel: sms
    market: {market}
    model: sms
    effective_from: 2026-01-01
    currency: USD
    source: test
    confidence: reseller
    rates:
      outbound_segment: {rate}
      inbound_segment: 0.0079
"""


def refused(args: list[str], *names: str) -> str:
    """Run the CLI; it must exit 2 with no traceback, its message naming every one of ``names``."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    for name in names:
        assert name in result.stderr, result.stderr
    return result.stderr


def files_of(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


# ---------------------------------------------------------------- rate cards
@pytest.mark.parametrize("rate, words", [
    ("true", ["rates.outbound_segment", "must be a number, not true", "(line 11)"]),
    ("1e300", ["rates.outbound_segment", f"must be ≤ {MAX_RATE}", "(line 11)"]),
    ("-0.5", ["rates.outbound_segment", "must be ≥ 0", "(line 11)"]),
    (".inf", ["outbound_segment", "finite"]),
    ("'cheap'", ["rates.outbound_segment", "must be a number"]),
])
def test_a_bad_rate_in_a_card_file_is_refused_naming_file_field_and_line(tmp_path, rate, words):
    card = tmp_path / "own.yaml"
    card.write_text(CARD.format(market="US", rate=rate), encoding="utf-8")
    before = card.read_bytes()
    refused(["ratecards", "--rate-card", str(card)], "own.yaml", *words)
    assert card.read_bytes() == before


def test_the_rate_bound_is_inclusive(tmp_path):
    card = tmp_path / "own.yaml"
    card.write_text(CARD.format(market="US", rate=MAX_RATE), encoding="utf-8")
    assert load_card_file(card)[0].rate("outbound_segment") == MAX_RATE


@pytest.mark.parametrize("content", [b"cards: [\xff\xfe]\n", b"cards: [1\n"])
def test_a_card_file_that_is_not_utf8_or_not_yaml_is_refused_naming_it(tmp_path, content):
    card = tmp_path / "own.yaml"
    card.write_bytes(content)
    refused(["ratecards", "--rate-card", str(card)], "own.yaml")


def test_an_endless_card_file_is_refused_without_reading_it_whole():
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    message = refused(["ratecards", "--rate-card", "/dev/zero"], "/dev/zero")
    assert "larger than" in message


@pytest.mark.parametrize("written, market", [("us", "US"), ("gb", "UK"), ("GB", "UK")])
def test_a_market_is_read_in_one_canonical_case(tmp_path, written, market):
    card = tmp_path / "own.yaml"
    card.write_text(CARD.format(market=written, rate=0.01), encoding="utf-8")
    assert load_card_file(card)[0].market == market
    listed = runner.invoke(app, ["ratecards", "--rate-card", str(card), "--market", market, "-f", "csv"])
    assert listed.exit_code == 0, listed.stderr
    assert "sms-us-own" in listed.stdout


def test_an_unknown_region_is_refused(tmp_path):
    card = tmp_path / "own.yaml"
    card.write_text(CARD.format(market="rest_of_nowhere", rate=0.01), encoding="utf-8")
    refused(["ratecards", "--rate-card", str(card)], "own.yaml", ".market", "not a region", "(line 4)")


# ---------------------------------------------------------------- stored results

def test_an_intact_run_reports(run_dir):
    result = runner.invoke(app, ["report", str(run_dir), "-q"])
    assert result.exit_code == 0, result.stderr


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:300])


DAMAGE = {
    "truncated contacts": ("contacts.parquet", _truncate, "damaged or not a Parquet table"),
    "foreign contacts": ("contacts.parquet", lambda p: shutil.copy(p.with_name("costs.parquet"), p), "lacks the column"),
    "truncated costs": ("costs.parquet", _truncate, "damaged or not a Parquet table"),
    "summary not UTF-8": ("summary.json", lambda p: p.write_bytes(b"\xff\xfe{}"), "not UTF-8"),
    "summary not JSON": ("summary.json", lambda p: p.write_text("{strategies", encoding="utf-8"), "not a JSON"),
    "foreign summary": ("summary.json", lambda p: p.write_text('{"hello": "world"}', encoding="utf-8"),
                        "not a chansim run summary"),
    "summary of another run": ("summary.json", lambda p: p.write_text('{"strategies": [{"name": "elsewhere"}]}',
                                                                      encoding="utf-8"), "strategies[0].name"),
    "summary with text KPIs": ("summary.json", lambda p: p.write_text(
        '{"strategies": [{"name": "today", "kpis": {"asa_s": "fast"}}]}', encoding="utf-8"), "strategies[0].kpis"),
    "replications not UTF-8": ("replications.csv", lambda p: p.write_bytes(b"strategy,replication\n\xff,1\n"),
                               "not UTF-8"),
    "scenario not a scenario": ("scenario.yaml", lambda p: p.write_text("- 1\n- 2\n", encoding="utf-8"),
                                "not a chansim scenario"),
}


@pytest.mark.parametrize("name", list(DAMAGE))
def test_report_refuses_a_damaged_or_foreign_result_naming_the_file(run_dir, name):
    file, damage, words = DAMAGE[name]
    damage(run_dir / file)
    before = files_of(run_dir)
    refused(["report", str(run_dir), "-q"], file, words)
    assert files_of(run_dir) == before  # report.html not rewritten, nothing changed


def test_reprice_refuses_a_truncated_table_and_a_bad_rate_card(run_dir, tmp_path):
    card = tmp_path / "own.yaml"
    card.write_text(CARD.format(market="US", rate="true"), encoding="utf-8")
    refused(["reprice", str(run_dir), "--rate-card", str(card)], "own.yaml", "must be a number, not true")
    _truncate(run_dir / "messages.parquet")
    refused(["reprice", str(run_dir)], "messages.parquet")


@pytest.mark.parametrize("content, words", [
    (b"days,strategy,cost_per_contact,cost_per_contact_ci95\n\xff,a,1,0\n", "not UTF-8"),
    (b"x,y\n1,2\n", "lacks the column"),
])
def test_report_refuses_a_bad_sweep_table_naming_it(tmp_path, content, words):
    folder = tmp_path / "sweep"
    folder.mkdir()
    (folder / "sweep.csv").write_bytes(content)
    refused(["report", str(folder), "-q"], "sweep.csv", words)
    assert not (folder / "report.html").exists()


def test_report_refuses_a_foreign_staffing_result_naming_it(run_dir, tmp_path):
    folder = tmp_path / "staff"
    folder.mkdir()
    shutil.copy(run_dir / "scenario.yaml", folder)
    (folder / "staffing.json").write_text('{"pools": [1, 2]}', encoding="utf-8")
    refused(["report", str(folder), "-q"], "staffing.json", "not a chansim staffing result")


def test_stored_text_is_bounded():
    assert MAX_STORED_BYTES < 300_000_000


# ---------------------------------------------------------------- demand weights
def _scenario(tmp_path: Path, old: str, new: str) -> Path:
    text = SMALL.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "huge.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _demand_line(path: Path, key: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if key in line)


@pytest.mark.parametrize("key, weights", [("weekly", "[1e300, 1, 1, 1, 1, 1, 1]"),
                                          ("intraday", "[1, 1e300" + ", 1" * 22 + "]")])
def test_a_huge_weight_is_refused_by_validate_and_run_alike(tmp_path, key, weights):
    path = _scenario(tmp_path, "demand:\n", f"demand:\n  {key}: {weights}\n")
    index = 0 if key == "weekly" else 1
    where = f"demand.{key}[{index}]"
    line = f"(line {_demand_line(path, key + ':')})"
    checked = refused(["validate", str(path)], "huge.yaml", where, "contacts_per_day × weight", line)
    ran = refused(["run", str(path), "-q"], "huge.yaml", where, line)
    assert checked.removeprefix("invalid: ") == ran.removeprefix("error: ")


def test_weights_within_the_bound_validate(tmp_path):
    per_day = float(next(line.split(":")[1] for line in SMALL.read_text(encoding="utf-8").splitlines()
                         if "contacts_per_day:" in line))
    weight = MAX_WEIGHTED_CONTACTS / per_day
    path = _scenario(tmp_path, "demand:\n", f"demand:\n  weekly: [{weight!r}, 1, 1, 1, 1, 1, 1]\n")
    assert runner.invoke(app, ["validate", str(path)]).exit_code == 0
    over = _scenario(tmp_path, "demand:\n", f"demand:\n  weekly: [{weight * 1.01!r}, 1, 1, 1, 1, 1, 1]\n")
    refused(["validate", str(over)], "demand.weekly[0]")


def test_run_refuses_a_bad_card_file_given_as_an_override(tmp_path):
    card = tmp_path / "own.yaml"
    card.write_text(CARD.format(market="US", rate="1e300"), encoding="utf-8")
    refused(["run", str(SMALL), "-q", "--set", f"pricing.rate_card={card}"], "own.yaml", "line 11",
            "rates.outbound_segment")
    if Path("/dev/zero").exists():
        refused(["run", str(SMALL), "-q", "--set", "pricing.rate_card=/dev/zero"], "/dev/zero", "larger than")
