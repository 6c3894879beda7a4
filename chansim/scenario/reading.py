"""Reading a user's file (a scenario, a rate card, a search space, a
baseline): UTF-8 text, size-bounded, every way it can fail told as an
:class:`~chansim.errors.InputError` naming the file.

Reading stops one byte past the bound, so an endless file (``/dev/zero``) or
a huge one never fills the memory.
"""

from __future__ import annotations

from pathlib import Path

from chansim.errors import InputError, Problem

__all__ = ["read_text"]


def read_text(path: str | Path, *, what: str, limit_bytes: int, at: str = "") -> str:
    """The UTF-8 text of the file at ``path``.

    ``what`` names the kind of file in messages ("scenario file"); ``at`` is
    the path of the problem (e.g. the option that named the file). Raises
    :class:`InputError`, with the file as its source, when the file is
    missing, a directory, unreadable, larger than ``limit_bytes`` or not
    UTF-8."""
    label = str(path)

    def refused(message: str) -> InputError:
        return InputError(Problem(at, message), source=label)

    try:
        with open(path, "rb") as fh:
            raw = fh.read(limit_bytes + 1)
    except FileNotFoundError:
        raise refused(f"cannot read {what} (no such file)") from None
    except IsADirectoryError:
        raise refused(f"cannot read {what} (it is a directory)") from None
    except OSError as exc:
        raise refused(f"cannot read {what} ({exc.strerror or exc})") from None
    if len(raw) > limit_bytes:
        raise refused(f"the file is larger than {limit_bytes:,} bytes; refusing to read it")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise refused(f"cannot read {what} (not UTF-8 text: {exc.reason} at byte {exc.start:,})") from None
