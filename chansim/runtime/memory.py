"""How much more memory this process may use: the smallest of what the host
has available, what its own limits leave, and what its control group leaves.

* the host: Linux ``MemAvailable`` (elsewhere the free physical pages);
* the process's limits: ``RLIMIT_AS`` less its address space in use
  (``VmSize``) and ``RLIMIT_DATA`` less its data in use (``VmData``), when set;
* its control group: cgroup v2 ``memory.max`` less ``memory.current``, or v1
  ``memory.limit_in_bytes`` less ``memory.usage_in_bytes``, for its own group
  and every group above it, when set.

A run that fits the host but not a limit is then refused before it starts,
the same way by ``validate`` and ``run``.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["memory_room"]

_CGROUP_ROOT = Path("/sys/fs/cgroup")
_PROC_CGROUP = Path("/proc/self/cgroup")
#: Limits at or above this are "no limit" (cgroup v1 writes 2**63 rounded down to a page).
_UNLIMITED = 2**62


def memory_room() -> tuple[int, str] | None:
    """The bytes this process may still use and what sets that figure (the
    host's available memory, a process limit or a control-group limit), or
    None if nothing is known."""
    found = [room for room in (_host(), *_rlimits(), _cgroup()) if room is not None]
    if not found:
        return None
    size, what = min(found, key=lambda room: room[0])
    return max(0, size), what


def _host() -> tuple[int, str] | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024, "on this machine"
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"), "on this machine"
    except (ValueError, OSError, AttributeError):
        return None


def _in_use() -> dict[str, int]:
    """``VmSize`` and ``VmData`` of this process in bytes (empty where /proc has no status)."""
    found = {}
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmSize", "VmData"):
                    found[key] = int(value.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return found


def _rlimits() -> list[tuple[int, str]]:
    try:
        import resource
    except ImportError:  # not POSIX
        return []
    used = _in_use()
    rooms = []
    for name, usage in (("RLIMIT_AS", "VmSize"), ("RLIMIT_DATA", "VmData")):
        try:
            soft, _ = resource.getrlimit(getattr(resource, name))
        except (AttributeError, OSError, ValueError):
            continue
        if soft != resource.RLIM_INFINITY and 0 <= soft < _UNLIMITED:
            rooms.append((soft - used.get(usage, 0), f"under this process's memory limit ({name})"))
    return rooms


def _cgroup() -> tuple[int, str] | None:
    """The least room left under the memory limit of this process's control group or any group above it."""
    try:
        lines = _PROC_CGROUP.read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    rooms = []
    for line in lines:
        _, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if controllers == "":  # v2: one hierarchy
            rooms += _rooms(_CGROUP_ROOT, path, "memory.max", "memory.current")
        elif "memory" in controllers.split(","):  # v1: the memory controller's hierarchy
            rooms += _rooms(_CGROUP_ROOT / "memory", path, "memory.limit_in_bytes", "memory.usage_in_bytes")
    if not rooms:
        return None
    return min(rooms), "under this process's control-group memory limit"


def _rooms(mount: Path, path: str, limit_file: str, usage_file: str) -> list[int]:
    """``limit - usage`` of each group from ``path`` up to the top of ``mount``
    (inside a container the top is the container's own group), where set."""
    rooms = []
    folder = mount / path.strip("/")
    while True:
        limit, usage = _number(folder / limit_file), _number(folder / usage_file)
        if limit is not None and limit < _UNLIMITED:
            rooms.append(limit - (usage or 0))
        if folder == mount or mount not in folder.parents:
            return rooms
        folder = folder.parent


def _number(file: Path) -> int | None:
    """The number in a control-group file (None for "max", a missing or unreadable file)."""
    try:
        text = file.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None
