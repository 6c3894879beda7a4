"""Re-price a stored run (an ``--out`` directory) under other pricing
settings, without simulating again.

Each stored replication of each strategy that ran is measured twice through
the measurement pipeline (:func:`chansim.kpis.pipeline.measure`, the one
``chansim run`` uses): once as the run was priced (its own scenario's
pricing) and once with the changes (any ``pricing.*`` setting, the ``market``
or a segment's ``market``). Without changes the KPIs are the run's own,
exactly; with them, only what prices move (the cost KPIs) changes. Values
are per run: means over the replications, as ``chansim run`` reports them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from chansim.engine.log import CONTACT_COLUMNS, MESSAGE_COLUMNS, STAFFING_COLUMNS, EventLog
from chansim.errors import InputError, Problem
from chansim.kpis.pipeline import measure
from chansim.kpis.table import KPI_KEYS
from chansim.scenario import load_scenario
from chansim.studies.experiment import StrategyResult, aggregate_replications

__all__ = ["reprice_run", "Repricing", "PRICE_PATHS"]

#: What a re-pricing may change: prices, not what happens.
PRICE_PATHS = re.compile(r"^(pricing(\..+)?|market|demand\.segments\.[^.]+\.market)$")

_RULE_COLUMNS = ["strategy", "channel", "card", "rule", "unit", "count", "units", "cost"]


@dataclass(frozen=True)
class Repricing:
    """Each strategy that ran, measured before and after the price change.

    ``kpis``: every KPI of every strategy, before and after (means over the
    replications); ``rows``: channel fees per strategy and channel;
    ``results_before`` / ``results_after``: the strategies' full results
    (breakdowns included); ``lines_before`` / ``lines_after``: the cost
    lines; ``replications``: how many replications of each strategy."""

    kpis: pd.DataFrame  # strategy, kpi, before, after, difference
    rows: pd.DataFrame  # strategy, channel, contacts, before, after, difference, per_contact_before, per_contact_after
    before: dict[str, Any]
    after: dict[str, Any]
    lines_before: pd.DataFrame
    lines_after: pd.DataFrame
    results_before: list[StrategyResult]
    results_after: list[StrategyResult]
    replications: dict[str, int]

    @property
    def strategies(self) -> list[str]:
        """The strategies that ran, in the scenario's order."""
        return [r.name for r in self.results_before]

    def changed_kpis(self) -> pd.DataFrame:
        """The rows of :attr:`kpis` whose value the new prices change."""
        before, after = self.kpis["before"], self.kpis["after"]
        moved = before.ne(after) & ~(before.isna() & after.isna())
        return self.kpis[moved].reset_index(drop=True)

    @property
    def totals(self) -> pd.DataFrame:
        """Per strategy: contacts, issues, labor and bot cost, total cost and
        cost per contact and per issue, before and after (the run's KPIs)."""
        out = []
        for b, a in zip(self.results_before, self.results_after):
            k, n = b.kpis, a.kpis
            out.append({"strategy": b.name, "contacts": k["contacts"], "issues": k["issues"],
                        "labor_and_bot": (k["cost_labor"] or 0.0) + (k["cost_bot"] or 0.0),
                        "total_before": k["cost_total"], "total_after": n["cost_total"],
                        "difference": _minus(n["cost_total"], k["cost_total"]),
                        "per_contact_before": k["cost_per_contact"], "per_contact_after": n["cost_per_contact"],
                        "per_issue_before": k["cost_per_issue"], "per_issue_after": n["cost_per_issue"]})
        return pd.DataFrame(out)

    def rules(self, which: str) -> pd.DataFrame:
        """Per run, for each strategy: how each channel was priced (card, rule,
        unit) with counts and cost."""
        lines = self.lines_before if which == "before" else self.lines_after
        if lines.empty:
            return pd.DataFrame(columns=_RULE_COLUMNS)
        lines = lines.assign(strategy=lines["strategy"].astype(str))
        table = lines.groupby(["strategy", "channel", "card", "rule", "unit"], as_index=False, observed=True,
                              sort=False)[["count", "units", "cost"]].sum()
        runs = table["strategy"].map(self.replications).astype(float)
        table[["count", "units", "cost"]] = table[["count", "units", "cost"]].div(runs, axis=0)
        order = {name: i for i, name in enumerate(self.strategies)}
        table = table.sort_values(["strategy", "channel", "card", "rule", "unit"],
                                  key=lambda c: c.map(order) if c.name == "strategy" else c, kind="stable")
        return table.reset_index(drop=True)[_RULE_COLUMNS]

    def changed_channels(self) -> list[str]:
        """Channels whose cards or rules differ between before and after (in any strategy)."""
        before, after = self.rules("before"), self.rules("after")
        key = lambda t: set(zip(t["strategy"], t["card"], t["rule"], t["unit"]))  # noqa: E731
        return [channel for channel in sorted(set(before["channel"]) | set(after["channel"]))
                if key(before[before["channel"] == channel]) != key(after[after["channel"] == channel])]

    def to_dict(self) -> dict[str, Any]:
        return {
            "before": self.before,
            "after": self.after,
            "strategies": self.strategies,
            "replications": self.replications,
            "kpis": self.kpis.to_dict(orient="records"),
            "totals": self.totals.to_dict(orient="records"),
            "rows": self.rows.to_dict(orient="records"),
            "rules": {"before": self.rules("before").to_dict(orient="records"),
                      "after": self.rules("after").to_dict(orient="records")},
            "changed_channels": self.changed_channels(),
        }


