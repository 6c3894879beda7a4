"""``--out`` folders: replaced only when chansim wrote them, never over a
user's file; symlinks followed; leftovers of killed runs cleaned; write errors
are one message with the earlier result intact."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chansim.cli import app
from chansim.errors import InputError
from chansim.runtime.outdir import MARKER, STAGING_NOTE, check_out_dir, staged_dir

SMALL = str(Path(__file__).parent / "data" / "small.yaml")
FAST = ("--days", "0.1", "--replications", "1", "-q", "--log", "none")
runner = CliRunner()


def write_result(out: Path, text: str = "first") -> None:
    with staged_dir(out) as folder:
        (folder / "summary.json").write_text(json.dumps({"v": text}))
        (folder / "sub").mkdir()
        (folder / "sub" / "figure.svg").write_text("<svg/>")


def test_marker_lists_the_files_chansim_wrote(tmp_path):
    out = tmp_path / "r"
    write_result(out)
    marker = json.loads((out / MARKER).read_text())
    assert marker["files"] == ["sub/figure.svg", "summary.json"]
    assert marker["chansim_version"] and marker["kind"] == "chansim result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]  # no temporary folder left


def test_an_earlier_result_is_replaced_whole(tmp_path):
    out = tmp_path / "r"
    write_result(out, "first")
    write_result(out, "second")
    assert json.loads((out / "summary.json").read_text()) == {"v": "second"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_a_folder_without_the_marker_is_refused_even_with_a_summary(tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    (out / "summary.json").write_text("{}")
    (out / "deck.pptx").write_text("x")
    result = runner.invoke(app, ["run", SMALL, *FAST, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "deck.pptx" in result.stderr or "summary.json" in result.stderr
    assert "refusing" in result.stderr and "Traceback" not in result.output
    assert sorted(p.name for p in out.iterdir()) == ["deck.pptx", "summary.json"]
    assert (out / "deck.pptx").read_text() == "x"


def test_a_file_a_user_added_to_a_result_is_never_deleted(tmp_path):
    out = tmp_path / "r"
    write_result(out)
    (out / "sub" / "notes.md").write_text("mine")
    with pytest.raises(InputError) as info:
        write_result(out, "second")
    assert "sub/notes.md" in info.value.render()
    assert (out / "sub" / "notes.md").read_text() == "mine"
    assert json.loads((out / "summary.json").read_text()) == {"v": "first"}
    result = runner.invoke(app, ["run", SMALL, *FAST, "--out", str(out)])
    assert result.exit_code == 2 and "sub/notes.md" in result.stderr
    assert (out / "sub" / "notes.md").read_text() == "mine"


def test_a_file_added_while_the_run_writes_is_kept(tmp_path):
    out = tmp_path / "r"
    write_result(out)
    with pytest.raises(InputError):
        with staged_dir(out) as folder:
            (folder / "summary.json").write_text("{}")
            (out / "added-meanwhile.txt").write_text("mine")
    assert (out / "added-meanwhile.txt").read_text() == "mine"
    assert json.loads((out / "summary.json").read_text()) == {"v": "first"}


def test_a_forged_or_broken_marker_is_not_trusted(tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    (out / MARKER).write_text("not json")
    (out / "thesis.docx").write_text("x")
    with pytest.raises(InputError):
        check_out_dir(out)
    assert (out / "thesis.docx").exists()


def test_a_symlinked_out_is_followed_and_the_link_kept(tmp_path):
    real = tmp_path / "real"
    link = tmp_path / "link"
    write_result(real, "first")
    link.symlink_to(real)
    write_result(link, "second")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert json.loads((real / "summary.json").read_text()) == {"v": "second"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]


def test_a_dangling_symlink_is_refused(tmp_path):
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "gone")
    with pytest.raises(InputError) as info:
        check_out_dir(link)
    assert "does not exist" in info.value.render()
    assert link.is_symlink()


def test_out_dot_inside_an_earlier_result_is_refused(tmp_path, monkeypatch):
    out = tmp_path / "r"
    write_result(out)
    monkeypatch.chdir(out)
    result = runner.invoke(app, ["run", SMALL, *FAST, "--out", "."])
    assert result.exit_code == 2 and "current folder" in result.stderr
    assert (out / "summary.json").exists()


def test_leftovers_of_a_killed_run_are_removed_but_not_a_users_folder(tmp_path):
    out = tmp_path / "r"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    leftover = tmp_path / ".r.abc123.tmp"
    leftover.mkdir()
    (leftover / STAGING_NOTE).write_text(dead.stdout)
    (leftover / "contacts.parquet").write_bytes(b"x" * 100)
    alive = tmp_path / ".r.live.tmp"
    alive.mkdir()
    (alive / STAGING_NOTE).write_text(f"{os.getpid()}\n")
    users = tmp_path / ".r.mine.tmp"  # no note: not chansim's
    users.mkdir()
    (users / "keep.txt").write_text("x")
    write_result(out)
    assert not leftover.exists()
    assert (users / "keep.txt").exists() and alive.exists()


def test_a_file_in_place_of_the_folder_is_refused(tmp_path):
    out = tmp_path / "r"
    out.write_text("mine")
    result = runner.invoke(app, ["run", SMALL, *FAST, "--out", str(out)])
    assert result.exit_code == 2 and "not a folder" in result.stderr
    assert out.read_text() == "mine"


_FULL_DISK = textwrap.dedent(
    """
    import resource, signal, sys
    from chansim.cli import main
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # main() must ignore it itself
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
    sys.argv = ["chansim", *sys.argv[1:]]
    main()
    """
)


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin", reason="POSIX file-size limits")
def test_a_full_disk_is_one_message_and_the_earlier_result_stays(tmp_path):
    out = tmp_path / "r"
    write_result(out, "first")
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    done = subprocess.run([sys.executable, "-c", _FULL_DISK, "run", SMALL, "--days", "0.25", "--replications", "1",
                           "-q", "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "size limit" in done.stderr and "nothing was changed" in done.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_a_folder_without_write_permission_is_refused(tmp_path):
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        result = runner.invoke(app, ["run", SMALL, *FAST, "--out", str(parent / "r")])
        assert result.exit_code == 2 and "cannot write" in result.stderr
    finally:
        parent.chmod(0o700)
