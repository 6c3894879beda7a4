"""Regression checks of scenario KPIs against stored baselines (``chansim check``).

A baseline (``baselines/NAME.json``, NAME = the scenario file's name without
``.yaml``) holds every KPI of every strategy of one scenario run with its fixed
seed, the 95 % CI half-widths, the chansim version, and the resolved scenario
with its SHA-256. ``chansim check`` re-runs the scenario and compares.

Which tolerance a KPI gets
==========================
A run with a fixed seed is deterministic: on the same code every KPI matches
its baseline to the last bit. KPIs fall in two kinds:

- *simulation* KPIs (:data:`SIMULATION_KPIS`: counts, times, rates, occupancy)
  come out of the engine;
- *model* KPIs (:data:`MODEL_KPIS`: every ``cost_*``, ``sms_segments``,
  ``csat``, ``csat_pct``) are pure functions (billing, labor, bot fees, the
  CSAT survey with its own seeded stream) applied to the simulated log.

For each strategy: if every simulation KPI matches its baseline exactly
(within :data:`EXACT`, i.e. floating-point noise), the log is the same, so a
model KPI can only have moved because a price, a rate card, a labor rate or
the billing / CSAT code changed: model KPIs must then match exactly. If the
simulation itself moved (an engine change that draws random numbers
differently, a staffing change), every KPI is held to its band in
:data:`DEFAULT_TOLERANCES`: ``max(abs, rel × |baseline|, ci × baseline's
ci95)``. A baseline file may replace the tolerance of any KPI, for the whole
scenario (``"tolerances": {"asa_s": {"rel": 0.05, "abs": 1.0}}``) or for one
strategy (``"strategies": {"today": {"tolerances": {...}}}``); a replacement
applies in both cases and its missing parts (``rel``, ``abs``, ``ci``) are 0.

The scenario hash covers the scenario as the file resolves it (``like:``
expanded, defaults filled in), without ``description`` or the ``optimize``
section and with a rate-card
path relative to the file; ``--set`` overrides are *not* part of it: they
change what is run, not which baseline applies, which is how ``--set
pricing.markup=0.5`` shows what the gate catches.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import time
from concurrent.futures import Executor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence
from xml.etree import ElementTree as ET

from chansim.errors import InputError, Problem
from chansim.kpis.address import breakdown_table, kpi_of, parse_address
from chansim.kpis.table import GROUP_OF, KPI_GROUPS, KPI_KEYS, KPIS, MODEL_KPIS, SIMULATION_KPIS
from chansim.scenario import Scenario, load_scenario
from chansim.version import __version__

__all__ = [
    "KPI_GROUPS", "SIMULATION_KPIS", "MODEL_KPIS", "EXACT", "DEFAULT_TOLERANCES", "Tolerance", "Row",
    "StrategyCheck", "ScenarioCheck", "CheckReport", "Plan", "BASELINE_FORMAT", "scenario_files", "plan",
    "run_plans", "check", "scenario_identity", "read_baseline", "baseline_document", "write_baseline",
    "compare", "write_text_atomic", "number_text", "change_text", "tolerance_text",
]

BASELINE_FORMAT = "chansim-baseline/1"

#: KPI groups (one JUnit test case per scenario × strategy × group), model and
#: simulation KPIs: from the KPI table.
_KPI_ORDER = {kpi: i for i, kpi in enumerate(KPI_KEYS)}


@dataclass(frozen=True)
class Tolerance:
    """Allowed absolute difference: ``max(abs, rel × |baseline|, ci × baseline ci95)``."""

    rel: float = 0.0
    abs: float = 0.0
    ci: float = 0.0
    exact: bool = False  # the "same simulation" rule for model KPIs
    custom: bool = False  # from the baseline file

    def allowed(self, baseline: float, ci95: float | None) -> float:
        return max(self.abs, self.rel * abs(baseline), self.ci * (ci95 or 0.0))

    def rule(self, baseline: float, ci95: float | None) -> str:
        """Which part sets the allowed difference, for people."""
        if self.exact:
            return "exact"
        parts = {"abs": self.abs, "rel": self.rel * abs(baseline), "ci": self.ci * (ci95 or 0.0)}
        which = max(parts, key=lambda k: parts[k])
        text = {"abs": f"abs {self.abs:g}", "rel": f"rel {100 * self.rel:g} %", "ci": f"{self.ci:g}×ci95"}[which]
        return f"custom {text}" if self.custom else text

    def to_dict(self) -> dict[str, float]:
        return {"rel": self.rel, "abs": self.abs, "ci": self.ci}


#: Floating-point noise only (summation order); used for model KPIs when the simulation is unchanged.
EXACT = Tolerance(rel=1e-9, abs=1e-9, exact=True)

_CI = 3.0  # × the baseline's own 95 % CI half-width

#: The band of each KPI when the simulation moved (see the module docstring):
#: the KPI table's ``(rel, abs)`` and 3 × the baseline's ci95.
DEFAULT_TOLERANCES: dict[str, Tolerance] = {
    k.key: Tolerance(rel=k.tolerance[0], abs=k.tolerance[1], ci=_CI) for k in KPIS
}


# ------------------------------------------------------------------ identity
def scenario_identity(scenario: Scenario, path: Path | str | None = None) -> tuple[dict[str, Any], str]:
    """The resolved scenario as hashed (see module docstring) and its SHA-256."""
    data = scenario.to_dict()
    data.pop("description", None)
    data.pop("optimize", None)  # what chansim optimize searches changes nothing simulated
    pricing = data.get("pricing")
    if path is not None and isinstance(pricing, dict) and isinstance(pricing.get("rate_card"), str):
        card = Path(pricing["rate_card"])
        if card.is_absolute():  # the loader anchors it to the file's folder; hash it relative to that folder
            pricing["rate_card"] = Path(os.path.relpath(card, Path(path).resolve().parent)).as_posix()
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return data, hashlib.sha256(text.encode("utf-8")).hexdigest()


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, sub in value.items():
            out.update(_flatten(sub, f"{prefix}.{key}" if prefix else str(key)))
        return out or {prefix: {}}
    if isinstance(value, list) and value and all(isinstance(v, dict) and "name" in v for v in value):
        out = {}
        for item in value:  # pools, strategies, segments, intents: by name
            out.update(_flatten(item, f"{prefix}.{item['name']}"))
        return out
    return {prefix: value}


def scenario_differences(old: Any, new: Any, limit: int = 5) -> list[str]:
    """What differs between two resolved scenarios, as ``path: old → new`` lines."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return []
    a, b = _flatten(old), _flatten(new)
    lines = []
    for key in sorted(set(a) | set(b)):
        if a.get(key, "∅") != b.get(key, "∅"):
            lines.append(f"{key}: {_short(a.get(key, '(absent)'))} → {_short(b.get(key, '(absent)'))}")
    if len(lines) > limit:
        lines = lines[:limit] + [f"… and {len(lines) - limit} more"]
    return lines


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


