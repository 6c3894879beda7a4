"""Executors: a Dask cluster gives exactly the numbers of one process, for
runs, the command line and sweeps, even when a worker is lost mid-study;
results stream back with a bounded number of tasks in flight; bad executor
options are refused clearly."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import chansim
from chansim.cli import app
from chansim.errors import InputError
from chansim.runtime.parallel import SerialExecutor, executor, ordered_results
from chansim.report import to_json
from chansim.studies.sweep import sweep

distributed = pytest.importorskip("distributed")

SMALL = str(Path(__file__).parent / "data" / "small.yaml")
FAST = {"days": 0.25, "replications": 2}
FAST_ARGS = ["--days", "0.25", "--replications", "2"]
runner = CliRunner()


@pytest.fixture(scope="module")
def cluster():
    # threads in this process: starts in a fraction of a second; the results travel as with any cluster
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as local:
        yield local


@pytest.fixture(scope="module")
def small() -> chansim.Scenario:
    return chansim.load_scenario(SMALL, FAST)


def _doc(result) -> dict:
    doc = json.loads(to_json(result))
    doc.pop("run_time_s")
    return doc


def _run_json(*args: str) -> dict:
    result = runner.invoke(app, ["run", SMALL, "--format", "json", "-q", *FAST_ARGS, *args])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    doc.pop("run_time_s")
    return doc


def test_simulate_on_dask_equals_one_process(cluster, small):
    done = []
    on_dask = chansim.simulate(small, executor="dask", scheduler=cluster.scheduler_address,
                               progress=lambda d, t: done.append((d, t)))
    alone = chansim.simulate(small, workers=1)
    assert _doc(on_dask) == _doc(alone)
    pd.testing.assert_frame_equal(on_dask.contacts, alone.contacts)
    pd.testing.assert_frame_equal(on_dask.messages, alone.messages)
    pd.testing.assert_frame_equal(on_dask.costs, alone.costs)
    assert done == [(i, 6) for i in range(1, 7)]  # 3 strategies × 2 replications


def test_cli_run_on_dask_equals_one_worker(cluster):
    assert _run_json("--executor", "dask", "--scheduler", cluster.scheduler_address) == _run_json("--workers", "1")


def test_cli_run_on_a_local_dask_cluster_equals_one_worker():
    started = _run_json("--executor", "dask-local", "--workers", "1", "-s", "today")
    assert started == _run_json("--workers", "1", "-s", "today")


def test_sweep_on_dask_equals_one_process(cluster, small):
    axes = {"agents.pools.phones.headcount": [8, 10]}
    on_dask = sweep(small, axes, strategies=["today"], executor="dask", scheduler=cluster.scheduler_address)
    alone = sweep(small, axes, strategies=["today"], workers=1)
    pd.testing.assert_frame_equal(on_dask, alone)


def test_an_open_executor_is_used_as_is(cluster, small):
    with executor(kind="dask", scheduler=cluster.scheduler_address) as pool:
        first = chansim.simulate(small, ["today"], executor=pool, log="none")
        second = chansim.simulate(small, ["today"], executor=pool, log="none")
    assert _doc(first) == _doc(second) == _doc(chansim.simulate(small, ["today"], log="none"))


def test_results_come_back_in_task_order_with_a_bounded_window(cluster):
    import time

    def slow_first(i: int) -> int:
        time.sleep(0.2 if i == 0 else 0.0)
        return i * i

    with executor(kind="dask", scheduler=cluster.scheduler_address) as pool:
        assert list(ordered_results(pool, slow_first, [(i,) for i in range(8)], window=3)) == [i * i for i in range(8)]
    assert list(ordered_results(SerialExecutor(), slow_first, [(i,) for i in range(4)])) == [0, 1, 4, 9]


@pytest.mark.parametrize(
    "args, field",
    [
        (["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler"),
        (["--executor", "dask-local", "--scheduler", "tcp://127.0.0.1:8786"], "--scheduler"),
        (["--executor", "dask"], "--scheduler"),
        (["--executor", "dask", "--scheduler", "not an address"], "--scheduler"),
        (["--executor", "threads"], "--executor"),
    ],
)
@pytest.mark.parametrize("command", ["run", "compare", "sweep", "staff", "check"])
def test_bad_executor_options_exit_2_naming_the_option(command, args, field, tmp_path):
    extra = {"sweep": ["--set", "agents.pools.phones.headcount=8,9"],
             "staff": ["--pool", "phones", "--target", "service_level>=0.8"],
             "check": ["--baselines", str(tmp_path)]}.get(command, [])
    result = runner.invoke(app, [command, SMALL, "-q", *extra, *args])
    assert result.exit_code == 2, result.output
    assert field in result.stderr
    assert "Traceback" not in result.output
    assert not list(tmp_path.iterdir())


def test_an_unreachable_scheduler_exits_2(monkeypatch):
    monkeypatch.setattr("chansim.runtime.parallel.DASK_CONNECT_TIMEOUT_S", 0.5)
    result = runner.invoke(app, ["run", SMALL, "-q", "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2
    assert "--scheduler" in result.stderr and "cannot reach" in result.stderr


def test_without_dask_installed_the_message_says_what_to_install(monkeypatch, small):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now raises ImportError
    with pytest.raises(InputError, match=r"install chansim\[dask\]"):
        chansim.simulate(small, executor="dask-local")
    result = runner.invoke(app, ["run", SMALL, "-q", "--executor", "dask-local"])
    assert result.exit_code == 2 and "install chansim[dask]" in result.stderr


def test_staff_and_check_on_dask_equal_one_process(cluster, small, tmp_path):
    from chansim.studies.check.regression import check
    from chansim.studies.staffing.search import find_staffing

    address = cluster.scheduler_address
    on_dask = find_staffing(small, ["phones"], ["service_level>=0.7"], executor="dask", scheduler=address)
    alone = find_staffing(small, ["phones"], ["service_level>=0.7"])
    assert on_dask.pools["phones"] == alone.pools["phones"] and on_dask.evaluations == alone.evaluations
    scenario = tmp_path / "small.yaml"
    scenario.write_text(Path(SMALL).read_text().replace("days: 0.5", "days: 0.25").replace("replications: 3",
                                                                                       "replications: 2"))
    check([scenario], baselines=tmp_path, update=True)
    assert check([scenario], baselines=tmp_path, executor="dask", scheduler=address).passed


def test_a_local_dask_cluster_has_one_worker_per_core_unless_told():
    import os

    from chansim.runtime.parallel import capacity

    with executor(None, "dask-local") as pool:
        assert capacity(pool) == (os.cpu_count() or 1)
    with executor(1, "dask-local") as pool:
        assert capacity(pool) == 1
    with executor(None, "processes") as pool:
        assert isinstance(pool, SerialExecutor)


def test_a_worker_lost_mid_study_changes_no_number(small):
    """Two worker processes; once the first replication has come back, the
    process of a worker that holds a task is killed outright. The task is run
    again on a worker that is left (or the one restarted in its place) and
    the study ends with the numbers of one process."""
    import os
    import signal

    scenario = small.model_copy(update={"replications": 4})
    killed: list[tuple[int, int, int]] = []  # (pid, tasks it held, replications done by then)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as local, \
            distributed.Client(local, set_as_default=False) as watcher:

        def kill_a_busy_worker(done: int, total: int) -> None:
            if killed:
                return
            busy = {address: keys for address, keys in watcher.processing().items() if keys}
            assert busy, "no worker holds a task although the study is not over"
            address = sorted(busy)[0]
            pid = watcher.run(os.getpid, workers=[address])[address]
            os.kill(pid, signal.SIGKILL)
            killed.append((pid, len(busy[address]), done))

        on_dask = chansim.simulate(scenario, executor="dask", scheduler=local.scheduler_address,
                                   progress=kill_a_busy_worker)
        left = set(watcher.run(os.getpid).values())
    alone = chansim.simulate(scenario, workers=1)
    [(pid, held, done)] = killed
    assert held >= 1 and done < 12  # a worker holding work was lost before the study was over
    assert pid not in left
    assert _doc(on_dask) == _doc(alone)
    pd.testing.assert_frame_equal(on_dask.replication_kpis, alone.replication_kpis)
    pd.testing.assert_frame_equal(on_dask.contacts, alone.contacts)
    pd.testing.assert_frame_equal(on_dask.costs, alone.costs)


def test_on_dask_results_stream_back_with_a_bounded_number_in_flight(cluster):
    from chansim.runtime.parallel import DASK_IN_FLIGHT_PER_THREAD

    with executor(kind="dask", scheduler=cluster.scheduler_address) as pool:
        submitted = []
        submit = pool.submit
        pool.submit = lambda fn, *args: submitted.append(args) or submit(fn, *args)
        results = ordered_results(pool, pow, [(i, 2) for i in range(30)])
        assert next(results) == 0
        assert len(submitted) == DASK_IN_FLIGHT_PER_THREAD * 2  # two worker threads: the rest waits its turn
        assert list(results) == [i * i for i in range(1, 30)]
        assert submitted == [(i, 2) for i in range(30)]


def _fails_the_first_time(marker: str, value: int) -> int:
    path = Path(marker)
    if not path.exists():
        path.write_text("failed once")
        raise OSError("a passing failure")
    return value


def test_on_dask_a_task_that_fails_once_is_tried_again(cluster, tmp_path):
    marker = str(tmp_path / "failed")
    with executor(kind="dask", scheduler=cluster.scheduler_address) as pool:
        assert list(ordered_results(pool, _fails_the_first_time, [(marker, 7)])) == [7]
    assert Path(marker).exists()
