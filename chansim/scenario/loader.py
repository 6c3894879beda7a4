"""Read a scenario: YAML (safe, bounded, YAML 1.2; see
:mod:`chansim.scenario.yamlfile`) → plain data → overrides → validated model.

Every problem is reported at once, each with its path and, where the file
tells, its line. A value given by an override (``--set``, ``--days``) is not
blamed on a line of the file. Numbers must be finite everywhere. Shares that
sum to within :data:`SHARE_TOLERANCE` of 1 are scaled to sum to exactly 1.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Iterable, Mapping

import math

from chansim.errors import InputError, Problem
from chansim.scenario.checks import SHARE_TOLERANCE, name_problems_in_data, share_problems_in_data
from chansim.scenario.models import Scenario, validate_scenario
from chansim.scenario.paths import apply_overrides, join_path, line_of, parse_assignment, resolve_path
from chansim.scenario.reading import read_text
from chansim.scenario.yamlfile import MAX_BYTES, non_finite_problems, read_yaml

__all__ = ["load_scenario", "read_scenario", "read_yaml", "locate"]


def _resolve_like(data: dict[str, Any], lines: dict[tuple, int]) -> list[Problem]:
    """Expand ``channels.X.like: Y`` into a copy of Y's settings under X's own."""
    channels = data.get("channels")
    if not isinstance(channels, dict):
        return []
    problems = []
    resolved: dict[str, Any] = {}

    def expand(name: str, chain: tuple[str, ...]) -> Any:
        if name in resolved:
            return resolved[name]
        spec = channels.get(name)
        if not isinstance(spec, dict) or "like" not in spec:
            resolved[name] = spec
            return spec
        base_name = spec["like"]
        path = ("channels", name, "like")
        if not isinstance(base_name, str):
            problems.append(Problem(join_path(path), "must be the name of another channel (e.g. like: sms)",
                                    line_of(lines, path)))
            resolved[name] = {k: v for k, v in spec.items() if k != "like"}
            return resolved[name]
        if base_name in chain + (name,):
            problems.append(Problem(join_path(path), f"'like' goes round in a circle ({' → '.join(chain + (name, base_name))})",
                                    line_of(lines, path)))
            resolved[name] = spec
            return spec
        if base_name not in channels:
            problems.append(Problem(join_path(path), f"channel {base_name!r} is not defined under 'channels'",
                                    line_of(lines, path)))
            resolved[name] = spec
            return spec
        base = expand(base_name, chain + (name,))
        merged = copy.deepcopy(base) if isinstance(base, dict) else {}
        merged.pop("like", None)
        merged.update(spec)
        resolved[name] = merged
        return merged

    for name in list(channels):
        channels[name] = expand(name, ())
    return problems


def _anchor_rate_card(data: dict[str, Any], folder: Path) -> None:
    """A relative ``pricing.rate_card`` path is relative to the scenario file."""
    pricing = data.get("pricing")
    if isinstance(pricing, dict) and isinstance(pricing.get("rate_card"), str):
        path = Path(pricing["rate_card"]).expanduser()
        if not path.is_absolute():
            pricing["rate_card"] = str((folder / path).resolve())


def load_scenario(
    source: str | Path | Mapping[str, Any] | Scenario,
    overrides: Iterable[str] | Mapping[str, Any] = (),
) -> Scenario:
    """Load and validate a scenario from a YAML file path or a dict.

    ``overrides`` are ``"dotted.path=value"`` strings (as given to ``--set``) or
    a ``{"dotted.path": value}`` mapping, applied before validation.
    Raises :class:`~chansim.errors.InputError` listing every problem."""
    return read_scenario(source, overrides)[0]


def read_scenario(
    source: str | Path | Mapping[str, Any] | Scenario,
    overrides: Iterable[str] | Mapping[str, Any] = (),
) -> tuple[Scenario, dict[tuple, int]]:
    """:func:`load_scenario`, also returning where each path is in the file
    (path tuple → line; empty for a dict), for checks made after loading."""
    if isinstance(source, Scenario):
        return (source.with_overrides(dict(overrides)) if overrides else source), {}
    label = None
    lines: dict[tuple, int] = {}
    problems: list[Problem] = []
    if isinstance(source, Mapping):
        data: Any = copy.deepcopy(dict(source))
    else:
        path = Path(source)
        label = str(path)
        text = read_text(path, what="scenario file", limit_bytes=MAX_BYTES)
        try:
            data, lines, problems = read_yaml(text)
        except InputError as exc:
            raise exc.with_source(label) from None
    if not isinstance(data, dict):
        raise InputError(Problem("", "a scenario file must be a mapping of keys (name:, demand:, ...)"), source=label)

    if isinstance(overrides, Mapping):
        pairs = list(overrides.items())
    else:
        try:
            pairs = [parse_assignment(text) for text in overrides]
        except InputError as exc:
            raise exc.with_source(label) if label else exc from None
    if pairs:
        before = [resolve_path(data, str(path)) for path, _ in pairs]  # where they are before being replaced
        problems += apply_overrides(data, dict(pairs), origin="--set")
        lines = _unlocated(lines, data, [path for path, _ in pairs], before)
    problems += _resolve_like(data, lines)
    if label is not None:
        _anchor_rate_card(data, Path(label).parent)
    infinite = non_finite_problems(data, lines)
    problems += [p for p in infinite if p not in problems]  # the file's own were found on reading
    _normalise_shares(data)
    try:
        scenario = validate_scenario(data, lines=lines, source=label)
    except InputError as exc:
        skip = {p.path for p in infinite}
        problems += [p for p in exc.problems if p.path not in skip]
        known = {(p.path, p.message) for p in problems}
        problems += [Problem(p.path, p.message, line_of(lines, p.path))
                     for p in share_problems_in_data(data) + name_problems_in_data(data)
                     if (p.path, p.message) not in known]
    problems = [_from_override(p, lines) for p in problems]
    if problems:
        raise InputError(problems, source=label)
    return scenario, lines


_OVERRIDDEN = -1  # the "line" of a path whose value an override gave


def _unlocated(lines: dict[tuple, int], data: dict[str, Any], paths: list[str], before: list) -> dict[tuple, int]:
    """``lines`` with every overridden path (and so what is under it) marked
    as not from the file."""
    lines = dict(lines)
    for path, found in zip(paths, before):
        resolved = found if found is not None else resolve_path(data, str(path))
        if resolved is not None:
            size = len(resolved)
            for key in [k for k in lines if len(k) > size and k[:size] == resolved]:
                del lines[key]  # what the file had under it is gone
            lines[resolved] = _OVERRIDDEN
    return lines


def _from_override(problem: Problem, lines: dict[tuple, int] | None = None) -> Problem:
    if problem.line != _OVERRIDDEN:
        return problem
    return Problem(problem.path, f"{problem.message} (given as an override, not in the file)")


def locate(problems: Iterable[Problem], lines: dict[tuple, int]) -> list[Problem]:
    """Problems found after loading, with the line of their path in the file
    (or said to come from an override); see :func:`read_scenario`."""
    return [_from_override(p if p.line is not None else Problem(p.path, p.message, line_of(lines, p.path)))
            for p in problems]


def _normalise_shares(data: dict[str, Any]) -> None:
    """Segment and intent shares within :data:`SHARE_TOLERANCE` of summing to
    1 (three shares of 0.3333) are scaled to sum to 1 exactly."""
    demand = data.get("demand")
    if not isinstance(demand, dict):
        return
    for key in ("segments", "intents"):
        items = demand.get(key)
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
            continue
        shares = [i.get("share") for i in items]
        if not all(isinstance(s, (int, float)) and not isinstance(s, bool) and math.isfinite(s) for s in shares):
            continue
        total = float(sum(shares))
        if total != 1.0 and abs(total - 1.0) <= SHARE_TOLERANCE:
            demand[key] = [{**item, "share": item["share"] / total} for item in items]