# ----------------------------------------------------------------- baselines
def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _tolerances(raw: Any, where: str) -> tuple[dict[str, Tolerance], list[Problem]]:
    problems: list[Problem] = []
    out: dict[str, Tolerance] = {}
    if raw is None:
        return out, problems
    if not isinstance(raw, dict):
        return out, [Problem(where, "must be a mapping of KPI → {rel, abs, ci}")]
    for kpi, spec in raw.items():
        at = f"{where}.{kpi}"
        try:
            parse_address(kpi, at)
        except InputError as exc:
            problems += exc.problems
            continue
        if not isinstance(spec, dict) or not spec:
            problems.append(Problem(at, 'must be a mapping such as {"rel": 0.05, "abs": 1.0, "ci": 3}'))
            continue
        unknown = sorted(set(spec) - {"rel", "abs", "ci"})
        if unknown:
            problems.append(Problem(at, f"unknown key(s) {', '.join(unknown)} (allowed: rel, abs, ci)"))
            continue
        bad = [k for k, v in spec.items() if not _number(v) or v < 0]
        if bad:
            problems.append(Problem(f"{at}.{bad[0]}", f"must be a number ≥ 0 (got {spec[bad[0]]!r})"))
            continue
        out[kpi] = Tolerance(rel=float(spec.get("rel", 0)), abs=float(spec.get("abs", 0)),
                             ci=float(spec.get("ci", 0)), custom=True)
    return out, problems


