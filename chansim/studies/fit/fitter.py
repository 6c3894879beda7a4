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

import datetime as dt
from pathlib import Path
from typing import Iterable, Mapping

import yaml

from chansim.scenario.channels import CHANNELS
from chansim.errors import InputError, Problem
from chansim.runtime.preflight import prepare
from chansim.scenario.rosters import WEEKDAYS
from chansim.studies.fit.agents_on_duty import has_agents, missing_agents
from chansim.studies.fit.calibrate import calibrate_shrinkage
from chansim.studies.fit.commented_yaml import Commented, Node, render
from chansim.studies.fit.estimate import Estimate
from chansim.studies.fit.stray_dates import check_empty_stretches, check_stray_dates
from chansim.studies.fit.exports import Exports, read_exports
from chansim.studies.fit.fit_classes import class_intents, opening_hours, priced_date
from chansim.studies.fit.log_format import LogFormat
from chansim.studies.fit.fit_channels import DEFAULT_TARGETS, channel_section
from chansim.studies.fit.fit_report import FitReport, FitResult, ci_text as _ci, files_of as _files
from chansim.studies.fit.fit_staffing import agents_section
from chansim.studies.fit.repeats import WINDOW_S, RepeatFit, fit_repeats
from chansim.studies.fit.volumes import VolumeFit, fit_volumes, hourly_counts

__all__ = ["fit", "FitResult", "FitReport", "DEFAULT_TARGETS", "MIN_DAYS"]

#: Whole days of data needed to fit volumes.
MIN_DAYS = 1


def fit(data: Iterable[str | Path] | Exports, *, mapping: Mapping[str, str] | Iterable[str] | None = None,
        timezone: str | None = None, name: str = "fitted", targets: Mapping[str, float] | None = None,
        market: str = "US", currency: str = "USD", seed: int = 0, log_format: LogFormat | None = None,
        train: tuple[dt.date, dt.date] | None = None, repeat_window_days: float = WINDOW_S / 86_400,
        calibrate: bool = False) -> FitResult:
    """Fit a scenario to export files (or already read :class:`Exports`);
    ``log_format``: the files are call logs of that layout; ``train``: fit
    the days from..to only (inclusive); ``calibrate``: choose the pool's
    shrinkage so that a simulation of the training days reproduces their
    service level, abandon rate and ASA (call logs naming the agents, see
    :mod:`chansim.studies.fit.calibrate`).

    Raises :class:`~chansim.errors.InputError` on bad input or a channel with
    too little data, naming the file, the row and the column."""
    exports = data if isinstance(data, Exports) else read_exports(data, mapping, timezone, log_format)
    if train is not None:
        exports = exports.between(*train, option="--train")
    else:
        check_stray_dates(exports)
    check_empty_stretches(exports)
    if calibrate and not has_agents(exports.contacts):
        raise InputError(Problem("--calibrate", "calibrating needs a call log that names the agent of each "
                                                "answered call (map it with --map agent=YourColumn), but "
                                                f"{missing_agents(exports.contacts)}"),
                         source=", ".join(exports.files.get("contacts", [])) or None)
    window_s = float(repeat_window_days) * 86_400
    if exports.contacts is None and exports.intervals is None:
        raise InputError(Problem("DATA", "give contact records or an interval report (message records alone "
                                         "hold no queue: arrivals, answers, abandons)"))
    notes: list[str] = []
    params: list[Estimate] = []
    contacts = exports.contacts
    plausible = contacts[contacts["plausible"]] if contacts is not None else None
    volume_source = _files(exports, "contacts" if contacts is not None else "intervals")
    # every contact arrived, implausible durations or not: volumes count them all
    hourly = hourly_counts(contacts, exports.intervals if contacts is None else None)
    days = hourly["hour_start"].dt.normalize().nunique()
    if days < MIN_DAYS or hourly["offered"].sum() == 0:
        raise InputError(Problem("DATA", f"too little data: {days} days with contacts; at least {MIN_DAYS} whole "
                                         f"day is needed (a week or more to fit the weekly profile)"))
    repeats = fit_repeats(plausible, _files(exports, "contacts"), window_s) if plausible is not None else None
    volumes = fit_volumes(hourly, volume_source, repeat_share=repeats.repeat_share.value if repeats else 0.0)
    params.append(volumes.contacts_per_day)
    params += volumes.weekly_estimates
    report = FitReport(parameters=params, notes=notes, implausible=list(exports.implausible), volumes=volumes,
                       repeats=repeats, corrections=list(exports.corrections))
    channels = [c for c in CHANNELS if c in volumes.channel_share]
    targets = dict(targets or {})
    root = Node()
    root["name"] = name
    root["description"] = (f"Fitted by chansim fit to {', '.join(Path(f).name for fs in exports.files.values() for f in fs)}"
                           f" ({volumes.days} days from {volumes.first_day.date()}).")
    root["currency"] = Commented(currency, "assumed: give --currency")
    root["market"] = Commented(market, "assumed: give --market")
    root["start_date"] = Commented(str(volumes.first_day.date()), "first day of the data")
    root["days"] = Commented(float(min(volumes.days, 7)), f"a week at most; the data covers {volumes.days} days")
    root["seed"] = seed
    root["replications"] = 5
    root["demand"] = _demand(volumes, channels, repeats, exports, report)
    classes = None
    if plausible is not None and len(channels) == 1:
        classes = class_intents(plausible, report, _files(exports, "contacts"), channel=channels[0],
                                window_s=window_s)
    if classes is not None:
        root.items["demand"].items["intents"] = Commented(classes[0], above=(
            "one intent per class of call: share, handle time relative to the channel's (complexity), queue rank "
            "(priority) and the share whose identified caller came back (unresolved)",))
        if repeats is not None:
            repeats.unresolved.clear()  # the intents carry it, class by class
    channel_nodes = Node()
    for channel in channels:
        channel_nodes[channel] = channel_section(channel, exports, plausible, report, targets)
        hours = opening_hours(plausible[plausible["channel"] == channel]) if exports.call_log else None
        if hours is not None:
            channel_nodes.items[channel].items["hours"] = Commented(hours, "weekday opening hours: the half hours "
                                                              "around the first and last 0.2 % of its calls")
    root["channels"] = channel_nodes
    root["agents"] = agents_section(channels, exports, volumes, report)
    if repeats is not None:
        root["repeats"] = _repeats(repeats, report)
    priced = priced_date(channels, market, volumes.first_day.date())
    if priced is not None:
        root["pricing"] = Node({"date": Commented(str(priced), (
            f"the data ({volumes.first_day.date()}) is older than the rate cards: priced as if on {priced}, the "
            f"first day the {market} cards are in force; the demand keeps the data's dates"))})
    header = (
        "Fitted by `chansim fit`: every fitted number says what it was fitted from (rows, period, method);",
        "\"assumed\" marks a value the data cannot tell, to be replaced with your own.",
    )
    if exports.timezone:
        header += (f"Times read in the {exports.timezone} time zone.",)
    text, scenario = _written(root, header)
    if calibrate:
        if len(channels) != 1:
            raise InputError(Problem("--calibrate", "calibrating needs a call log of one channel "
                                                    f"(the data holds {', '.join(channels)})"))
        found = calibrate_shrinkage(scenario, exports, period=train)
        report.calibration = found
        report.parameters.append(Estimate(f"{found.channel}.agents.shrinkage", found.shrinkage, None, None,
                                          found.method(), f"{found.summary()}; {found.comparison()}"))
        notes.append(f"calibration: shrinkage {found.shrinkage:g} of the {found.channel} pool: {found.summary()} "
                     f"({found.comparison()})")
        calibrated = {found.channel: (found.shrinkage, f"{found.shrinkage:g} calibrated on the training days, "
                                                       f"{found.summary()}")}
        root["agents"] = agents_section(channels, exports, volumes, report, calibrated)
        text, scenario = _written(root, header)
    for item in exports.corrections:
        notes.append(f"{Path(item['file']).name}: {item['rows']:,} row{'s' if item['rows'] != 1 else ''}: "
                     f"{item['reason']}: {item['action']}")
    for item in exports.implausible:
        notes.append(f"{item['file']}: {item['rows']} row{'s' if item['rows'] != 1 else ''}: {item['reason']} (rows {', '.join(map(str, item['first_rows']))}"
                     f"{', ...' if item['rows'] > len(item['first_rows']) else ''}): left out of the fit")
    return FitResult(scenario=scenario, yaml=text, report=report, exports=exports)


