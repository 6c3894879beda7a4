"""``chansim staff --out DIR``: the staffing answer, the scenario searched and
its HTML report, written whole or not at all, and read back for ``chansim
report``."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from chansim.errors import InputError, Problem
from chansim.report.stored import read_json, read_stored_scenario
from chansim.scenario.models import Scenario
from chansim.studies.staffing.result import PoolStaffing, StaffingResult
from chansim.kpis.goals import CONVENTION, parse_target

__all__ = ["STAFF_FILES", "check_staff_dir", "write_staff_dir", "read_staff_dir"]

#: Files in a ``chansim staff --out`` directory; the first marks an earlier one.
STAFF_FILES = ("staffing.json", "scenario.yaml", "report.html")
_WHAT = "chansim staffing result"


def check_staff_dir(out) -> None:
    """Refuse early (before searching) an ``--out`` we could not write."""
    from chansim.runtime import outdir

    outdir.check_out_dir(out, _WHAT)


def write_staff_dir(result: StaffingResult, scenario: Scenario, out) -> Path:
    """Write ``staffing.json`` (the ``--format json`` document), the scenario
    searched (``scenario.yaml``) and ``report.html`` into ``out``."""
    from chansim.runtime import outdir
    from chansim.report import jsonable
    from chansim.report.study_pages import render_staff_report

    with outdir.staged_dir(out, _WHAT) as folder:
        (folder / "staffing.json").write_text(json.dumps(jsonable(result.to_dict()), indent=2, allow_nan=False) + "\n",
                                              encoding="utf-8")
        (folder / "scenario.yaml").write_text(
            yaml.safe_dump(jsonable(scenario.to_dict()), sort_keys=False, allow_unicode=True), encoding="utf-8")
        (folder / "report.html").write_text(render_staff_report(result, scenario), encoding="utf-8")
    return Path(out)


_ROSTER = ("headcount", "schedule", "shifts", "interval_minutes")
_LABOR = ("fte", "cost_labor", "staffed_hours", "paid_hours")


def read_staff_dir(folder) -> tuple[StaffingResult, Scenario]:
    """The staffing result and scenario stored by :func:`write_staff_dir`."""
    folder = Path(folder)
    doc = read_json(folder / "staffing.json", what="staffing result")
    if not isinstance(doc, dict) or not isinstance(doc.get("pools"), dict) or \
            not all(isinstance(p, dict) for p in doc["pools"].values()):
        raise InputError(Problem("pools", "not a chansim staffing result (no mapping of pools); was it written by "
                                          "chansim staff --out?"), source=str(folder / "staffing.json"))
    problems = [Problem(f"pools.{name}.{path}" if path else f"pools.{name}", why)
                for name, p in doc["pools"].items() for path, why in _pool_problems(p)]
    if problems:
        raise InputError(problems[:5], source=str(folder / "staffing.json"))
    scenario = read_stored_scenario(folder / "scenario.yaml")
    pools = {}
    for name, p in (doc.get("pools") or {}).items():
        pools[name] = PoolStaffing(
            name, tuple(p.get("channels", ())), {k: p[k] for k in _ROSTER if p.get(k) is not None},
            dict(p.get("kpis") or {}), dict(p.get("ci95") or {}), {k: p.get(k) for k in _LABOR},
            dict(p.get("targets") or {}), bool(p.get("meets_targets")), p.get("by_interval"), p.get("requirement"),
            p.get("plan"), p.get("verdict"), p.get("confirmation"), p.get("efficiency"))
    result = StaffingResult(pools, int(doc.get("evaluations", 0)), [parse_target(t) for t in doc.get("targets", [])],
                            str(doc.get("strategy", "")), int(doc.get("replications", 0)), int(doc.get("seed", 0)),
                            str(doc.get("mode", "flat")), doc.get("interval_minutes"), int(doc.get("rounds", 1)),
                            str(doc.get("convention", CONVENTION)), doc.get("judged_replications"),
                            doc.get("max_replications"), doc.get("rule"))
    return result, scenario


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(value) -> str | None:
    return None if value is None or _is_number(value) else "must be a number"


def _numbers(value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dict) or any(v is not None and not _is_number(v) for v in value.values()):
        return "must be a mapping of KPIs to numbers"
    return None


def _grid(value) -> str | None:
    """Agents per weekday: ``{"mon": [2, 2, ...], ...}``."""
    if value is None:
        return None
    if not isinstance(value, dict) or any(not isinstance(row, list) or any(v is not None and not _is_number(v)
                                                                            for v in row) for row in value.values()):
        return "must be a mapping of weekdays to lists of agents"
    return None


def _mapping(value) -> str | None:
    return None if value is None or isinstance(value, dict) else "must be a mapping"


_POOL_FIELDS = {"fte": _number, "cost_labor": _number, "staffed_hours": _number, "paid_hours": _number,
                "kpis": _numbers, "ci95": _numbers, "verdict": _mapping, "confirmation": _mapping,
                "efficiency": _mapping, "targets": _mapping, "by_interval": _mapping, "shifts": _numbers}
_EFFICIENCY_FIELDS = {"over_coverage": _number, "occupancy": _number, "fte": _number, "cost_labor": _number,
                      "required_agents": _grid, "scheduled_agents": _grid}


def _pool_problems(p: dict):
    """``(field path, why)`` for each field of a stored pool the report could not read."""
    channels = p.get("channels", [])
    if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
        yield "channels", "must be a list of channel names"
    headcount = p.get("headcount")
    if headcount is not None and (not _is_number(headcount) or headcount < 0):
        yield "headcount", "must be a number of agents"
    schedule = p.get("schedule")
    if schedule is not None and (_grid(schedule) if isinstance(schedule, dict) else _grid({"": schedule})):
        yield "schedule", "must be a list of agents, or a mapping of weekdays to lists of agents"
    for key, check in _POOL_FIELDS.items():
        if (why := check(p.get(key))) is not None:
            yield key, why
    if any(not isinstance(t, dict) or _numbers({k: t.get(k) for k in ("mean", "ci95")})
           for t in (p.get("targets") or {}).values()):
        yield "targets", "must map each target to its mean and ci95"
    for key in ("verdict", "confirmation"):
        verdict = p.get(key)
        if isinstance(verdict, dict) and (not isinstance(verdict.get("verdict", ""), str)
                                          or _mapping(verdict.get("intervals")) or _mapping(verdict.get("failing_kpis"))):
            yield key, "must hold a verdict (yes, no or undecided) and its intervals"
    efficiency = p.get("efficiency")
    if isinstance(efficiency, dict):
        for key in ("required_hours", "scheduled_hours"):
            if not _is_number(efficiency.get(key)):
                yield f"efficiency.{key}", "must be a number"
        for key, check in _EFFICIENCY_FIELDS.items():
            if (why := check(efficiency.get(key))) is not None:
                yield f"efficiency.{key}", why
        minutes = efficiency.get("interval_minutes")
        if minutes is not None and minutes not in (15, 30, 60):
            yield "efficiency.interval_minutes", "must be 15, 30 or 60"