#: Largest baseline file read (bytes); real ones are a few kilobytes.
MAX_BASELINE_BYTES = 5_000_000


def _bounded_int(text: str) -> int:
    if len(text) > 30:
        raise ValueError(f"a whole number of {len(text)} digits")
    return int(text)


def read_baseline(path: Path | str) -> dict[str, Any] | None:
    """A baseline file's document, checked; None if there is no file.
    Raises :class:`InputError` when it cannot be read or is malformed."""
    path = Path(path)
    if not path.exists():
        return None
    label = str(path)
    try:
        if path.is_file() and path.stat().st_size > MAX_BASELINE_BYTES:
            raise InputError(Problem("", f"larger than {MAX_BASELINE_BYTES:,} bytes; is it a chansim baseline?"),
                             source=label)
        doc = json.loads(path.read_text(encoding="utf-8"), parse_int=_bounded_int)
    except json.JSONDecodeError as exc:
        raise InputError(Problem("", f"not valid JSON: {exc.msg}", line=exc.lineno), source=label) from None
    except RecursionError:
        raise InputError(Problem("", "nested too deeply to be a chansim baseline"), source=label) from None
    except IsADirectoryError:
        raise InputError(Problem("", "is a directory, not a baseline file"), source=label) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem("", f"cannot read it ({exc})"), source=label) from None
    except ValueError as exc:  # a number too long (see _bounded_int)
        raise InputError(Problem("", f"not a chansim baseline: {exc}"), source=label) from None
    if not isinstance(doc, dict):
        raise InputError(Problem("", "a baseline must be a JSON object"), source=label)
    problems: list[Problem] = []
    if not isinstance(doc.get("scenario_sha256"), str):
        problems.append(Problem("scenario_sha256", "missing (is this a chansim baseline? make one with --update)"))
    _, found = _tolerances(doc.get("tolerances"), "tolerances")
    problems += found
    strategies = doc.get("strategies")
    if not isinstance(strategies, dict) or not strategies:
        problems.append(Problem("strategies", "must map each strategy name to its KPIs"))
    else:
        for name, entry in strategies.items():
            at = f"strategies.{name}"
            if not isinstance(entry, dict) or not isinstance(entry.get("kpis"), dict):
                problems.append(Problem(f"{at}.kpis", "missing or not a mapping"))
                continue
            for part in ("kpis", "ci95", "breakdowns", "breakdowns_ci95"):
                values = entry.get(part) or {}
                if not isinstance(values, dict):
                    problems.append(Problem(f"{at}.{part}", "must be a mapping"))
                    continue
                problems += [Problem(f"{at}.{part}.{k}", f"must be a number or null (got {v!r})")
                             for k, v in values.items() if v is not None and not _number(v)]
            problems += _tolerances(entry.get("tolerances"), f"{at}.tolerances")[1]
    if problems:
        raise InputError(problems, source=label)
    return doc


_MANAGED = ("format", "scenario", "source", "chansim_version", "seed", "replications", "start_date_explicit",
            "scenario_sha256", "tolerances", "strategies", "resolved_scenario")


