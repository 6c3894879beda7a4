"""Read a scenario: YAML (safe) → plain data → overrides → validated model.

Every problem is reported at once, each with its path and, where the file
tells, its line. A key given twice in one mapping is an error (PyYAML would
keep the last one silently), and so is any YAML tag that builds Python objects.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from chansim.errors import InputError, Problem
from chansim.scenario.models import Scenario, validate_scenario
from chansim.scenario.paths import apply_overrides, join_path, line_of, parse_assignment

__all__ = ["load_scenario", "read_yaml"]

class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser where PyYAML has it
    """SafeLoader; the node tree is walked separately for lines and duplicates."""


def _walk(node: yaml.Node, path: tuple, lines: dict[tuple, int], problems: list[Problem]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            line = key_node.start_mark.line + 1
            if key is not None:
                if key in seen:
                    problems.append(
                        Problem(join_path(path + (key,)), f"key given twice (first on line {seen[key]})", line)
                    )
                else:
                    seen[key] = line
                lines[path + (key,)] = line
                _walk(value_node, path + (key,), lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, path + (index,), lines, problems)


def read_yaml(text: str) -> tuple[Any, dict[tuple, int], list[Problem]]:
    """Parse YAML text safely. Returns the data, a map of path → line, and the
    keys given twice. A syntax error or a Python tag raises InputError."""
    try:
        loader = _Loader(text)
        try:
            root = loader.get_single_node()  # parsed once: the nodes give the lines, then the data
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or "malformed YAML"
        if isinstance(exc, yaml.constructor.ConstructorError):
            what = f"{what} (only plain YAML data is accepted)"
        raise InputError(Problem("", f"YAML error: {what}", mark.line + 1 if mark else None)) from None
    except yaml.YAMLError as exc:
        raise InputError(Problem("", f"YAML error: {exc}")) from None
    lines: dict[tuple, int] = {}
    problems: list[Problem] = []
    if root is not None:
        _walk(root, (), lines, problems)
    return data, lines, problems


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
    if isinstance(source, Scenario):
        return source.with_overrides(dict(overrides)) if overrides else source
    label = None
    lines: dict[tuple, int] = {}
    problems: list[Problem] = []
    if isinstance(source, Mapping):
        data: Any = copy.deepcopy(dict(source))
    else:
        path = Path(source)
        label = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError(Problem("", "no such file"), source=label) from None
        except IsADirectoryError:
            raise InputError(Problem("", "is a directory, not a scenario file"), source=label) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(Problem("", f"cannot read it ({exc})"), source=label) from None
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
        problems += apply_overrides(data, dict(pairs), origin="--set")
    problems += _resolve_like(data, lines)
    if label is not None:
        _anchor_rate_card(data, Path(label).parent)
    try:
        scenario = validate_scenario(data, lines=lines, source=label)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems, source=label)
    return scenario
