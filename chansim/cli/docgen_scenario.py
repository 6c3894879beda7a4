"""The scenario file reference (``docs/reference/scenario.md``), from the
pydantic models: each field's name, type, default, constraints and
description, nested models as sections, plus the channel names, the
distribution families and the cross-field rules."""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Any, Iterator, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from chansim.cli.docgen_text import GENERATED, anchor, cell, doc_text, flow, md, strip_optional

__all__ = ["scenario_reference"]


def _channel_literal():
    from chansim.scenario.channels import ChannelName

    return ChannelName



def _constraint_text(metadata: list[Any], annotation: Any = None) -> list[str]:
    """Human constraints from pydantic / annotated-types metadata."""
    out = []
    lo = hi = pattern = None
    for m in metadata:
        for attr, fmt in (("gt", "> {}"), ("ge", "≥ {}"), ("lt", "< {}"), ("le", "≤ {}"),
                          ("multiple_of", "multiple of {}")):
            v = getattr(m, attr, None)
            if v is not None:
                out.append(fmt.format(flow(v)))
        lo = getattr(m, "min_length", None) if getattr(m, "min_length", None) is not None else lo
        hi = getattr(m, "max_length", None) if getattr(m, "max_length", None) is not None else hi
        pattern = getattr(m, "pattern", None) or pattern
    unit = "character" if strip_optional(annotation)[0] is str else "item"
    if lo is not None and lo == hi:
        out.append(f"exactly {lo} {unit}s")
    else:
        if lo is not None:
            out.append("not empty" if lo == 1 else f"at least {lo} {unit}s")
        if hi is not None:
            out.append(f"at most {hi} {unit}s")
    if pattern is not None:
        out.append(f"matches `{pattern}`")
    return out


def _type_text(annotation: Any, models: list[type[BaseModel]]) -> str:
    """A readable type; nested models are linked (and collected in ``models``)."""
    annotation, _ = strip_optional(annotation)
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        base, *meta = get_args(annotation)
        inner = _type_text(base, models)
        extra = []
        for m in meta:
            extra += _constraint_text(getattr(m, "metadata", None) or [m])
        return f"{inner} ({', '.join(extra)})" if extra else inner
    if annotation is _channel_literal():
        return "[channel](#channel-names)"
    if origin is Literal:
        return " | ".join(f"`{a}`" for a in get_args(annotation))
    if origin in (Union, types.UnionType):
        return " or ".join(_type_text(a, models) for a in get_args(annotation))
    if origin in (tuple, list):
        args = [a for a in get_args(annotation) if a is not Ellipsis]
        return f"list of {_type_text(args[0], models)}" if args else "list"
    if origin is dict:
        key, value = get_args(annotation)
        key_text = "channel" if key is _channel_literal() else _type_text(key, models)
        return f"map of {key_text} → {_type_text(value, models)}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation not in models:
            models.append(annotation)
        return f"[{annotation.__name__}](#{anchor(annotation.__name__)})"
    names = {float: "number", int: "integer", str: "text", bool: "true / false", dt.date: "date (YYYY-MM-DD)",
             typing.Any: "any"}
    if annotation in names:
        return names[annotation]
    return getattr(annotation, "__name__", str(annotation))


