"""The KPI reference (``docs/reference/kpis.md``) and the KPI parts of the CI
guide (``docs/ci.md``), from the KPI table and the tolerances of
``chansim check``."""

from __future__ import annotations

import inspect
from typing import Any

from chansim.cli.docgen_text import cell, md

__all__ = ["kpi_reference", "ci_sections"]


def kpi_reference() -> str:
    """The Markdown of ``docs/reference/kpis.md``: the KPI table."""
    from chansim.kpis import address
    from chansim.kpis.table import KPIS

    out = [
        "# KPI reference",
        "",
        "Generated from `chansim/kpis/table.py` by `python -m chansim.cli.docgen`; do not edit by hand.",
        "",
        "Every KPI, in the order of the tables, JSON and CSV. *Direction* is what `compare` ranks (★) and what "
        "`optimize` may use as an objective; *check group* and *tolerance* are those of `chansim check` when the "
        "simulation moved (plus 3 × the baseline's 95 % CI half-width); a *model* KPI is priced or scored from the "
        "log by a pure function, so it must match its baseline exactly while the simulation itself is unchanged.",
        "",
        "| KPI | kind | direction | check group | tolerance (rel, abs) | model | definition |",
        "|---|---|---|---|---|---|---|",
    ]
    for k in KPIS:
        rel, abs_ = k.tolerance
        out.append(f"| `{k.key}` | {k.kind} | {k.direction} | {k.group} | {rel:g}, {abs_:g} | "
                   f"{'yes' if k.model else ''} | {cell(k.description)} |")
    from chansim.kpis import metrics, sample

    def verbatim(module: Any) -> str:
        return md(inspect.getdoc(module) or "")

    out += ["", "## Breakdowns", "", verbatim(address), "",
            "## How breakdowns count contacts", "", verbatim(sample), "",
            "## How breakdowns share costs", "", verbatim(metrics), ""]
    return "\n".join(out)



# ------------------------------------------------------------ the CI guide
def _listed(keys: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f"`{k}`" for k in keys)


def _floor(kind: str, value: float) -> str:
    """An absolute floor of a band, in the units of its KPI kind."""
    if kind == "money":
        return f"{value:g}" + (" (a cent)" if value == 0.01 else "")
    if kind == "seconds":
        return f"{value:g} s"
    if kind == "hours":
        return f"{value:g} h"
    if kind == "share":
        points = round(100 * value, 9)
        return f"{value:g} (" + ("one point" if points == 1 else f"{points:g} points") + ")"
    if kind == "score":
        return f"{value:g} (of 1–5)"
    return f"{value:g}"


def ci_sections() -> dict[str, str]:
    """The parts of ``docs/ci.md`` that list KPIs, by name: ``kpi-kinds`` (model
    and simulation KPIs), ``kpi-bands`` (the band of each KPI when the
    simulation moved) and ``kpi-groups`` (one JUnit test case per group)."""
    from chansim.kpis.table import KPIS
    from chansim.studies.check import DEFAULT_TOLERANCES, KPI_GROUPS, MODEL_KPIS, SIMULATION_KPIS

    kinds = "\n".join([f"- *Model KPIs*: {_listed(MODEL_KPIS)}.",
                       f"- *Simulation KPIs*: {_listed(SIMULATION_KPIS)}."])

    bands: dict[tuple[str, float, float, float], list[str]] = {}
    for k in KPIS:
        tol = DEFAULT_TOLERANCES[k.key]
        bands.setdefault((k.kind, tol.rel, tol.abs, tol.ci), []).append(k.key)
    rows = ["| KPIs | rel | abs | ci |", "|------|-----|-----|----|"]
    for (kind, rel, abs_, ci), keys in bands.items():
        rows.append(f"| {_listed(keys)} | {f'{100 * rel:g} %' if rel else '—'} | {_floor(kind, abs_)} | "
                    f"{f'{ci:g} × ci95' if ci else '—'} |")

    groups = ["| group | KPIs |", "|-------|------|"]
    groups += [f"| `{group}` | {_listed(keys)} |" for group, keys in KPI_GROUPS.items()]
    return {"kpi-kinds": kinds, "kpi-bands": "\n".join(rows), "kpi-groups": "\n".join(groups)}