def baseline_document(plan: "Plan", result: Any, old: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The baseline of a run; custom tolerances (and unmanaged keys) of ``old`` kept."""
    old = old or {}
    old_strategies = old.get("strategies") or {}
    strategies: dict[str, Any] = {}
    for st in result.strategies:
        entry: dict[str, Any] = {"kpis": {k: st.kpis.get(k) for k in KPI_KEYS},
                                 "ci95": {k: st.ci95.get(k) for k in KPI_KEYS}}
        # every breakdown, for tolerances that name one (voice.service_level)
        table = breakdown_table(st)[len(KPI_KEYS):]
        entry["breakdowns"] = {str(a): v for a, v, _ in table}
        entry["breakdowns_ci95"] = {str(a): c for a, _, c in table}
        kept = (old_strategies.get(st.name) or {}).get("tolerances")
        if kept:
            entry["tolerances"] = kept
        strategies[st.name] = entry
    doc: dict[str, Any] = {
        "format": BASELINE_FORMAT,
        "scenario": plan.scenario.name,
        "source": plan.path.as_posix(),
        "chansim_version": result.version,
        "seed": result.seed,
        "replications": result.replications,
        "start_date_explicit": plan.start_date_explicit,
        "scenario_sha256": plan.sha256,
        "tolerances": old.get("tolerances") or {},
        "strategies": strategies,
    }
    doc.update({k: v for k, v in old.items() if k not in _MANAGED})
    doc["resolved_scenario"] = plan.identity
    return doc


def write_text_atomic(path: Path | str, text: str) -> None:
    """Write a file whole or not at all: a temporary file beside it, then a rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, _file_mode(path))  # mkstemp makes it private; give it an ordinary file's mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _file_mode(path: Path) -> int:
    """The mode of the file being replaced, else what the umask gives a new file."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_baseline(path: Path | str, doc: Mapping[str, Any]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------- comparison
@dataclass
class Row:
    """One KPI of one strategy: baseline, now, and the verdict."""

    kpi: str
    baseline: float | None
    now: float | None
    allowed: float | None
    rule: str
    status: str  # same | within | drift | new | gone

    @property
    def group(self) -> str:
        return GROUP_OF.get(kpi_of(self.kpi), "other")

    @property
    def change(self) -> float | None:
        return None if self.baseline is None or self.now is None else self.now - self.baseline

    @property
    def change_rel(self) -> float | None:
        change = self.change
        return None if change is None or not self.baseline else change / abs(self.baseline)

    @property
    def failed(self) -> bool:
        return self.status in ("drift", "gone")

    def to_dict(self) -> dict[str, Any]:
        return {"kpi": self.kpi, "group": self.group, "baseline": self.baseline, "now": self.now,
                "change": self.change, "change_rel": self.change_rel, "tolerance": self.allowed,
                "rule": self.rule, "status": self.status}


@dataclass
class StrategyCheck:
    name: str
    same_simulation: bool
    rows: list[Row]
    message: str = ""

    @property
    def passed(self) -> bool:
        return not self.message and not any(r.failed for r in self.rows)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": "pass" if self.passed else "drift",
                "same_simulation": self.same_simulation, "message": self.message,
                "rows": [r.to_dict() for r in self.rows]}


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= EXACT.allowed(a, None)


def _tolerance_for(kpi: str, same_simulation: bool, custom: Mapping[str, Tolerance]) -> Tolerance:
    if kpi in custom:
        return custom[kpi]
    if same_simulation and kpi in MODEL_KPIS:
        return EXACT
    return DEFAULT_TOLERANCES.get(kpi, Tolerance(rel=0.03, abs=1.0, ci=_CI))


def _breakdown_rows(st: Any, entry: Mapping[str, Any], custom: Mapping[str, Tolerance]) -> list["Row"]:
    """Rows for the breakdown addresses a tolerance names (``voice.service_level``):
    breakdowns are checked only where a baseline asks for them."""
    stored, cis = entry.get("breakdowns") or {}, entry.get("breakdowns_ci95") or {}
    rows = []
    for address, tol in custom.items():
        if "." not in address:
            continue
        key = str(parse_address(address))
        now = st.value(key)[0] if hasattr(st, "value") else None
        if key not in stored:
            rows.append(Row(key, None, now, None, "not in baseline", "new"))
            continue
        was = stored[key]
        if was is None or now is None:
            status = "same" if was is None and now is None else "drift"
            rows.append(Row(key, was, now, None, "exact" if status == "same" else ("was null" if was is None else "now null"), status))
            continue
        allowed = tol.allowed(was, cis.get(key))
        diff = abs(now - was)
        rows.append(Row(key, was, now, allowed, tol.rule(was, cis.get(key)),
                        "same" if now == was else ("within" if diff <= allowed else "drift")))
    return rows


def compare(strategies: Sequence[Any], baseline: Mapping[str, Any]) -> list[StrategyCheck]:
    """Each strategy's KPIs (objects with ``name``, ``kpis``) against a baseline document."""
    scenario_tol, _ = _tolerances(baseline.get("tolerances"), "tolerances")
    stored = baseline.get("strategies") or {}
    checks = []
    for st in strategies:
        entry = stored.get(st.name)
        if entry is None:
            checks.append(StrategyCheck(st.name, False, [], "no baseline for this strategy (run with --update)"))
            continue
        base, ci95 = entry.get("kpis") or {}, entry.get("ci95") or {}
        custom = {**scenario_tol, **_tolerances(entry.get("tolerances"), "tolerances")[0]}
        same_sim = all(k in base and _same(base[k], st.kpis.get(k)) for k in SIMULATION_KPIS)
        rows = []
        for kpi in list(KPI_KEYS) + [k for k in base if k not in KPI_KEYS]:
            now, was = st.kpis.get(kpi), base.get(kpi)
            if kpi not in base:
                rows.append(Row(kpi, None, now, None, "not in baseline", "new"))
                continue
            if kpi not in KPI_KEYS:
                rows.append(Row(kpi, was, None, None, "no longer measured", "gone"))
                continue
            tol = _tolerance_for(kpi, same_sim, custom)
            if was is None or now is None:
                status = "same" if was is None and now is None else "drift"
                rule = "exact" if status == "same" else ("was null" if was is None else "now null")
                rows.append(Row(kpi, was, now, None, rule, status))
                continue
            allowed = tol.allowed(was, ci95.get(kpi))
            diff = abs(now - was)
            status = "same" if now == was else ("within" if diff <= allowed else "drift")
            rows.append(Row(kpi, was, now, allowed, tol.rule(was, ci95.get(kpi)), status))
        rows += _breakdown_rows(st, entry, custom)
        checks.append(StrategyCheck(st.name, same_sim, rows))
    return checks