def _written(root: Node, header: tuple[str, ...]):
    """The YAML text of ``root`` and the scenario it validates to."""
    text = render(root, header)
    try:
        return text, prepare(yaml.safe_load(text), size_check=False).scenario  # run's own checks
    except InputError as exc:  # pragma: no cover - a fitted scenario that does not validate is a bug
        raise InputError(exc.problems, source="fitted scenario") from None


# ------------------------------------------------------------------ demand
def _demand(volumes: VolumeFit, channels: list[str], repeats: RepeatFit | None, exports: Exports,
            report: FitReport) -> Node:
    d = Node()
    e = volumes.contacts_per_day
    d["contacts_per_day"] = Commented(round(e.value, 1), f"{e.data}; {e.method}{_ci(e.low, e.high)}")
    intraday_note = [f"share of contacts (%) by hour of day, hour 0 first: {e.data.split(';')[0]}"]
    if volumes.per_weekday:
        intraday_note.append(
            f"one shape per weekday: the hourly shape differs by weekday (chi-squared test p = "
            f"{volumes.weekday_shape_pvalue:.2g})")
        shapes = Node()
        for day, name in enumerate(WEEKDAYS):
            shapes[name] = Commented(list(volumes.intraday_of(day)))
        shapes.above = tuple(intraday_note)
        d["intraday"] = shapes
        report.notes.append("intraday: the hourly shape differs by weekday; one shape per weekday written")
    else:
        if volumes.weekday_shapes_differ:
            intraday_note.append(
                f"The hourly shape differs by weekday (chi-squared test p = {volumes.weekday_shape_pvalue:.2g}), "
                "but not every weekday is in the data: this is the all-days average.")
            report.notes.append("intraday: the hourly shape differs by weekday, not every weekday seen; "
                                "the scenario holds the all-days average")
        d["intraday"] = Commented(list(volumes.intraday), above=tuple(intraday_note))
    if volumes.all_weekdays:
        d["weekly"] = Commented(list(volumes.weekly), above=(
            "daily volume by weekday, Monday first, relative to the mean weekday: "
            f"{volumes.days} days, every weekday seen",))
        if volumes.closed_weekdays:
            names = " or ".join(f"{dt.date(2026, 1, 5 + day):%A}" for day in volumes.closed_weekdays)
            report.notes.append(f"weekly: no contacts on any {names} of the {volumes.days} days fitted (from "
                                f"{volumes.first_day.date()}): weight 0 and closed; if those days were holidays, fit "
                                f"a period in which they were open (--train)")
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

