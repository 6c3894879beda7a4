"""Output folders written whole or not at all, and never over a user's files.

Every command that writes an ``--out`` folder builds it in a temporary folder
beside the target (``.NAME.XXXX.tmp``) and renames it into place at the end,
so a crash never leaves a half-written result. The finished folder holds a
marker, ``.chansim-result.json``, with chansim's version, the kind of result
and the list of files chansim wrote (an empty folder listed as ``NAME/``). An
existing folder is replaced only when it holds that marker and nothing that is
not on its list: a folder chansim did not write, or one a user added a file or
a folder to (even an empty one), is refused naming the first entry chansim does
not know. Nothing a user made is deleted. The new folder keeps the permission
bits of the one it replaces (a private result stays private); a new folder
gets the usual ones (umask). Missing parent folders of ``--out`` are created,
and removed again if the result could not be written.

A symlinked ``--out`` is followed: the folder it points to is replaced and the
link is left as it was. A temporary folder left behind by a run that was
killed (it carries a ``.chansim-staging`` note with the process id) is removed
by the next run to the same ``--out`` once that process is gone. Write errors
(disk full, no permission, a file-size limit) become one :class:`InputError`;
the earlier result stays as it was.
"""

from __future__ import annotations

import errno
import glob
import json
import os
import shutil
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from chansim.errors import InputError, Problem
from chansim.version import __version__

__all__ = ["MARKER", "STAGING_NOTE", "check_out_dir", "staged_dir", "target_of", "written_files"]

#: The file that says "chansim wrote this folder, and these are its files".
MARKER = ".chansim-result.json"
#: The file that says "this temporary folder is a result being written by process N".
STAGING_NOTE = ".chansim-staging"


def target_of(out: Path) -> Path:
    """The folder ``--out`` names, symlinks followed (a dangling link is refused)."""
    out = Path(out).expanduser()
    if out.is_symlink() and not out.exists():
        raise InputError(Problem("--out", f"{out} is a symlink to {os.readlink(out)}, which does not exist"))
    return Path(os.path.realpath(out))


def written_files(folder: Path) -> list[str]:
    """Every file under ``folder`` (relative paths, sorted), the marker left
    out, and every empty folder as ``NAME/``."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        if not dirs and not files and root != str(folder):
            found.append(Path(os.path.relpath(root, folder)).as_posix() + "/")
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), folder)
            if rel != MARKER:
                found.append(Path(rel).as_posix())
        for name in dirs:
            path = os.path.join(root, name)
            if os.path.islink(path):  # os.walk does not enter linked folders: list the link itself
                found.append(Path(os.path.relpath(path, folder)).as_posix())
    return sorted(found)


def _listed(folder: Path) -> set[str] | None:
    """The files the marker in ``folder`` lists, or None if it has no readable marker."""
    marker = folder / MARKER
    try:
        if marker.is_symlink() or not marker.is_file() or marker.stat().st_size > 1_000_000:
            return None
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return set(files)


def _unknown_file(folder: Path, kind: str) -> str | None:
    """Why ``folder`` may not be replaced (None: it may)."""
    try:
        entries = written_files(folder)
    except OSError as exc:
        return f"cannot read it ({exc.strerror or exc})"
    if not entries and not (folder / MARKER).exists():
        return None
    listed = _listed(folder)
    if listed is None:
        first = entries[0] if entries else MARKER
        return (f"it is not a {kind} written by chansim (no valid {MARKER}); refusing to overwrite it "
                f"(first file: {first})")
    for entry in entries:
        if entry not in listed:
            what = "the folder " if entry.endswith("/") else ""
            return (f"it holds {what}{entry}, which chansim did not write; refusing to overwrite it "
                    f"(move it away first)")
    return None


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _remove_leftovers(target: Path) -> None:
    """Temporary folders of killed runs to ``target``: removed when their note
    names a process that is gone. Anything without the note is left alone."""
    parent = target.parent
    try:
        candidates = list(parent.glob(f".{glob.escape(target.name)}.*.tmp"))
    except OSError:
        return
    for tmp in candidates:
        note = tmp / STAGING_NOTE
        if tmp.is_symlink() or not tmp.is_dir() or not note.is_file():
            continue
        try:
            pid = int(note.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            continue
        if pid != os.getpid() and not _process_alive(pid):
            shutil.rmtree(tmp, ignore_errors=True)


def check_out_dir(out: Path, kind: str = "chansim result") -> None:
    """Refuse early (before simulating) an ``--out`` that could not be written
    or that holds something chansim did not write."""
    out = Path(out)
    target = target_of(out)
    if target.exists() and not target.is_dir():
        raise InputError(Problem("--out", f"{out} exists and is not a folder"))
    if target.is_dir():
        try:
            inside = Path.cwd().resolve().is_relative_to(target)
        except OSError:  # the current folder was deleted
            inside = False
        if inside:
            raise InputError(Problem("--out", f"{out} is the current folder or holds it; give another folder"))
        why = _unknown_file(target, kind)
        if why is not None:
            raise InputError(Problem("--out", f"{out}: {why}"))
    parent = _existing_ancestor(out, target.parent)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(Problem("--out", f"cannot write in {parent}"))


def _existing_ancestor(out: Path, folder: Path) -> Path:
    """The nearest folder at or above ``folder`` that exists (the rest are
    created when the result is written); a file on the way is refused."""
    while not folder.exists() and not folder.is_symlink() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise InputError(Problem("--out", f"cannot create {out}: {folder} exists and is not a folder"))
    return folder


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; the ones created, deepest first."""
    missing = []
    while not folder.exists() and not folder.is_symlink() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir(exist_ok=True)
    return missing


