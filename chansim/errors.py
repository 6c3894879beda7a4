"""Exceptions chansim raises. The library never prints: the CLI turns these
into one clear message and exit code 2."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ChansimError", "InputError", "Problem", "printable"]

# C0 (but tab and newline), DEL and C1 control characters: shown, not obeyed
_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)]}


def printable(text: str) -> str:
    """``text`` (often from a file) with terminal control characters, such as
    escape sequences and bells, written as ``\\x1b`` instead of acting on
    the terminal."""
    return text.translate(_CONTROL)


class ChansimError(Exception):
    """Base class of every error chansim raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located by its path in the file."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        line = f" (line {self.line})" if self.line is not None else ""
        return printable(f"{where}{self.message}{line}")


class InputError(ChansimError):
    """Bad input (scenario file, override, option). Carries every problem found."""

    def __init__(self, problems: list[Problem] | Problem | str, *, source: str | None = None):
        if isinstance(problems, str):
            problems = [Problem("", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        self.source = source
        super().__init__(self.render())

    def render(self) -> str:
        head = f"{printable(self.source)}: " if self.source else ""
        if len(self.problems) == 1:
            return f"{head}{self.problems[0]}"
        lines = [f"{head}{len(self.problems)} problems:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)

    def with_source(self, source: str) -> "InputError":
        return InputError(self.problems, source=source)
