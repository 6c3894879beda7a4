"""Output directories written whole or not at all.

Every command that writes an ``--out`` directory builds it in a temporary
directory beside the target and renames it into place at the end, so a crash
never leaves a half-written result. An existing directory is replaced only if
it holds an earlier result of the same kind (its ``marker`` file), and only
once the new one is complete.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from chansim.errors import InputError, Problem

__all__ = ["check_out_dir", "staged_dir"]


def check_out_dir(out: Path, marker: str, kind: str = "chansim result") -> None:
    """Refuse early (before simulating) an ``--out`` that could not be written."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(Problem("--out", f"{out} exists and is not a directory"))
    if out.is_dir() and any(out.iterdir()) and not (out / marker).exists():
        raise InputError(Problem("--out", f"{out} is not empty and is not a {kind}; refusing to overwrite it"))
    parent = out.resolve().parent
    if not parent.is_dir():
        raise InputError(Problem("--out", f"{parent} does not exist"))
    if not os.access(parent, os.W_OK):
        raise InputError(Problem("--out", f"cannot write in {parent}"))


@contextmanager
def staged_dir(out: Path, marker: str, kind: str = "chansim result") -> Iterator[Path]:
    """Yield an empty temporary directory; when the block ends without error it
    becomes ``out`` (replacing an earlier result), otherwise it is removed."""
    out = Path(out)
    check_out_dir(out, marker, kind)
    parent = out.resolve().parent
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=parent))
    try:
        yield tmp
        old = None
        if out.exists():
            old = parent / f".{out.name}.{os.getpid()}.old"
            out.rename(old)
        tmp.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
