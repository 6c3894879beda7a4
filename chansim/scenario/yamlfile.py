"""Reading YAML safely, with YAML 1.2's plain meanings and bounded size.

* Only plain data: any tag that builds Python objects is refused.
* YAML 1.2 core schema: ``true``/``false`` are the only booleans (``yes``,
  ``no``, ``on``, ``off`` stay text), ``1:30`` is text, not 90, ``010`` is ten,
  and dates stay text for the model to read (so ``2026-02-30`` is a field
  error, not a crash).
* Bounded: a file over :data:`MAX_BYTES` (the bound files are read with,
  :func:`chansim.scenario.reading.read_text`), a document of more than
  :data:`MAX_VALUES` values once aliases are expanded (a "billion laughs"
  file is a few hundred bytes), nesting deeper than :data:`MAX_DEPTH`, an
  alias that contains itself, or a number longer than :data:`MAX_DIGITS`
  digits is refused with one message. Every walk is iterative and visits
  each node once.
* Merge keys (``<<: *defaults``) work as YAML defines them: the mapping's own
  keys win over merged ones, and are not "given twice".
* A key given twice in one mapping is a problem (PyYAML would keep the last),
  and so is a number that is not finite (``.inf``, ``.nan``): no figure of a
  scenario or a rate card is infinite.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

from chansim.errors import InputError, Problem
from chansim.scenario.dotted_paths import join_path, line_of

__all__ = ["read_yaml", "parse_value", "non_finite_problems", "MAX_BYTES", "MAX_VALUES", "MAX_DEPTH", "MAX_DIGITS"]

#: Largest file read (bytes).
MAX_BYTES = 4_000_000
#: Most values (scalars, lists, mappings) a document may hold with its aliases expanded.
MAX_VALUES = 200_000
#: Deepest nesting of lists and mappings.
MAX_DEPTH = 40
#: Longest number, in digits.
MAX_DIGITS = 60

_MERGE = "tag:yaml.org,2002:merge"
_INT = "tag:yaml.org,2002:int"


#: Whether libyaml parses (it counts positions in UTF-8 bytes).
_C_READER = hasattr(yaml, "CSafeLoader")


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser where PyYAML has it
    """SafeLoader with the YAML 1.2 core schema's implicit types."""

    yaml_implicit_resolvers: dict = {}


def _resolver(tag: str, pattern: str, first: str) -> None:
    _Loader.add_implicit_resolver(tag, re.compile(pattern, re.X), list(first))