def _default_text(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        factory = field.default_factory
        if getattr(factory, "__self__", None) is dt.date and getattr(factory, "__name__", "") == "today":
            return "today"
        value = factory()  # type: ignore[call-arg]
    else:
        value = field.default
    if value is None:
        return "absent"
    if isinstance(value, BaseModel) and all(not f.is_required() for f in type(value).model_fields.values()):
        return "each field's default"
    if value == "":
        return '`""`'
    if isinstance(value, (tuple, list, dict)) and not value:
        return "`[]`" if isinstance(value, (tuple, list)) else "`{}`"
    return f"`{flow(value)}`"


def _walk(model: type[BaseModel], path: str, seen: dict[type[BaseModel], list[str]], order: list[type[BaseModel]]):
    """Every model reachable from ``model`` (depth first, field order), with
    the paths in a scenario file where it appears."""
    if model not in seen:
        seen[model] = []
        order.append(model)
        first = True
    else:
        first = False
    if path:
        seen[model].append(path)
    if not first:
        return
    for name, field in model.model_fields.items():
        for child, suffix in _children(field.annotation):
            _walk(child, f"{path}.{name}{suffix}" if path else f"{name}{suffix}", seen, order)


def _children(annotation: Any, suffix: str = "") -> Iterator[tuple[type[BaseModel], str]]:
    annotation, _ = strip_optional(annotation)
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        yield from _children(get_args(annotation)[0], suffix)
    elif origin in (Union, types.UnionType):
        for a in get_args(annotation):
            yield from _children(a, suffix)
    elif origin in (tuple, list):
        for a in get_args(annotation):
            if a is not Ellipsis:
                yield from _children(a, suffix + "[]")
    elif origin is dict:
        key = get_args(annotation)[0]
        label = "<channel>" if key is _channel_literal() else "<name>"
        yield from _children(get_args(annotation)[1], f"{suffix}.{label}")
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation, suffix


def _model_section(model: type[BaseModel], paths: list[str]) -> str:
    lines = [f"## {model.__name__}", ""]
    doc = doc_text(model)
    if doc:
        lines += [doc, ""]
    if paths:
        shown = ", ".join(f"`{p}`" for p in paths)
        lines += [f"Where: {shown}", ""]
    else:
        lines += ["Where: the top level of the file.", ""]
    lines += ["| field | type | default | constraints | description |", "|---|---|---|---|---|"]
    for name, field in model.model_fields.items():
        key = field.alias or name
        type_text = _type_text(field.annotation, [])
        constraints = ", ".join(_constraint_text(field.metadata, field.annotation))
        description = field.description or ""
        nested = [m for m, _ in _children(field.annotation)]
        if not description and nested:
            description = doc_text(nested[0]).split("\n\n")[0]
        lines.append(
            f"| `{key}` | {cell(type_text)} | {cell(_default_text(field))} | {cell(constraints)} | "
            f"{cell(md(description))} |"
        )
    return "\n".join(lines) + "\n"


def scenario_reference() -> str:
    """The Markdown of ``docs/reference/scenario.md``."""
    from chansim.scenario.channels import CHANNELS, channel_kind
    from chansim.scenario.distributions import DIST_PARAMETERS
    from chansim.scenario import checks
    from chansim.scenario.models import Scenario

    seen: dict[type[BaseModel], list[str]] = {}
    order: list[type[BaseModel]] = []
    _walk(Scenario, "", seen, order)

    out = [
        GENERATED,
        "",
        "# Scenario file reference",
        "",
        "A scenario file is YAML. Units: times in seconds, money in the scenario's `currency`, "
        "volumes per day unless a key says otherwise. Unknown keys and keys given twice are errors. "
        "Check a file with `chansim validate FILE`; `chansim schema` prints the same rules as JSON Schema.",
        "",
        "Lists of named items (pools, strategies, segments, intents) are addressed by name in dotted "
        "paths (`--set agents.pools.digital.headcount=30`, a strategy's `set`).",
        "",
        "Defaults: *required* means the key must be given; *absent* means the feature is off or the "
        "value is derived as the description says.",
        "",
        "Sections: " + ", ".join(f"[{m.__name__}](#{anchor(m.__name__)})" for m in order)
        + ", [channel names](#channel-names), [distributions](#distribution-families), "
        "[cross-field rules](#cross-field-rules).",
        "",
    ]
    for model in order:
        out.append(_model_section(model, seen[model]))

    out += ["## Channel names", "", "| channel | kind |", "|---|---|"]
    out += [f"| `{ch}` | {channel_kind(ch)} |" for ch in CHANNELS]
    out += ["", "*voice*: a call holds one agent wholly; *messaging*: conversations in slots, turn by turn; "
            "*email*: deferred work without patience.", ""]

    out += ["## Distribution families", "",
            "Wherever a field takes a [Distribution](#distribution), write `{dist: NAME, ...}` "
            "with exactly these parameters:", "", "| `dist` | parameters |", "|---|---|"]
    out += [f"| `{name}` | {', '.join(f'`{p}`' for p in params)} |" for name, params in DIST_PARAMETERS.items()]
    out += ["", "`cv` is the coefficient of variation (standard deviation / mean); `empirical` `weights` "
            "are optional (default: all equal).", ""]

    out += ["## Cross-field rules", "",
            "After each field passes its own rules, the whole file is checked (and again under each "
            "strategy, with its `set` applied). Every problem is reported at once, with its path and line.", ""]
    for check in list(checks.CHECKS) + list(getattr(checks, "PER_STRATEGY", ())):
        title = check.__name__.replace("_", " ")
        doc = doc_text(check)
        out.append(f"- **{title}**" + (f": {doc}" if doc else ""))
    out.append("")
    return "\n".join(out)

