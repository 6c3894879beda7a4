"""``chansim report``: rebuild the HTML report of a stored result."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chansim.cli.common import app, fail, stderr
from chansim.errors import InputError


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A folder written by run, compare or sweep --out.",
                                            show_default=False)],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Do not print the path written.")] = False,
) -> None:
    """Write RUN_DIR/report.html again from the result stored there: one self-contained page (figures inline, no
    network needed) that answers which strategy to choose, with the comparison, figures and assumptions."""
    from chansim.report.html import rebuild_report

    try:
        path = rebuild_report(run_dir)
    except InputError as exc:
        fail(exc)
        return
    if not quiet:
        stderr.print(f"wrote {path}", highlight=False, markup=False)
