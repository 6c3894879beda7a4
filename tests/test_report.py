"""The HTML report without a browser: the answer it gives, escaping of user
strings, graceful gaps, rebuilding from a stored run, and figures whose
labels never overlap and are never cut off."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from chansim.cli import app
from chansim.studies.experiment import simulate
from chansim.report import figures
from chansim.report.answer import answer, cost_kpi
from chansim.report.html import SECTIONS, render_report
from chansim.report.labels import box, overlapping, renderer
from chansim.scenario import load_scenario

SMALL = Path(__file__).parent / "data" / "small.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def run():
    scenario = load_scenario(SMALL, {"days": 0.25, "replications": 3})
    return simulate(scenario, log="messages")


# ------------------------------------------------------------------ the answer
def fake(per_strategy: dict[str, dict[str, list[float | None]]]):
    rows, strategies = [], []
    for name, kpis in per_strategy.items():
        n = len(next(iter(kpis.values())))
        for r in range(n):
            rows.append({"strategy": name, "replication": r, **{k: v[r] for k, v in kpis.items()}})
        means = {k: (float(np.mean(v)) if None not in v else None) for k, v in kpis.items()}
        strategies.append(SimpleNamespace(name=name, kpis=means))
    result = SimpleNamespace(strategies=strategies, replication_kpis=pd.DataFrame(rows))
    result.strategy = lambda name: next(s for s in strategies if s.name == name)
    return result


def test_answer_is_the_cheapest_per_issue_that_meets_the_service_goal_and_names_what_it_gives_up():
    result = fake({
        "today": {"cost_per_issue": [9.0, 9.2, 9.1], "service_level": [0.90, 0.91, 0.92], "csat": [4.1, 4.2, 4.0]},
        "lean": {"cost_per_issue": [6.0, 6.1, 6.2], "service_level": [0.60, 0.62, 0.61], "csat": [3.9, 4.0, 3.8]},
        "bot": {"cost_per_issue": [7.0, 7.3, 7.1], "service_level": [0.85, 0.84, 0.86], "csat": [3.9, 4.0, 3.8]},
    })
    a = answer(result)
    assert a.strategy == "bot" and a.meets_goal and a.cost_kpi == "cost_per_issue"
    assert set(a.meeting) == {"today", "bot"}
    gave_up = {t.kpi: t for t in a.tradeoffs}
    assert gave_up["service_level"].better_strategy == "today"
    assert gave_up["service_level"].diff == pytest.approx(0.06)
    assert gave_up["csat"].better_strategy == "today"
    assert "cost_per_issue" not in gave_up  # cost is what it wins on


def test_no_strategy_meeting_the_goal_gives_the_cheapest_flagged_and_cost_per_contact_stands_in():
    result = fake({
        "a": {"cost_per_issue": [None, None], "cost_per_contact": [5.0, 5.0], "service_level": [0.5, 0.5]},
        "b": {"cost_per_issue": [None, None], "cost_per_contact": [4.0, 4.0], "service_level": [0.6, 0.6]},
    })
    assert cost_kpi(result) == "cost_per_contact"
    a = answer(result)
    assert (a.strategy, a.meets_goal, a.meeting) == ("b", False, ())


# ------------------------------------------------------------------ the page
def _rename(result, renames: dict[str, str], scenario_name: str | None = None):
    """The result with strategies renamed (in the scenario, the KPIs and the tables)."""
    doc = result.scenario.model_dump(mode="json")
    for s in doc["strategies"]:
        s["name"] = renames.get(s["name"], s["name"])
    if scenario_name:
        doc["name"] = scenario_name
    scenario = type(result.scenario).model_validate(doc)
    frames = {}
    for attr in ("replication_kpis", "costs", "labor"):
        frame = getattr(result, attr).copy()
        if "strategy" in frame:
            frame["strategy"] = frame["strategy"].astype(str).replace(renames)
        frames[attr] = frame
    log = result.log
    if log is not None:
        tables = {}
        for name in ("contacts", "messages", "staffing"):
            t = getattr(log, name).copy()
            if "strategy" in t:
                t["strategy"] = t["strategy"].astype(str).replace(renames)
            tables[name] = t
        log = dataclasses.replace(log, **tables)
    strategies = [dataclasses.replace(s, name=renames.get(s.name, s.name)) for s in result.strategies]
    return dataclasses.replace(result, scenario=scenario, strategies=strategies, log=log, **frames)


def test_user_strings_are_escaped_everywhere(run):
    hostile = '<script>alert("x")</script>'
    result = _rename(run, {"today": hostile}, scenario_name="<b>bold</b> & co")
    page = render_report(result)
    assert "<script" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in page
    # figures are inline SVG, drawn as paths: no text, comment or script a name could break out of
    for svg in re.findall(r"<svg.*?</svg>", page, re.S):
        assert "<!--" not in svg and "<script" not in svg and "alert" not in svg


def test_every_section_and_figure_is_in_the_page_and_gaps_show_as_dashes(run):
    page = render_report(run)
    for section in SECTIONS:
        assert f'<section id="{section}">' in page
    assert page.count("<svg") == 4 and "could not be drawn" not in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # four inline figures, no id shared
    refs = set(re.findall(r'href="#([^"]+)"', page)) | set(re.findall(r"url\(#([^)]+)\)", page))
    assert refs <= set(ids)
    # the run breaks its KPIs down by segment and market: they are tabled
    assert "No breakdown by segment" not in page and "No breakdown by market" not in page
    block = page[page.index('<section id="segments">'):page.index('<section id="assumptions">')]
    assert all(name in block for name in run.strategies[0].by_segment)
    bare = [dataclasses.replace(s, by_segment={}, by_market={}) for s in run.strategies]
    page_without = render_report(dataclasses.replace(run, strategies=bare))
    assert "No breakdown by segment" in page_without and "No breakdown by market" in page_without
    # a KPI nobody measured is named as not measured, not shown as 0
    if all(s.kpis.get("cost_per_issue") is None for s in run.strategies):
        assert re.search(r"Not measured in this run: [^<]*cost_per_issue", page)


def test_breakdowns_by_segment_are_tabled_when_present(run):
    first = run.strategies[0]
    seg = {"phone": {"contacts": 1234.0, "cost_per_contact": 7.5}, "digital": {"contacts": 99.0,
                                                                              "cost_per_contact": None}}
    strategies = [dataclasses.replace(first, by_segment=seg)] + run.strategies[1:]
    page = render_report(dataclasses.replace(run, strategies=strategies))
    assert "No breakdown by segment" not in page
    block = page[page.index('<section id="segments">'):page.index('<section id="assumptions">')]
    assert "phone" in block and "1,234" in block and "USD 7.50" in block and "—" in block


def test_rate_cards_with_their_source_and_confidence_unverified_first_and_highlighted(run):
    page = render_report(run)
    assert "pricing.fees" in page[page.index('id="rate-cards"'):]  # the small scenario prices with flat fees
    # cost lines priced by a built-in unverified card (sms-uk-2026) and an official one
    lines = pd.DataFrame({"strategy": ["today", "today"], "replication": [0, 0], "channel": ["voice", "sms"],
                          "card": ["pricing.fees", "sms-uk-2026"], "cost": [1.0, 2.0]})
    page = render_report(dataclasses.replace(run, costs=lines))
    cards = page[page.index('id="rate-cards"'):page.index("What the model leaves out")]
    rows = re.findall(r"<tr( class=\"unverified\")?><td[^>]*>([^<]+)</td>", cards)
    assert rows[0] == (' class="unverified"', "sms-uk-2026")  # the least certain first, highlighted
    assert ("", "pricing.fees") in rows
    assert "Highlighted cards are unverified" in cards


def test_chansim_report_rebuilds_the_page_from_a_stored_run(tmp_path):
    out = tmp_path / "run"
    done = runner.invoke(app, ["run", str(SMALL), "--days", "0.25", "--replications", "2", "--quiet",
                               "--format", "json", "--out", str(out)])
    assert done.exit_code == 0, done.output
    first = (out / "report.html").read_text()
    (out / "report.html").unlink()
    rebuilt = runner.invoke(app, ["report", str(out)])
    assert rebuilt.exit_code == 0, rebuilt.output
    again = (out / "report.html").read_text()
    strip = lambda text: re.sub(r"Run time</dt><dd>[^<]*", "", text)  # noqa: E731
    assert strip(again) == strip(first)
    assert "▲" in again or "▼" in again or "p = " in again  # paired differences survive the round trip


def test_chansim_report_on_a_folder_without_a_result_exits_2(tmp_path):
    done = runner.invoke(app, ["report", str(tmp_path)])
    assert done.exit_code == 2
    assert "RUN_DIR" in done.output and "no run result" in done.output


# ------------------------------------------------------------------ figures
@pytest.mark.parametrize("name", figures.FIGURES)
def test_nothing_is_cut_off(run, name):
    """Everything drawn (titles, legends below the axes, the note under the
    figure) lies within the figure at the size it is made, not only once
    saved with a tight box: with long names too."""
    long = _rename(run, {"today": "today, as the contact center runs it " * 3,
                         "more-phones": "three more agents on the phones " * 3},
                   scenario_name="a retailer with a very long scenario name " * 6)
    for result in (run, long):
        fig = getattr(figures, name)(result)
        drawn = fig.get_tightbbox(renderer(fig))  # inches
        page = fig.bbox_inches
        tolerance = 0.02
        assert drawn.x0 >= page.x0 - tolerance and drawn.y0 >= page.y0 - tolerance, (name, drawn, page)
        assert drawn.x1 <= page.x1 + tolerance and drawn.y1 <= page.y1 + tolerance, (name, drawn, page)


def test_frontier_labels_never_overlap_even_for_near_identical_strategies(run):
    base = run.strategies[0]
    crowd = [dataclasses.replace(base, name=f"strategy number {i}",
                                 kpis={**base.kpis, "cost_per_contact": base.kpis["cost_per_contact"] + 0.001 * i,
                                       "csat": base.kpis["csat"] + 0.001 * (i % 3)})
             for i in range(7)]
    fig = figures.frontier(dataclasses.replace(run, strategies=crowd))
    rend = renderer(fig)
    ax = fig.axes[0]
    labels = [t for t in ax.texts if "strategy number" in t.get_text() or t.get_text().strip().isdigit()]
    assert len(labels) == 7
    assert overlapping([box(t, rend, pad=0) for t in labels]) == []


def test_cost_labels_never_collide(run):
    names = [f"a long strategy name {i}" for i in range(8)]
    rows = [{"strategy": n, "replication": r, "contacts": 1000.0, "cost_labor": 5000.0 + 10 * i,
             "cost_channel": 30.0 + i, "cost_bot": 20.0}
            for i, n in enumerate(names) for r in range(2)]
    strategies = [dataclasses.replace(run.strategies[0], name=n) for n in names]
    result = dataclasses.replace(run, strategies=strategies, replication_kpis=pd.DataFrame(rows),
                                 costs=pd.DataFrame())
    fig = figures.cost_breakdown(result)
    rend = renderer(fig)
    ax = fig.axes[0]
    values = [t for t in ax.texts if t.get_text().strip()]
    assert len(values) >= 8 * 3  # in-bar labor, thin parts beside, totals on top
    assert overlapping([box(t, rend, pad=0) for t in values]) == []
    top = ax.get_window_extent(rend).y1
    assert all(box(t, rend, pad=0).y1 <= top + 1 for t in values)


def test_sweep_out_writes_a_report_and_chansim_report_rebuilds_it(tmp_path):
    out = tmp_path / "sweep"
    done = runner.invoke(app, ["sweep", str(SMALL), "--set", "agents.pools.phones.headcount=8,10", "--strategy",
                               "today", "--replications", "2", "--kpi", "service_level", "--quiet", "--format", "json",
                               "--out", str(out)])
    assert done.exit_code == 0, done.output
    page = (out / "report.html").read_text()
    assert page.count("<svg") == 1 and "<script" not in page
    table = page[page.index('<section id="sweep-table">'):]
    assert table.count("<tr>") == 1 + 2  # header and one row per point
    assert "agents.pools.phones.headcount" in table and " %" in table
    (out / "report.html").unlink()
    assert runner.invoke(app, ["report", str(out), "--quiet"]).exit_code == 0
    assert (out / "report.html").read_text().count("<svg") == 1


def test_staff_out_writes_a_report_and_chansim_report_rebuilds_it(tmp_path):
    out = tmp_path / "staff"
    done = runner.invoke(app, ["staff", str(SMALL), "--pool", "phones", "--target", "service_level>=0.8",
                               "--replications", "2", "--set", "days=0.25", "--quiet", "--format", "json",
                               "--out", str(out)])
    assert done.exit_code == 0, done.output
    from chansim.report.staffing_files import STAFF_FILES

    assert sorted(p.name for p in out.iterdir()) == sorted(STAFF_FILES + (".chansim-result.json",))
    page = (out / "report.html").read_text()
    answer_part = page[page.index('<section id="answer">'):page.index('<section id="assumptions">')]
    assert "phones" in answer_part and "service_level&gt;=0.8" in answer_part and "agents" in answer_part
    assert ("yes" in answer_part) == ('"meets_targets": true' in done.stdout)
    (out / "report.html").unlink()
    assert runner.invoke(app, ["report", str(out), "--quiet"]).exit_code == 0
    assert (out / "report.html").read_text() == page


def test_slot_utilisation_by_hour_when_the_staffing_log_records_held_slots(run):
    from chansim.report.html import HELD_SLOTS_COLUMN

    page = render_report(run)  # the engine logs the slots held: the grid is there
    assert 'id="occupancy-by-hour"' in page and 'id="slot_utilisation-by-hour"' in page
    bare = dataclasses.replace(run.log, staffing=run.log.staffing.drop(columns=[HELD_SLOTS_COLUMN]))
    assert 'id="slot_utilisation-by-hour"' not in render_report(dataclasses.replace(run, log=bare))
    staffing = run.log.staffing.copy()
    # every slot of the digital pool held half of the time: 50 % in every hour someone is on shift
    concurrency = {"phones": 1, "digital": 3}
    staffing[HELD_SLOTS_COLUMN] = (0.5 * staffing["staffed"] * staffing["interval_s"]
                                   * staffing["pool"].astype(str).map(concurrency))
    page = render_report(dataclasses.replace(run, log=dataclasses.replace(run.log, staffing=staffing)))
    grid = page[page.index('id="slot_utilisation-by-hour"'):]
    grid = grid[:grid.index("</table>")]
    cells = re.findall(r'<td class="h[^"]*">([^<]*)</td>', grid)
    assert len(cells) == 24 * 2 * len(run.strategies)
    assert {c for c in cells if c} == {"50"}
