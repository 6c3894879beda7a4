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
from chansim.scenario.models import Decision
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
def fake(per_strategy: dict[str, dict[str, list[float | None]]], channels: dict[str, dict] | None = None):
    rows, strategies = [], []
    for name, kpis in per_strategy.items():
        n = len(next(iter(kpis.values())))
        for r in range(n):
            rows.append({"strategy": name, "replication": r, **{k: v[r] for k, v in kpis.items()}})
        means = {k: (float(np.mean(v)) if None not in v else None) for k, v in kpis.items()}
        by_channel = (channels or {}).get(name, {})
        doc = {"name": name, "kpis": means, "ci95": {k: 0.01 for k in kpis}, "by_channel": by_channel,
               "by_channel_ci95": {c: {k: 0.01 for k in v} for c, v in by_channel.items()}}
        strategies.append(SimpleNamespace(name=name, kpis=means, to_dict=lambda doc=doc: doc))
    result = SimpleNamespace(strategies=strategies, replication_kpis=pd.DataFrame(rows),
                             scenario=SimpleNamespace(decision=Decision(require=["voice.service_level >= 0.8",
                                                                                 "webchat.service_level >= 0.8"])))
    result.strategy = lambda name: next(s for s in strategies if s.name == name)
    return result


def test_answer_is_the_cheapest_per_issue_meeting_every_channel_target_and_names_what_it_gives_up():
    result = fake({
        "today": {"cost_per_issue": [9.0, 9.2, 9.1], "service_level": [0.90, 0.91, 0.92], "csat": [4.1, 4.2, 4.0]},
        "lean": {"cost_per_issue": [6.0, 6.1, 6.2], "service_level": [0.85, 0.86, 0.85], "csat": [3.9, 4.0, 3.8]},
        "bot": {"cost_per_issue": [7.0, 7.3, 7.1], "service_level": [0.85, 0.84, 0.86], "csat": [3.9, 4.0, 3.8]},
    }, channels={  # lean's pooled service level hides its web chat
        "today": {"voice": {"service_level": 0.9}, "webchat": {"service_level": 0.9}},
        "lean": {"voice": {"service_level": 0.95}, "webchat": {"service_level": 0.6}},
        "bot": {"voice": {"service_level": 0.85}, "webchat": {"service_level": 0.85}},
    })
    a = answer(result)
    assert a.strategy == "bot" and a.meets_goal and a.cost_kpi == "cost_per_issue"
    assert set(a.meeting) == {"today", "bot"}
    assert a.decision.standing("lean").misses[0].requirement == "webchat.service_level >= 0.8"
    gave_up = {t.kpi: t for t in a.tradeoffs}
    assert gave_up["service_level"].better_strategy == "today"
    assert gave_up["service_level"].diff == pytest.approx(0.06)
    assert gave_up["csat"].better_strategy == "today"
    assert "cost_per_issue" not in gave_up  # cost is what it wins on


def test_no_strategy_meeting_the_requirements_gives_the_closest_flagged_and_cost_per_contact_stands_in():
    result = fake({
        "a": {"cost_per_issue": [None, None], "cost_per_contact": [5.0, 5.0]},
        "b": {"cost_per_issue": [None, None], "cost_per_contact": [4.0, 4.0]},
    }, channels={"a": {"voice": {"service_level": 0.5}}, "b": {"voice": {"service_level": 0.6}}})
    assert cost_kpi(result) == "cost_per_contact"
    a = answer(result)
    assert (a.strategy, a.meets_goal, a.meeting) == ("b", False, ())
    assert any("cost_per_contact stands in" in note for note in a.decision.assumed)


def test_the_first_screen_states_the_rule_and_the_misses(run):
    page = render_report(run)
    answer_part = page[page.index('<section id="answer">'):page.index('<section id="comparison">')]
    assert 'id="decision-rule"' in answer_part and "lowest cost_per_issue among the strategies" in answer_part
    assert "voice.service_level &gt;= 0.8" in answer_part  # the default requirement, one per channel with a target
    assert "80 % is assumed" in answer_part
    misses = [s.strategy for s in answer(run).decision.standings if s.misses]
    for name in misses:
        assert f"{name} excluded:" in answer_part


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


