"""How much of the event log a run keeps (--log messages|contacts|none) and
the log streamed to Parquet as replications finish: the same tables as an
in-memory run, the same bytes for any worker count."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import chansim
from chansim.cli import app
from chansim.engine import EventLog
from chansim.errors import InputError
from chansim.runtime.logfiles import ParquetLog
from chansim.runtime.outdir import MARKER

SMALL = str(Path(__file__).parent / "data" / "small.yaml")
FAST = {"days": 0.25, "replications": 2}
FAST_ARGS = ["--days", "0.25", "--replications", "2"]
TABLES = ("contacts", "messages", "staffing")
runner = CliRunner()


@pytest.fixture(scope="module")
def small() -> chansim.Scenario:
    return chansim.load_scenario(SMALL, FAST)


@pytest.fixture(scope="module")
def in_memory(small) -> chansim.RunResult:
    return chansim.simulate(small, log="messages")


def run_out(out: Path, *args: str):
    result = runner.invoke(app, ["run", SMALL, "-q", "--format", "json", *FAST_ARGS, "--out", str(out), *args])
    assert result.exit_code == 0, result.stderr
    return result


def parquet_files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.suffix == ".parquet"}


# ----------------------------------------------------------------- library
def test_log_levels_keep_what_they_say(small, in_memory):
    contacts = chansim.simulate(small, log="contacts")
    assert contacts.log_level == "contacts"
    pd.testing.assert_frame_equal(contacts.contacts, in_memory.contacts)
    pd.testing.assert_frame_equal(contacts.staffing, in_memory.staffing)
    assert contacts.messages.empty and list(contacts.messages.columns) == list(in_memory.messages.columns)
    assert chansim.simulate(small, log="none").log is None
    assert contacts.to_dict()["strategies"] == in_memory.to_dict()["strategies"]


def test_keep_log_is_still_understood(small):
    assert chansim.simulate(small, ["today"], keep_log=False).log is None
    assert chansim.simulate(small, ["today"], keep_log=True).log_level == "messages"
    with pytest.raises(InputError, match="--log"):
        chansim.simulate(small, ["today"], log="contacts", keep_log=True)
    with pytest.raises(InputError, match="--log: 'all' is not a log level"):
        chansim.simulate(small, ["today"], log="all")


def test_on_log_gets_every_replication_in_task_order(small, in_memory):
    seen: list[tuple[str, int]] = []
    logs: list[EventLog] = []

    def keep(strategy: str, replication: int, log: EventLog) -> None:
        seen.append((strategy, replication))
        logs.append(log)

    result = chansim.simulate(small, log="messages", on_log=keep, workers=2)
    assert result.log is None
    assert seen == [(s, r) for s in small.strategy_names for r in range(2)]
    pd.testing.assert_frame_equal(EventLog.concat(logs).messages, in_memory.messages)


def test_small_row_groups_hold_the_same_table(tmp_path, small, in_memory):
    with ParquetLog(tmp_path, "messages", small.strategy_names, row_group_rows=1000) as sink:
        chansim.simulate(small, on_log=sink)
    for name in TABLES:
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / f"{name}.parquet"), getattr(in_memory, name))
    groups = pq.ParquetFile(tmp_path / "messages.parquet").metadata
    assert groups.num_row_groups > 1
    sizes = [groups.row_group(i).num_rows for i in range(groups.num_row_groups)]
    assert all(n == 1000 for n in sizes[:-1]) and 0 < sizes[-1] <= 1000


# --------------------------------------------------------------------- CLI
def test_streamed_files_equal_the_in_memory_log(tmp_path, in_memory):
    out = tmp_path / "run"
    printed = json.loads(run_out(out).stdout)
    assert parquet_files(out) == {"contacts.parquet", "messages.parquet", "staffing.parquet", "costs.parquet"}
    for name in TABLES:
        stored = pd.read_parquet(out / f"{name}.parquet")
        pd.testing.assert_frame_equal(stored, getattr(in_memory, name))
        # the same schema as a DataFrame.to_parquet of the whole table
        getattr(in_memory, name).to_parquet(tmp_path / f"{name}.parquet", index=False)
        assert pq.read_schema(out / f"{name}.parquet").equals(pq.read_schema(tmp_path / f"{name}.parquet"))
    pd.testing.assert_frame_equal(pd.read_parquet(out / "costs.parquet"), in_memory.costs)
    summary = json.loads((out / "summary.json").read_text())
    summary.pop("run_time_s"), printed.pop("run_time_s")
    assert summary == printed


def test_two_workers_write_the_same_files_as_one(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    run_out(one, "--workers", "1")
    run_out(two, "--workers", "2")
    for name in TABLES + ("costs",):
        pd.testing.assert_frame_equal(pd.read_parquet(one / f"{name}.parquet"), pd.read_parquet(two / f"{name}.parquet"))
        assert (one / f"{name}.parquet").read_bytes() == (two / f"{name}.parquet").read_bytes()


def test_log_contacts_writes_no_messages(tmp_path, in_memory):
    out = tmp_path / "run"
    run_out(out, "--log", "contacts", "--workers", "2")
    assert parquet_files(out) == {"contacts.parquet", "staffing.parquet", "costs.parquet"}
    pd.testing.assert_frame_equal(pd.read_parquet(out / "contacts.parquet"), in_memory.contacts)
    reprice = runner.invoke(app, ["reprice", str(out), "--markup", "0.2"])
    assert reprice.exit_code == 2 and "--log messages" in reprice.stderr


def test_log_none_writes_summaries_and_costs_only(tmp_path):
    out = tmp_path / "run"
    run_out(out, "--log", "none")
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "costs.parquet", "replications.csv", "report.html",
                                                     "scenario.yaml", "summary.csv", "summary.json"]


def test_a_bad_log_value_exits_2_and_writes_nothing(tmp_path):
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", SMALL, "-q", "--out", str(out), "--log", "everything"])
    assert result.exit_code == 2
    assert "--log" in result.stderr and "Traceback" not in result.output
    assert not out.exists() and not list(tmp_path.iterdir())
