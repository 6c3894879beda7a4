"""The command-line reference (``docs/reference/cli.md``), from the typer app:
every ``chansim`` command's usage, help, arguments and options with their
types and defaults."""

from __future__ import annotations

import enum
import inspect
import re
import typing
from pathlib import Path
from typing import Any, get_args, get_origin

from chansim.cli.docgen_text import GENERATED, cell, doc_text, strip_optional

__all__ = ["command_names", "cli_reference"]


def _functions(app: Any) -> dict[str, Any]:
    """Command name → the function registered for it (its type hints tell
    what each parameter takes)."""
    out = {}
    for info in getattr(app, "registered_commands", []):
        if info.callback is not None:
            out[info.name or info.callback.__name__.replace("_", "-")] = info.callback
    return out


def _annotation_of(command: Any, param_name: str, function: Any = None) -> Any:
    callback = function or getattr(command, "callback", None)
    callback = getattr(callback, "__wrapped__", callback)
    if callback is None:
        return None
    try:
        hints = typing.get_type_hints(callback, include_extras=True)
    except Exception:  # a hint that cannot be resolved: fall back to no type
        return None
    annotation = hints.get(param_name)
    if get_origin(annotation) is typing.Annotated:
        annotation = get_args(annotation)[0]
    return strip_optional(annotation)[0] if annotation is not None else None


def _value_text(annotation: Any) -> str:
    """The kind of value a parameter takes."""
    origin = get_origin(annotation)
    if origin in (list, tuple):
        args = [a for a in get_args(annotation) if a is not Ellipsis]
        return _value_text(args[0]) if args else "TEXT"
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "|".join(str(m.value) for m in annotation)
    names = {int: "INTEGER", float: "NUMBER", str: "TEXT", Path: "PATH"}
    return names.get(annotation, "TEXT")


def _bound(param: Any, name: str) -> Any:
    value = getattr(param, name, None)
    if value is None:
        value = getattr(getattr(param, "type", None), name, None)
    return value


def _param_row(command: Any, param: Any, function: Any = None) -> tuple[str, str, str, str]:
    """(parameter, value, default, description) of one argument or option."""
    annotation = _annotation_of(command, param.name, function)
    is_flag = bool(getattr(param, "is_flag", False))
    kind = getattr(param, "param_type_name", "option")
    if kind == "argument":
        name = param.name.upper() + ("..." if getattr(param, "nargs", 1) == -1 else "")
        decl = f"`{name}`"
    else:
        opts = sorted(list(param.opts) + list(getattr(param, "secondary_opts", []) or []),
                      key=lambda o: (not o.startswith("--"), o))
        decl = ", ".join(f"`{o}`" for o in opts)
    value = "" if is_flag else _value_text(annotation)
    lo, hi = _bound(param, "min"), _bound(param, "max")
    if lo is not None or hi is not None:
        value += " (" + ", ".join(t for t in (f"≥ {lo}" if lo is not None else "", f"≤ {hi}" if hi is not None else "")
                                  if t) + ")"
    if getattr(param, "multiple", False) or (kind == "argument" and getattr(param, "nargs", 1) == -1):
        value += ", repeatable"
    if getattr(param, "required", False):
        default = "required"
    elif is_flag:
        default = "off"
    else:
        default_value = param.default
        if isinstance(default_value, enum.Enum):
            default_value = default_value.value
        default = "" if default_value is None or callable(default_value) else f"`{default_value}`"
    return decl, value.strip(), default, getattr(param, "help", None) or ""


def _commands(group: Any) -> list[tuple[str, Any]]:
    ctx = group.context_class(group, info_name="chansim")
    names = group.list_commands(ctx)
    return [(name, group.get_command(ctx, name)) for name in names]


def command_names() -> list[str]:
    """Every visible ``chansim`` command, in the order ``chansim --help`` lists them."""
    import typer

    from chansim.cli import app

    return [name for name, cmd in _commands(typer.main.get_command(app)) if not getattr(cmd, "hidden", False)]


def cli_reference() -> str:
    """The Markdown of ``docs/reference/cli.md``."""
    import typer

    from chansim.cli import app

    group = typer.main.get_command(app)
    commands = [(n, c) for n, c in _commands(group) if not getattr(c, "hidden", False)]
    functions = _functions(app)
    out = [
        GENERATED,
        "",
        "# Command-line reference",
        "",
        doc_text(group) or (group.help or ""),
        "",
        "Every command prints `--help`. Exit codes: `0` success; `1` a regression check failed; "
        "`2` bad input (usage, unreadable or invalid scenario), with one message and no traceback.",
        "",
        "| command | what it does |",
        "|---|---|",
    ]
    for name, cmd in commands:
        first = (cmd.help or "").strip().split("\n\n")[0]
        out.append(f"| [`chansim {name}`](#chansim-{name}) | {cell(first)} |")
    out.append("")
    for name, cmd in commands:
        params = [p for p in cmd.params if not getattr(p, "hidden", False) and p.name != "help"]
        arguments = [p for p in params if getattr(p, "param_type_name", "option") == "argument"]
        usage = f"chansim {name}" + (" [OPTIONS]" if len(arguments) < len(params) else "")
        for p in arguments:
            shown = p.name.upper() if getattr(p, "required", False) else f"[{p.name.upper()}]"
            usage += " " + shown + ("..." if getattr(p, "nargs", 1) == -1 else "")
        out += [f"## chansim {name}", "", "```console", usage, "```", ""]
        help_text = inspect.cleandoc(cmd.help or "")
        out += ["\n\n".join(re.sub(r"\s*\n\s*", " ", b).strip() for b in help_text.split("\n\n") if b.strip()), ""]
        if params:
            out += ["| parameter | value | default | description |", "|---|---|---|---|"]
            for p in params:
                decl, value, default, text = _param_row(cmd, p, functions.get(name))
                out.append(f"| {decl} | {cell(value)} | {cell(default)} | {cell(text)} |")
            out.append("")
    return "\n".join(out)