# ------------------------------------------------------------------ the page as a director reads it
class _Dom:
    """A minimal DOM of an HTML page (the standard library's parser): each
    element's tag, attributes, text and children."""

    def __init__(self, page: str):
        from html.parser import HTMLParser

        self.root = {"tag": "#root", "attrs": {}, "children": [], "text": []}
        stack = [self.root]
        void = {"meta", "br", "img", "link", "input", "hr", "path", "use", "rect", "circle", "line", "stop"}

        class Parser(HTMLParser):
            def handle_starttag(self, tag, attrs):
                node = {"tag": tag, "attrs": dict(attrs), "children": [], "text": []}
                stack[-1]["children"].append(node)
                if tag not in void:
                    stack.append(node)

            def handle_endtag(self, tag):
                for i in range(len(stack) - 1, 0, -1):
                    if stack[i]["tag"] == tag:
                        del stack[i:]
                        break

            def handle_data(self, data):
                stack[-1]["children"].append(data)

        Parser(convert_charrefs=True).feed(page)

    def all(self, node=None):
        node = node or self.root
        for child in node["children"]:
            if isinstance(child, dict):
                yield child
                yield from self.all(child)

    def by_id(self, ident: str):
        return next(n for n in self.all() if n["attrs"].get("id") == ident)

    def find(self, node, tag: str) -> list:
        return [n for n in self.all(node) if n["tag"] == tag]

    @staticmethod
    def text(node) -> str:
        return "".join(c if isinstance(c, str) else _Dom.text(c) for c in node["children"])


@pytest.fixture(scope="module")
def office_hours_run(tmp_path_factory):
    """The small scenario open 07:00-21:00 on weekdays, closed on 2026-01-06, over two days."""
    import yaml

    doc = yaml.safe_load(SMALL.read_text())
    for ch in ("voice", "webchat"):
        doc["channels"][ch]["hours"] = {"mon-fri": "07:00-21:00", "closed": ["2026-01-06"]}
    doc["channels"]["webchat"]["while_closed"] = "offline"
    doc["days"], doc["strategies"] = 2, doc["strategies"][:2]
    doc["agents"]["pools"][0] = {"name": "phones", "channels": ["voice"], "cost_per_hour": 40, "shifts": [
        {"name": "early", "start": "07:00", "hours": 8, "days": "mon-fri", "agents": 9,
         "breaks": [{"after_h": 4, "minutes": 30}]},
        {"name": "late", "start": "13:00", "hours": 8, "days": "mon-fri", "agents": 9}]}
    path = tmp_path_factory.mktemp("hours") / "hours.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return simulate(load_scenario(path, {"replications": 2}), log="messages")


def test_closed_hours_show_as_closed_with_no_service_level(office_hours_run):
    dom = _Dom(render_report(office_hours_run))
    table = dom.by_id("service-level-by-hour")
    rows = [[_Dom.text(td) for td in dom.find(tr, "td")][1:] for tr in dom.find(table, "tr")[1:]]
    assert len(rows) == 2 and all(len(r) == 24 for r in rows)
    for cells in rows:
        assert cells[:7] == ["closed"] * 7 and cells[21:] == ["closed"] * 3  # 00:00-07:00 and from 21:00
        assert all(c.isdigit() for c in cells[7:21])  # every open hour has its service level
    # the figure draws no point in a closed hour
    fig = figures.service_by_hour(office_hours_run)
    lines = [line for line in fig.axes[0].get_lines() if len(line.get_xdata()) == 24]
    assert lines
    for line in lines:
        y = np.asarray(line.get_ydata(), dtype=float)
        assert np.isnan(y[:7]).all() and np.isnan(y[21:]).all() and not np.isnan(y[7:21]).any()


