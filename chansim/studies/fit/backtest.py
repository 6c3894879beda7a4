"""``backtest``: simulate the data's period with its actual staffing and
compare, hour by hour and overall, simulated and actual service level, ASA,
abandon rate, AHT and occupancy.

Each day of the data is simulated on its own (the scenario's demand for that
weekday, the day's staffing from the interval report, replacing the pool's
headcount, schedule or shifts, or else the scenario's own), starting empty at midnight, for a number of replications. For
each hour the replications give a simulated mean and a 95 % band (where one
more replication would fall 95 % of the time); the comparison reports the bias (simulated − actual),
the MAPE and the share of hours whose actual lies within the band."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import numpy as np
import pandas as pd
from scipy import stats

from chansim.errors import InputError, Problem
from chansim.studies.experiment import simulate
from chansim.scenario import Scenario
from chansim.scenario.models import validate_scenario
from chansim.studies.fit.exports import Exports, read_exports
from chansim.studies.fit.stray_dates import check_stray_dates
from chansim.scenario.channels import channel_kind
from chansim.studies.fit.interval_kpis import KPIS, SUMS, busy_by_hour, interval_sums, kpis_from_sums
from chansim.studies.fit.synthetic import contact_records
from chansim.studies.fit.volumes import hourly_staffing

__all__ = ["backtest", "BacktestResult", "actual_sums", "check_kpis"]

#: KPIs that are shares (their band is clipped to 0-1).
SHARES = ("service_level", "abandon_rate", "occupancy")


@dataclass
class BacktestResult:
    """Hour-by-hour and overall comparison of a simulation with the data."""

    hours: pd.DataFrame  # channel, interval_start, kpi, actual, simulated, low, high, inside
    summary: pd.DataFrame  # channel, kpi, actual, simulated, low, high, bias, mape_pct, coverage, hours
    scenario: str
    strategy: str
    days: int
    replications: int
    staffing: str
    notes: list[str] = field(default_factory=list)

    def worst_mape(self, kpis: Iterable[str] | None = None) -> float | None:
        """The largest hourly MAPE (%) over channels and ``kpis`` (default all)."""
        chosen = check_kpis(kpis)
        values = self.summary.loc[self.summary["kpi"].isin(chosen), "mape_pct"].dropna()
        return float(values.max()) if len(values) else None

    def to_dict(self) -> dict[str, Any]:
        def clean(frame: pd.DataFrame) -> list[dict]:
            return [{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
                    for row in frame.to_dict(orient="records")]

        return {"scenario": self.scenario, "strategy": self.strategy, "days": self.days,
                "replications": self.replications, "staffing": self.staffing, "notes": self.notes,
                "summary": clean(self.summary)}


def check_kpis(kpis: Iterable[str] | None) -> list[str]:
    """The KPIs named (default all of :data:`KPIS`); an unknown name is bad input."""
    chosen = list(kpis) if kpis else list(KPIS)
    unknown = [k for k in chosen if k not in KPIS]
    if unknown:
        raise InputError(Problem("--kpi", f"unknown KPI {', '.join(unknown)} (use {', '.join(KPIS)})"))
    return chosen


def _targets(scenario: Scenario) -> dict[str, float | None]:
    return {ch: spec.service_level_target_s for ch, spec in scenario.channels.items()}


def actual_sums(exports: Exports, targets: Mapping[str, float | None]) -> pd.DataFrame:
    """Hourly sums per channel from the data: contact records when given,
    else the interval report; staffed seconds from the interval report."""
    if exports.contacts is not None:
        records = exports.contacts[exports.contacts["plausible"]]
        sums = interval_sums(records, targets, "h")
        busy = busy_by_hour(records).set_index(["channel", "interval_start"])["busy_s"]
        key = pd.MultiIndex.from_arrays([sums["channel"], sums["interval_start"]])
        sums["busy_s"] = busy.reindex(key).fillna(0.0).to_numpy()
    elif exports.intervals is not None:
        sums = _sums_from_intervals(exports.intervals)
    else:
        raise InputError(Problem("DATA", "a backtest needs contact records or an interval report"))
    sums["staffed_s"] = 0.0
    staffing = _staffing(exports)
    if staffing is not None:
        staffed = staffing.set_index(["channel", "hour_start"])["agents"] * 3600.0
        key = pd.MultiIndex.from_arrays([sums["channel"], sums["interval_start"]])
        sums["staffed_s"] = staffed.reindex(key).fillna(0.0).to_numpy()
    return sums


def _sums_from_intervals(intervals: pd.DataFrame) -> pd.DataFrame:
    i = intervals
    handled = i.get("handled", pd.Series(np.nan, index=i.index)).fillna(0.0)
    abandoned = i.get("abandoned", pd.Series(0.0, index=i.index)).fillna(0.0)
    nan = pd.Series(np.nan, index=i.index)
    sl = i.get("service_level", nan)
    frame = pd.DataFrame({
        "channel": i["channel"], "interval_start": i["interval_start"].dt.floor("h"),
        "offered": i["offered"], "answered": handled, "abandoned": abandoned, "handled": handled,
        "in_target": (sl * (handled + abandoned)).fillna(0.0), "targeted": (handled + abandoned).where(sl.notna(), 0.0),
        "wait_s": (i.get("asa_s", nan) * handled).fillna(0.0), "work_s": (i.get("aht_s", nan) * handled).fillna(0.0),
        "staffed_s": 0.0,
    })
    frame["busy_s"] = frame["work_s"]  # an interval report counts handle time where it was handled
    return frame.groupby(["channel", "interval_start"], sort=True).sum().reset_index()


def _staffing(exports: Exports) -> pd.DataFrame | None:
    if exports.intervals is None or "agents_staffed" not in exports.intervals:
        return None
    staffing = hourly_staffing(exports.intervals)
    return staffing if len(staffing) else None


def _day_scenario(base: dict, day: pd.Timestamp, index: int, strategy: str, staffing: pd.DataFrame | None,
                  pool_channels: dict[str, tuple[str, ...]]) -> Scenario:
    data = {k: v for k, v in base.items()}
    data.update(start_date=str(day.date()), days=1, warmup_hours=0, seed=int(base.get("seed", 0)) + 1000 * index)
    data["strategies"] = [s for s in base["strategies"] if s["name"] == strategy]
    if staffing is not None:
        today = staffing[staffing["hour_start"].dt.normalize() == day]
        pools = []
        for pool in base["agents"]["pools"]:
            rows = today[today["channel"].isin(pool_channels[pool["name"]])]
            pool = dict(pool)
            if len(rows):
                per_hour = rows.groupby(rows["hour_start"].dt.hour)["agents"].sum().reindex(range(24), fill_value=0)
                for roster in ("headcount", "shifts"):  # the data's staffing replaces the pool's roster
                    pool.pop(roster, None)
                pool.update(interval_minutes=60, schedule=[int(round(v)) for v in per_hour])
            pools.append(pool)
        data["agents"] = dict(base["agents"], pools=pools)
    return validate_scenario(data, source=f"{base.get('name')} on {day.date()}")


def _simulated_sums(scenario: Scenario, strategy: str, replications: int, targets: Mapping[str, float | None],
                    pool_channels: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    result = simulate(scenario, [strategy], replications, log="contacts")
    contacts, staffing = result.log.contacts, result.log.staffing
    frames = []
    start = pd.Timestamp(scenario.start_date)
    for r in range(replications):
        rows = contacts[contacts["replication"] == r]
        sums = interval_sums(contact_records(rows, scenario.start_date), targets, "h") if len(rows) else \
            pd.DataFrame(columns=["channel", "interval_start", *SUMS])
        staff = staffing[staffing["replication"] == r]
        # occupancy of pools serving one channel belongs to that channel
        single = {p: ch[0] for p, ch in pool_channels.items() if len(ch) == 1}
        staff = staff[staff["pool"].astype(str).isin(single)]
        busy = pd.DataFrame({
            "channel": staff["pool"].astype(str).map(single).to_numpy(),
            "interval_start": (start + pd.to_timedelta(staff["interval_start_s"], unit="s")).to_numpy(),
            "busy_s": staff["busy_s"].to_numpy(dtype=float),
            "staffed_s": (staff["staffed"] * staff["interval_s"]).to_numpy(dtype=float),
        }).groupby(["channel", "interval_start"]).sum()
        sums = sums.set_index(["channel", "interval_start"])
        sums = sums.drop(columns=["busy_s", "staffed_s"]).join(busy, how="outer").fillna(0.0).reset_index()
        frames.append(sums.assign(replication=r))
    return pd.concat(frames, ignore_index=True)


def backtest(scenario: Scenario, data: Iterable[str | Path] | Exports, *, strategy: str | None = None,
             replications: int = 10, mapping: Mapping[str, str] | Iterable[str] | None = None,
             timezone: str | None = None, progress: Callable[[int, int], None] | None = None) -> BacktestResult:
    """Simulate every day of the data ``replications`` times and compare."""
    if replications < 2:
        raise InputError(Problem("--replications", "a backtest needs at least 2 replications for its band"))
    exports = data if isinstance(data, Exports) else read_exports(data, mapping, timezone)
    check_stray_dates(exports)  # a mistyped year would make the simulated period decades long
    strategy = strategy or scenario.strategy_names[0]
    if strategy not in scenario.strategy_names:
        raise InputError(Problem("--strategy", f"no strategy named {strategy!r} (have: {', '.join(scenario.strategy_names)})"))
    targets = _targets(scenario)
    actual = actual_sums(exports, targets)
    missing = sorted(set(actual["channel"]) - set(scenario.channels))
    if missing:
        raise InputError(Problem("channels", f"the data has {', '.join(missing)} but the scenario does not"))
    staffing = _staffing(exports)
    notes = []
    if staffing is None:
        notes.append("staffing: the scenario's (the data has no agents staffed)")
    base = scenario.model_dump(mode="json")
    pool_channels = {p.name: tuple(p.channels) for p in scenario.agents.pools}
    days = pd.date_range(actual["interval_start"].min().normalize(), actual["interval_start"].max().normalize(),
                         freq="D")
    simulated = []
    for index, day in enumerate(days):
        day_scenario = _day_scenario(base, day, index, strategy, staffing, pool_channels)
        simulated.append(_simulated_sums(day_scenario, strategy, replications, targets, pool_channels))
        if progress is not None:
            progress(index + 1, len(days))
    sim = pd.concat(simulated, ignore_index=True)
    # compare the hours the data has
    keys = actual[["channel", "interval_start"]]
    sim = sim.merge(keys, on=["channel", "interval_start"], how="inner")
    messaging = [c for c in actual["channel"].unique() if channel_kind(c) != "voice"]
    if messaging:
        # a conversation's answer-to-end time is not agent attention: no actual occupancy to compare
        actual.loc[actual["channel"].isin(messaging), "staffed_s"] = 0.0
        notes.append(f"occupancy not compared for {', '.join(messaging)}: the data holds elapsed conversation "
                     "time, not agent attention")
    hours = _compare_hours(actual, sim, replications)
    summary = _summary(actual, sim, hours, replications)
    return BacktestResult(hours=hours, summary=summary, scenario=scenario.name, strategy=strategy, days=len(days),
                          replications=replications,
                          staffing="interval report" if staffing is not None else "scenario", notes=notes)


def _band(mean: pd.Series, std: pd.Series, count: pd.Series) -> pd.DataFrame:
    """Mean and 95 % prediction band of one more replication: mean ± t(n−1) ·
    sd · √(1 + 1/n), clipped to the KPI's range. (The min-max of n
    replications would hold a new one only (n−1)/(n+1) of the time.)"""
    n = count.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * std.fillna(0.0) * np.sqrt(1 + 1 / n)
    kpi = mean.index.get_level_values(-1)
    top = np.where(np.isin(kpi, SHARES), 1.0, np.inf)
    frame = pd.DataFrame({"simulated": mean, "low": np.clip(mean - half, 0.0, None),
                          "high": np.minimum(mean + half, top), "measured": count})
    frame.loc[n < 2, ["low", "high"]] = np.nan
    return frame


def _long(kpis: pd.DataFrame, keys: pd.DataFrame, name: str) -> pd.DataFrame:
    frame = pd.concat([keys.reset_index(drop=True), kpis.reset_index(drop=True)], axis=1)
    return frame.melt(id_vars=list(keys.columns), value_vars=list(KPIS), var_name="kpi", value_name=name)


def _compare_hours(actual: pd.DataFrame, sim: pd.DataFrame, replications: int) -> pd.DataFrame:
    has_staff = actual["staffed_s"] > 0
    act = _long(kpis_from_sums(actual).assign(occupancy=lambda f: f["occupancy"].where(has_staff)),
                actual[["channel", "interval_start"]], "actual")
    # an hour with no contacts in a replication has nothing to measure there
    per_rep = _long(kpis_from_sums(sim), sim[["channel", "interval_start", "replication"]], "value")
    grouped = per_rep.groupby(["channel", "interval_start", "kpi"])["value"]
    band = _band(grouped.mean(), grouped.std(ddof=1), grouped.count()).reset_index()
    hours = act.merge(band, on=["channel", "interval_start", "kpi"], how="left")
    hours = hours[hours["actual"].notna()]
    hours["inside"] = (hours["actual"] >= hours["low"] - 1e-12) & (hours["actual"] <= hours["high"] + 1e-12)
    hours.loc[hours["simulated"].isna(), "inside"] = False
    return hours.sort_values(["channel", "kpi", "interval_start"]).reset_index(drop=True)


def _summary(actual: pd.DataFrame, sim: pd.DataFrame, hours: pd.DataFrame, replications: int) -> pd.DataFrame:
    rows = []
    for channel in sorted(actual["channel"].unique()):
        a = actual[actual["channel"] == channel]
        pooled_actual = kpis_from_sums(a[list(SUMS)].sum().to_frame().T).iloc[0]
        if not (a["staffed_s"] > 0).any():
            pooled_actual["occupancy"] = np.nan
        s = sim[sim["channel"] == channel]
        pooled_sim = kpis_from_sums(s.groupby("replication")[list(SUMS)].sum())
        for kpi in KPIS:
            h = hours[(hours["channel"] == channel) & (hours["kpi"] == kpi) & hours["simulated"].notna()]
            nonzero = h[h["actual"].abs() > 1e-12]
            values = pooled_sim[kpi].dropna()
            overall = _band(pd.Series([values.mean()], index=[kpi]), pd.Series([values.std(ddof=1)], index=[kpi]),
                            pd.Series([len(values)], index=[kpi])).iloc[0]
            rows.append({
                "channel": channel, "kpi": kpi,
                "actual": _num(pooled_actual[kpi]),
                "simulated": _num(overall["simulated"]),
                "low": _num(overall["low"]),
                "high": _num(overall["high"]),
                "bias": _num((h["simulated"] - h["actual"]).mean()) if len(h) else None,
                "mape_pct": _num(100 * ((nonzero["simulated"] - nonzero["actual"]).abs()
                                        / nonzero["actual"].abs()).mean()) if len(nonzero) else None,
                "coverage": _num(h["inside"].mean()) if len(h) else None,
                "hours": int(len(h)),
            })
    return pd.DataFrame(rows)


def _num(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(v) else v
