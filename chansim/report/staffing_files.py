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
