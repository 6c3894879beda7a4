"""What every report page shares: the file name, the Jinja2 environment of
the templates (autoescaping on), figures as inline SVG, and what a page tells
of a scenario. The run report (:mod:`.html`) and the pages of studies
(:mod:`.study_pages`) build on it."""

from __future__ import annotations

import io
import re
from typing import Any

from chansim.report.formats import fmt_value

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


def _hours_text(hours) -> str:
    """A channel's opening hours as written (``mon-fri 07:00-21:00; sun closed``), ``24/7`` without any."""
    if hours is None:
        return "24/7"
    parts = []
    for key, value in hours.items():
        if key == "closed":
            continue
        ranges = ", ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)
        parts.append(f"{key} {ranges}")
    return "; ".join(parts) + ("; other days closed" if parts and "daily" not in hours else "") if parts else "closed"


def _closed_dates(hours) -> str:
    if not hours or not hours.get("closed"):
        return ""
    values = hours["closed"] if isinstance(hours["closed"], (list, tuple)) else [hours["closed"]]
    return ", ".join(str(v) for v in sorted(values, key=str))


def _shift_text(shift) -> str:
    """``early: 07:00 for 8 h, mon-fri, 12 agents (breaks: 30 min after 4 h)``."""
    days = shift.days if isinstance(shift.days, str) else ",".join(shift.days)
    breaks = "; ".join(f"{b.minutes:g} min after {b.after_h:g} h" for b in shift.breaks)
    return (f"{shift.name}: {shift.start} for {shift.hours:g} h, {days}, {shift.agents} agents"
            + (f" (breaks: {breaks})" if breaks else ""))


def _staffing_text(p) -> str:
    """A pool's roster in words: headcount, a schedule's peak, or each shift with its breaks."""
    if p.headcount is not None:
        return f"{p.headcount} agents at every hour"
    if p.shifts is not None:
        return "shifts: " + "; ".join(_shift_text(s) for s in p.shifts)
    if isinstance(p.schedule, dict):
        peak = max((v for day in p.schedule.values() for v in day), default=0)
        return f"schedule by weekday ({', '.join(p.schedule)}), every {p.interval_minutes} min, peak {peak} agents"
    if p.schedule:
        return f"schedule every {p.interval_minutes} min, peak {max(p.schedule)} agents"
    return "no one on shift"


def scenario_summary(sc) -> dict[str, Any]:
    """What the assumptions section tells of a scenario (its strategies
    included): demand, each channel's target and opening hours (closed dates,
    what happens at closing and to messaging while closed), each pool's
    roster (shifts and breaks), the routing policies and the warm-up."""
    demand = sc.demand
    channels = []
    for name, ch in sc.channels.items():
        channels.append({"name": name, "target": "—" if ch.service_level_target_s is None
                         else f"{ch.service_level_target_s:g} s", "hours": _hours_text(ch.hours),
                         "closed": _closed_dates(ch.hours) or "—",
                         "at_close": ch.at_close.replace("_", " ") if ch.hours is not None else "—",
                         "while_closed": ch.while_closed if ch.hours is not None and name != "voice" else "—"})
    strategies = [{"name": st.name, "description": st.description, "offer": ", ".join(st.offer),
                   "changes": _changes(st.set)} for st in sc.strategies]
    pools = []
    for p in sc.agents.pools:
        paid = " (kept and paid on closed dates)" if getattr(p, "paid_on_closed_dates", False) else ""
        pools.append({"name": p.name, "channels": ", ".join(p.channels), "staffing": _staffing_text(p) + paid,
                      "concurrency": p.concurrency, "cost": f"{sc.currency} {p.cost_per_hour:,.2f} / h"})
    routing = sc.agents.routing
    spill = "" if routing.spill_after_s is None else f", spilling after {routing.spill_after_s:g} s"
    return {
        "name": sc.name, "description": sc.description, "market": sc.market, "currency": sc.currency,
        "start_date": str(sc.start_date), "days": f"{sc.days:g}", "warmup_hours": f"{sc.warmup_hours:g}",
        "warmup_days": sc.warmup_days,
        "contacts_per_day": f"{demand.contacts_per_day:,.0f}",
        "segments": ", ".join(f"{s.name} ({100 * s.share:.0f} %)" for s in demand.segments),
        "intents": ", ".join(f"{i.name} ({100 * i.share:.0f} %)" for i in demand.intents),
        "channels": channels, "pools": pools, "strategies": strategies,
        "routing": (f"new conversations to the agent: {routing.agent.replace('_', ' ')}{spill}; next contact "
                    f"taken: {routing.queue.replace('_', ' ')}; replies written: {routing.replies.replace('_', ' ')}"),
        "shrinkage": f"{100 * sc.agents.shrinkage:.0f} %",
        "markup": f"{100 * sc.pricing.markup:.0f} %",
    }


def _changes(changes) -> str:
    """A strategy's ``set`` as ``path = value`` pairs, values in words (no Python reprs)."""
    return ", ".join(f"{k} = {fmt_value(v, k)}" for k, v in (changes or {}).items())
