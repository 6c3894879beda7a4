"""Dotted paths into scenario data: ``agents.pools.digital.headcount``.

Lists of named things (pools, strategies, segments, intents) are addressed by
name or by index (``agents.pools[1].headcount`` or ``agents.pools.1.headcount``).
Used by ``--set key=value``, each strategy's ``set`` and
``Scenario.with_overrides``. Works on plain data, before validation. How a
path is written (:func:`split_path`, :func:`join_path`) and found in a file
(:func:`line_of`) is :mod:`chansim.scenario.dotted_paths`, shared with the
YAML reader.
"""

from __future__ import annotations

from typing import Any, Mapping

import yaml

from chansim.errors import InputError, Problem
from chansim.scenario.dotted_paths import join_path, line_of, split_path
from chansim.scenario.yamlfile import parse_value

__all__ = ["split_path", "join_path", "set_path", "resolve_path", "apply_overrides", "parse_assignment", "line_of"]


def _child_in_list(items: list, key: str | int, where: str) -> int:
    if isinstance(key, int) or (isinstance(key, str) and key.isascii() and key.isdigit()):
        index = int(key)
        if index >= len(items):
            raise ValueError(f"{where} has {len(items)} items; there is no [{index}]")
        return index
    names = [item.get("name") for item in items if isinstance(item, Mapping)]
    if key in names:
        return names.index(key)
    have = ", ".join(str(n) for n in names if n is not None) or "none"
    raise ValueError(f"{where}: nothing named {key!r} (have: {have})")


def set_path(data: dict[str, Any], path: str | tuple, value: Any) -> None:
    """Set ``value`` at ``path`` inside ``data`` in place. Missing mapping keys
    are created (validation later rejects keys that do not exist); a missing
    named list item is an error."""
    parts = split_path(path) if isinstance(path, str) else tuple(path)
    node: Any = data
    walked: list[str | int] = []
    for i, key in enumerate(parts):
        last = i == len(parts) - 1
        where = join_path(walked) or "the scenario"
        if isinstance(node, list):
            index = _child_in_list(node, key, where)
            walked.append(index)
            if last:
                node[index] = value
            else:
                node = node[index]
        elif isinstance(node, dict):
            if isinstance(key, int):
                raise ValueError(f"{where} is a mapping, not a list: use a key, not [{key}]")
            walked.append(key)
            if last:
                node[key] = value
            else:
                if node.get(key) is None:
                    node[key] = {}
                node = node[key]
        else:
            raise ValueError(f"{where} is a single value ({node!r}); it has no {key!r}")


def resolve_path(data: Any, path: str) -> tuple | None:
    """``agents.pools.digital.headcount`` → ``("agents", "pools", 1, "headcount")``
    in ``data`` (names of list items become indexes); None if it is not there."""
    try:
        parts = split_path(path)
    except ValueError:
        return None
    node, out = data, []
    for key in parts:
        if isinstance(node, list):
            try:
                key = _child_in_list(node, key, "")
            except ValueError:
                return None
        elif isinstance(node, dict) and not isinstance(key, int):
            if key not in node:
                return None
        else:
            return None
        out.append(key)
        node = node[key]
    return tuple(out)


def apply_overrides(data: dict[str, Any], overrides: Mapping[str, Any], *, origin: str) -> list[Problem]:
    """Apply every ``{path: value}`` in order; return the problems (empty if all applied)."""
    problems = []
    if not isinstance(overrides, Mapping):
        return [Problem(origin, "must be a mapping of dotted paths to values")]
    for path, value in overrides.items():
        try:
            set_path(data, str(path), value)
        except ValueError as exc:
            problems.append(Problem(f"{origin}[{path!r}]" if origin else str(path), str(exc)))
    return problems


def parse_assignment(text: str) -> tuple[str, Any]:
    """``agents.pools.digital.headcount=30`` → ``("agents.pools.digital.headcount", 30)``.

    The value is read as YAML 1.2, as scenario files are, so ``30`` is a
    number, ``[1, 2]`` a list and ``true`` a boolean."""
    if "=" not in text:
        raise InputError(Problem("--set", f"{text!r} is not key=value"))
    path, raw = text.split("=", 1)
    try:
        split_path(path)
    except ValueError as exc:
        raise InputError(Problem("--set", str(exc))) from None
    try:
        value = parse_value(raw) if raw.strip() else ""
    except InputError as exc:
        raise InputError(Problem(f"--set {path.strip()}", f"value {raw!r}: {exc.problems[0].message}")) from None
    except yaml.YAMLError as exc:
        why = getattr(exc, "problem", None) or str(exc)  # one line, not PyYAML's excerpt of "<unicode string>"
        raise InputError(Problem(f"--set {path.strip()}", f"value {raw!r} is not valid YAML ({why})")) from None
    return path.strip(), value