# ------------------------------------------------------------------- running
@dataclass
class Plan:
    """One scenario to check: everything read and validated before simulating."""

    path: Path
    name: str  # baseline name (file stem)
    scenario: Scenario  # the file as is: its identity
    run: Scenario  # with --set overrides: what is simulated
    identity: dict[str, Any]
    sha256: str
    start_date_explicit: bool
    baseline_path: Path
    baseline: dict[str, Any] | None


@dataclass
class ScenarioCheck:
    name: str
    file: str
    baseline_path: str
    status: str  # pass | drift | no-baseline | different-scenario | updated
    message: str = ""
    notes: list[str] = field(default_factory=list)
    strategies: list[StrategyCheck] = field(default_factory=list)
    sha256: str = ""
    baseline_sha256: str | None = None
    baseline_version: str | None = None
    run_time_s: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status in ("pass", "updated")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "file": self.file, "baseline": self.baseline_path, "status": self.status,
                "passed": self.passed, "message": self.message, "notes": self.notes,
                "scenario_sha256": self.sha256, "baseline_sha256": self.baseline_sha256,
                "chansim_version": __version__, "baseline_version": self.baseline_version,
                "run_time_s": round(self.run_time_s, 3), "strategies": [s.to_dict() for s in self.strategies]}


@dataclass
class CheckReport:
    scenarios: list[ScenarioCheck]
    updated: bool = False

    @property
    def passed(self) -> bool:
        return all(s.passed for s in self.scenarios)

    def counts(self) -> dict[str, int]:
        rows = [r for s in self.scenarios for st in s.strategies for r in st.rows]
        out = {"scenarios": len(self.scenarios), "strategies": sum(len(s.strategies) for s in self.scenarios),
               "kpis": len(rows)}
        for status in ("same", "within", "drift", "new", "gone"):
            out[status] = sum(r.status == status for r in rows)
        for status in ("pass", "drift", "no-baseline", "different-scenario", "updated"):
            out[f"scenarios_{status.replace('-', '_')}"] = sum(s.status == status for s in self.scenarios)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "updated": self.updated, "summary": self.counts(),
                "scenarios": [s.to_dict() for s in self.scenarios]}

    def to_junit(self) -> str:
        """JUnit XML: one test case per scenario × strategy × KPI group (one
        ``baseline`` case for a scenario with no usable baseline)."""
        cases: list[ET.Element] = []
        for sc in self.scenarios:
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
        total_time = f"{sum(s.run_time_s for s in self.scenarios):.3f}"
        root = ET.Element("testsuites", name="chansim check", tests=str(len(cases)), failures=str(failures),
                          errors="0", time=total_time)
        suite = ET.SubElement(root, "testsuite", name="chansim check", tests=str(len(cases)),
                              failures=str(failures), errors="0", skipped="0", time=total_time)
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="chansim_version", value=__version__)
        suite.extend(cases)
        ET.indent(root)
        return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def number_text(value: float | None) -> str:
    if value is None:
        return "—"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{value:,.0f}"
    if abs(value) >= 1000:
        return f"{value:,.2f}"
    return f"{value:.6g}"


