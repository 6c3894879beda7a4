"""Repeat contacts from customer ids: the share of contacts that bring the
same customer back within the FCR window, how long after, and how many come
back on another channel."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from chansim.studies.fit.estimate import Estimate
from chansim.studies.fit.conversations import _proportion

__all__ = ["RepeatFit", "fit_repeats", "repeat_links", "WINDOW_S"]

WINDOW_S = 7 * 86_400.0


@dataclass(frozen=True)
class RepeatFit:
    repeat_share: Estimate  # contacts that are repeats
    unresolved: dict[str, Estimate]  # per channel: handled contacts followed by a repeat
    after_abandon: Estimate
    delay_mean: Estimate
    switch_share: Estimate


def repeat_links(contacts: pd.DataFrame, window_s: float = WINDOW_S) -> tuple[pd.DataFrame, np.ndarray, np.ndarray,
                                                                              np.ndarray]:
    """The identified contacts (a customer id) in customer and time order,
    and for each: followed by the same customer's next contact within the
    window, a repeat of the previous one, and the gap (s) to the next."""
    ids = contacts["customer_id"]
    c = contacts[ids.notna() & (ids.astype(str).str.strip() != "")]
    c = c.sort_values(["customer_id", "arrival"], kind="stable")
    same = (c["customer_id"].to_numpy()[1:] == c["customer_id"].to_numpy()[:-1])
    ended = c["end"].fillna(c["answer"]).fillna(c["arrival"]).to_numpy()
    gap = (c["arrival"].to_numpy()[1:] - ended[:-1]) / np.timedelta64(1, "s")
    followed = np.zeros(len(c), dtype=bool)
    repeat = np.zeros(len(c), dtype=bool)
    link = same & (gap >= 0) & (gap <= window_s)
    followed[:-1] = link
    repeat[1:] = link
    return c, followed, repeat, gap


def fit_repeats(contacts: pd.DataFrame, source: str, window_s: float = WINDOW_S) -> RepeatFit | None:
    """None when the records carry no customer ids or no customer came back.
    Repeats are seen only among identified contacts (a customer id): every
    share is of all contacts, so the scenario applies them to the identified
    share only."""
    if "customer_id" not in contacts or contacts["customer_id"].isna().all():
        return None
    c, followed, repeat, gap = repeat_links(contacts, window_s)
    if not repeat.any():
        return None
    link = followed[:-1]
    n, n_all = len(c), len(contacts)
    period = f"{c['arrival'].min().date()} to {c['arrival'].max().date()}"
    seen = f"{n:,} identified of {n_all:,} contacts" if n < n_all else f"{n:,} contacts"
    data = f"{seen}, {c['customer_id'].nunique():,} customers, {period} ({source})"
    k = int(repeat.sum())
    share = Estimate("repeat share", k / n_all, *_proportion(k, n_all),
                     f"contacts within {window_s / 86400:g} days of the same customer's previous one", data)
    answered = c["answer"].notna().to_numpy()
    all_answered = contacts["answer"].notna()
    unresolved = {}
    for channel in sorted(c["channel"].unique()):
        rows = answered & (c["channel"] == channel).to_numpy()
        kk, nn = int((followed & rows).sum()), int((all_answered & (contacts["channel"] == channel)).sum())
        if nn:
            unresolved[channel] = Estimate(f"channels.{channel}.unresolved_share", kk / nn, *_proportion(kk, nn),
                                           "answered contacts whose (identified) customer came back within the window",
                                           f"{nn:,} answered {channel} contacts, {period} ({source})")
    gone = ~answered
    ka, na = int((followed & gone).sum()), int((~all_answered).sum())
    after = Estimate("repeats.after_abandon", ka / na if na else 0.0, *_proportion(ka, na),
                     "abandoned contacts whose (identified) customer came back within the window",
                     f"{na:,} abandoned contacts ({source})")
    delays = gap[link]
    mean = float(delays.mean())
    low = 2 * delays.sum() / stats.chi2.ppf(0.975, 2 * delays.size)
    high = 2 * delays.sum() / stats.chi2.ppf(0.025, 2 * delays.size)
    delay = Estimate("repeats.delay.mean", mean, float(low), float(high),
                     "exponential MLE of end-to-return gaps (window-truncated)", f"{delays.size:,} repeats ({source})")
    channels = c["channel"].to_numpy()
    switched = int((channels[1:][link] != channels[:-1][link]).sum())
    switch = Estimate("repeats.switch_share", switched / k, *_proportion(switched, k),
                      "repeats on another channel than the contact before", f"{k:,} repeats ({source})")
    return RepeatFit(repeat_share=share, unresolved=unresolved, after_abandon=after, delay_mean=delay,
                     switch_share=switch)