#: Columns a stored table must have, and those of them that must be numbers.
_COLUMNS = {"contacts.parquet": (CONTACT_COLUMNS, ("replication", "arrival_t", "answer_t", "end_t")),
            "messages.parquet": (MESSAGE_COLUMNS, ("replication", "t", "chars")),
            "staffing.parquet": (STAFFING_COLUMNS, ("replication", "interval_start_s", "interval_s", "staffed"))}


def _read(run_dir: Path, name: str) -> pd.DataFrame:
    """A stored event-log table, checked: readable Parquet with the columns
    re-pricing uses. A damaged or foreign file is an InputError naming it."""
    path = run_dir / name
    if not path.exists():
        if (run_dir / "summary.json").exists():  # a run written with --log contacts or --log none
            raise InputError(Problem("RUN_DIR", f"{run_dir} has no {name}: the run was written without its "
                                     "messages (--log contacts or none); run it again with --log messages"))
        raise InputError(Problem("RUN_DIR", f"{run_dir} has no {name}; is it a chansim run --out directory?"))
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises ArrowInvalid, OSError, ValueError... for damage
        why = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise InputError(Problem("RUN_DIR", f"{path} is damaged or not a Parquet table ({why})")) from None
    columns, numeric = _COLUMNS[name]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(Problem("RUN_DIR", f"{path} lacks the column(s) {', '.join(missing)}; "
                                 "is it a table chansim run --out wrote?"))
    wrong = [c for c in numeric if not pd.api.types.is_numeric_dtype(frame[c])]
    if wrong:
        raise InputError(Problem("RUN_DIR", f"{path}: column(s) {', '.join(wrong)} must hold numbers"))
    return frame


def _changes(overrides: Mapping[str, Any], **options: Any) -> dict[str, Any]:
    changes = {key: value for key, value in options.items() if value is not None}
    changes.update(overrides)
    wrong = [key for key in changes if not PRICE_PATHS.match(str(key))]
    if wrong:
        raise InputError([Problem("--set", f"{key}: reprice changes prices only (pricing.*, market, "
                                           "demand.segments.<name>.market); to change what happens, run again")
                          for key in wrong])
    return changes


def _settings(scenario) -> dict[str, Any]:
    p = scenario.pricing
    return {"market": scenario.market, "date": str(p.date) if p.date else None, "start_date": str(scenario.start_date),
            "markup": p.markup, "rules": p.rules, "rate_card": p.rate_card,
            "segment_markets": {s.name: s.market or scenario.market for s in scenario.demand.segments}}


