"""Writing the fitted scenario file (``fit --out``) without ever harming a
user's file.

An existing file is replaced only when asked to (``--force``), and never when
it is one of the export files being read (compared by device and inode, so a
symlink or a hard link to an input is refused too, ``--force`` or not). A
folder of ``--out`` that does not exist yet is made when the file is written
(after the fit, so a refused fit leaves none behind). The
text is written to a temporary file beside the target and renamed over it,
so a full disk or a killed process never leaves the file half-written: the
earlier file stays as it was. A symlinked ``--out`` is followed (the file it
points to is replaced, the link kept); a replaced file keeps its permission
bits.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path
from typing import Iterable

from chansim.errors import InputError, Problem

__all__ = ["check_scenario_out", "write_scenario_out"]


def _refused(message: str) -> InputError:
    return InputError(Problem("--out", message))


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def check_scenario_out(out: str | Path, inputs: Iterable[str | Path] = (), *, force: bool = False) -> Path:
    """The file ``--out`` writes (symlinks followed), or an :class:`InputError`
    when it may not be written: a folder, a device, one of ``inputs``, an
    existing file without ``force``, or a missing or unwritable folder."""
    out = Path(out).expanduser()
    if out.is_symlink() and not out.exists():
        raise _refused(f"{out} is a symlink to {os.readlink(out)}, which does not exist")
    target = Path(os.path.realpath(out))
    try:
        found = target.stat()
    except (FileNotFoundError, NotADirectoryError):
        found = None
    except OSError as exc:
        raise _refused(f"cannot inspect {out} ({exc.strerror or exc})") from None
    if found is not None:
        if stat.S_ISDIR(found.st_mode):
            raise _refused(f"{out} is a folder; give the scenario file to write, e.g. {out / 'fitted.yaml'}")
        if not stat.S_ISREG(found.st_mode):
            raise _refused(f"{out} is not a regular file; refusing to write to it")
        for path in inputs:
            try:
                if _same_file(found, Path(path).stat()):
                    raise _refused(f"{out} is the export file {path} being read; give another file to write "
                                   f"(--force does not replace an input)")
            except OSError:
                continue
        if not force:
            raise _refused(f"{out} exists; give --force to replace it, or another file name")
    parent = target.parent
    existing = parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent  # the folders below it are made when the file is written
    if not existing.is_dir():
        raise _refused(f"cannot write {out}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise _refused(f"cannot write in {existing}")
    return target


def write_scenario_out(out: str | Path, text: str, inputs: Iterable[str | Path] = (), *,
                       force: bool = False) -> Path:
    """Write ``text`` to ``out`` whole or not at all (temporary file, then
    rename), after :func:`check_scenario_out`."""
    target = check_scenario_out(out, inputs, force=force)
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o666 & ~_umask()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _write_error(out, exc) from None
    tmp = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as exc:
        raise _write_error(out, exc) from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return Path(out)


def _write_error(out: str | Path, exc: OSError) -> InputError:
    why = {errno.ENOSPC: "the disk is full", errno.EFBIG: "the file grew past the size limit",
           errno.EDQUOT: "the disk quota is exceeded", errno.EACCES: "permission denied",
           errno.EPERM: "permission denied", errno.EROFS: "the file system is read-only"}.get(
        exc.errno or 0, exc.strerror or str(exc))
    return _refused(f"could not write {out}: {why}; nothing was changed there")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
