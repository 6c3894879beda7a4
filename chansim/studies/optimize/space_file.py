"""A search space from plain data or from its own YAML file (``--space FILE``):
either a file with an ``optimize:`` section (a scenario file will do) or the
section's keys at the top level."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from pydantic import ValidationError

from chansim.errors import InputError, Problem
from chansim.scenario.loader import read_yaml
from chansim.scenario.problems import problems_from_validation_error
from chansim.scenario.reading import read_text
from chansim.scenario.search_space import CONSTRAINT_PATTERN, SearchSpace
from chansim.scenario.yaml_document import read_yaml_document
from chansim.scenario.yamlfile import MAX_BYTES

__all__ = ["space_from_data", "load_space", "file_lines"]


def space_from_data(data: Any, *, lines: Mapping[tuple, int] | None = None,
                    origin: tuple = ("optimize",)) -> SearchSpace:
    """Validate the section's data; every problem at once, named ``optimize.FIELD``."""
    if not isinstance(data, Mapping):
        raise InputError(Problem(".".join(origin) or "optimize", "must be a mapping (variables:, objectives:, ...)"))
    try:
        return SearchSpace.model_validate(dict(data))
    except ValidationError as exc:
        found = _constraints_located(problems_from_validation_error(exc, root=SearchSpace), data)
        located = []
        for p in found:
            path = ".".join(origin + ((p.path,) if p.path else ()))
            line = None
            if lines is not None:
                loc = tuple(origin) + (_parts(p.path) if p.path.startswith("constraints[") else _loc_of(exc, p.path))
                line = _nearest_line(lines, loc)
            located.append(Problem(path, p.message, line))
        raise InputError(located) from None


def _constraints_located(found: list[Problem], data: Mapping) -> list[Problem]:
    """The section's "not a constraint" problem (found on the whole section) as
    one problem per constraint that does not read, at ``constraints[i]``."""
    constraints = data.get("constraints")
    out = []
    for p in found:
        if p.path or "is not a constraint" not in p.message or not isinstance(constraints, (list, tuple)):
            out.append(p)
            continue
        out += [Problem(f"constraints[{i}]", f"{c!r} is not a constraint: write KPI >= VALUE or KPI <= VALUE, "
                                             "e.g. voice.service_level >= 0.8")
                for i, c in enumerate(constraints) if isinstance(c, str) and not CONSTRAINT_PATTERN.match(c)] or [p]
    return out


def _parts(path: str) -> tuple:
    from chansim.scenario.paths import split_path

    return tuple(split_path(path))


def _loc_of(exc: ValidationError, path: str) -> tuple:
    from chansim.scenario.paths import join_path

    for error in exc.errors(include_url=False):
        if join_path(error["loc"]) == path:
            return tuple(error["loc"])
    return ()


def _nearest_line(lines: Mapping[tuple, int], loc: tuple) -> int | None:
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return None


def load_space(path: str | Path) -> tuple[SearchSpace, dict[tuple, int], tuple]:
    """The search space of a file, its lines, and where the section sits in it
    (``("optimize",)`` or ``()`` for a file that is the section itself)."""
    label = str(path)
    text = read_text(path, what="search space file", limit_bytes=MAX_BYTES, at="--space")
    data, lines = read_yaml_document(text, label)
    if not isinstance(data, Mapping):
        raise InputError(Problem("", "a search space must be a mapping (optimize: or variables:, ...)"), source=label)
    origin: tuple = ("optimize",) if "optimize" in data else ()
    section = data["optimize"] if origin else data
    try:
        return space_from_data(section, lines=lines, origin=origin), lines, origin
    except InputError as exc:
        raise exc.with_source(label) from None


def file_lines(path: str | Path) -> dict[tuple, int] | None:
    """The path → line map of a YAML file (None if it cannot be read), to locate problems."""
    try:
        return read_yaml(read_text(path, what="file", limit_bytes=MAX_BYTES))[1]
    except InputError:
        return None
