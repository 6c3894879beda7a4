"""Write a scenario as YAML with a comment on each fitted value.

Values are written in flow style (JSON is valid YAML), one key per line, so
each line can carry its own ``# fitted from ...`` comment."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Commented", "Node", "render"]


@dataclass
class Commented:
    """A value with a comment: ``above`` lines go before the key, ``after``
    at the end of its line."""

    value: Any
    after: str = ""
    above: tuple[str, ...] = ()


@dataclass
class Node:
    """A mapping written in block style, keys in insertion order."""

    items: dict[str, Any] = field(default_factory=dict)
    above: tuple[str, ...] = ()

    def __setitem__(self, key: str, value: Any) -> None:
        self.items[key] = value


def _plain(value: Any) -> Any:
    if isinstance(value, Commented):
        return _plain(value.value)
    if isinstance(value, Node):
        return {k: _plain(v) for k, v in value.items.items()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 6)
    return value


_YAML_WORDS = {"yes", "no", "on", "off", "true", "false", "null", "y", "n", "nan", "inf"}


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value)) if abs(value) >= 1 else json.dumps(value)
    if isinstance(value, str) and value.replace("-", "").replace("_", "").isalnum() and not value[0].isdigit() \
            and value.lower() not in _YAML_WORDS:
        return value
    return json.dumps(value, ensure_ascii=False)


def _comment(text: str, indent: str) -> list[str]:
    return [f"{indent}# {line}".rstrip() for line in text.splitlines()] if text else []


def _lines(node: Node, indent: str) -> list[str]:
    out: list[str] = []
    for key, value in node.items.items():
        above = value.above if isinstance(value, (Commented, Node)) else ()
        for text in above:
            out += _comment(text, indent)
        if isinstance(value, Node):
            out.append(f"{indent}{key}:")
            out += _lines(value, indent + "  ")
        elif isinstance(value, Commented) and isinstance(value.value, list) and value.value \
                and all(isinstance(v, Commented) for v in value.value):
            out.append(f"{indent}{key}:" + (f"  # {value.after}" if value.after else ""))
            for item in value.value:
                for text in item.above:
                    out += _comment(text, indent + "  ")
                line = f"{indent}  - {_flow(_plain(item.value))}"
                out.append(line + (f"  # {item.after}" if item.after else ""))
        else:
            after = value.after if isinstance(value, Commented) else ""
            out.append(f"{indent}{key}: {_flow(_plain(value))}" + (f"  # {after}" if after else ""))
    return out


def render(root: Node, header: tuple[str, ...] = ()) -> str:
    """The YAML text of ``root`` with its comments."""
    lines = [f"# {h}".rstrip() for h in header]
    lines += _lines(root, "")
    return "\n".join(lines) + "\n"


def plain(root: Node) -> dict:
    """The data ``render`` writes, without comments."""
    return _plain(root)
