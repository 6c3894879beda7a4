"""The ``channels`` section of a fitted scenario: handle time or agent time
per reply, patience, conversation statistics and service-level targets, per
channel, from contact and message records (or, without them, the interval
report)."""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np
import pandas as pd

from chansim.scenario.channels import channel_kind
from chansim.errors import InputError, Problem
from chansim.studies.fit.commented_yaml import Commented, Node
from chansim.studies.fit.conversations import ConversationFit, fit_conversations
from chansim.studies.fit.durations import DurationFit, fit_duration
from chansim.studies.fit.estimate import Estimate, TooLittleData
from chansim.studies.fit.exports import Exports
from chansim.studies.fit.fit_report import FitReport, ci_text as _ci, files_of as _files, fmt as _fmt, period as _period, \
    too_little as _too_little
from chansim.studies.fit.patience import fit_patience

__all__ = ["channel_section", "DEFAULT_TARGETS", "DEFAULT_MESSAGING_TARGET"]

#: Answer-time targets (s) assumed when none is given: the 80/20 convention for calls, a minute for chat.
DEFAULT_TARGETS = {"voice": 20.0, "email": None}
DEFAULT_MESSAGING_TARGET = 60.0


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
    how = "empirical histogram (20 equal-count bins)" if fit_.family == "empirical" else f"{fit_.family} MLE"
    return (f"{what}; {how}" + (f", best AIC (others: {others})" if others else "")
            + f"; KS D = {fit_.ks_statistic:.3f}; 95 % CI mean {_fmt(fit_.mean_ci[0])}-{_fmt(fit_.mean_ci[1])}{cv}")


def _add_duration(report: FitReport, prefix: str, fit_: DurationFit, data: str) -> None:
    how = "empirical histogram" if fit_.family == "empirical" else f"{fit_.family} MLE"
    method = "every value the same" if fit_.family == "fixed" else \
        f"{how} (best AIC of {len(fit_.aic)}), bootstrap interval; KS D = {fit_.ks_statistic:.3f}"
    report.parameters.append(Estimate(f"{prefix}.mean", fit_.dist.expected, *fit_.mean_ci, method, data))
    if fit_.cv_ci is not None and fit_.dist.dist in ("lognormal", "gamma"):
        report.parameters.append(Estimate(f"{prefix}.cv", float(fit_.dist.cv), *fit_.cv_ci, method, data))


def channel_section(channel: str, exports: Exports, plausible: pd.DataFrame | None, report: FitReport,
                    targets: Mapping[str, float]) -> Node:
    """The channel's settings with their comments; every estimate is added to ``report``."""
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
            samples = conversation.agent_gaps
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
