"""The ``--study`` file, looked at before optuna may write to it: a new or
empty file, or an SQLite database holding only optuna's tables. Anything
else (another program's database, a text file, a device, a folder) is
refused with nothing written to it and no more read than its header.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path
from urllib.parse import quote

from chansim.errors import InputError, Problem

__all__ = ["check_study_file"]

#: The first 16 bytes of every SQLite database file.
SQLITE_HEADER = b"SQLite format 3\x00"

#: Tables every optuna study database holds.
OPTUNA_CORE_TABLES = frozenset({"studies", "trials", "version_info", "alembic_version"})


def _optuna_table(name: str) -> bool:
    """Whether ``name`` is one of optuna's tables (or SQLite's own)."""
    return (name in OPTUNA_CORE_TABLES or name.startswith(("study_", "trial_", "sqlite_")))


def check_study_file(path: str | Path) -> None:
    """Raise :class:`InputError` on ``--study`` unless ``path`` is a new file in
    an existing folder, an empty file, or an SQLite database whose tables are
    exactly optuna's. Only opens the file read-only, and reads only its
    16-byte header unless that header is SQLite's."""
    path = Path(path)
    shown = repr(str(path))
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if not path.parent.is_dir():
            raise InputError(Problem("--study", f"no folder {str(path.parent)!r} to keep the study in")) from None
        return
    except OSError as exc:
        raise InputError(Problem("--study", f"cannot read {shown}: {exc.strerror or exc}")) from None
    if not stat.S_ISREG(info.st_mode):
        what = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise InputError(Problem("--study", f"{shown} is {what}; give an SQLite file to keep the study in"))
    if info.st_size == 0:
        return
    try:
        with open(path, "rb") as f:
            header = f.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise InputError(Problem("--study", f"cannot read {shown}: {exc.strerror or exc}")) from None
    if header != SQLITE_HEADER:
        raise InputError(Problem("--study", f"{shown} is not an SQLite database (an optuna study file); "
                                 "refusing to write to it"))
    tables = _tables(path, shown)
    foreign = [t for t in tables if not _optuna_table(t)]
    if tables and (foreign or not OPTUNA_CORE_TABLES <= set(tables)):
        listed = ", ".join(foreign or tables)
        raise InputError(Problem("--study", f"{shown} is not an optuna study database (it holds tables {listed}); "
                                 "refusing to write to it"))


def _tables(path: Path, shown: str) -> list[str]:
    """The names of the tables and views in the SQLite file, read without writing."""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        db = sqlite3.connect(uri, uri=True)
        try:
            rows = db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name")
            return [name for (name,) in rows]
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise InputError(Problem("--study", f"{shown} is not a readable SQLite database ({exc}); "
                                 "refusing to write to it")) from None
