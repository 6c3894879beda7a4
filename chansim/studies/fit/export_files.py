"""Opening an export file safely: a regular file, text for CSV (no NUL
bytes), and small enough to read in the memory there is.

Reading a CSV export takes about :data:`BYTES_PER_FILE_BYTE` times the file's
size in memory (a 1,000,000-row contact record file of 72 MB peaks near
650 MB), so a file is refused, before it is read, when that estimate exceeds
the memory this process may still use (:func:`chansim.runtime.memory.memory_room`),
and always beyond :data:`MAX_EXPORT_BYTES`. A device (``/dev/zero``), a
FIFO or a folder is refused without reading from it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from chansim.errors import InputError, Problem
from chansim.runtime.memory import memory_room

__all__ = ["check_export_file", "MAX_EXPORT_BYTES", "BYTES_PER_FILE_BYTE"]

#: The largest export file read (bytes), whatever the memory.
MAX_EXPORT_BYTES = 4_000_000_000
#: Memory needed per byte of a CSV export while it is read and fitted (an estimate, on the high side).
BYTES_PER_FILE_BYTE = 12
_SNIFF = 65_536


def _gb(n: float) -> str:
    return f"{n / 1e9:,.2f} GB" if n >= 1e8 else f"{n / 1e6:,.0f} MB"


def check_export_file(path: str | Path, *, csv: bool = True) -> None:
    """Refuse (:class:`InputError` naming the file) an export that is
    missing, not a regular file, binary (CSV), or too large to read."""
    label = str(path)

    def refused(message: str) -> InputError:
        return InputError(Problem("", message), source=label)

    try:
        found = os.stat(path)
    except FileNotFoundError:
        raise refused("no such file") from None
    except OSError as exc:
        raise refused(f"cannot read it ({exc.strerror or exc})") from None
    if stat.S_ISDIR(found.st_mode):
        raise refused("it is a folder; give the export files in it")
    if not stat.S_ISREG(found.st_mode):
        raise refused("not a regular file (a device, pipe or socket); give a CSV or Parquet export file")
    size = found.st_size
    if size > MAX_EXPORT_BYTES:
        raise refused(f"the file is {_gb(size)}, larger than the {_gb(MAX_EXPORT_BYTES)} an export may be; "
                      f"split it (e.g. by month) or give a shorter period")
    room = memory_room()
    need = size * BYTES_PER_FILE_BYTE
    if room is not None and need > room[0]:
        raise refused(f"the file is {_gb(size)}; reading it needs about {_gb(need)} of memory but {_gb(room[0])} "
                      f"is available {room[1]}; give a shorter period")
    if csv:
        try:
            with open(path, "rb") as fh:
                head = fh.read(_SNIFF)
        except OSError as exc:
            raise refused(f"cannot read it ({exc.strerror or exc})") from None
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise refused("UTF-16 text; save the export as UTF-8 (e.g. \"CSV UTF-8\") and give that file")
        nul = head.find(b"\0")
        if nul >= 0:
            raise refused(f"not a text (CSV) file: it holds a NUL byte at byte {nul:,}; give a CSV or Parquet "
                          f"export (Parquet files end in .parquet)")