def change_text(row: Row) -> str:
    if row.change is None:
        return row.rule if row.status in ("drift", "gone") else "—"
    text = ("+" if row.change >= 0 else "-") + number_text(abs(row.change))
    if row.change_rel is not None:
        text += f" ({100 * row.change_rel:+.3g} %)"
    return text


def tolerance_text(row: Row) -> str:
    if row.allowed is None:
        return row.rule
    if row.rule == "exact":
        return "exact"
    return f"±{number_text(row.allowed)} ({row.rule})"


def scenario_files(paths: Iterable[Path | str] | None, default_dir: Path | str = "scenarios") -> list[Path]:
    """The scenario files to check: those given (a folder means its ``*.yaml``),
    else every ``*.yaml`` in ``default_dir``."""
    given = [Path(p) for p in paths or []]
    if not given:
        folder = Path(default_dir)
        files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
        if not files:
            raise InputError(Problem("SCENARIO", f"no scenario files given and none found in {folder}/*.yaml"))
        return files
    files: list[Path] = []
    for path in given:
        if path.is_dir():
            found = sorted(path.glob("*.yaml"))
            if not found:
                raise InputError(Problem("SCENARIO", f"{path} holds no *.yaml scenario files"))
            files += found
        else:
            files.append(path)
    return files


def plan(
    paths: Iterable[Path | str] | None = None,
    *,
    baselines: Path | str = "baselines",
    overrides: Mapping[str, Any] | None = None,
    update: bool = False,
) -> list[Plan]:
    """Read and validate every scenario and baseline; raise :class:`InputError`
    (every problem at once) before anything is simulated."""
    folder = Path(baselines)
    if folder.exists() and not folder.is_dir():
        raise InputError(Problem("--baselines", f"{folder} exists and is not a directory"))
    if update and overrides:
        raise InputError(Problem("--set", "baselines are made from the scenario files as they are; "
                                          "--set only tests a check against them (drop --set or --update)"))
    files = scenario_files(paths)
    errors: list[InputError] = []
    plans: list[Plan] = []
    seen: dict[str, Path] = {}
    for path in files:
        name = path.stem
        if name in seen:
            errors.append(InputError(Problem("SCENARIO", f"{path} and {seen[name]} would share the baseline "
                                                         f"{folder / (name + '.json')}")))
            continue
        seen[name] = path
        try:
            scenario = load_scenario(path)
            run = load_scenario(path, dict(overrides)) if overrides else scenario
            baseline_path = folder / f"{name}.json"
            baseline = read_baseline(baseline_path)
        except InputError as exc:
            errors.append(exc)
            continue
        identity, sha = scenario_identity(scenario, path)
        plans.append(Plan(path, name, scenario, run, identity, sha, "start_date" in scenario.model_fields_set,
                          baseline_path, baseline))
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InputError([Problem("", e.render()) for e in errors])
    return plans


