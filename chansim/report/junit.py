"""JUnit XML of ``chansim check``, for CI systems that show test reports.

One test case per scenario × strategy × KPI group (the ``check`` groups of the
KPI table); a scenario with no usable baseline, or a strategy missing from
its baseline, is one failing ``baseline`` case.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

from chansim.errors import InputError, Problem
from chansim.kpis.table import KPI_GROUPS
from chansim.studies.check import CheckReport, change_text, number_text, tolerance_text, write_text_atomic
from chansim.version import __version__

__all__ = ["check_junit", "is_check_junit", "write_check_junit"]


def check_junit(report: CheckReport) -> str:
    """JUnit XML: one test case per scenario × strategy × KPI group (one
    ``baseline`` case for a scenario with no usable baseline)."""
    cases: list[ET.Element] = []
    for sc in report.scenarios:
        if sc.status in ("no-baseline", "different-scenario"):
            case = ET.Element("testcase", classname=sc.name, name="baseline", time="0")
            failure = ET.SubElement(case, "failure", message=sc.message, type=sc.status)
            failure.text = "\n".join([sc.message, *sc.notes])
            cases.append(case)
            continue
        share = sc.run_time_s / max(1, len(sc.strategies) * len(KPI_GROUPS))
        for st in sc.strategies:
            if st.message:
                case = ET.Element("testcase", classname=f"{sc.name}.{st.name}", name="baseline", time="0")
                ET.SubElement(case, "failure", message=st.message, type="no-baseline").text = st.message
                cases.append(case)
                continue
            for group in KPI_GROUPS:
                case = ET.Element("testcase", classname=f"{sc.name}.{st.name}", name=group, time=f"{share:.3f}")
                rows = [r for r in st.rows if r.group == group or (group == "volume" and r.group == "other")]
                bad = [r for r in rows if r.failed]
                if bad:
                    message = "; ".join(f"{r.kpi} {change_text(r)} (tolerance {tolerance_text(r)})" for r in bad)
                    failure = ET.SubElement(case, "failure", message=message, type="drift")
                    failure.text = "\n".join(
                        f"{r.kpi}: baseline {number_text(r.baseline)}, now {number_text(r.now)}, "
                        f"change {change_text(r)}, "
                        f"tolerance {tolerance_text(r)}" for r in bad)
                cases.append(case)
    failures = sum(1 for c in cases if c.find("failure") is not None)
    total_time = f"{sum(s.run_time_s for s in report.scenarios):.3f}"
    root = ET.Element("testsuites", name="chansim check", tests=str(len(cases)), failures=str(failures),
                      errors="0", time=total_time)
    suite = ET.SubElement(root, "testsuite", name="chansim check", tests=str(len(cases)),
                          failures=str(failures), errors="0", skipped="0", time=total_time)
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="chansim_version", value=__version__)
    suite.extend(cases)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


#: How every report :func:`check_junit` writes begins (after the XML declaration).
_HEAD = '<testsuites name="chansim check"'


def is_check_junit(path: Path | str) -> bool:
    """Whether ``path`` is a file :func:`write_check_junit` wrote (one it may replace)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError:
        return False
    return _HEAD.encode() in head


def write_check_junit(path: Path | str, report: CheckReport) -> None:
    """Write :func:`check_junit` to ``path``, whole or not at all; a write
    error is an :class:`InputError` on ``--junit``."""
    try:
        write_text_atomic(path, check_junit(report))
    except OSError as exc:
        raise InputError(Problem("--junit", f"could not write {path}: {exc.strerror or exc}")) from None