def _remove_empty(folders: list[Path]) -> None:
    for path in folders:  # deepest first; a folder something was put in meanwhile stays
        try:
            path.rmdir()
        except OSError:
            break


def _write_error(out: Path, exc: OSError) -> InputError:
    why = {errno.ENOSPC: "the disk is full", errno.EFBIG: "a file grew past the size limit",
           errno.EDQUOT: "the disk quota is exceeded", errno.EACCES: "permission denied",
           errno.EPERM: "permission denied", errno.EROFS: "the file system is read-only",
           errno.EBUSY: "the folder is busy"}.get(exc.errno or 0, exc.strerror or str(exc))
    return InputError(Problem("--out", f"could not write {out}: {why}; nothing was changed there"))


@contextmanager
def staged_dir(out: Path, kind: str = "chansim result") -> Iterator[Path]:
    """Yield an empty temporary folder; when the block ends without error it
    gets its marker and becomes ``out`` (replacing an earlier result of
    chansim's), otherwise it is removed and ``out`` is left as it was."""
    out = Path(out)
    check_out_dir(out, kind)
    target = target_of(out)
    created: list[Path] = []
    try:
        created = _make_parents(target.parent)
        _remove_leftovers(target)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    except OSError as exc:
        _remove_empty(created)
        raise _write_error(out, exc) from None
    written = False
    try:
        try:
            (tmp / STAGING_NOTE).write_text(f"{os.getpid()}\n", encoding="utf-8")
        except OSError as exc:
            raise _write_error(out, exc) from None
        yield tmp
        try:
            (tmp / STAGING_NOTE).unlink()
            marker = {"chansim_version": __version__, "kind": kind, "files": written_files(tmp)}
            (tmp / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
            # mkdtemp makes it private: a result folder gets the bits of the one it replaces, or the usual ones
            os.chmod(tmp, stat.S_IMODE(target.stat().st_mode) if target.is_dir() else 0o777 & ~_umask())
            old = None
            if target.exists():
                why = _unknown_file(target, kind)  # a file may have been added while simulating
                if why is not None:
                    raise InputError(Problem("--out", f"{out}: {why}"))
                old = target.parent / f".{target.name}.{os.getpid()}.old"
                target.rename(old)
            try:
                tmp.rename(target)
            except OSError:
                if old is not None:
                    old.rename(target)  # put the earlier result back
                raise
            written = True
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:
            raise _write_error(out, exc) from None
    except OSError as exc:
        raise _write_error(out, exc) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        if not written:
            _remove_empty(created)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
