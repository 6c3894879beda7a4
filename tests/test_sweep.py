"""chansim sweep / chansim.studies.sweep: axis parsing, the grid, common random
numbers across points, determinism under --workers, and the --out files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import chansim
from chansim.cli import app
from chansim.errors import InputError
from chansim.kpis.table import KPI_KEYS
from chansim.report.sweep_files import SWEEP_FILES
from chansim.studies.sweep import grid, kpi_columns, parse_axes, parse_axis, sweep
from chansim.runtime.outdir import MARKER

SMALL = str(Path(__file__).parent / "data" / "small.yaml")
runner = CliRunner()
HEADCOUNT = "agents.pools.phones.headcount"
# a quarter of a day, 2 replications: each point takes a fraction of a second
FAST = {"days": 0.25, "replications": 2}


@pytest.fixture(scope="module")
def small() -> chansim.Scenario:
    return chansim.load_scenario(SMALL, FAST)


def invoke(*args: str):
    return runner.invoke(app, ["sweep", SMALL, *args])


# ---------------------------------------------------------------- parsing
@pytest.mark.parametrize(
    "text, values",
    [
        ("k=1..5:2", [1, 3, 5]),
        ("k=1..6:2", [1, 3, 5]),
        ("k=8..10", [8, 9, 10]),
        ("k=3..3", [3]),
        ("k=0.1..0.3:0.1", [0.1, 0.2, 0.3]),
        ("k = 0 .. 1 : 0.25", [0.0, 0.25, 0.5, 0.75, 1.0]),
        ("k=-2..2:2", [-2, 0, 2]),
        ("k=1,2,3", [1, 2, 3]),
        ("k=0.5,true,abc", [0.5, True, "abc"]),
        ("k=7", [7]),
        ("k=[1,2,3]", [[1, 2, 3]]),
        ("k=[1,2],[3,4]", [[1, 2], [3, 4]]),
        ("k={a: 1, b: 2},{a: 3}", [{"a": 1, "b": 2}, {"a": 3}]),
        ("k='a,b',c", ["a,b", "c"]),
    ],
)
def test_parse_axis(text, values):
    key, parsed = parse_axis(text)
    assert key == "k" and parsed == values
    assert [type(v) for v in parsed] == [type(v) for v in values]


@pytest.mark.parametrize(
    "text, message",
    [
        ("k", "not key=value"),
        ("k=", "no value"),
        ("=1,2", "not a dotted path"),
        ("a..b=1", "not a dotted path"),
        ("k=5..1", "below its start"),
        ("k=1..5:0", "step must be > 0"),
        ("k=1..5:-1", "step must be > 0"),
        ("k=1..5:", "step is missing"),
        ("k=1..5:x", "not a number"),
        ("k=a..b", "not a range"),
        ("k=1..", "not a range"),
        ("k=1,,2", "empty value"),
        ("k=1,[2", "not valid YAML"),
        ("k=0..1000000", "too many"),
    ],
)
def test_bad_axes_are_input_errors(text, message):
    with pytest.raises(InputError, match=message):
        parse_axis(text)


def test_a_key_given_twice_is_an_error():
    with pytest.raises(InputError, match="given twice"):
        parse_axes(["k=1,2", "k=3"])
    assert parse_axes(["a=1,2", "b=0..1:0.5"]) == {"a": [1, 2], "b": [0.0, 0.5, 1.0]}


def test_grid_is_every_combination_first_axis_slowest():
    points = grid({"a": [1, 2], "b": ["x", "y", "z"]})
    assert len(points) == 6
    assert points[:3] == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "z"}]


# ---------------------------------------------------------------- sweeping
def test_one_row_per_point_and_strategy(small):
    axes = {HEADCOUNT: [8, 10], "demand.contacts_per_day": [2000, 2500, 3000]}
    frame = sweep(small, axes, strategies=["today"])
    assert len(frame) == 2 * 3
    assert list(frame.columns) == [HEADCOUNT, "demand.contacts_per_day", "strategy"] + kpi_columns()
    assert set(KPI_KEYS) <= set(frame.columns) and {f"{k}_ci95" for k in KPI_KEYS} <= set(frame.columns)
    assert list(frame[HEADCOUNT]) == [8] * 3 + [10] * 3
    assert list(frame["demand.contacts_per_day"]) == [2000, 2500, 3000] * 2
    two = sweep(small, {"demand.contacts_per_day": [2000, 3000]}, strategies=["today", "sms-instead"])
    assert len(two) == 2 * 2 and list(two["strategy"]) == ["today", "sms-instead"] * 2
    # more demand brings more contacts; more phone agents answer voice sooner
    today = frame[frame.strategy == "today"]
    assert today.groupby("demand.contacts_per_day")["contacts"].mean().is_monotonic_increasing
    assert (today[today[HEADCOUNT] == 10]["asa_s"].to_numpy() <= today[today[HEADCOUNT] == 8]["asa_s"].to_numpy()).all()


def test_common_random_numbers_a_point_equal_to_the_base_gives_the_base(small):
    base = chansim.simulate(small, ["today"], keep_log=False).strategies[0]
    frame = sweep(small, {HEADCOUNT: [9, 12]}, strategies=["today"])  # the file has 9
    row = frame[frame[HEADCOUNT] == 9].iloc[0]
    for key in KPI_KEYS:
        expected = base.kpis[key]
        assert (pd.isna(row[key]) and expected is None) or row[key] == pytest.approx(expected), key
    # same customers at every point: the arrivals do not depend on staffing
    assert frame["contacts"].nunique() == 1


def test_workers_give_identical_rows(small):
    axes = {HEADCOUNT: [8, 9, 10], "agents.pools.digital.concurrency": [2, 3]}
    one = sweep(small, axes, strategies=["today"], workers=1)
    two = sweep(small, axes, strategies=["today"], workers=2)
    pd.testing.assert_frame_equal(one, two)


def test_sweeping_a_schedule_replaces_the_headcount(small):
    quiet, busy = [2] * 24, [6] * 24
    frame = sweep(small, {"agents.pools.digital.schedule": [quiet, busy]}, strategies=["today"])
    assert [list(v) for v in frame["agents.pools.digital.schedule"]] == [quiet, busy]
    assert frame["asa_s"].iloc[1] <= frame["asa_s"].iloc[0]


def test_bad_points_are_refused_before_simulating(small):
    with pytest.raises(InputError, match=r"sweep point .*headcount=-1"):
        sweep(small, {HEADCOUNT: [8, -1]})
    with pytest.raises(InputError, match="no strategy named"):
        sweep(small, {HEADCOUNT: [8]}, strategies=["nope"])
    with pytest.raises(InputError, match="non-empty"):
        sweep(small, {HEADCOUNT: []})


# ---------------------------------------------------------------- the command
def test_sweep_json_and_csv():
    args = ["--set", f"{HEADCOUNT}=8..9", "--set", "days=0.25", "--replications", "2", "-s", "today", "-q"]
    doc = invoke(*args, "--format", "json")
    assert doc.exit_code == 0, doc.stderr
    rows = json.loads(doc.stdout)["rows"]
    assert [r[HEADCOUNT] for r in rows] == [8, 9] and all(r["days"] == 0.25 for r in rows)
    assert set(KPI_KEYS) <= set(rows[0])
    table = invoke(*args, "--format", "csv")
    assert table.exit_code == 0, table.stderr
    frame = pd.read_csv(__import__("io").StringIO(table.stdout))
    assert len(frame) == 2 and frame["contacts"].tolist() == [r["contacts"] for r in rows]
    shown = invoke(*args, "--kpi", "service_level")
    assert shown.exit_code == 0 and "service_level" in shown.stdout


def test_sweep_out_writes_data_and_a_figure(tmp_path):
    out = tmp_path / "sweep"
    result = invoke("--set", f"{HEADCOUNT}=8,10", "--set", "demand.contacts_per_day=2000,3000", "--set", "days=0.25",
                    "--replications", "2", "-s", "today", "-s", "more-phones", "--kpi", "asa_s", "--out", str(out), "-q")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(SWEEP_FILES + (MARKER,))
    assert (out / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "sweep.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
    svg = (out / "sweep.svg").read_text()
    assert HEADCOUNT in svg and "asa_s" in svg  # labelled axes
    assert len(json.loads((out / "sweep.json").read_text())["rows"]) == 8 == len(pd.read_csv(out / "sweep.csv"))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary directory left behind"
    # an earlier sweep is replaced; a directory that is not a sweep is not
    again = invoke("--set", f"{HEADCOUNT}=8", "--set", "days=0.25", "--replications", "2", "-s", "today",
                   "--out", str(out), "-q")
    assert again.exit_code == 0 and len(pd.read_csv(out / "sweep.csv")) == 1
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    refused = invoke("--set", f"{HEADCOUNT}=8", "--out", str(other), "-q")
    assert refused.exit_code == 2 and "refusing" in refused.stderr
    assert (other / "notes.txt").read_text() == "keep me"


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "at least one key"),
        (["--set", f"{HEADCOUNT}=10..8"], "below its start"),
        (["--set", f"{HEADCOUNT}=8..10:0"], "step must be > 0"),
        (["--set", f"{HEADCOUNT}=8,,9"], "empty value"),
        (["--set", f"{HEADCOUNT}"], "not key=value"),
        (["--set", f"{HEADCOUNT}=8,-1"], "headcount"),
        (["--set", "agents.pools.nope.headcount=8"], "nope"),
        (["--set", f"{HEADCOUNT}=8", "--kpi", "speed"], "no KPI named"),
        (["--set", f"{HEADCOUNT}=8", "--strategy", "nope"], "no strategy"),
    ],
)
def test_sweep_bad_input_exits_2(args, message):
    result = invoke(*args, "-q")
    assert result.exit_code == 2, result.stdout
    assert message in result.stderr and "Traceback" not in result.stderr
