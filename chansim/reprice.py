"""Re-price a stored run (an ``--out`` directory) under another date, market,
rate card or markup, without simulating again.

The stored log is priced twice: once as the run was priced (its own
scenario's pricing) and once with the changes, so the difference is due to
prices alone. Costs are per run (mean over the replications).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from chansim.billing.price import Pricer, cost_lines
from chansim.engine.log import CONTACT_COLUMNS, MESSAGE_COLUMNS
from chansim.errors import InputError, Problem
from chansim.metrics import measured_window
from chansim.scenario import load_scenario

__all__ = ["reprice_run", "Repricing"]


@dataclass(frozen=True)
class Repricing:
    """Channel cost per strategy and channel, before and after."""

    rows: pd.DataFrame  # strategy, channel, before, after, difference
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


def _per_run(lines: pd.DataFrame, replications: int) -> pd.Series:
    if lines.empty:
        return pd.Series(dtype=float)
    return lines.groupby(["strategy", "channel"])["cost"].sum() / replications


def reprice_run(
    run_dir: str | Path,
    *,
    date: dt.date | str | None = None,
    market: str | None = None,
    rate_card: str | Path | None = None,
    markup: float | None = None,
) -> Repricing:
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise InputError(Problem("RUN_DIR", f"{run_dir} is not a directory"))
    scenario = load_scenario(run_dir / "scenario.yaml")
    contacts = _read(run_dir, "contacts.parquet")
    messages = _read(run_dir, "messages.parquet")
    replications = max(int(contacts["replication"].nunique()), 1) if len(contacts) else 1
    before_lines, after_lines = [], []
    settings_before: dict[str, Any] = {}
    settings_after: dict[str, Any] = {}
    for name in scenario.strategy_names:
        resolved = scenario.for_strategy(name)
        mine_c = contacts[contacts["strategy"].astype(str) == name]
        mine_m = messages[messages["strategy"].astype(str) == name]
        c, m = measured_window(mine_c, mine_m, resolved.warmup_s)
        base = Pricer.for_scenario(resolved)
        changed = Pricer.create(
            market=market or base.market,
            date=date or base.date,
            rate_card=rate_card if rate_card is not None else resolved.pricing.rate_card,
            markup=base.markup if markup is None else markup,
            whatsapp_v3=resolved.pricing.whatsapp_v3,
            currency=base.currency,
            exchange_rates=base.exchange_rates,
            rcs_agent=base.rcs_agent,
            voice_number=base.voice_number,
            fees=base.fees,
        )
        before_lines.append(cost_lines(base.messages(m), base.calls(c)))
        after_lines.append(cost_lines(changed.messages(m), changed.calls(c)))
        settings_before = {"market": base.market, "date": str(base.date), "markup": base.markup,
                           "rate_card": resolved.pricing.rate_card}
        settings_after = {"market": changed.market, "date": str(changed.date), "markup": changed.markup,
                          "rate_card": str(rate_card) if rate_card is not None else resolved.pricing.rate_card}
    lb = pd.concat(before_lines, ignore_index=True)
    la = pd.concat(after_lines, ignore_index=True)
    before = _per_run(lb, replications)
    after = _per_run(la, replications)
    table = pd.concat({"before": before, "after": after}, axis=1).fillna(0.0)
    table["difference"] = table["after"] - table["before"]
    rows = table.reset_index()
    return Repricing(rows=rows, before=settings_before, after=settings_after, lines_before=lb, lines_after=la)
