"""Generate the reference pages of the docs from the code.

* ``docs/reference/scenario.md``: every model of the scenario file (from the
  pydantic models): each field's name, type, default, constraints and
  description, nested models as sections, plus the channel names, the
  distribution families and the cross-field rules
  (:mod:`chansim.cli.docgen_scenario`).
* ``docs/reference/cli.md``: every ``chansim`` command (from the typer app):
  usage, help, arguments and options with their types and defaults
  (:mod:`chansim.cli.docgen_cli`).
* ``docs/reference/kpis.md``: the KPI table (:mod:`chansim.cli.docgen_kpis`).
* The parts of ``docs/ci.md`` that list KPIs (model and simulation KPIs, the
  tolerance bands, the JUnit groups), from the KPI table: the page is written
  by hand, and each generated part sits between a ``<!-- begin generated:
  NAME ... -->`` and an ``<!-- end generated: NAME -->`` line.

``python -m chansim.cli.docgen`` writes every page; ``python -m chansim.cli.docgen
--check`` writes nothing and exits 1 when a page is out of date (for CI and
the test suite). The output depends only on the code: no dates, no terminal
width, no environment.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Callable

from chansim.cli.docgen_cli import cli_reference, command_names
from chansim.cli.docgen_kpis import ci_sections, kpi_reference
from chansim.cli.docgen_scenario import scenario_reference

__all__ = ["scenario_reference", "cli_reference", "kpi_reference", "command_names", "PAGES", "SECTIONS", "pages",
           "fill_sections", "write", "stale", "main", "default_docs_dir"]

#: Page (relative to the docs directory) → function returning its text.
PAGES = {
    "reference/scenario.md": scenario_reference,
    "reference/cli.md": cli_reference,
    "reference/kpis.md": kpi_reference,
}

#: Hand-written page (relative to the docs directory) → function returning its
#: generated parts, by name.
SECTIONS: dict[str, Callable[[], dict[str, str]]] = {
    "ci.md": ci_sections,
}

_BEGIN = "<!-- begin generated: {name} (python -m chansim.cli.docgen; edit the code, not this part) -->"
_END = "<!-- end generated: {name} -->"


def fill_sections(text: str, sections: dict[str, str], page: str = "the page") -> str:
    """``text`` with each generated part replaced by its current text. Raises
    ValueError when a part's begin or end line is missing."""
    for name, body in sections.items():
        begin, end = _BEGIN.format(name=name), _END.format(name=name)
        pattern = re.compile(re.escape(begin) + r"\n.*?" + re.escape(end), re.DOTALL)
        if len(pattern.findall(text)) != 1:
            raise ValueError(f"{page} needs one generated part {name!r}: a line {begin!r}, the part, "
                             f"then a line {end!r}")
        text = pattern.sub(lambda _: f"{begin}\n{body}\n{end}", text)
    return text


def default_docs_dir() -> Path:
    """``docs/`` of the checkout chansim runs from (else of the current directory)."""
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").exists():
        return root / "docs"
    return Path.cwd() / "docs"


def pages(docs_dir: Path | str | None = None) -> dict[str, str]:
    """Every generated page's text, by path relative to the docs directory,
    and the hand-written pages of ``docs_dir`` that exist with their generated
    parts brought up to date."""
    docs = Path(docs_dir) if docs_dir is not None else default_docs_dir()
    out = {path: make() for path, make in PAGES.items()}
    for rel, make in SECTIONS.items():
        path = docs / rel
        if path.exists():
            out[rel] = fill_sections(path.read_text(encoding="utf-8"), make(), str(path))
    return out


def stale(docs_dir: Path | str | None = None) -> list[Path]:
    """Generated pages missing or different from what the code gives now."""
    docs = Path(docs_dir) if docs_dir is not None else default_docs_dir()
    out = []
    for rel, text in pages(docs).items():
        path = docs / rel
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            out.append(path)
    return out


def write(docs_dir: Path | str | None = None) -> list[Path]:
    """Write every generated page; return the paths written."""
    docs = Path(docs_dir) if docs_dir is not None else default_docs_dir()
    written = []
    for rel, text in pages(docs).items():
        path = docs / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chansim.cli.docgen", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a page is out of date")
    parser.add_argument("--docs", type=Path, default=None, help="docs directory (default: the checkout's docs/)")
    args = parser.parse_args(argv)
    try:
        if args.check:
            old = stale(args.docs)
            for path in old:
                print(f"out of date: {path} (run: python -m chansim.cli.docgen)", file=sys.stderr)
            return 1 if old else 0
        for path in write(args.docs):
            print(f"wrote {path}")
    except ValueError as exc:  # a hand-written page lost the lines around a generated part
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
