"""Hostile input and abrupt ends: an alias bomb is refused in bounded
memory; SIGTERM, SIGHUP and SIGINT stop a run with one line, the shell's
exit code, no temporary folder and no worker left running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

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


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the workers")
@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)])
def test_a_signal_stops_the_run_cleanly(tmp_path, signum, code):
    out = tmp_path / "r"
    run = subprocess.Popen(
        [sys.executable, "-m", "chansim", "run", SMALL, "--days", "3", "--replications", "4", "--workers", "2",
         "-q", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(_children(run.pid)) < 2:  # the pool's workers have started
        time.sleep(0.1)
    workers = _children(run.pid)
    assert workers, "the run started no worker"
    time.sleep(0.5)
    os.kill(run.pid, signum)
    _, err = run.communicate(timeout=60)
    assert run.returncode == code, err
    assert err.strip().count("\n") == 0 and signal.Signals(signum).name in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # neither the result nor its temporary folder
    time.sleep(0.5)
    alive = [pid for pid in workers if Path(f"/proc/{pid}").exists()
             and (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z")]
    assert alive == []
