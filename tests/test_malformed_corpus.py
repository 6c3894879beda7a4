"""A corpus of malformed and hostile scenario files, one problem each, over
every section of the file and the YAML itself. Each file's first line says
which field the error must name and what it must say:

    # expect: demand.intraday | exactly 24

For every file both ``validate`` and ``run`` exit 2 with no traceback, name
the field, and report exactly the same problems (``run`` refuses before
simulating what ``validate`` refuses)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chansim.cli import app

CORPUS = Path(__file__).parent / "malformed"
EXPECT = re.compile(r"^# expect: (?P<path>[^|]*?) ?\| (?P<fragment>.+)$")
runner = CliRunner()


def _expected(file: Path) -> tuple[str, str] | None:
    first = file.read_text(encoding="utf-8").split("\n", 1)[0]
    match = EXPECT.match(first)
    return (match["path"].strip(), match["fragment"].strip()) if match else None


FILES = sorted(f for f in CORPUS.glob("*.yaml") if _expected(f) is not None)


def test_the_corpus_is_large_and_covers_every_section():
    assert len(FILES) >= 80
    paths = {_expected(f)[0].split(".")[0].split("[")[0] for f in FILES}
    assert {"name", "currency", "market", "start_date", "days", "seed", "replications", "demand", "channels",
            "pricing", "agents", "bot", "repeats", "csat", "strategies", ""} <= paths


def _message(output: str, prefix: str) -> str:
    assert output.startswith(prefix), output
    return re.sub(r"[\d.,]+ [GM]B available", "… available", output[len(prefix):])  # free memory moves


@pytest.mark.parametrize("file", FILES, ids=[f.stem for f in FILES])
def test_validate_and_run_refuse_it_alike_naming_the_field(file):
    path, fragment = _expected(file)
    checked = runner.invoke(app, ["validate", str(file)])
    ran = runner.invoke(app, ["run", str(file), "-q"])
    for result in (checked, ran):
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert fragment in result.stderr, result.stderr
        if path:
            assert f"{path}: " in result.stderr or f"{path} (" in result.stderr, result.stderr
    assert _message(checked.stderr, "invalid: ") == _message(ran.stderr, "error: ")
