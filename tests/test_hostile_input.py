"""Hostile input and abrupt ends: an alias bomb is refused in bounded
memory; SIGTERM, SIGHUP and SIGINT stop a run with one line, the shell's
exit code, no temporary folder and no worker left running."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Callable

import pytest

SMALL = str(Path(__file__).parent / "data" / "small.yaml")

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(8)
)  # 10^9 values once expanded, in about 400 bytes


def test_an_alias_bomb_is_refused_in_bounded_memory(tmp_path):
    file = tmp_path / "bomb.yaml"
    file.write_text(BOMB)
    assert len(BOMB) < 600
    code = textwrap.dedent(
        f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))
        from chansim.cli import main
        sys.argv = ["chansim", "validate", {str(file)!r}]
        main()
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "alias bomb" in done.stderr and "Traceback" not in done.stderr


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _read_until(fd: int, seen: str, done: Callable[[str], bool], deadline: float) -> str:
    """What a terminal shows, read from its master side until ``done(text)``
    or the other side is closed (or, if something is wrong, the deadline)."""
    while not done(seen) and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: every writer has closed the terminal
            break
        if not chunk:
            break
        seen += chunk.decode("utf-8", "replace")
    return seen


def _plain(text: str) -> str:
    """Terminal output without its control sequences and redrawn lines."""
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.splitlines())


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the workers")
@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)])
def test_a_signal_stops_the_run_cleanly(tmp_path, signum, code):
    out = tmp_path / "r"
    master, terminal = pty.openpty()  # stderr on a terminal: the run shows its progress line there
    try:
        run = subprocess.Popen(
            [sys.executable, "-m", "chansim", "run", SMALL, "--days", "3", "--replications", "4", "--workers", "2",
             "--out", str(out)],
            stdout=subprocess.PIPE, stderr=terminal, text=True, start_new_session=True,
        )
        os.close(terminal)
        deadline = time.monotonic() + 120  # only a run that never gets going waits this long
        # ready: the progress line counts the first replication done, so the pool is up and simulating
        shown = _read_until(master, "", lambda text: re.search(r"\b[1-9]\d*/12\b", text) is not None, deadline)
        assert re.search(r"\b[1-9]\d*/12\b", shown), _plain(shown)
        workers = _children(run.pid)
        assert workers, "the run started no worker"
        os.kill(run.pid, signum)
        shown = _read_until(master, shown, lambda text: False, deadline)
        run.communicate(timeout=max(deadline - time.monotonic(), 1))
    finally:
        os.close(master)
    err = _plain(shown)
    assert run.returncode == code, err
    lines = [line for line in err.splitlines() if line.strip() and "simulating" not in line]
    assert lines == [f"stopped by {signal.Signals(signum).name}: no result written"], err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # neither the result nor its temporary folder
    alive = workers
    while alive and time.monotonic() < deadline:  # stopped workers are gone once the system has reaped them
        alive = [pid for pid in alive if Path(f"/proc/{pid}").exists()
                 and (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z")]
        if alive:
            time.sleep(0.1)
    assert alive == []
