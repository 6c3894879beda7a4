"""Dotted paths as written: ``agents.pools[1].headcount`` is
``("agents", "pools", 1, "headcount")``; and the line of a path in the file
it was read from. Shared by the YAML reader, which names and locates what it
finds, and by overrides (:mod:`chansim.scenario.paths`).
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping

__all__ = ["split_path", "join_path", "line_of"]

_PART = re.compile(r"([^.\[\]]+)|\[([0-9]+)\]")


def split_path(path: str) -> tuple[str | int, ...]:
    """``agents.pools[1].headcount`` → ``("agents", "pools", 1, "headcount")``."""
    path = path.strip()
    if not path or path.startswith(".") or path.endswith(".") or ".." in path:
        raise ValueError(f"{path!r} is not a dotted path")
    parts: list[str | int] = []
    pos = 0
    for match in _PART.finditer(path):
        between = path[pos : match.start()]
        if between not in ("", "."):
            raise ValueError(f"{path!r} is not a dotted path")
        parts.append(int(match.group(2)) if match.group(2) is not None else match.group(1))
        pos = match.end()
    if pos != len(path) or not parts:
        raise ValueError(f"{path!r} is not a dotted path")
    return tuple(parts)


def join_path(parts: Iterable[str | int]) -> str:
    """``("agents", "pools", 1, "headcount")`` → ``agents.pools[1].headcount``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def line_of(lines: Mapping[tuple, int] | None, path: str | tuple) -> int | None:
    """The file line of ``path`` (or of its nearest parent) if known."""
    if not lines:
        return None
    if isinstance(path, str):
        try:
            parts = split_path(path)
        except ValueError:
            return None
    else:
        parts = tuple(path)
    while parts:
        if parts in lines:
            return lines[parts]
        parts = parts[:-1]
    return None