def _notes(p: Plan) -> list[str]:
    notes = []
    if not p.start_date_explicit:
        notes.append(f"{p.path} sets no start_date: it defaults to today, so the scenario hash (and the rates "
                     "in force) change every day; set start_date to make the baseline reproducible")
    version = (p.baseline or {}).get("chansim_version")
    if p.baseline is not None and version != __version__:
        notes.append(f"baseline made with chansim {version}, checking with chansim {__version__}")
    return notes


def run_plans(plans: Sequence[Plan], simulate: Callable[[Scenario], Any], *, update: bool = False) -> CheckReport:
    """Simulate and compare (or, with ``update``, write the baselines once every run is done)."""
    results: list[ScenarioCheck] = []
    writes: list[tuple[Path, dict[str, Any]]] = []
    for p in plans:
        base = p.baseline
        sc = ScenarioCheck(p.name, p.path.as_posix(), p.baseline_path.as_posix(), "pass", notes=_notes(p),
                           sha256=p.sha256, baseline_sha256=(base or {}).get("scenario_sha256"),
                           baseline_version=(base or {}).get("chansim_version"))
        results.append(sc)
        different = base is not None and base.get("scenario_sha256") != p.sha256
        if different:
            sc.message = (f"baseline made from a different scenario (baseline {str(sc.baseline_sha256)[:12]}, "
                          f"now {p.sha256[:12]}); not compared")
            diffs = scenario_differences(base.get("resolved_scenario"), p.identity)
            if diffs:
                sc.notes = ["scenario changes since the baseline: " + "; ".join(diffs), *sc.notes]
        if not update and (base is None or different):
            sc.status = "no-baseline" if base is None else "different-scenario"
            if base is None:
                sc.message = f"no baseline {p.baseline_path} (run with --update)"
            else:
                sc.message += "; run with --update to accept the scenario change"
            continue
        started = time.perf_counter()
        result = simulate(p.run)
        sc.run_time_s = time.perf_counter() - started
        if base is not None and not different:
            sc.strategies = compare(result.strategies, base)
        if update:
            writes.append((p.baseline_path, baseline_document(p, result, base)))
            sc.status = "updated"
            if base is None:
                sc.message = f"wrote {p.baseline_path} (new)"
            else:
                sc.message = f"wrote {p.baseline_path}" + (" (scenario changed)" if different else "")
        else:
            sc.status = "pass" if all(s.passed for s in sc.strategies) else "drift"
            if sc.status == "drift":
                bad = [st for st in sc.strategies if not st.passed]
                kpis = sorted({r.kpi for st in bad for r in st.rows if r.failed}, key=_KPI_ORDER.get)
                sc.message = (f"{sum(r.failed for st in bad for r in st.rows)} KPI(s) drifted in {len(bad)} "
                              f"strateg{'y' if len(bad) == 1 else 'ies'}: "
                              + (", ".join(kpis) or "; ".join(f"{st.name}: {st.message}" for st in bad)))
    for path, doc in writes:
        write_baseline(path, doc)
    return CheckReport(results, updated=update)


def check(
    paths: Iterable[Path | str] | None = None,
    *,
    baselines: Path | str = "baselines",
    overrides: Mapping[str, Any] | None = None,
    update: bool = False,
    workers: int | None = None,
    executor: str | Executor = "processes",
    scheduler: str | None = None,
) -> CheckReport:
    """``chansim check`` from Python: ``check(["scenarios/retail-us.yaml"]).passed``.
    ``workers``, ``executor`` and ``scheduler`` are those of
    :func:`chansim.simulate`; the executor is opened once for every scenario."""
    from chansim.studies.experiment import simulate
    from chansim.runtime.parallel import opener

    with ExitStack() as stack:
        pool = opener(stack, workers, executor, scheduler)
        plans = plan(paths, baselines=baselines, overrides=overrides, update=update)
        return run_plans(plans, lambda s: simulate(s, executor=pool(), log="none"), update=update)
