"""What every report page shares: the file name, the Jinja2 environment of
the templates (autoescaping on), figures as inline SVG, and what a page tells
of a scenario. The run report (:mod:`.html`) and the pages of studies
(:mod:`.study_pages`) build on it."""

from __future__ import annotations

import io
import re
from typing import Any

__all__ = ["REPORT_FILE", "environment", "svg", "scenario_summary"]

REPORT_FILE = "report.html"


def environment():
    """The Jinja2 environment of the report templates: autoescaping on for every template."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(loader=PackageLoader("chansim.report", "templates"),
                      autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env


_SVG_HEAD = re.compile(r"\A.*?(?=<svg)", re.S)
_SVG_COMMENT = re.compile(r"<!--.*?-->", re.S)


def svg(fig, prefix: str = "") -> str:
    """A matplotlib figure as inline SVG markup (no XML prolog, no comments,
    no date; ids salted so two runs give the same text, and prefixed with
    ``prefix`` so figures sharing a page never share an id), then closed."""
    import matplotlib

    from chansim.report.figures.style import pyplot

    plt = pyplot()
    buffer = io.StringIO()
    try:
        with matplotlib.rc_context({"svg.hashsalt": "chansim", "svg.fonttype": "path"}):
            fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight", pad_inches=0.15)
    finally:
        plt.close(fig)
    text = _SVG_COMMENT.sub("", _SVG_HEAD.sub("", buffer.getvalue()))
    if prefix:
        text = re.sub(r'(\bid="|href="#|url\(#)', lambda m: m.group(1) + prefix, text)
    # scale with the page: keep the drawing's aspect ratio through its viewBox
    return re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 role="img" class="figure"', text, count=1)


def scenario_summary(sc) -> dict[str, Any]:
    """What the assumptions section tells of a scenario (its strategies included)."""
    demand = sc.demand
    channels = []
    for name, ch in sc.channels.items():
        channels.append({"name": name, "target": "—" if ch.service_level_target_s is None
                         else f"{ch.service_level_target_s:g} s"})
    strategies = [{"name": st.name, "description": st.description, "offer": ", ".join(st.offer),
                   "changes": ", ".join(f"{k} = {v}" for k, v in (st.set or {}).items())} for st in sc.strategies]
    pools = []
    for p in sc.agents.pools:
        staffing = (f"{p.headcount} agents" if p.headcount is not None
                    else f"schedule, peak {max(p.schedule)} agents" if getattr(p, "schedule", None) else "—")
        pools.append({"name": p.name, "channels": ", ".join(p.channels), "staffing": staffing,
                      "concurrency": p.concurrency, "cost": f"{sc.currency} {p.cost_per_hour:,.2f} / h"})
    return {
        "name": sc.name, "description": sc.description, "market": sc.market, "currency": sc.currency,
        "start_date": str(sc.start_date), "days": f"{sc.days:g}", "warmup_hours": f"{sc.warmup_hours:g}",
        "contacts_per_day": f"{demand.contacts_per_day:,.0f}",
        "segments": ", ".join(f"{s.name} ({100 * s.share:.0f} %)" for s in demand.segments),
        "intents": ", ".join(f"{i.name} ({100 * i.share:.0f} %)" for i in demand.intents),
        "channels": channels, "pools": pools, "strategies": strategies,
        "markup": f"{100 * sc.pricing.markup:.0f} %",
    }