def _minus(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else after - before


def _replications(tables: dict[str, pd.DataFrame]) -> dict[tuple[str, int], dict[str, pd.DataFrame]]:
    """Each stored table cut into its (strategy, replication) parts, rows in
    their stored order, as the run measured them."""
    parts: dict[tuple[str, int], dict[str, pd.DataFrame]] = {}
    for name, frame in tables.items():
        keys = frame["strategy"].astype(str).to_numpy()
        for (strategy, r), rows in frame.groupby([keys, frame["replication"].to_numpy()], sort=False).indices.items():
            parts.setdefault((strategy, int(r)), {})[name] = frame.iloc[rows].reset_index(drop=True)
    for part in parts.values():
        for name, frame in tables.items():
            part.setdefault(name, frame.iloc[:0])
    return parts


def _channel_rows(before: StrategyResult, after: StrategyResult) -> list[dict[str, Any]]:
    out = []
    for channel in sorted(set(before.by_channel) | set(after.by_channel)):
        b, a = before.by_channel.get(channel, {}), after.by_channel.get(channel, {})
        contacts = b.get("contacts") or a.get("contacts") or 0.0
        fee_b, fee_a = b.get("cost_channel") or 0.0, a.get("cost_channel") or 0.0
        out.append({"strategy": before.name, "channel": channel, "contacts": contacts, "before": fee_b, "after": fee_a,
                    "difference": fee_a - fee_b, "per_contact_before": fee_b / contacts if contacts else None,
                    "per_contact_after": fee_a / contacts if contacts else None})
    return out


def reprice_run(
    run_dir: str | Path,
    overrides: Mapping[str, Any] | None = None,
    *,
    date: dt.date | str | None = None,
    market: str | None = None,
    rate_card: str | Path | None = None,
    markup: float | None = None,
) -> Repricing:
    """Measure the stored run in ``run_dir`` as it was priced and with
    ``overrides`` (``{"pricing.rules": "v2", ...}``, as ``--set`` takes them)
    and the shortcuts ``date``, ``market``, ``rate_card`` and ``markup``."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise InputError(Problem("RUN_DIR", f"{run_dir} is not a directory"))
    scenario = load_scenario(run_dir / "scenario.yaml")
    changes = _changes(overrides or {}, **{"pricing.date": None if date is None else str(date), "market": market,
                                           "pricing.rate_card": None if rate_card is None else str(rate_card),
                                           "pricing.markup": markup})
    changed = scenario.with_overrides(changes) if changes else scenario
    tables = {name: _read(run_dir, f"{name}.parquet") for name in ("contacts", "messages", "staffing")}
    parts = _replications(tables)
    ran = {strategy for strategy, _ in parts}
    unknown = sorted(ran - set(scenario.strategy_names))
    if unknown:
        raise InputError(Problem("RUN_DIR", f"{run_dir}: the stored log holds strategies the scenario lacks "
                                 f"({', '.join(unknown)}); is scenario.yaml the run's own?"))
    results: dict[str, list[StrategyResult]] = {"before": [], "after": []}
    lines: dict[str, list[pd.DataFrame]] = {"before": [], "after": []}
    replications, rows = {}, []
    for name in [n for n in scenario.strategy_names if n in ran]:
        reps = sorted(r for strategy, r in parts if strategy == name)
        replications[name] = len(reps)
        for which, source in (("before", scenario), ("after", changed)):
            resolved = source.for_strategy(name)
            measured = []
            for r in reps:
                part = parts[name, r]
                m = measure(resolved, EventLog(part["contacts"], part["messages"], part["staffing"]), r)
                measured.append(m.kpis)
                lines[which].append(m.costs)
            results[which].append(aggregate_replications(name, measured))
        rows += _channel_rows(results["before"][-1], results["after"][-1])
    kpis = pd.DataFrame([{"strategy": b.name, "kpi": key, "before": b.kpis[key], "after": a.kpis[key],
                          "difference": _minus(a.kpis[key], b.kpis[key])}
                         for b, a in zip(results["before"], results["after"]) for key in KPI_KEYS],
                        columns=["strategy", "kpi", "before", "after", "difference"])
    channel_rows = pd.DataFrame(rows, columns=["strategy", "channel", "contacts", "before", "after", "difference",
                                               "per_contact_before", "per_contact_after"])
    stack = lambda frames: pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()  # noqa: E731
    return Repricing(kpis=kpis, rows=channel_rows, before=_settings(scenario), after=_settings(changed),
                     lines_before=stack(lines["before"]), lines_after=stack(lines["after"]),
                     results_before=results["before"], results_after=results["after"], replications=replications)
