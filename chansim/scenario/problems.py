"""Turn pydantic's validation errors into chansim problems: a path in the
file's own terms (``agents.pools[1].concurrency``), a plain message (``must be
≥ 1``), the line when known, and a suggestion for a mistyped key."""

from __future__ import annotations

import difflib
import typing
from typing import Any, Mapping

from pydantic import BaseModel, ValidationError

from chansim.errors import Problem
from chansim.scenario.paths import join_path, line_of

__all__ = ["problems_from_validation_error"]


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
    if kind in ("float_parsing", "float_type", "finite_number"):
        return f"must be a number (got {given!r})"
    if kind in ("bool_parsing", "bool_type"):
        return f"must be true or false (got {given!r})"
    if kind in ("string_type",):
        return f"must be text (got {_kind(given)})"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')} (got {given!r})"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} item(s) (got {ctx.get('actual_length')})"
    if kind == "too_long":
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
    return error["msg"]


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
    errors = exc.errors(include_url=False)
    nested = {tuple(e["loc"])[:k] for e in errors for k in range(len(e["loc"]))}
    for error in errors:
        loc = tuple(error["loc"])
        if error["type"] == "too_short" and loc in nested:
            continue  # the items failed; pydantic counts the valid ones as "too short"
        if loc and loc[-1] == "[key]":
            loc = loc[:-1]
            message = f"{loc[-1]!r} is not a known name; " + _message(error, root, loc)
        else:
            message = _message(error, root, loc)
        path = join_path(loc)
        if prefix:
            path = f"{prefix}: {path}" if path else prefix
        problem = Problem(path, message, line_of(lines, loc) if not prefix else None)
        if problem not in seen:
            seen.add(problem)
            problems.append(problem)
    return problems
