"""A YAML document of a user's file (a rate card, a search space, ...) read
for use: its data and the line of each path, or the problems of the YAML
itself (bad YAML, a key given twice, a number that is not finite) as one
:class:`~chansim.errors.InputError` naming the file."""

from __future__ import annotations

from typing import Any

from chansim.errors import InputError
from chansim.scenario.yamlfile import read_yaml

__all__ = ["read_yaml_document"]


def read_yaml_document(text: str, source: str) -> tuple[Any, dict[tuple, int]]:
    """The data of the YAML ``text`` and its map of path → line; raises
    InputError with ``source`` (the file's name) when the YAML has a problem."""
    try:
        data, lines, problems = read_yaml(text)
    except InputError as exc:
        raise exc.with_source(source) from None
    if problems:
        raise InputError(problems, source=source)
    return data, lines
