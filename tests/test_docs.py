"""The docs cannot drift from the code.

* every command of the ``chansim`` app has its section in docs/reference/cli.md;
* the generated reference pages, and the generated parts of docs/ci.md, are
  up to date (``python -m chansim.cli.docgen --check``);
* every scenario in the tutorial and the how-to guides validates and can be
  priced, and every rate card file in them loads;
* every ``chansim ...`` command shown names a real command;
* links between docs files (and to the notebooks and scenarios) resolve,
  anchors included.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
import yaml

import chansim
from chansim.cli import docgen
from chansim.cli.docgen_scenario import _walk
from chansim.cli.docgen_text import anchor
from chansim.billing import check_scenario
from chansim.billing.ratecard import MODEL_RATES, load_card_file
from chansim.cli import app

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GUIDES = [DOCS / "tutorial.md", *sorted((DOCS / "howto").glob("*.md"))]
PAGES = sorted(DOCS.rglob("*.md")) + [ROOT / "notebooks" / "README.md"]

FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FILE_COMMENT = re.compile(r"\A#\s*([\w.-]+\.ya?ml)\b")


def blocks(path: Path, language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(path.read_text(encoding="utf-8")) if lang == language]


def command_names() -> set[str]:
    group = typer.main.get_command(app)
    return set(group.commands)


# ------------------------------------------------------------------ reference
def test_every_command_is_in_the_cli_reference():
    text = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    missing = [name for name in sorted(command_names()) if f"## chansim {name}\n" not in text]
    assert not missing, f"docs/reference/cli.md lacks {missing}; run: python -m chansim.cli.docgen"


def test_generated_reference_is_up_to_date():
    stale = docgen.stale(DOCS)
    assert not stale, f"out of date: {[str(p) for p in stale]}; run: python -m chansim.cli.docgen"


def test_docgen_check_exits_0_when_up_to_date(tmp_path):
    check = subprocess.run([sys.executable, "-m", "chansim.cli.docgen", "--check"], cwd=ROOT, capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stderr


def test_docgen_check_exits_1_when_a_page_is_stale(tmp_path, capsys):
    assert docgen.main(["--docs", str(tmp_path)]) == 0
    assert docgen.main(["--check", "--docs", str(tmp_path)]) == 0
    (tmp_path / "reference" / "cli.md").write_text("stale\n", encoding="utf-8")
    assert docgen.main(["--check", "--docs", str(tmp_path)]) == 1
    assert "cli.md" in capsys.readouterr().err


def test_docgen_check_catches_a_stale_part_of_the_ci_guide(tmp_path, capsys):
    text = (DOCS / "ci.md").read_text(encoding="utf-8")
    staffing = next(line for line in text.splitlines() if line.startswith("| `staffing` |"))
    (tmp_path / "ci.md").write_text(text, encoding="utf-8")
    assert docgen.main(["--docs", str(tmp_path)]) == 0
    assert docgen.main(["--check", "--docs", str(tmp_path)]) == 0
    (tmp_path / "ci.md").write_text(text.replace(staffing + "\n", "") + "\nA note of our own.\n", encoding="utf-8")
    assert docgen.main(["--check", "--docs", str(tmp_path)]) == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        f"out of date: {tmp_path / 'ci.md'} (run: python -m chansim.cli.docgen)"]
    assert docgen.main(["--docs", str(tmp_path)]) == 0
    # the generated part is back; the hand-written text is kept
    assert (tmp_path / "ci.md").read_text(encoding="utf-8") == text + "\nA note of our own.\n"
    assert docgen.main(["--check", "--docs", str(tmp_path)]) == 0


def test_docgen_refuses_a_ci_guide_without_the_lines_around_a_generated_part(tmp_path, capsys):
    text = (DOCS / "ci.md").read_text(encoding="utf-8")
    (tmp_path / "ci.md").write_text(text.replace("<!-- end generated: kpi-groups -->\n", ""), encoding="utf-8")
    assert docgen.main(["--check", "--docs", str(tmp_path)]) == 2
    assert "kpi-groups" in capsys.readouterr().err


def test_the_ci_guide_lists_every_kpi_in_its_check_group():
    from chansim.studies.check import KPI_GROUPS, MODEL_KPIS

    lines = (DOCS / "ci.md").read_text(encoding="utf-8").splitlines()
    for group, keys in KPI_GROUPS.items():
        row = next((line for line in lines if line.startswith(f"| `{group}` |")), None)
        assert row is not None, f"docs/ci.md lacks the check group {group}"
        assert [k for k in keys if f"`{k}`" not in row] == [], f"docs/ci.md: group {group}"
    model = next(line for line in lines if line.startswith("- *Model KPIs*:"))
    assert all(f"`{k}`" in model for k in MODEL_KPIS)


def test_the_scenario_reference_covers_every_model_and_field():
    from chansim.scenario.models import Scenario

    text = (DOCS / "reference" / "scenario.md").read_text(encoding="utf-8")
    seen, order = {}, []
    _walk(Scenario, "", seen, order)
    assert len(order) > 10
    for model in order:
        assert f"## {model.__name__}\n" in text
        for name in model.model_fields:
            assert f"| `{name}` |" in text, f"{model.__name__}.{name} missing from the scenario reference"


def test_the_rate_card_guide_lists_every_billing_model():
    text = (DOCS / "howto" / "price-a-new-market.md").read_text(encoding="utf-8")
    for model, rates in MODEL_RATES.items():
        row = next((line for line in text.splitlines() if line.startswith(f"| `{model}` |")), None)
        assert row is not None, f"billing model {model} missing from price-a-new-market.md"
        for rate in rates:
            assert f"`{rate}`" in row, f"rate {rate} of {model} missing from price-a-new-market.md"


# ------------------------------------------------------------------- examples
def yaml_files(path: Path, folder: Path) -> dict[str, Path]:
    """Write every YAML block of ``path`` that names its file in a first-line
    comment (``# shop.yaml``) into ``folder``, as a reader would save it."""
    written = {}
    for body in blocks(path, "yaml"):
        match = FILE_COMMENT.match(body)
        if match:
            target = folder / match.group(1)
            target.write_text(body, encoding="utf-8")
            written[match.group(1)] = target
    return written


def looks_like_scenario(data) -> bool:
    return isinstance(data, dict) and "name" in data and "demand" in data


@pytest.mark.parametrize("path", GUIDES, ids=lambda p: p.stem)
def test_scenarios_in_the_guides_validate(path, tmp_path):
    files = yaml_files(path, tmp_path)
    scenarios = 0
    for i, body in enumerate(blocks(path, "yaml")):
        data = yaml.safe_load(body)
        match = FILE_COMMENT.match(body)
        file = files[match.group(1)] if match else _write(tmp_path / f"block-{i}.yaml", body)
        if isinstance(data, dict) and "cards" in data:
            load_card_file(file)  # raises InputError with every problem
        if not looks_like_scenario(data):
            continue
        scenario = chansim.load_scenario(file)  # raises InputError with every problem
        check_scenario(scenario)  # every channel of every strategy can be priced
        scenarios += 1
    if path.name in ("tutorial.md", "model-a-campaign.md", "price-a-new-market.md"):
        assert scenarios, f"{path.name} shows no complete scenario"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_commands_shown_exist(path):
    known = command_names()
    shown = []
    for lang, body in FENCE.findall(path.read_text(encoding="utf-8")):
        if lang != "console":
            continue
        for line in body.splitlines():
            words = line.removeprefix("$ ").split()
            if len(words) >= 2 and words[0] == "chansim":
                shown.append(words[1])
    unknown = sorted({w for w in shown if w not in known and not w.startswith("-")})
    assert not unknown, f"{path.name} shows unknown chansim commands: {unknown}"


# ---------------------------------------------------------------------- links
def anchors(path: Path) -> set[str]:
    """GitHub-style anchors of the headings of a Markdown file."""
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    out = set()
    for line in text.splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip()
            out.add(anchor(title))
    return out


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_resolve(path):
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    broken = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target):  # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(target)
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(target)
    assert not broken, f"{path.relative_to(ROOT)}: broken links {broken}"
