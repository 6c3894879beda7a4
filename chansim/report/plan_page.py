"""A hiring plan on a page: the plan section (summary, figures, classes),
which any report can include (``plan_section.html.j2`` with the context of
:func:`plan_context`), and the plan's own report page."""

from __future__ import annotations

from typing import Any

from chansim.report.page import environment, scenario_summary, svg
from chansim.report.plan_figures import PLAN_FIGURES

__all__ = ["plan_context", "render_plan_section", "render_plan_report"]


def plan_context(result, *, figures: bool = True) -> dict[str, Any]:
    """What ``plan_section.html.j2`` shows, as its ``plan`` variable."""
    from chansim.studies.plan import RISK_LEVEL

    pools = [{"name": name, "hires": f"{s['hires']:.0f}", "leavers": f"{s['leavers']:.1f}",
              "start": f"{s['headcount_start']:.1f}", "end": f"{s['headcount_end']:.1f}", "cost": f"{s['cost']:,.0f}",
              "expected": f"{s['expected_cost']:,.0f}", "risky": s["weeks_at_risk"]}
             for name, s in result.summary().items()]
    w = result.weekly
    classes = [{"pool": r.pool, "week": int(r.week), "start": str(r.week_start), "size": f"{r.hires_starting:.0f}"}
               for r in w[w["hires_starting"] > 0].itertuples()]
    return {"what": "Your hiring plan, evaluated" if result.user_plan else "The cheapest hiring plan",
            "start": str(result.start), "weeks": int(w["week"].max()), "currency": result.currency,
            "targets": ", ".join(result.targets) or "given requirements", "notes": " ".join(result.notes),
            "paths": result.paths, "risk_level": f"{100 * RISK_LEVEL:.0f} %", "pools": pools, "classes": classes,
            "figures": [svg(make(result), prefix=f"{stem}-") for stem, make in PLAN_FIGURES.items()] if figures else []}


def render_plan_section(result, *, figures: bool = True) -> str:
    """The plan section alone, as HTML to place in another report."""
    return environment().get_template("plan_section.html.j2").render(plan=plan_context(result, figures=figures))


def render_plan_report(result, scenario) -> str:
    """The report page of a plan: the plan section, then the scenario's assumptions."""
    from chansim.version import __version__

    return environment().get_template("plan.html.j2").render(
        title=f"{scenario.name}: hiring plan from {result.start}", plan=plan_context(result),
        scenario=scenario_summary(scenario), generated_by=f"chansim {__version__}")