def test_the_cost_chart_is_per_issue_when_the_answer_is_and_its_legend_names_every_channel(office_hours_run):
    assert office_hours_run.scenario.decision.objective == "cost_per_issue"
    fig = figures.cost_breakdown(office_hours_run)
    ax = fig.axes[0]
    assert "per issue" in ax.get_ylabel() and "issue" in ax.get_title(loc="left")
    parts = figures.cost_components(office_hours_run, "issue")
    for s in office_hours_run.strategies:
        assert parts.loc[s.name].sum() == pytest.approx(s.kpis["cost_per_issue"])
    legend = " ".join(t.get_text() for t in ax.get_legend().get_texts())
    priced = set(office_hours_run.costs.loc[office_hours_run.costs["cost"] > 0, "channel"].astype(str)) - {"voice"}
    assert priced and all(ch in legend for ch in priced)
    per_contact = dataclasses.replace(office_hours_run, scenario=office_hours_run.scenario.with_overrides(
        {"decision.objective": "cost_per_contact"}))
    assert "per contact" in figures.cost_breakdown(per_contact).axes[0].get_ylabel()
    caption = _Dom.text(_Dom(render_report(office_hours_run)).by_id("figure-cost_breakdown"))
    assert "Cost per issue" in caption


def test_the_assumptions_list_hours_closed_dates_shifts_breaks_routing_and_warm_up(office_hours_run):
    page = render_report(office_hours_run)
    dom = _Dom(page)
    hours = {(cells := [_Dom.text(td) for td in dom.find(tr, "td")])[0]: cells[1:]
             for tr in dom.find(dom.by_id("opening-hours"), "tr")[1:]}
    assert hours["voice"] == ["20 s", "mon-fri 07:00-21:00; other days closed", "2026-01-06", "work down", "—"]
    assert hours["webchat"][1:] == ["mon-fri 07:00-21:00; other days closed", "2026-01-06", "work down", "offline"]
    pools = {(cells := [_Dom.text(td) for td in dom.find(tr, "td")])[0]: cells[2]
             for tr in dom.find(dom.by_id("channels-and-pools"), "tr")[1:]}
    assert pools["phones"] == ("shifts: early: 07:00 for 8 h, mon-fri, 9 agents (breaks: 30 min after 4 h); "
                               "late: 13:00 for 8 h, mon-fri, 9 agents")
    assert "most free slots" in _Dom.text(dom.by_id("routing"))
    assert "1 day simulated before 2026-01-05" in _Dom.text(dom.by_id("warmup"))
    limits = page[page.index("What the model leaves out"):]
    assert "breaks and absence are shrinkage" not in limits and "breaks of shifts are gaps" in limits


def test_the_kpi_table_leads_with_the_decision_and_folds_the_rest(office_hours_run):
    dom = _Dom(render_report(office_hours_run))
    lead = [_Dom.text(dom.find(tr, "th")[0]) for tr in dom.find(dom.by_id("comparison-table"), "tr")[1:]]
    assert lead[0].startswith("cost_per_issue")
    assert any(t.startswith("voice.service_level") for t in lead[1:3])
    assert any(t.startswith("webchat.service_level") for t in lead[1:3])
    assert any(t.startswith("abandon_rate") for t in lead[3:])
    assert len(lead) <= 8  # the answer's KPIs only; the rest is folded
    folded = dom.by_id("other-kpis")
    assert folded["tag"] == "details" and "open" not in folded["attrs"]
    others = [_Dom.text(dom.find(tr, "th")[0]) for tr in dom.find(folded, "tr")[1:]]
    assert others and not any(o.startswith("cost_per_issue") for o in others)


