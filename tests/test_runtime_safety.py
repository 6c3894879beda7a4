"""Runs that clean up after themselves: pool workers end when the run is
killed outright, the size check respects the process's own memory limits,
and ``--out`` folders get their parents made and keep what a user made in
them and their permission bits."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chansim.cli import app
from chansim.errors import InputError
from chansim.runtime import memory
from chansim.runtime.outdir import MARKER, staged_dir
from chansim.runtime.preflight import size_problems
from chansim.scenario import load_scenario

ROOT = Path(__file__).parent.parent
SMALL = str(Path(__file__).parent / "data" / "small.yaml")
RETAIL = str(ROOT / "scenarios" / "retail-us.yaml")
FAST = ("--days", "0.1", "--replications", "1", "-q", "--log", "none")
BOUND_S = 60.0  # generous: these loops end as soon as the condition holds
runner = CliRunner()

linux_proc = pytest.mark.skipif(not sys.platform.startswith("linux") or not Path("/proc/self/stat").exists(),
                                reason="reads processes from /proc")


# ------------------------------------------------------------ pool workers
def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of ``pid``, None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    state, ppid = text[text.rindex(")") + 2:].split()[:2]
    return state, int(ppid)


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None and stat[1] == pid:
                found.append(int(entry))
    return found


def _alive(pids: list[int]) -> list[int]:
    """The processes still running (a zombie waiting to be reaped has ended)."""
    return [pid for pid in pids if (stat := _stat(pid)) is not None and stat[0] not in ("Z", "X")]


def _wait_for(condition, what: str):
    deadline = time.monotonic() + BOUND_S
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


def _kill_and_watch(parent: subprocess.Popen, workers: int) -> list[int]:
    """SIGKILL ``parent`` once it has ``workers`` children; the children still alive after a generous wait."""
    def started() -> list[int]:
        assert parent.poll() is None, parent.communicate()[1]  # ended before its workers were seen
        kids = _children(parent.pid)
        return kids if len(kids) >= workers else []

    try:
        children = _wait_for(started, "the pool's workers")
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=BOUND_S)
        deadline = time.monotonic() + 30
        while _alive(children) and time.monotonic() < deadline:
            time.sleep(0.05)
        return _alive(children)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()


@linux_proc
def test_pool_workers_end_when_the_run_is_killed_outright():
    parent = subprocess.Popen([sys.executable, "-m", "chansim", "run", RETAIL, "--set", "days=7", "--workers", "2",
                               "--replications", "4", "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    left = _kill_and_watch(parent, 2)
    for pid in left:  # do not leave them behind for the next test
        os.kill(pid, signal.SIGKILL)
    assert left == []


_POOL_OFF_THE_MAIN_THREAD = textwrap.dedent(
    """
    import threading, time
    from chansim.runtime.parallel import process_pool

    def work():
        pool = process_pool(2, 2)
        for _ in range(2):
            pool.submit(time.sleep, 600)

    thread = threading.Thread(target=work, name="planner")
    thread.start()
    thread.join()
    time.sleep(600)
    """
)


@linux_proc
def test_workers_started_off_the_main_thread_still_end_with_their_parent():
    # the kernel's parent-death signal is tied to the thread that forked: here
    # the worker's own check of its parent must end it
    parent = subprocess.Popen([sys.executable, "-c", _POOL_OFF_THE_MAIN_THREAD], stderr=subprocess.PIPE)
    left = _kill_and_watch(parent, 2)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == []


def test_pool_workers_give_the_same_numbers():
    from chansim.runtime.parallel import process_pool

    with process_pool(2, 4) as pool:
        assert list(pool.map(pow, [2, 3, 4, 5], [10, 10, 10, 10])) == [1024, 59049, 1048576, 9765625]


# ------------------------------------------------------------ memory limits
def _limited(limit: int, *args: str) -> subprocess.CompletedProcess:
    import resource

    def lower() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "chansim", *args], preexec_fn=lower, env=env,
                          capture_output=True, text=True, timeout=300)


BIG = ("--set", "demand.contacts_per_day=3e6")  # about 2.6 GB for one replication


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin", reason="POSIX address-space limits")
def test_validate_and_run_refuse_what_does_not_fit_under_the_process_limit():
    limit = 2 * 1024**3
    checked = _limited(limit, "validate", SMALL, *BIG)
    assert checked.returncode == 2, checked.stdout + checked.stderr
    assert "too large to simulate" in checked.stderr and "memory" in checked.stderr
    assert "RLIMIT_AS" in checked.stderr and "Traceback" not in checked.stderr
    ran = _limited(limit, "run", SMALL, *BIG, "-q")
    assert ran.returncode == 2 and "RLIMIT_AS" in ran.stderr and "Traceback" not in ran.stderr
    small = _limited(limit, "validate", SMALL)
    assert small.returncode == 0, small.stderr
    assert small.stdout.startswith("ok:")


def test_without_a_limit_the_big_scenario_fits_a_roomy_machine():
    room = memory.memory_room()
    if room is None or room[0] * 0.8 < 3e9:
        pytest.skip("this machine has too little memory free to tell the limit apart")
    result = runner.invoke(app, ["validate", SMALL, *BIG])
    assert result.exit_code == 0, result.stderr


def _fake_cgroup(tmp_path, monkeypatch, proc_line: str, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = tmp_path / "sys" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (tmp_path / "cgroup").write_text(proc_line)
    monkeypatch.setattr(memory, "_CGROUP_ROOT", tmp_path / "sys")
    monkeypatch.setattr(memory, "_PROC_CGROUP", tmp_path / "cgroup")


def test_a_cgroup_v2_limit_counts_with_what_the_group_uses(tmp_path, monkeypatch):
    _fake_cgroup(tmp_path, monkeypatch, "0::/user.slice/job\n", {
        "memory.max": "max\n", "memory.current": "5000000000\n",
        "user.slice/memory.max": "max\n",
        "user.slice/job/memory.max": "300000000\n", "user.slice/job/memory.current": "100000000\n"})
    size, what = memory.memory_room()
    assert size == 200_000_000 and "control-group" in what


def test_the_tightest_cgroup_above_the_process_wins(tmp_path, monkeypatch):
    _fake_cgroup(tmp_path, monkeypatch, "0::/user.slice/job\n", {
        "user.slice/memory.max": "250000000\n", "user.slice/memory.current": "200000000\n",
        "user.slice/job/memory.max": "300000000\n", "user.slice/job/memory.current": "100000000\n"})
    assert memory.memory_room()[0] == 50_000_000


def test_a_cgroup_v1_limit_of_a_container_is_read(tmp_path, monkeypatch):
    # inside a container the group's own files are at the top of the mount
    _fake_cgroup(tmp_path, monkeypatch, "4:memory:/docker/abc\n0::/\n", {
        "memory/memory.limit_in_bytes": "400000000\n", "memory/memory.usage_in_bytes": "150000000\n"})
    assert memory.memory_room()[0] == 250_000_000


def test_no_cgroup_limit_leaves_the_host_figure(tmp_path, monkeypatch):
    _fake_cgroup(tmp_path, monkeypatch, "4:memory:/\n0::/\n", {
        "memory.max": "max\n", "memory/memory.limit_in_bytes": "9223372036854771712\n"})
    room = memory.memory_room()
    assert room is None or "control-group" not in room[1]


def test_the_size_check_names_the_cgroup_limit(tmp_path, monkeypatch):
    _fake_cgroup(tmp_path, monkeypatch, "0::/job\n", {
        "job/memory.max": "300000000\n", "job/memory.current": "100000000\n"})
    big = load_scenario(SMALL, {"demand.contacts_per_day": 3e5})  # about 260 MB
    [problem] = size_problems(big)
    assert "0.2 GB available under this process's control-group memory limit" in problem.message
    assert size_problems(load_scenario(SMALL)) == []


# ------------------------------------------------------------ --out folders
def write_result(out: Path, text: str = "first", *, empty: str | None = None) -> None:
    with staged_dir(out) as folder:
        (folder / "summary.json").write_text(json.dumps({"v": text}))
        if empty:
            (folder / empty).mkdir()


def test_out_creates_missing_parent_folders(tmp_path):
    out = tmp_path / "a" / "b" / "r"
    result = runner.invoke(app, ["run", SMALL, *FAST, "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert (out / MARKER).is_file() and (out / "summary.json").is_file()


def test_parents_made_for_a_result_that_failed_are_removed(tmp_path):
    out = tmp_path / "a" / "b" / "r"
    with pytest.raises(RuntimeError):
        with staged_dir(out) as folder:
            (folder / "summary.json").write_text("{}")
            raise RuntimeError("the run failed")
    assert list(tmp_path.iterdir()) == []


def test_a_file_where_a_parent_folder_should_be_is_refused(tmp_path):
    (tmp_path / "a").write_text("mine")
    result = runner.invoke(app, ["run", SMALL, *FAST, "--out", str(tmp_path / "a" / "b")])
    assert result.exit_code == 2 and "not a folder" in result.stderr and "Traceback" not in result.output
    assert (tmp_path / "a").read_text() == "mine"


def test_an_empty_folder_a_user_made_in_a_result_is_refused_and_kept(tmp_path):
    out = tmp_path / "r"
    write_result(out)
    (out / "mine" / "later").mkdir(parents=True)
    with pytest.raises(InputError) as info:
        write_result(out, "second")
    assert "the folder mine/later/" in info.value.render() and "refusing" in info.value.render()
    result = runner.invoke(app, ["run", SMALL, *FAST, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "mine/later/" in result.stderr and "refusing to overwrite" in result.stderr
    assert (out / "mine" / "later").is_dir()
    assert json.loads((out / "summary.json").read_text()) == {"v": "first"}


def test_an_empty_folder_chansim_wrote_is_listed_and_replaced(tmp_path):
    out = tmp_path / "r"
    write_result(out, "first", empty="figures")
    assert json.loads((out / MARKER).read_text())["files"] == ["figures/", "summary.json"]
    write_result(out, "second")
    assert not (out / "figures").exists()
    assert json.loads((out / "summary.json").read_text()) == {"v": "second"}


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_a_private_result_folder_stays_private_when_replaced(tmp_path):
    out = tmp_path / "r"
    write_result(out)
    out.chmod(0o700)
    write_result(out, "second")
    assert out.stat().st_mode & 0o777 == 0o700
    result = runner.invoke(app, ["run", SMALL, *FAST, "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert out.stat().st_mode & 0o777 == 0o700


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_a_new_result_folder_gets_the_usual_bits(tmp_path):
    mask = os.umask(0o027)
    try:
        write_result(tmp_path / "r")
    finally:
        os.umask(mask)
    assert (tmp_path / "r").stat().st_mode & 0o777 == 0o750
