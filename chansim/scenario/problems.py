"""Turn pydantic's validation errors into chansim problems: a path in the
file's own terms (``agents.pools[1].concurrency``), a plain message (``must be
≥ 1``), the line when known, and a suggestion for a mistyped key."""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any, Mapping

import yaml
from pydantic import BaseModel, ValidationError

from chansim.errors import InputError, Problem
from chansim.scenario.paths import join_path, line_of
from chansim.scenario.yamlfile import parse_value

__all__ = ["problems_from_validation_error", "plain_message"]


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if value is None:
        return "nothing"
    return "text"


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _model_at(root: type[BaseModel] | None, loc: tuple) -> type[BaseModel] | None:
    """The model class that owns the last key of ``loc``."""
    cls = root
    for part in loc:
        if cls is None:
            return None
        if isinstance(part, str) and part in cls.model_fields:
            cls = _inner_model(cls.model_fields[part].annotation)
        # list indexes and dict keys (channel names) keep the item's model
    return cls


def _length_bounds(root: type[BaseModel] | None, loc: tuple) -> tuple[int | None, int | None]:
    """The min and max length a list field allows (None where not bounded)."""
    owner = _model_at(root, loc[:-1]) if loc else None
    field = owner.model_fields.get(loc[-1]) if owner is not None and isinstance(loc[-1], str) else None
    if field is None:
        return None, None
    low = next((m.min_length for m in field.metadata if hasattr(m, "min_length")), None)
    high = next((m.max_length for m in field.metadata if hasattr(m, "max_length")), None)
    return low, high


# pydantic names the member of a union it tried ("float", "dict[str,float]",
# "function-after[...]") in the location; users never wrote those.
_UNION_MEMBER = re.compile(r"^(?:[a-z_]+\[.*\]|int|float|str|bool|none|list|dict|tuple|date|[A-Z]\w*|"
                           r"function-\w+\[.*\]|constrained-\w+|lax-or-strict\[.*\]|literal\[.*\])$")


def _without_union_members(errors: list[dict[str, Any]], root: type[BaseModel] | None) -> list[dict[str, Any]]:
    """One error per field a union failed on: the member's error whose type
    fitted the value given (its constraint failed), else a list of the kinds
    the field takes."""
    out: list[dict[str, Any]] = []
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for error in errors:
        loc = tuple(error["loc"])
        tags = [i for i, part in enumerate(loc) if isinstance(part, str) and _UNION_MEMBER.match(part)
                and _is_union_field(root, loc[:i])]
        if not tags:
            out.append(error)
            continue
        cut = loc[: tags[0]]
        if cut not in groups:
            groups[cut] = []
            out.append({"loc": cut, "type": "union", "input": error.get("input"), "msg": "", "_group": groups[cut]})
        groups[cut].append({**error, "loc": tuple(p for i, p in enumerate(loc) if i not in tags)})
    result = []
    for error in out:
        group = error.pop("_group", None)
        if group is None:
            result.append(error)
            continue
        cut = tuple(error["loc"])
        # the member whose shape fitted: its failure is inside the value, or a rule, not the value's kind
        fitting = [e for e in group if len(e["loc"]) > len(cut) or not e["type"].endswith(("_type", "_parsing"))]
        if fitting:
            result += fitting
        else:
            kinds = sorted({_TYPE_NAMES.get(e["type"], e["type"]) for e in group})
            result.append({"loc": error["loc"], "type": "value_error", "input": error["input"],
                           "msg": f"must be {' or '.join(kinds)} (got {_kind(error['input'])})", "ctx": {}})
    return result


_TYPE_NAMES = {"float_type": "a number", "float_parsing": "a number", "int_type": "a whole number",
               "int_parsing": "a whole number", "dict_type": "a mapping", "list_type": "a list",
               "tuple_type": "a list", "string_type": "text", "bool_type": "true/false", "bool_parsing": "true/false",
               "model_type": "a mapping", "model_attributes_type": "a mapping"}


def _is_union_field(root: type[BaseModel] | None, loc: tuple) -> bool:
    """Whether ``loc`` names a field whose type is a union (so pydantic names its members next)."""
    if not loc or not isinstance(loc[-1], str):
        return False
    owner = _model_at(root, loc[:-1])
    field = owner.model_fields.get(loc[-1]) if owner is not None else None
    if field is None:
        return False
    members = [a for a in typing.get_args(field.annotation) if a is not type(None)]
    return typing.get_origin(field.annotation) in (typing.Union, types.UnionType) and len(members) > 1


def _field_named_first(root: type[BaseModel] | None, loc: tuple, message: str) -> str | None:
    """A rule over a whole section whose message starts with one of its fields
    ("intraday weights must be ≥ 0") is about that field."""
    owner = _model_at(root, loc)
    word = message.split(" ", 1)[0]
    return word if owner is not None and word in owner.model_fields else None