def test_the_optimize_table_shows_values_not_python_reprs(monkeypatch):
    from matplotlib.figure import Figure

    from chansim.report import study_pages

    monkeypatch.setattr(study_pages, "trials_figure", lambda result: Figure())
    paths = ["strategies.bot.ivr_deflection", "offer", "agents.pools.phones.headcount"]
    frontier = pd.DataFrame([{"name": "frontier-1", paths[0]: {"to": "sms", "share": 0.3}, paths[1]: ["voice", "sms"],
                              paths[2]: 12, "cost_per_issue": 7.714, "cost_per_issue_ci95": 0.2,
                              "service_level": 0.83, "abandon_rate": 0.05, "csat": 4.1}])
    space = SimpleNamespace(paths=paths, objectives=[SimpleNamespace(address="cost_per_issue", sign=-1)],
                            constraints=[], strategy="bot", seed=1)
    result = SimpleNamespace(space=space, frontier=frontier, closest=[], trials=frontier,
                             scenario=SimpleNamespace(name="s", currency="USD", seed=1), evaluations=4,
                             replications_run=8, stopped="budget")
    dom = _Dom(study_pages.render_optimize_report(result))
    table = dom.by_id("optimize-table")
    cells = [_Dom.text(td) for td in dom.find(table, "td")]
    assert cells[:4] == ["frontier-1", "to: sms, share: 0.3", "voice, sms", "12"]
    assert "USD 7.71± 0.20" in cells and "83.0 %" in cells
    assert not any("{" in c or "[" in c or "'" in c for c in cells)
    assert "fit" in table["attrs"]["class"]  # wraps within the page instead of overflowing


# ------------------------------------------------------------------ AI agents
AI_VENDORS = Path(__file__).parent.parent / "scenarios" / "ai-vendors.yaml"


@pytest.fixture(scope="module")
def ai_run():
    return simulate(load_scenario(AI_VENDORS, {"days": 1, "replications": 1}))


def test_the_ai_agents_section_breaks_cost_bot_down_and_gives_the_crossover(ai_run):
    page = render_report(ai_run)
    dom = _Dom(page)
    assert '<a href="#ai-agents">' in page
    assert page.index('<section id="costs">') < page.index('<section id="ai-agents">') < page.index(
        '<section id="service">')
    costs = {cells[0]: cells for cells in ([_Dom.text(td) for td in dom.find(tr, "td")]
                                          for tr in dom.find(dom.by_id("ai-costs"), "tr")) if cells}
    assert "own-staff" not in costs  # no AI card: not in the section
    assert set(costs) == {"vendor-per-outcome", "vendor-per-action", "assist-only", "per-outcome-at-80",
                          "per-action-at-80"}
    outcome = ai_run.strategy("vendor-per-outcome").kpis
    assert f"cost_bot_per_outcome: USD {outcome['cost_bot_per_outcome']:,.2f}" in costs["vendor-per-outcome"][3]
    assert "cost_bot_per_action" in costs["vendor-per-action"][3]
    assert "cost_labor_assist_seats" in costs["assist-only"][3] and costs["assist-only"][5] == "—"
    webchat = ai_run.strategy("vendor-per-outcome").by_channel["webchat"]
    assert costs["vendor-per-outcome"][5] == f"{100 * webchat['contained'] / webchat['contacts']:.1f} %"

    crossing = 0.10 * 6 / 0.99  # per action: $0.10 × 6 actions a session, against $0.99 per resolution
    rows = {cells[0]: cells for cells in ([_Dom.text(td) for td in dom.find(tr, "td")]
                                         for tr in dom.find(dom.by_id("ai-crossovers"), "tr")) if cells}
    assert set(rows) == {"vendor-per-outcome", "per-outcome-at-80"}
    for name, row in rows.items():
        assert row[3] == f"{100 * crossing:.1f} %"
        modelled = float(row[4].rstrip(" %")) / 100
        assert row[5] == ("Intercom Fin" if modelled < crossing else "Salesforce Agentforce (Flex Credits)")
    # the line model agrees with the simulated bills: below the crossover Fin costs less, above it more
    assert float(rows["vendor-per-outcome"][4].rstrip(" %")) / 100 < crossing < float(
        rows["per-outcome-at-80"][4].rstrip(" %")) / 100
    bot = {s.name: s.kpis["cost_bot"] for s in ai_run.strategies}
    assert bot["vendor-per-outcome"] < bot["vendor-per-action"] and bot["per-action-at-80"] < bot["per-outcome-at-80"]
    readings = _Dom.text(dom.by_id("ai-crossover-readings"))
    assert f"{100 * crossing:.1f} % containment" in readings


def test_no_ai_agents_section_without_an_ai_card(run):
    page = render_report(run)
    assert 'id="ai-agents"' not in page and "#ai-agents" not in page
