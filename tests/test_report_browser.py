"""report.html opened in a real browser (headless Chromium, the system's
package, driven by Playwright through its executable path): every section
and figure is there and visible, nothing is wider than a 1280 px screen,
no console error, a hostile strategy name shows as text, the print
stylesheet applies, the page needs no network, and the first screen states
the decision rule and each channel miss."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from chansim.cli import app
from chansim.report.html import SECTIONS

SMALL = Path(__file__).parent / "data" / "small.yaml"
HOSTILE = "<script>alert(1)</script>"
WIDTH = 1280


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


playwright = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed "
                                 "(pip install -e '.[dev]')")
CHROMIUM = _chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (make test installs the "
                                "Debian package 'chromium' when run as root)")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """A compare --out of the small scenario, one strategy renamed to a script tag."""
    work = tmp_path_factory.mktemp("report")
    doc = yaml.safe_load(SMALL.read_text())
    doc["strategies"][1]["name"] = HOSTILE
    scenario = work / "hostile.yaml"
    scenario.write_text(yaml.safe_dump(doc, sort_keys=False))
    out = work / "out"
    result = CliRunner().invoke(app, ["compare", str(scenario), "--replications", "3", "--days", "0.25", "--quiet",
                                      "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "report.html"


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


def _open(browser, url: str, *, offline: bool = False):
    context = browser.new_context(viewport={"width": WIDTH, "height": 900}, offline=offline)
    page = context.new_page()
    seen = {"console": [], "errors": [], "dialogs": [], "requests": []}
    page.on("console", lambda m: seen["console"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))

    def route(r):
        seen["requests"].append(r.request.url)
        return r.continue_() if r.request.url.startswith("file:") else r.abort()

    context.route("**/*", route)
    page.goto(url, wait_until="load")
    return context, page, seen


def test_report_renders_every_section_and_figure_within_the_screen(browser, report, tmp_path):
    context, page, seen = _open(browser, report.as_uri())
    try:
        shot = page.screenshot(path=str(tmp_path / "first-screen.png"))
        assert len(shot) > 10_000  # a real picture of the first screen
        for section in SECTIONS:
            box = page.locator(f"section#{section}").bounding_box()
            assert box and box["width"] > 0 and box["height"] > 0, section
            assert page.locator(f"section#{section} h2").first.inner_text().strip(), section
        sizes = page.evaluate("() => [...document.querySelectorAll('figure svg')].map(s => "
                              "{const r = s.getBoundingClientRect(); return [r.width, r.height];})")
        assert len(sizes) == 4 and all(w > 300 and h > 150 for w, h in sizes), sizes
        too_wide = page.evaluate(f"""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > {WIDTH} + 1)
            .map(e => e.tagName + '#' + e.id + '.' + e.className)""")
        assert too_wide == []
        assert page.evaluate("() => document.documentElement.scrollWidth") <= WIDTH
        # the hostile name is shown as text, never run
        assert page.get_by_text(HOSTILE, exact=True).count() > 0
        assert page.evaluate("() => document.querySelectorAll('script').length") == 0
        assert seen == {"console": [], "errors": [], "dialogs": [], "requests": [report.as_uri()]}
        # the answer comes first and names a strategy
        assert page.locator("section").first.get_attribute("id") == "answer"
        verdict = page.locator(".answer-box .verdict").inner_text()
        assert "Choose" in verdict or "choose" in verdict or "Closest" in verdict
        # printing: the section links are hidden, figures kept whole
        page.emulate_media(media="print")
        assert page.locator("nav.toc").evaluate("e => getComputedStyle(e).display") == "none"
        assert page.locator("figure").first.evaluate("e => getComputedStyle(e).breakInside") == "avoid"
    finally:
        context.close()


def test_report_opens_with_the_network_off(browser, report):
    context, page, seen = _open(browser, report.as_uri(), offline=True)
    try:
        assert [u for u in seen["requests"] if not u.startswith("file:")] == []
        assert seen["console"] == [] and seen["errors"] == []
        assert page.evaluate("() => [...document.querySelectorAll('figure svg')]"
                             ".every(s => s.getBoundingClientRect().height > 0)")
        assert page.evaluate("() => [...document.querySelectorAll('img, link, iframe, object, embed')].length") == 0
    finally:
        context.close()


FIRST_SCREEN = (1400, 900)


@pytest.fixture(scope="module")
def missing_report(tmp_path_factory) -> Path:
    """A compare --out where the cheaper strategy misses its web chat target."""
    work = tmp_path_factory.mktemp("decision")
    doc = yaml.safe_load(SMALL.read_text())
    doc["strategies"] = [{"name": "today", "offer": ["voice", "webchat"]},
                         {"name": "lean-chat", "offer": ["voice", "webchat"],
                          "set": {"agents.pools.digital.headcount": 1}}]
    doc["decision"] = {"require": ["voice.service_level >= 0.5", "webchat.service_level >= 0.5"]}
    scenario = work / "lean.yaml"
    scenario.write_text(yaml.safe_dump(doc, sort_keys=False))
    out = work / "out"
    result = CliRunner().invoke(app, ["compare", str(scenario), "--replications", "3", "--days", "0.25", "--quiet",
                                      "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "report.html"


def test_first_screen_at_1400_px_states_the_decision_rule_and_the_misses(browser, missing_report):
    width, height = FIRST_SCREEN
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(missing_report.as_uri(), wait_until="load")
        rule, misses = page.locator("#decision-rule"), page.locator("#decision-misses li")
        assert rule.is_visible() and "Decision rule: lowest cost_per_issue" in rule.inner_text()
        assert "webchat.service_level >= 0.5" in rule.inner_text()
        assert misses.count() == 1
        text = misses.first.inner_text()
        assert text.startswith("lean-chat excluded: webchat.service_level") and "misses the requirement" in text
        for item in (rule, misses.first, page.locator(".answer-box .verdict")):
            box = item.bounding_box()
            assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, box  # no scrolling
        assert "Choose today" in page.locator(".answer-box .verdict").inner_text()
    finally:
        context.close()


def test_the_page_at_1400_px_is_short_and_opens_on_the_answer(browser, report):
    """The answer fills the first screen and the whole page stays short: the
    KPIs the decision does not weigh and the breakdowns are folded."""
    width, height = FIRST_SCREEN
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(report.as_uri(), wait_until="load")
        total = page.evaluate("() => document.documentElement.scrollHeight")
        assert total < 7000, total  # was about 12,300 px with every table open
        rule = page.locator("#decision-rule")
        box = rule.bounding_box()
        assert box is not None and box["y"] + box["height"] <= height and "Decision rule" in rule.inner_text()
        assert page.locator("details#other-kpis").evaluate("e => e.open") is False
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    finally:
        context.close()