def _message(error: dict[str, Any], root: type[BaseModel] | None, loc: tuple) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    given = error.get("input")
    if kind == "extra_forbidden":
        owner = _model_at(root, loc[:-1])
        known = list(owner.model_fields) if owner else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else (f" (known: {', '.join(known)})" if known else "")
        return f"unknown key{hint}"
    if kind == "missing":
        return "required"
    if kind == "greater_than_equal":
        return f"must be ≥ {ctx['ge']} (got {given!r})"
    if kind == "greater_than":
        return f"must be > {ctx['gt']} (got {given!r})"
    if kind == "less_than_equal":
        return f"must be ≤ {ctx['le']} (got {given!r})"
    if kind == "less_than":
        return f"must be < {ctx['lt']} (got {given!r})"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"must be a whole number (got {given!r})"
    if kind == "int_parsing_size":
        return f"too large for a whole number (got {given:.3g})" if isinstance(given, float) else \
            "too large for a whole number"
    if kind == "finite_number":
        return f"must be a finite number (got {given!r})"
    if kind in ("float_parsing", "float_type"):
        return f"must be a number (got {given!r})"
    if kind in ("bool_parsing", "bool_type"):
        return f"must be true or false (got {given!r})"
    if kind in ("string_type",):
        return f"must be text (got {_kind(given)})"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')} (got {given!r})"
    if kind in ("too_short", "too_long"):
        low, high = _length_bounds(root, loc)
        if low is not None and low == high:
            return f"needs exactly {low} values (got {ctx.get('actual_length')})"
        if kind == "too_short":
            return f"needs at least {ctx.get('min_length')} item(s) (got {ctx.get('actual_length')})"
        return f"takes at most {ctx.get('max_length')} item(s) (got {ctx.get('actual_length')})"
    if kind == "string_pattern_mismatch":
        return f"must match {ctx.get('pattern')} (got {given!r})"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be a mapping of keys to values (got {_kind(given)})"
    if kind in ("tuple_type", "list_type"):
        return f"must be a list (got {_kind(given)})"
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"must be a date like 2026-01-05 (got {given!r})"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"])).removeprefix("Value error, ")
    if kind in _TYPE_NAMES:
        return f"must be {_TYPE_NAMES[kind]} (got {_kind(given)})"
    return error["msg"]


def plain_message(error: dict[str, Any]) -> str:
    """One pydantic error in the words of every other problem (``required``,
    ``must be ≥ 0 (got -1)``), for a value checked on its own."""
    return _message(error, None, tuple(error.get("loc", ())))


def _written_key(lines: Mapping[tuple, int] | None, parent: tuple, key: Any) -> str:
    """A key that is not text as the file wrote it (``~``, ``True``, ``0x10``),
    found among the keys of ``parent`` in ``lines``: ``demand.2``, not
    ``demand[2]``, which would be a list item."""
    for path in lines or ():
        if len(path) == len(parent) + 1 and path[:-1] == parent and isinstance(path[-1], str):
            try:
                value = parse_value(path[-1])
            except (InputError, yaml.YAMLError):
                continue
            if value == key and type(value) is type(key):
                return path[-1]
    return str(key).lower() if isinstance(key, bool) else "null" if key is None else str(key)


def problems_from_validation_error(
    exc: ValidationError,
    *,
    lines: Mapping[tuple, int] | None = None,
    prefix: str = "",
    root: type[BaseModel] | None = None,
) -> list[Problem]:
    """One :class:`Problem` per pydantic error, in file order where lines are known."""
    problems = []
    seen = set()
    errors = _without_union_members(exc.errors(include_url=False), root)
    nested = {tuple(e["loc"])[:k] for e in errors for k in range(len(e["loc"]))}
    for error in errors:
        loc = tuple(error["loc"])
        if error["type"] == "too_short" and loc in nested:
            continue  # the items failed; pydantic counts the valid ones as "too short"
        if loc and loc[-1] == "[key]":
            loc = loc[:-1]
            message = f"{loc[-1]!r} is not a known name; " + _message(error, root, loc)
            if not isinstance(loc[-1], str):
                loc = loc[:-1] + (_written_key(lines, loc[:-1], loc[-1]),)
        elif error["type"] == "invalid_key":  # a key written as a number, true/false or null (`1: x`)
            key = error.get("input")
            loc = loc[:-1] + (_written_key(lines, loc[:-1], key),)
            message = f"a key must be a name, not {'null' if key is None else _kind(key)}"
        else:
            message = _message(error, root, loc)
            field = _field_named_first(root, loc, message) if error["type"] == "value_error" else None
            if field is not None:
                loc = loc + (field,)
        path = join_path(loc)
        if prefix:
            path = f"{prefix}: {path}" if path else prefix
        problem = Problem(path, message, line_of(lines, loc) if not prefix else None)
        if problem not in seen:
            seen.add(problem)
            problems.append(problem)
    return problems