_resolver("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF")
_resolver("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""])  # type: ignore[arg-type]
_resolver(_INT, r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789")
_resolver(
    "tag:yaml.org,2002:float",
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
    "-+0123456789.",
)
_resolver(_MERGE, r"^(?:<<)$", "<")


class _BadNumber(yaml.constructor.ConstructorError):
    """A number the file wrote that cannot be read (too long, or ``!!int 1.5``)."""


def _construct_int(loader: yaml.BaseLoader, node: yaml.ScalarNode) -> int:
    text = str(node.value)
    if len(text) > MAX_DIGITS:
        raise _BadNumber(None, None, f"a number of {len(text)} digits is too long", node.start_mark)
    try:
        if text.startswith("0o"):
            return int(text[2:], 8)
        if text.startswith("0x"):
            return int(text[2:], 16)
        return int(text, 10)
    except ValueError:  # only with an explicit tag (!!int 1.5): the resolver reads whole numbers alone as int
        raise _BadNumber(None, None, f"{text!r} is not a whole number", node.start_mark) from None


def _construct_float(loader: yaml.BaseLoader, node: yaml.ScalarNode) -> float:
    text = str(node.value)
    if len(text) > MAX_DIGITS:
        raise _BadNumber(None, None, f"a number of {len(text)} characters is too long", node.start_mark)
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return float("-inf") if lowered.startswith("-") else float("inf")
    if lowered == ".nan":
        return float("nan")
    try:
        return float(text)
    except ValueError:  # only with an explicit tag (!!float abc)
        raise _BadNumber(None, None, f"{text!r} is not a number", node.start_mark) from None


_Loader.add_constructor(_INT, _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
# Tags that build other Python objects than plain data (bytes, sets, datetimes, ordered pairs) are refused
# like any unknown tag: a scenario holds text, numbers, true/false, lists and mappings.
for _tag in ("binary", "set", "timestamp", "omap", "pairs"):
    _Loader.yaml_constructors.pop(f"tag:yaml.org,2002:{_tag}", None)


def _too_big(what: str, node: yaml.Node) -> InputError:
    return InputError(Problem("", what, node.start_mark.line + 1))


def _check_and_locate(root: yaml.Node) -> tuple[dict[tuple, int], list[Problem]]:
    """One pass over the node graph (each node once, iteratively): the size
    with aliases expanded, the depth, cycles, the line of each path, and keys
    given twice. Raises InputError when a bound is passed."""
    lines: dict[tuple, int] = {}
    problems: list[Problem] = []
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    located: set[int] = set()
    # (node, path, depth, children done?)
    stack: list[tuple[yaml.Node, tuple | None, int, bool]] = [(root, (), 0, False)]
    while stack:
        node, path, depth, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            children = _children(node)
            total = 1 + sum(sizes[id(child)] for _, child in children)
            if total > MAX_VALUES:
                raise _too_big(f"the file holds more than {MAX_VALUES:,} values once its aliases are expanded "
                               "(an alias bomb?); refusing to read it", node)
            sizes[key] = total
            continue
        if key in on_path:
            raise _too_big("an alias refers to the list or mapping that contains it; refusing to read it", node)
        if depth > MAX_DEPTH:
            raise _too_big(f"nested more than {MAX_DEPTH} levels deep; refusing to read it", node)
        if path is not None:
            lines.setdefault(path, node.start_mark.line + 1)
        if key in sizes:  # an alias of a node already measured
            continue
        first_visit = key not in located
        located.add(key)
        on_path.add(key)
        stack.append((node, path, depth, True))
        if isinstance(node, yaml.MappingNode) and first_visit and path is not None:
            _duplicates(node, path, lines, problems)
        for child_path, child in reversed(_children(node)):
            where = None if path is None or child_path is None or not first_visit else path + (child_path,)
            stack.append((child, where, depth + 1, False))
    return lines, problems


def _children(node: yaml.Node) -> list[tuple[Any, yaml.Node]]:
    """(path step, node) of each value under ``node``; keys that are lists or
    mappings count as values too (step None: they have no path)."""
    if isinstance(node, yaml.SequenceNode):
        return list(enumerate(node.value))
    if isinstance(node, yaml.MappingNode):
        out: list[tuple[Any, yaml.Node]] = []
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE:
                out.append((key_node.value, value_node))
            else:
                out += [(None, key_node), (None, value_node)]
        return out
    return []


def _duplicates(node: yaml.MappingNode, path: tuple, lines: dict[tuple, int], problems: list[Problem]) -> None:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE:
            continue
        key, line = key_node.value, key_node.start_mark.line + 1
        if key in seen:
            problems.append(Problem(join_path(path + (key,)), f"key given twice (first on line {seen[key]})", line))
        else:
            seen[key] = line
            lines[path + (key,)] = line


def non_finite_problems(data: Any, lines: dict[tuple, int]) -> list[Problem]:
    """Every infinite or NaN number in ``data``, by path, in file order."""
    problems = []
    stack: list[tuple[tuple, Any]] = [((), data)]
    seen: set[int] = set()
    while stack:
        path, value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            problems.append(Problem(join_path(path), f"must be a finite number (got {value})", line_of(lines, path)))
        elif isinstance(value, (dict, list)) and id(value) not in seen:
            seen.add(id(value))
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack += [(path + (key,), item) for key, item in items]
    return sorted(problems, key=lambda p: (p.line or 0, p.path))


def read_yaml(text: str) -> tuple[Any, dict[tuple, int], list[Problem]]:
    """Parse YAML text safely. Returns the data, a map of path → line, and the
    keys given twice and numbers that are not finite. Bad YAML, a Python tag or a passed bound raises InputError."""
    if len(text) > MAX_BYTES:
        raise InputError(Problem("", f"the file is larger than {MAX_BYTES:,} bytes; refusing to read it"))
    try:
        loader = _Loader(text)
        try:
            root = loader.get_single_node()  # parsed once: the nodes give the lines, then the data
            lines, problems = _check_and_locate(root) if root is not None else ({}, [])
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or "malformed YAML"
        if exc.context and what.startswith("but "):  # "expected a single document in the stream, but found another"
            what = f"{exc.context}, {what}"
        if isinstance(exc, yaml.constructor.ConstructorError) and not isinstance(exc, _BadNumber):
            what = f"{what} (only plain YAML data is accepted)"
        raise InputError(Problem("", f"YAML error: {what}", mark.line + 1 if mark else None)) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, a terminal escape, ...)
        raise InputError(Problem("", f"YAML error: unacceptable character #x{exc.character:04x}: {exc.reason}",
                                 _line_at(text, exc.position))) from None
    except yaml.YAMLError as exc:
        raise InputError(Problem("", f"YAML error: {exc}")) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:  # e.g. an unhashable merged key
        raise InputError(Problem("", f"YAML error: {exc}")) from None
    return data, lines, problems + non_finite_problems(data, lines)


def _line_at(text: str, position: Any) -> int | None:
    """The line of the character at ``position`` of ``text`` (libyaml counts
    UTF-8 bytes, PyYAML's own reader characters)."""
    if not isinstance(position, int):
        return None
    before = text.encode("utf-8")[:position] if _C_READER else text[:position]
    return before.count(b"\n" if _C_READER else "\n") + 1  # type: ignore[arg-type]


def parse_value(text: str) -> Any:
    """One value as YAML 1.2 (for ``--set key=value``); raises ``yaml.YAMLError``."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        _check_and_locate(root)
        return loader.construct_document(root)
    finally:
        loader.dispose()
