"""Re-price a stored run (an ``--out`` directory) under other pricing
settings, without simulating again.

The stored log is priced twice: once as the run was priced (its own
scenario's pricing) and once with the changes (any ``pricing.*`` setting,
the ``market`` or a segment's ``market``), so the difference is due to
prices alone. Labor and bot costs do not depend on prices and are the same
on both sides. Costs are per run (mean over the replications).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from chansim.billing.price import Pricer, cost_lines
from chansim.engine.log import CONTACT_COLUMNS, MESSAGE_COLUMNS
from chansim.errors import InputError, Problem
from chansim.kpis.metrics import measured_window
from chansim.kpis.labor import labor_costs
from chansim.scenario import load_scenario

__all__ = ["reprice_run", "Repricing", "PRICE_PATHS"]

#: What a re-pricing may change: prices, not what happens.
PRICE_PATHS = re.compile(r"^(pricing(\..+)?|market|demand\.segments\.[^.]+\.market)$")


@dataclass(frozen=True)
class Repricing:
    """Costs per run before and after, by strategy (``totals``) and by
    strategy and channel (``rows``)."""

    rows: pd.DataFrame  # strategy, channel, contacts, before, after, difference, per_contact_before, per_contact_after
    totals: pd.DataFrame  # strategy, contacts, issues, labor_and_bot, total_before, total_after, per contact/issue
    before: dict[str, Any]
    after: dict[str, Any]
    lines_before: pd.DataFrame
    lines_after: pd.DataFrame

    def rules(self, which: str) -> pd.DataFrame:
        """Per run: how each channel was priced (card, rule, unit) with counts and cost."""
        lines = self.lines_before if which == "before" else self.lines_after
        if lines.empty:
            return pd.DataFrame(columns=["channel", "card", "rule", "unit", "count", "units", "cost"])
        runs = max(int(lines["replication"].nunique()), 1) * max(int(lines["strategy"].nunique()), 1)
        table = lines.groupby(["channel", "card", "rule", "unit"], as_index=False)[["count", "units", "cost"]].sum()
        table[["count", "units", "cost"]] = table[["count", "units", "cost"]] / runs
        return table

    def changed_channels(self) -> list[str]:
        """Channels whose cards or rules differ between before and after."""
        before, after = self.rules("before"), self.rules("after")
        out = []
        for channel in sorted(set(before["channel"]) | set(after["channel"])):
            key = lambda t: set(zip(t["card"], t["rule"], t["unit"]))
            if key(before[before["channel"] == channel]) != key(after[after["channel"] == channel]):
                out.append(channel)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "before": self.before,
            "after": self.after,
            "totals": self.totals.to_dict(orient="records"),
            "rows": self.rows.to_dict(orient="records"),
            "rules": {"before": self.rules("before").to_dict(orient="records"),
                      "after": self.rules("after").to_dict(orient="records")},
            "changed_channels": self.changed_channels(),
        }


#: Columns a stored table must have, and those of them that must be numbers.
_COLUMNS = {"contacts.parquet": (CONTACT_COLUMNS, ("replication", "arrival_t", "answer_t", "end_t")),
            "messages.parquet": (MESSAGE_COLUMNS, ("replication", "t", "chars"))}


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


def _safe(num: float, den: float) -> float | None:
    return float(num) / float(den) if den else None


def reprice_run(
    run_dir: str | Path,
    overrides: Mapping[str, Any] | None = None,
    *,
    date: dt.date | str | None = None,
    market: str | None = None,
    rate_card: str | Path | None = None,
    markup: float | None = None,
) -> Repricing:
    """Price the stored run in ``run_dir`` as it was and with ``overrides``
    (``{"pricing.rules": "v2", ...}``, as ``--set`` takes them) and the
    shortcuts ``date``, ``market``, ``rate_card`` and ``markup``."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise InputError(Problem("RUN_DIR", f"{run_dir} is not a directory"))
    scenario = load_scenario(run_dir / "scenario.yaml")
    changes = _changes(overrides or {}, **{"pricing.date": None if date is None else str(date), "market": market,
                                           "pricing.rate_card": None if rate_card is None else str(rate_card),
                                           "pricing.markup": markup})
    changed = scenario.with_overrides(changes) if changes else scenario
    contacts = _read(run_dir, "contacts.parquet")
    messages = _read(run_dir, "messages.parquet")
    staffing = pd.read_parquet(run_dir / "staffing.parquet") if (run_dir / "staffing.parquet").exists() else None
    replications = max(int(contacts["replication"].nunique()), 1) if len(contacts) else 1
    before_lines, after_lines, totals, channel_contacts = [], [], [], []
    for name in scenario.strategy_names:
        resolved, resolved_after = scenario.for_strategy(name), changed.for_strategy(name)
        mine_c = contacts[contacts["strategy"].astype(str) == name]
        mine_m = messages[messages["strategy"].astype(str) == name]
        c, m = measured_window(mine_c, mine_m, resolved.warmup_s)
        base, after = Pricer.for_scenario(resolved), Pricer.for_scenario(resolved_after)
        lb = cost_lines(base.messages(m), base.calls(c))
        la = cost_lines(after.messages(m), after.calls(c))
        before_lines.append(lb)
        after_lines.append(la)
        labor = 0.0
        if staffing is not None:
            own = staffing[staffing["strategy"].astype(str) == name]
            labor = float(sum(labor_costs(own[own["replication"] == r], resolved)["cost"].sum()
                              for r in own["replication"].unique()))
        bot = resolved.active_bot
        sessions = int((c["bot_outcome"].astype(str) != "none").sum()) if "bot_outcome" in c else 0
        fixed = (labor + sessions * (bot.cost_per_session if bot is not None else 0.0)) / replications
        n_contacts = len(c) / replications
        issues = (c.groupby(["replication", "root_id"]).ngroups if len(c) else 0) / replications
        total_before = fixed + float(lb["cost"].sum()) / replications if len(lb) else fixed
        total_after = fixed + float(la["cost"].sum()) / replications if len(la) else fixed
        totals.append({"strategy": name, "contacts": n_contacts, "issues": issues, "labor_and_bot": fixed,
                       "total_before": total_before, "total_after": total_after,
                       "difference": total_after - total_before,
                       "per_contact_before": _safe(total_before, n_contacts),
                       "per_contact_after": _safe(total_after, n_contacts),
                       "per_issue_before": _safe(total_before, issues), "per_issue_after": _safe(total_after, issues)})
        counts = c["channel"].astype(str).value_counts() / replications if len(c) else pd.Series(dtype=float)
        channel_contacts += [{"strategy": name, "channel": ch, "contacts": float(k)} for ch, k in counts.items()]
    lb = pd.concat(before_lines, ignore_index=True)
    la = pd.concat(after_lines, ignore_index=True)
    per_run = lambda lines: (lines.groupby(["strategy", "channel"])["cost"].sum() / replications  # noqa: E731
                             if len(lines) else pd.Series(dtype=float))
    table = pd.concat({"before": per_run(lb), "after": per_run(la)}, axis=1).fillna(0.0)
    table["difference"] = table["after"] - table["before"]
    rows = table.reset_index()
    if channel_contacts:
        rows = rows.merge(pd.DataFrame(channel_contacts), on=["strategy", "channel"], how="left")
    else:
        rows["contacts"] = np.nan
    rows["contacts"] = rows["contacts"].fillna(0.0)
    on_channel = rows["contacts"].where(rows["contacts"] > 0)
    rows["per_contact_before"] = rows["before"] / on_channel
    rows["per_contact_after"] = rows["after"] / on_channel
    rows = rows[["strategy", "channel", "contacts", "before", "after", "difference", "per_contact_before",
                 "per_contact_after"]]
    return Repricing(rows=rows, totals=pd.DataFrame(totals), before=_settings(scenario), after=_settings(changed),
                     lines_before=lb, lines_after=la)
