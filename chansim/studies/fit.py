"""``fit``: a scenario from a contact center's exports.

Per channel: daily volume and the weekly and intraday profiles, handle time
(maximum likelihood, family chosen by AIC), patience (censored: answered
contacts waited at least as long as they did), conversation turns, reply
delays, characters and non-GSM shares (message records), repeats (customer
ids) and staffing per hour (interval report). The scenario is written as YAML
in which every fitted number carries a comment saying what it was fitted
from: rows, period and method.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd
import yaml

from chansim.channels import CHANNELS, channel_kind
from chansim.errors import InputError, Problem
from chansim.scenario import Scenario
from chansim.scenario.models import validate_scenario
from chansim.studies.commented_yaml import Commented, Node, plain, render
from chansim.studies.conversations import ConversationFit, fit_conversations
from chansim.studies.durations import DurationFit, fit_duration
from chansim.studies.estimate import Estimate, TooLittleData
from chansim.studies.exports import Exports, read_exports
from chansim.studies.patience import PatienceFit, fit_patience
from chansim.studies.repeats import RepeatFit, fit_repeats
from chansim.studies.volumes import VolumeFit, fit_volumes, hourly_counts, hourly_staffing

__all__ = ["fit", "FitResult", "FitReport", "DEFAULT_TARGETS", "MIN_DAYS"]

#: Answer-time targets (s) assumed when none is given: the 80/20 convention for calls, a minute for chat.
DEFAULT_TARGETS = {"voice": 20.0, "email": None}
DEFAULT_MESSAGING_TARGET = 60.0
#: Whole days of data needed to fit volumes.
MIN_DAYS = 1
#: Occupancy a sized schedule aims at when the data has no staffing.
SIZING_OCCUPANCY = 0.85
ASSUMED_CONCURRENCY = 2


@dataclass
class FitReport:
    """Everything fitted, for the parameter table and the figures."""

    parameters: list[Estimate]
    notes: list[str]
    implausible: list[dict]
    volumes: VolumeFit
    handle_time: dict[str, DurationFit] = field(default_factory=dict)
    handle_samples: dict[str, np.ndarray] = field(default_factory=dict)
    patience: dict[str, PatienceFit] = field(default_factory=dict)
    patience_data: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    conversations: dict[str, ConversationFit] = field(default_factory=dict)
    repeats: RepeatFit | None = None

    def table(self) -> pd.DataFrame:
        """One row per fitted parameter: value, 95 % CI, method, data."""
        return pd.DataFrame([e.to_dict() for e in self.parameters],
                            columns=["parameter", "value", "ci_low", "ci_high", "method", "data"])

    def estimate(self, parameter: str) -> Estimate:
        for e in self.parameters:
            if e.parameter == parameter:
                return e
        raise KeyError(parameter)


@dataclass
class FitResult:
    """The fitted scenario, its commented YAML and the fit report."""

    scenario: Scenario
    yaml: str
    report: FitReport
    exports: Exports

    def write(self, path: str | Path, report_dir: str | Path | None = None) -> Path:
        """Write the scenario YAML (and, with ``report_dir``, the fit report)."""
        from chansim.studies.fit_figures import save_fit_report

        path = Path(path)
        try:
            path.write_text(self.yaml, encoding="utf-8")
        except OSError as exc:
            raise InputError(Problem("--out", f"cannot write {path} ({exc.strerror})")) from None
        if report_dir is not None:
            save_fit_report(self.report, report_dir)
        return path


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def _ci(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f"; 95 % CI {_fmt(low)}-{_fmt(high)}"


def _period(times: pd.Series) -> str:
    return f"{times.min().date()} to {times.max().date()}"


def _files(exports: Exports, kind: str) -> str:
    return ", ".join(Path(f).name for f in exports.files.get(kind, []))


def _too_little(file_kind: str, exports: Exports, channel: str, exc: TooLittleData) -> InputError:
    files = exports.files.get(file_kind, ["DATA"])
    return InputError(Problem(f"channel {channel}", f"too little data to fit: {exc.have} {exc.what}; "
                                                    f"at least {exc.need} are needed"), source=", ".join(files))


def fit(data: Iterable[str | Path] | Exports, *, mapping: Mapping[str, str] | Iterable[str] | None = None,
        timezone: str | None = None, name: str = "fitted", targets: Mapping[str, float] | None = None,
        market: str = "US", currency: str = "USD", seed: int = 0) -> FitResult:
    """Fit a scenario to export files (or already read :class:`Exports`).

    Raises :class:`~chansim.errors.InputError` on bad input or a channel with
    too little data, naming the file, the row and the column."""
    exports = data if isinstance(data, Exports) else read_exports(data, mapping, timezone)
    if exports.contacts is None and exports.intervals is None:
        raise InputError(Problem("DATA", "give contact records or an interval report (message records alone "
                                         "hold no queue: arrivals, answers, abandons)"))
    notes: list[str] = []
    params: list[Estimate] = []
    contacts = exports.contacts
    plausible = contacts[contacts["plausible"]] if contacts is not None else None
    volume_source = _files(exports, "contacts" if contacts is not None else "intervals")
    hourly = hourly_counts(plausible if plausible is not None else None,
                           exports.intervals if contacts is None else None)
    days = hourly["hour_start"].dt.normalize().nunique()
    if days < MIN_DAYS or hourly["offered"].sum() == 0:
        raise InputError(Problem("DATA", f"too little data: {days} days with contacts; at least {MIN_DAYS} whole "
                                         f"day is needed (a week or more to fit the weekly profile)"))
    repeats = fit_repeats(plausible, _files(exports, "contacts")) if plausible is not None else None
    volumes = fit_volumes(hourly, volume_source, repeat_share=repeats.repeat_share.value if repeats else 0.0)
    params.append(volumes.contacts_per_day)
    params += volumes.weekly_estimates
    report = FitReport(parameters=params, notes=notes, implausible=list(exports.implausible), volumes=volumes,
                       repeats=repeats)
    channels = [c for c in CHANNELS if c in volumes.channel_share]
    targets = dict(targets or {})
    root = Node()
    root["name"] = name
    root["description"] = (f"Fitted by chansim fit to {', '.join(Path(f).name for fs in exports.files.values() for f in fs)}"
                           f" ({volumes.days} days from {volumes.first_day.date()}).")
    root["currency"] = currency
    root["market"] = market
    root["start_date"] = Commented(str(volumes.first_day.date()), "first day of the data")
    root["days"] = Commented(float(min(volumes.days, 7)), f"a week at most; the data covers {volumes.days} days")
    root["seed"] = seed
    root["replications"] = 5
    root["demand"] = _demand(volumes, channels, repeats, exports, report)
    channel_nodes = Node()
    for channel in channels:
        channel_nodes[channel] = _channel(channel, exports, plausible, report, targets)
    root["channels"] = channel_nodes
    root["agents"] = _agents(channels, exports, volumes, report)
    if repeats is not None:
        root["repeats"] = _repeats(repeats, report)
    header = (
        "Fitted by `chansim fit`: every fitted number says what it was fitted from (rows, period, method);",
        "\"assumed\" marks a value the data cannot tell, to be replaced with your own.",
    )
    if exports.timezone:
        header += (f"Times read in the {exports.timezone} time zone.",)
    text = render(root, header)
    try:
        scenario = validate_scenario(yaml.safe_load(text), source=f"{name} (fitted)")
    except InputError as exc:  # pragma: no cover - a fitted scenario that does not validate is a bug
        raise InputError(exc.problems, source="fitted scenario") from None
    for item in exports.implausible:
        notes.append(f"{item['file']}: {item['rows']} row{'s' if item['rows'] != 1 else ''}: {item['reason']} (rows {', '.join(map(str, item['first_rows']))}"
                     f"{', ...' if item['rows'] > len(item['first_rows']) else ''}): left out of the fit")
    return FitResult(scenario=scenario, yaml=text, report=report, exports=exports)


# ------------------------------------------------------------------ demand
def _demand(volumes: VolumeFit, channels: list[str], repeats: RepeatFit | None, exports: Exports,
            report: FitReport) -> Node:
    d = Node()
    e = volumes.contacts_per_day
    d["contacts_per_day"] = Commented(round(e.value, 1), f"{e.data}; {e.method}{_ci(e.low, e.high)}")
    intraday_note = [f"share of contacts (%) by hour of day, hour 0 first: {e.data.split(';')[0]}"]
    if volumes.weekday_shapes_differ:
        intraday_note.append(
            f"The hourly shape differs by weekday (chi-squared test p = {volumes.weekday_shape_pvalue:.2g}); one "
            "intraday profile for every day is the best a scenario can say today: this is the all-days average.")
        report.notes.append("intraday: the hourly shape differs by weekday; the scenario holds the all-days average")
    d["intraday"] = Commented(list(volumes.intraday), above=tuple(intraday_note))
    if volumes.all_weekdays:
        d["weekly"] = Commented(list(volumes.weekly), above=(
            "daily volume by weekday, Monday first, relative to the mean weekday: "
            f"{volumes.days} days, every weekday seen",))
    else:
        d["weekly"] = Commented([1.0] * 7, above=(
            f"flat: {volumes.days} days do not cover every weekday (a week or more is needed to fit this)",))
        report.notes.append("weekly: not every weekday in the data; flat profile written")
    segments = []
    shares = [round(volumes.channel_share[c], 4) for c in channels]
    shares[-1] = round(1.0 - sum(shares[:-1]), 4)
    order = sorted(channels, key=lambda c: -volumes.channel_share[c])
    for channel, share in zip(channels, shares):
        preference = [channel] + [c for c in order if c != channel]
        segments.append(Commented({"name": f"{channel}-contacts", "share": share, "preference": preference},
                                  f"share of contacts on {channel} ({volumes.channel_share[channel]:.1%})"))
    d["segments"] = Commented(segments, above=(
        "one segment per channel, each preferring its own channel (repeats that switch take the next)",))
    return d


# ----------------------------------------------------------------- channels
def _target(channel: str, targets: Mapping[str, float]) -> tuple[float | None, str]:
    if channel in targets:
        return targets[channel], "given"
    if channel in DEFAULT_TARGETS:
        return DEFAULT_TARGETS[channel], "assumed (the 80/20 convention)"
    return DEFAULT_MESSAGING_TARGET, "assumed (answered within a minute)"


def _dist_comment(fit_: DurationFit, what: str) -> str:
    others = ", ".join(f"{f} {a - fit_.aic[fit_.family]:+.0f}" for f, a in fit_.aic.items() if f != fit_.family)
    cv = f", cv {fit_.cv_ci[0]:.2f}-{fit_.cv_ci[1]:.2f}" if fit_.cv_ci else ""
    if fit_.family == "fixed":
        return f"{what}; every value the same"
    return (f"{what}; {fit_.family} MLE" + (f", best AIC (others: {others})" if others else "")
            + f"; KS D = {fit_.ks_statistic:.3f}; 95 % CI mean {_fmt(fit_.mean_ci[0])}-{_fmt(fit_.mean_ci[1])}{cv}")


def _add_duration(report: FitReport, prefix: str, fit_: DurationFit, data: str) -> None:
    method = "every value the same" if fit_.family == "fixed" else f"{fit_.family} MLE, bootstrap interval"
    report.parameters.append(Estimate(f"{prefix}.mean", fit_.dist.expected, *fit_.mean_ci, method, data))
    if fit_.cv_ci is not None and fit_.dist.dist in ("lognormal", "gamma"):
        report.parameters.append(Estimate(f"{prefix}.cv", float(fit_.dist.cv), *fit_.cv_ci, method, data))


def _channel(channel: str, exports: Exports, plausible: pd.DataFrame | None, report: FitReport,
             targets: Mapping[str, float]) -> Node:
    node = Node()
    kind = channel_kind(channel)
    rows = plausible[plausible["channel"] == channel] if plausible is not None else None
    source = _files(exports, "contacts")
    time_key = "handle_time" if kind == "voice" else "agent_time_per_turn"
    conversation = None
    if kind == "messaging" and exports.messages is not None:
        conversation = _conversation(channel, exports, report)
    if rows is not None:
        handled = rows[rows["answer"].notna() & rows["end"].notna()]
        samples = handled["handle_s"].to_numpy(dtype=float)
        data = f"{len(handled):,} answered {channel} contacts, {_period(rows['arrival'])} ({source})"
        if conversation is not None and conversation.agent_time is not None:
            fitted = conversation.agent_time
            data = (f"{fitted.n:,} {channel} customer-message-to-agent-reply gaps after the first reply "
                    f"(an upper bound: includes time spent on other conversations) ({_files(exports, 'messages')})")
        else:
            try:
                fitted = fit_duration(samples, what=f"answered {channel} contacts with answer and end times")
            except TooLittleData as exc:
                raise _too_little("contacts", exports, channel, exc) from None
            if kind != "voice":
                data += "; answer to end (no message records: one turn holds the whole conversation)"
        report.handle_time[channel] = fitted
        report.handle_samples[channel] = samples
        _add_duration(report, f"channels.{channel}.{time_key}", fitted, data)
        node[time_key] = Commented(fitted.dist.model_dump(exclude_none=True), _dist_comment(fitted, data))
        if kind != "email":
            _patience(node, channel, rows, report, source)
    else:
        node[time_key] = _handle_from_intervals(channel, exports, report)
        if kind != "email":
            _patience_from_intervals(node, channel, exports, report)
    if conversation is not None:
        t = conversation.turns
        node["turns"] = Commented({"dist": "poisson", "mean": round(t.value, 3)},
                                  f"{t.data}; {t.method}{_ci(t.low, t.high)}")
        if conversation.reply_delay is not None:
            r = conversation.reply_delay
            data = f"{r.n:,} agent-reply-to-customer gaps, {conversation.conversations:,} conversations"
            node["customer_reply_delay"] = Commented(r.dist.model_dump(exclude_none=True), _dist_comment(r, data))
            _add_duration(report, f"channels.{channel}.customer_reply_delay", r, data)
        if conversation.chars is not None:
            c = conversation.chars
            data = f"{c.n:,} {channel} messages"
            node["chars"] = Commented(c.dist.model_dump(exclude_none=True), _dist_comment(c, data))
            _add_duration(report, f"channels.{channel}.chars", c, data)
        if conversation.non_gsm is not None:
            g = conversation.non_gsm
            node["non_gsm_share"] = Commented(round(g.value, 4), f"{g.data}; {g.method}{_ci(g.low, g.high)}")
            report.parameters.append(g)
    repeats = report.repeats
    if repeats is not None and channel in repeats.unresolved:
        u = repeats.unresolved[channel]
        node["unresolved_share"] = Commented(round(u.value, 4), f"{u.data}; {u.method}{_ci(u.low, u.high)}")
        report.parameters.append(u)
    target, how = _target(channel, targets)
    if target is not None:
        node["service_level_target_s"] = Commented(float(target), how)
    return node


def _conversation(channel: str, exports: Exports, report: FitReport) -> ConversationFit | None:
    m = exports.messages
    if "channel" not in m:
        if exports.contacts is None:
            raise InputError(Problem("columns", "message records need a channel column, or contact records whose "
                                                "contact_id is the conversation_id"),
                             source=_files(exports, "messages"))
        by_id = exports.contacts.set_index(exports.contacts["contact_id"].astype(str))["channel"]
        m = m.assign(channel=m["conversation_id"].astype(str).map(by_id))
    rows = m[m["channel"] == channel]
    if rows.empty:
        return None
    try:
        fitted = fit_conversations(rows, channel, _files(exports, "messages"))
    except TooLittleData as exc:
        raise _too_little("messages", exports, channel, exc) from None
    report.conversations[channel] = fitted
    report.parameters.append(fitted.turns)
    return fitted


def _patience(node: Node, channel: str, rows: pd.DataFrame, report: FitReport, source: str) -> None:
    waits = rows.dropna(subset=["wait_s"])
    abandoned = waits["answer"].isna().to_numpy()
    t = waits["wait_s"].to_numpy(dtype=float)
    fitted = fit_patience(t, abandoned)
    report.patience_data[channel] = (t, abandoned)
    if fitted is None:
        report.notes.append(f"{channel}: no abandons, no patience written (customers wait)")
        return
    report.patience[channel] = fitted
    data = (f"{len(waits):,} {channel} waits ({fitted.abandons:,} abandoned, {fitted.answered:,} answered = censored), "
            f"{_period(rows['arrival'])} ({source})")
    others = ", ".join(f"{f} {a - fitted.aic[fitted.family]:+.0f}" for f, a in fitted.aic.items() if f != fitted.family)
    how = f"censored {fitted.family} MLE" + (f", best AIC (others: {others})" if others else "")
    cv = f", cv {fitted.cv_ci[0]:.2f}-{fitted.cv_ci[1]:.2f}" if fitted.cv_ci else ""
    node["patience"] = Commented(fitted.dist.model_dump(exclude_none=True),
                                 f"{data}; {how}; 95 % CI mean {_fmt(fitted.mean_ci[0])}-{_fmt(fitted.mean_ci[1])}{cv}"
                                 f" (abandoned waits alone average {_fmt(fitted.naive_mean)}: biased low)")
    report.parameters.append(Estimate(f"channels.{channel}.patience.mean", fitted.dist.expected, *fitted.mean_ci,
                                      how, data))
    if fitted.cv_ci is not None:
        report.parameters.append(Estimate(f"channels.{channel}.patience.cv", float(fitted.dist.cv), *fitted.cv_ci,
                                          how, data))


def _interval_rows(channel: str, exports: Exports) -> pd.DataFrame:
    rows = exports.intervals
    return rows[rows["channel"] == channel]


def _handle_from_intervals(channel: str, exports: Exports, report: FitReport) -> Commented:
    rows = _interval_rows(channel, exports)
    source = _files(exports, "intervals")
    if "aht_s" not in rows or "handled" not in rows:
        raise InputError(Problem("columns", f"{channel}: fitting handle time from an interval report needs handled "
                                            f"and aht_s (or give contact records)"), source=source)
    ok = rows.dropna(subset=["aht_s", "handled"])
    ok = ok[(ok["handled"] > 0) & (ok["aht_s"] <= 4 * 3600)]
    n = float(ok["handled"].sum())
    if n < 30:
        raise InputError(Problem(f"channel {channel}", f"too little data to fit: {n:.0f} handled contacts; at least "
                                                       f"30 are needed"), source=source)
    h, a = ok["handled"].to_numpy(dtype=float), ok["aht_s"].to_numpy(dtype=float)
    mean = float(np.sum(h * a) / n)
    k = len(ok)
    # each interval's AHT is a mean of `handled` handle times: its variance is sigma^2 / handled
    var = float(np.sum(h * (a - mean) ** 2) / max(k - 1, 1))
    cv = math.sqrt(var) / mean if k > 1 and var > 0 else 1.0
    half = 1.96 * mean * cv / math.sqrt(n)
    data = f"{n:,.0f} handled {channel} contacts in {k:,} intervals, {_period(ok['interval_start'])} ({source})"
    report.parameters.append(Estimate(f"channels.{channel}.handle_time.mean", mean, mean - half, mean + half,
                                      "handled-weighted mean of interval AHT", data))
    time_key = "handle_time" if channel == "voice" else "agent_time_per_turn"
    return Commented({"dist": "lognormal", "mean": round(mean, 2), "cv": round(cv, 3)},
                     f"{data}; mean: handled-weighted AHT (95 % CI {_fmt(mean - half)}-{_fmt(mean + half)}); cv: "
                     "method of moments from the spread of interval AHTs; lognormal assumed (an interval report "
                     f"holds averages only: contact records fit the {time_key} family)")


def _patience_from_intervals(node: Node, channel: str, exports: Exports, report: FitReport) -> None:
    rows = _interval_rows(channel, exports)
    if not {"abandoned", "asa_s", "handled"} <= set(rows.columns) or rows["abandoned"].sum() == 0:
        report.notes.append(f"{channel}: no abandons or ASA in the interval report, no patience written")
        return
    ok = rows.dropna(subset=["abandoned", "asa_s", "handled"])
    abandons = float(ok["abandoned"].sum())
    exposure = float(np.sum(ok["asa_s"] * (ok["handled"] + ok["abandoned"])))
    mean = exposure / abandons
    data = f"{abandons:,.0f} abandons, {ok['handled'].sum():,.0f} handled, {len(ok):,} intervals ({_files(exports, 'intervals')})"
    report.parameters.append(Estimate(f"channels.{channel}.patience.mean", mean, None, None,
                                      "exponential: time at risk / abandons, time at risk ≈ ASA × offered", data))
    node["patience"] = Commented({"dist": "exponential", "mean": round(mean, 1)},
                                 f"{data}; exponential, time at risk / abandons with time at risk approximated by "
                                 "ASA × offered (rough: contact records give a censored fit)")


# ------------------------------------------------------------------ agents
def _agents(channels: list[str], exports: Exports, volumes: VolumeFit, report: FitReport) -> Node:
    agents = Node()
    pools = []
    staffing = None
    if exports.intervals is not None and "agents_staffed" in exports.intervals:
        staffing = hourly_staffing(exports.intervals)
    for channel in channels:
        kind = channel_kind(channel)
        concurrency = 1 if kind == "voice" else ASSUMED_CONCURRENCY
        pool: dict = {"name": channel, "channels": [channel]}
        rows = staffing[staffing["channel"] == channel] if staffing is not None else None
        if rows is not None and len(rows):
            by_hour = rows.groupby(rows["hour_start"].dt.hour)["agents"].mean().reindex(range(24), fill_value=0)
            pool["schedule"] = [int(round(v)) for v in by_hour]
            per_date = rows.groupby(rows["hour_start"].dt.normalize())["agents"].sum()
            per_day = per_date.groupby(per_date.index.day_of_week).mean()
            spread = float(per_day.std() / per_day.mean()) if len(per_day) > 1 and per_day.mean() > 0 else 0.0
            comment = (f"mean agents staffed by hour of day over {rows['hour_start'].dt.normalize().nunique()} days "
                       f"({_files(exports, 'intervals')})")
            if spread > 0.05:
                comment += (f"; staffed hours differ by weekday (cv {spread:.0%}): one schedule for every day is the "
                            "best a scenario can say today")
        else:
            pool["schedule"] = _sized_schedule(channel, volumes, report, concurrency)
            comment = (f"not in the data: sized for {SIZING_OCCUPANCY:.0%} occupancy of the fitted load, hour by hour; "
                       "replace with your own staffing")
        if kind != "voice":
            pool["concurrency"] = concurrency
            comment += f"; concurrency {concurrency} assumed"
        pools.append(Commented(pool, comment))
    agents["pools"] = Commented(pools, above=("one pool per channel",))
    return agents


def _sized_schedule(channel: str, volumes: VolumeFit, report: FitReport, concurrency: int) -> list[int]:
    hourly = volumes.hourly[volumes.hourly["channel"] == channel]
    per_hour = hourly.groupby(hourly["hour_start"].dt.hour)["offered"].mean().reindex(range(24), fill_value=0)
    work = report.handle_time[channel].dist.expected if channel in report.handle_time else 300.0
    if channel in report.conversations:
        work *= report.conversations[channel].turns.value
    load = per_hour.to_numpy() * work / 3600.0 / (1 if channel == "voice" else max(concurrency / 1.5, 1))
    return [int(math.ceil(v / SIZING_OCCUPANCY)) if v > 0 else 0 for v in load]


def _repeats(repeats: RepeatFit, report: FitReport) -> Node:
    node = Node()
    d = repeats.delay_mean
    node["delay"] = Commented({"dist": "exponential", "mean": round(d.value, 1)},
                              f"{d.data}; {d.method}{_ci(d.low, d.high)}")
    a = repeats.after_abandon
    node["after_abandon"] = Commented(round(a.value, 4), f"{a.data}; {a.method}{_ci(a.low, a.high)}")
    s = repeats.switch_share
    node["switch_share"] = Commented(round(s.value, 4), f"{s.data}; {s.method}{_ci(s.low, s.high)}")
    report.parameters += [repeats.repeat_share, d, a, s]
    return node
