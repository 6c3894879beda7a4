"""One run against one baseline: each strategy's KPIs compared under the
tolerance each gets (:mod:`chansim.studies.check.tolerance`), row by row, and
the text of a row for people."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from chansim.kpis.address import kpi_of, parse_address
from chansim.kpis.table import GROUP_OF, KPI_KEYS
from chansim.studies.check.tolerance import Tolerance, parse_tolerances, same_simulation, tolerance_for

__all__ = ["Row", "StrategyCheck", "compare", "number_text", "change_text", "tolerance_text"]


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

    @property
    def new_kpis(self) -> list[str]:
        """KPIs measured now that the baseline does not have (not compared)."""
        return [r.kpi for r in self.rows if r.status == "new"]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": "pass" if self.passed else "drift",
                "same_simulation": self.same_simulation, "message": self.message,
                "rows": [r.to_dict() for r in self.rows]}


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
    scenario_tol, _ = parse_tolerances(baseline.get("tolerances"), "tolerances")
    stored = baseline.get("strategies") or {}
    checks = []
    for st in strategies:
        entry = stored.get(st.name)
        if entry is None:
            checks.append(StrategyCheck(st.name, False, [], "no baseline for this strategy (run with --update)"))
            continue
        base, ci95 = entry.get("kpis") or {}, entry.get("ci95") or {}
        custom = {**scenario_tol, **parse_tolerances(entry.get("tolerances"), "tolerances")[0]}
        same_sim = same_simulation(base, st.kpis)
        rows = []
        for kpi in list(KPI_KEYS) + [k for k in base if k not in KPI_KEYS]:
            now, was = st.kpis.get(kpi), base.get(kpi)
            if kpi not in base:
                rows.append(Row(kpi, None, now, None, "not in baseline", "new"))
                continue
            if kpi not in KPI_KEYS:
                rows.append(Row(kpi, was, None, None, "no longer measured", "gone"))
                continue
            tol = tolerance_for(kpi, same_sim, custom)
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
