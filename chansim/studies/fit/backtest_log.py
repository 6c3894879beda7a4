"""Backtest against a call log: the whole test period simulated in one
continuous run (repeats cross days), with the agents on duty estimated from
the test period's own records, and the simulation's days, hours and classes
of call compared with the log's.

The run starts ``warmup_days`` before the test period (demand and the test
period's staffing pattern), so the repeats of earlier days are in the system
when the comparison begins. Each date of the test period is staffed by that
date's own agents on duty, quarter hour by quarter hour (dated lists of the
pool's schedule); the warm-up days by the test period's mean by weekday and
quarter hour (the schedule's weekly pattern), or every day so with
``dated_staffing=False``. Either times ``1 − shrinkage`` of the channel's pool
(``fit --calibrate`` writes the shrinkage that reproduces the training days;
none: every agent counted on duty takes calls).

Measures: contacts (agent-queue calls), service level (answered within the
target ÷ answered + abandoned), abandon rate (abandoned ÷ contacts) and ASA
(mean wait of answered calls), by day, overall and by class of call and
priority; the hourly volume error as WAPE (Σ|simulated − actual| ÷ Σ actual)
with the MAPE of hours with calls beside it, and the floors of that WAPE
(:mod:`chansim.studies.fit.noise_floor`: the period's own weekday × hour
means, and Poisson noise around each hour's count).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

from chansim.studies.fit.stray_dates import check_empty_stretches, check_stray_dates
from chansim.errors import InputError, Problem
from chansim.scenario import Scenario
from chansim.scenario.models import validate_scenario
from chansim.studies.experiment import simulate
from chansim.studies.fit.agents_on_duty import agents_on_duty, has_agents, missing_agents
from chansim.studies.fit.exports import Exports
from chansim.studies.fit.fit_classes import OTHER, class_of
from chansim.studies.fit.fit_staffing import dated_on_duty_schedule, on_duty_schedule
from chansim.studies.fit.noise_floor import hourly_counts, own_means_wape, poisson_wape

__all__ = ["LogBacktest", "backtest_log", "day_measures", "MEASURES"]

MEASURES = ("contacts", "service_level", "abandon_rate", "asa_s")
WARMUP_DAYS = 7


@dataclass
class LogBacktest:
    """Days, overall, classes and hourly volume of a continuous backtest."""

    daily: list[dict]
    overall: dict
    by_segment: dict[str, list[dict]]
    volume: dict
    errors: dict
    scenario: str
    strategy: str
    test: tuple[str, str]
    replications: int
    warmup_days: int
    staffing: str
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "strategy": self.strategy, "test": list(self.test),
                "replications": self.replications, "warmup_days": self.warmup_days, "staffing": self.staffing,
                "daily": self.daily, "overall": self.overall, "by_segment": self.by_segment, "volume": self.volume,
                "errors": self.errors, "notes": self.notes}


def _num(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if not np.isfinite(v) else round(v, 4)


def day_measures(frame: pd.DataFrame, target_s: float) -> dict:
    """Measures of contacts with columns answered (bool), wait_s (answered:
    the wait) and abandoned (bool)."""
    answered, abandoned = frame["answered"].to_numpy(), frame["abandoned"].to_numpy()
    wait = frame["wait_s"].to_numpy(dtype=float)
    judged = int(answered.sum() + abandoned.sum())
    return {"contacts": int(len(frame)),
            "service_level": _num((answered & (wait <= target_s)).sum() / judged) if judged else None,
            "abandon_rate": _num(abandoned.sum() / len(frame)) if len(frame) else None,
            "asa_s": _num(wait[answered].mean()) if answered.any() else None}


def _actual(contacts: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"arrival": contacts["arrival"], "answered": contacts["answer"].notna(),
                         "abandoned": contacts["answer"].isna(), "wait_s": contacts["wait_s"].fillna(0.0),
                         "intent": contacts["_intent"]})


def _simulated(log: pd.DataFrame, start: pd.Timestamp) -> pd.DataFrame:
    c = log[~log["outcome"].astype(str).isin(["unserved", "closed"])]
    answered = c["answer_t"].notna().to_numpy()
    return pd.DataFrame({"arrival": start + pd.to_timedelta(c["queued_t"].to_numpy(dtype=float), unit="s"),
                         "answered": answered, "abandoned": ~answered,
                         "wait_s": np.where(answered, c["answer_t"].to_numpy(dtype=float)
                                            - c["queued_t"].to_numpy(dtype=float), 0.0),
                         "intent": c["intent"].astype(str).to_numpy(), "replication": c["replication"].to_numpy()})


def _mean_measures(frames: list[pd.DataFrame], target_s: float) -> dict:
    per = [day_measures(f, target_s) for f in frames]
    out = {}
    for key in MEASURES:
        values = [p[key] for p in per if p[key] is not None]
        out[key] = _num(np.mean(values)) if values else None
    return out


def backtest_log(scenario: Scenario, exports: Exports, *, test: tuple[dt.date, dt.date] | None = None,
                 strategy: str | None = None, replications: int = 5, warmup_days: int = WARMUP_DAYS,
                 dated_staffing: bool = True, progress: Callable[[int, int], None] | None = None) -> LogBacktest:
    """Simulate the test period (default: the whole log) continuously and
    compare; ``dated_staffing``: each test date staffed by its own agents on
    duty (else by the period's weekly pattern)."""
    if exports.contacts is None or not has_agents(exports.contacts):
        raise InputError(Problem("", "a continuous backtest needs a call log that names the agent of each "
                                     f"answered call (map it with --map agent=YourColumn), but "
                                     f"{missing_agents(exports.contacts)}"),
                         source=", ".join(exports.files.get("contacts", [])) or "DATA")
    strategy = strategy or scenario.strategy_names[0]
    channels = sorted(exports.contacts["channel"].astype(str).unique())
    if len(channels) != 1 or channels[0] not in scenario.channels:
        raise InputError(Problem("channels", f"the call log holds {', '.join(channels)}; the scenario has "
                                             f"{', '.join(scenario.channels)}"))
    channel = channels[0]
    if not test:
        check_stray_dates(exports)  # a mistyped year would make the simulated period decades long
    held = exports.between(*test, option="--test") if test else exports
    check_empty_stretches(held, "--test")
    contacts = held.contacts[held.contacts["plausible"]].copy()
    notes: list[str] = []
    first, last = _compared_days(exports, test, notes)
    days = (last - first).days + 1
    closed = _closed_dates(held.contacts, first, last, notes)
    target = scenario.channels[channel].service_level_target_s or 20.0
    names = [i.name for i in scenario.demand.intents]
    classes = class_of(contacts)
    if classes is not None:
        suffix = ("-p" + contacts["priority"].fillna("unknown").astype(str)) if "priority" in contacts else ""
        contacts["_intent"] = classes.where(classes.isin(names), OTHER + suffix)
    else:
        contacts["_intent"] = names[0]
    on_duty = agents_on_duty(held.contacts)
    base = scenario.model_dump(mode="json")
    start = first - pd.Timedelta(days=warmup_days)
    base.update(start_date=str(start.date()), days=float(days + warmup_days), warmup_hours=24.0 * warmup_days,
                replications=replications)
    base["strategies"] = [s for s in base["strategies"] if s["name"] == strategy]
    pools = []
    shrinkage = 0.0
    for pool in base["agents"]["pools"]:
        if channel in pool["channels"]:
            pool = {k: v for k, v in pool.items() if k not in ("headcount", "schedule", "shifts")}
            shrinkage = pool.get("shrinkage") or base["agents"].get("shrinkage") or 0.0
            schedule: dict[str, list[int]] = on_duty_schedule(on_duty, channel, shrinkage)
            if dated_staffing:
                dated = dated_on_duty_schedule(on_duty, channel, shrinkage)
                schedule.update({d: v for d, v in dated.items() if first <= pd.Timestamp(d) <= last})
            pool.update(interval_minutes=15, schedule=schedule)
        pools.append(pool)
    base["agents"] = dict(base["agents"], pools=pools)
    if closed:  # no call in the log: the line was closed that day
        hours = dict(base["channels"][channel].get("hours") or {"daily": "00:00-24:00"})
        hours["closed"] = sorted({*map(str, hours.get("closed") or ()), *closed})
        base["channels"][channel] = dict(base["channels"][channel], hours=hours)
    run_scenario = validate_scenario(base, source=f"{scenario.name} over the test period")
    result = simulate(run_scenario, [strategy], replications, log="contacts", progress=progress)
    sim = _simulated(result.log.contacts, start)
    sim = sim[(sim["arrival"] >= first) & (sim["arrival"] < last + pd.Timedelta(days=1))]
    act = _actual(contacts)
    reps = [sim[sim["replication"] == r] for r in range(replications)]
    daily = []
    for day in pd.date_range(first, last, freq="D"):
        a = act[act["arrival"].dt.normalize() == day]
        s = [f[f["arrival"].dt.normalize() == day] for f in reps]
        daily.append({"date": str(day.date()), "closed": str(day.date()) in closed, "actual": day_measures(a, target),
                      "simulated": _mean_measures(s, target)})
    missed = [d["date"] for d in daily if d["actual"]["contacts"] and not d["simulated"]["contacts"]]
    if missed:
        notes.append(f"{_dates_text(missed)}: calls in the log but none simulated (the scenario's weekly profile or "
                     f"opening hours close {', '.join(sorted({pd.Timestamp(d).day_name() for d in missed}))})")
    overall = {"actual": day_measures(act, target), "simulated": _mean_measures(reps, target)}
    by_intent = []
    priority_of = contacts.groupby("_intent")["priority"].first() if "priority" in contacts else None
    for name in names:
        a = act[act["intent"] == name]
        by_intent.append({"intent": name, "actual": day_measures(a, target),
                          "simulated": _mean_measures([f[f["intent"] == name] for f in reps], target)})
    by_segment: dict[str, list[dict]] = {"intent": by_intent}
    if priority_of is not None:
        by_priority = []
        for value in sorted(priority_of.dropna().unique()):
            members = set(priority_of[priority_of == value].index)
            by_priority.append({"priority": str(value),
                                "actual": day_measures(act[act["intent"].isin(members)], target),
                                "simulated": _mean_measures([f[f["intent"].isin(members)] for f in reps], target)})
        by_segment["priority"] = by_priority
    volume = _hourly_volume(act, reps, first, last)
    return LogBacktest(daily=daily, overall=overall, by_segment=by_segment, volume=volume,
                       errors=_errors(daily, overall, volume), scenario=scenario.name, strategy=strategy,
                       test=(str(first.date()), str(last.date())), replications=replications,
                       warmup_days=warmup_days,
                       staffing=("each date's own agents on duty" if dated_staffing else
                                 "agents on duty in the test period by weekday")
                                + " (distinct agents serving calls per quarter hour)"
                                + (f", times 1 − shrinkage {shrinkage:g} of the pool" if shrinkage else ""),
                       notes=notes)


def _dates_text(dates: list[str]) -> str:
    return ", ".join(dates[:5]) + (f" and {len(dates) - 5} more" if len(dates) > 5 else "")


def _compared_days(exports: Exports, test: tuple[dt.date, dt.date] | None,
                   notes: list[str]) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first and last day compared: the test period within the log's days."""
    arrival = exports.contacts["arrival"]
    lo, hi = arrival.min().normalize(), arrival.max().normalize()
    if not test:
        return lo, hi
    first, last = max(pd.Timestamp(test[0]), lo), min(pd.Timestamp(test[1]), hi)
    if (first, last) != (pd.Timestamp(test[0]), pd.Timestamp(test[1])):
        notes.append(f"the log holds calls from {lo.date()} to {hi.date()}: compared {first.date()}..{last.date()} of "
                     f"--test {test[0]}..{test[1]}")
    return first, last


def _closed_dates(contacts: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp, notes: list[str]) -> list[str]:
    """The days without a single call in the log (a holiday): simulated closed, left out of the daily measures."""
    seen = set(contacts["arrival"].dt.normalize())
    closed = [str(d.date()) for d in pd.date_range(first, last, freq="D") if d not in seen]
    if closed:
        notes.append(f"{_dates_text(closed)}: no call in the log: simulated with the line closed (calls then end "
                     "closed) and left out of the daily measures")
    return closed


def _hourly_volume(act: pd.DataFrame, reps: list[pd.DataFrame], first: pd.Timestamp, last: pd.Timestamp) -> dict:
    hours = pd.date_range(first, last + pd.Timedelta(hours=23), freq="h")
    counts = hourly_counts(act["arrival"], first, last)
    actual = counts.to_numpy(dtype=float)
    simulated = np.mean([f.groupby(f["arrival"].dt.floor("h")).size().reindex(hours, fill_value=0)
                         .to_numpy(dtype=float) for f in reps], axis=0)
    busy = actual > 0
    wape = float(np.abs(simulated - actual).sum() / actual.sum()) if actual.sum() else None
    mape = float(np.mean(np.abs(simulated[busy] - actual[busy]) / actual[busy])) if busy.any() else None
    return {"hours": int(len(hours)), "actual": int(actual.sum()), "simulated": _num(simulated.sum()),
            "wape": _num(wape), "mape": _num(mape),
            "floor": {"own_means_wape": _num(own_means_wape(counts)), "poisson_wape": _num(poisson_wape(counts))}}


def _errors(daily: list[dict], overall: dict, volume: dict) -> dict:
    """Volume-weighted errors (WAPE) of the daily measures, MAPE beside them,
    and the mean absolute error of the daily shares in points."""
    out: dict[str, Any] = {"hourly_volume_wape": volume["wape"], "hourly_volume_mape": volume["mape"]}
    weights = np.array([d["actual"]["contacts"] for d in daily], dtype=float)
    for key in MEASURES:
        a = np.array([np.nan if d["actual"][key] is None else d["actual"][key] for d in daily], dtype=float)
        s = np.array([np.nan if d["simulated"][key] is None else d["simulated"][key] for d in daily], dtype=float)
        ok = np.isfinite(a) & np.isfinite(s)
        if not ok.any():
            continue
        diff = np.abs(s[ok] - a[ok])
        if key == "contacts":
            out["daily_volume_wape"] = _num(diff.sum() / a[ok].sum())
        else:
            w = weights[ok]
            out[f"daily_{key}_wape"] = _num((w * diff).sum() / (w * np.abs(a[ok])).sum()) \
                if (w * np.abs(a[ok])).sum() else None
        nonzero = ok & (np.abs(a) > 1e-12)
        out[f"daily_{key}_mape"] = _num(np.mean(np.abs(s[nonzero] - a[nonzero]) / np.abs(a[nonzero]))) \
            if nonzero.any() else None
        if key in ("service_level", "abandon_rate"):
            out[f"daily_{key}_mae_points"] = _num(100 * diff.mean())
    oa, os_ = overall["actual"]["asa_s"], overall["simulated"]["asa_s"]
    out["overall_asa_relative_error"] = _num(abs(os_ - oa) / oa) if oa and os_ is not None else None
    return out
