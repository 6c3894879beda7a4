"""What a call log shows beyond volumes and durations: its classes of calls
(call type and priority class) as intents with their own share, handle time
(as a complexity multiplier), queue priority and repeats; the opening hours
of each weekday; and the date the scenario is priced at when the data is
older than the rate cards."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from chansim.billing.listing import list_cards
from chansim.scenario.rosters import WEEKDAYS
from chansim.studies.fit.commented_yaml import Commented
from chansim.studies.fit.fit_report import FitReport, period as _period
from chansim.studies.fit.queue_labels import queue_labelled
from chansim.studies.fit.repeats import WINDOW_S, repeat_links

__all__ = ["class_intents", "opening_hours", "class_of", "priced_date", "MIN_CLASS_SHARE", "OTHER"]

#: Classes with a smaller share of the contacts are pooled into one per priority.
MIN_CLASS_SHARE = 0.01
OTHER = "other"
#: Share of a weekday's calls left outside its fitted opening hours, at each end.
_HOURS_TAIL = 0.002


def class_of(contacts: pd.DataFrame) -> pd.Series | None:
    """Each contact's class name: ``TYPE-pPRIORITY`` from the intent (call
    type) and priority columns present; None when the records have neither."""
    parts = []
    if "intent" in contacts and contacts["intent"].notna().any():
        parts.append(contacts["intent"].fillna("unknown").astype(str))
    if "priority" in contacts and contacts["priority"].notna().any():
        parts.append("p" + contacts["priority"].fillna("unknown").astype(str))
    if not parts:
        return None
    name = parts[0]
    for p in parts[1:]:
        name = name + "-" + p
    return name


def _pooled(names: pd.Series, contacts: pd.DataFrame) -> pd.Series:
    share = names.value_counts(normalize=True)
    small = set(share[share < MIN_CLASS_SHARE].index)
    if not small:
        return names
    suffix = ("-p" + contacts["priority"].fillna("unknown").astype(str)) if "priority" in contacts else ""
    return names.where(~names.isin(small), OTHER + suffix)


def class_intents(contacts: pd.DataFrame, report: FitReport, source: str, *, channel: str,
                  window_s: float = WINDOW_S) -> tuple[list[Commented], pd.Series] | None:
    """One intent per class of contact: share, complexity (the class's mean
    handle time over the channel's), queue priority (rank) and the share
    whose identified customer came back (unresolved). Also each contact's
    intent name. None when the records hold no classes."""
    names = class_of(contacts)
    if names is None:
        return None
    names = _pooled(names, contacts)
    handled = contacts["handle_s"].notna()
    overall = float(contacts.loc[handled, "handle_s"].mean())
    ranked = "rank" in contacts and contacts["rank"].notna().any()
    followed = pd.Series(False, index=contacts.index)
    if "customer_id" in contacts and contacts["customer_id"].notna().any():
        c, flags, _, _ = repeat_links(contacts, window_s)
        followed.loc[c.index] = flags
    answered = contacts["answer"].notna()
    counts = names.value_counts()
    total = int(counts.sum())
    waits = contacts["wait_s"].groupby(names).mean()
    if ranked:  # the log's own priority ranks (--priority VALUE=rank)
        rank = {n: int(contacts.loc[names == n, "rank"].max()) for n in counts.index}
        how = "the log's priority ranks"
    else:
        rank, how = _ranks_from_waits(contacts, names, waits, report)
    order = sorted(counts.index, key=lambda n: (-rank[n], -counts[n]))
    unresolved, first = {}, {}
    for name in order:
        rows = names == name
        k, n = int((followed & rows & answered).sum()), int((rows & answered).sum())
        unresolved[name] = (k, n, k / n if n else 0.0)
        first[name] = counts[name] * (1.0 - unresolved[name][2])  # repeats come back as the same class
    first_total = sum(first.values())
    shares = [round(first[n] / first_total, 4) for n in order]
    shares[int(np.argmax(shares))] += round(1.0 - sum(shares), 4)
    period = _period(contacts["arrival"])
    intents = []
    for name, share in zip(order, shares):
        rows = names == name
        mean = float(contacts.loc[rows & handled, "handle_s"].mean()) if (rows & handled).sum() >= 10 else overall
        complexity = round(mean / overall, 3) if overall > 0 else 1.0
        k, n, u = unresolved[name]
        intents.append(Commented(
            {"name": name, "share": share, "complexity": complexity, "priority": rank[name],
             "unresolved_share": round(u, 4)},
            f"{counts[name]:,} {channel} contacts, share of first contacts (repeats out); mean handle {mean:,.0f} s; "
            f"mean wait {waits[name]:,.0f} s, queue rank {rank[name]} ({how}); {k:,} of {n:,} answered came back "
            f"within {window_s / 86400:g} days (identified callers only)"))
    report.notes.append(f"intents: {len(order)} classes of call (type and priority) from {total:,} contacts, "
                        f"{period} ({source}); classes under {MIN_CLASS_SHARE:.0%} pooled per priority")
    return intents, names


def _ranks_from_waits(contacts: pd.DataFrame, names: pd.Series, waits: pd.Series,
                      report: FitReport) -> tuple[dict, str]:
    """Classes answered sooner are ahead in the queue, unless a class's label
    follows the queue it found: then one first-come-first-served queue."""
    checks = queue_labelled(contacts["arrival"], contacts["wait_s"], names)
    labelled = [c for c in checks if c.follows_queue]
    if labelled:
        found = ", ".join(f"{c.name} {c.ratio:.2f}x" for c in labelled)
        report.notes.append(
            f"queue order: first come, first served; the classes' labels follow the queue they found (calls "
            f"waiting found on arrival, against the same hour's arrivals: {found}), so their waits cannot rank "
            f"them (give --priority VALUE=rank to set ranks)")
        return {n: 0 for n in names.unique()}, "one first-come-first-served queue: class labels follow the queue"
    order_by_wait = sorted(waits.index, key=lambda n: (waits[n], n))
    return ({n: len(order_by_wait) - 1 - i for i, n in enumerate(order_by_wait)},
            "ranked by the class's mean wait (answered sooner = ahead in the queue)")


def opening_hours(contacts: pd.DataFrame) -> dict[str, str | list[str]] | None:
    """Each weekday's opening hours: from the half hour before which
    :data:`_HOURS_TAIL` of its calls arrived to the half hour after which as
    many arrived; weekdays without calls closed. None when not every weekday
    of the week is covered by the records' dates."""
    arrival = contacts["arrival"]
    days = pd.date_range(arrival.min().normalize(), arrival.max().normalize(), freq="D")
    if len(set(days.day_of_week)) < 7:
        return None
    minute = (arrival - arrival.dt.normalize()).dt.total_seconds() / 60.0
    out: dict[str, str | list[str]] = {}
    for d, name in enumerate(WEEKDAYS):
        m = minute[arrival.dt.day_of_week == d].to_numpy()
        if m.size < 20:
            out[name] = "closed"
            continue
        lo = int(np.floor(np.quantile(m, _HOURS_TAIL) / 30.0) * 30)
        hi = int(min(np.ceil(np.quantile(m, 1 - _HOURS_TAIL) / 30.0) * 30, 1440))
        out[name] = f"{lo // 60:02d}:{lo % 60:02d}-{hi // 60:02d}:{hi % 60:02d}"
    return out


def priced_date(channels: list[str], market: str, first_day: dt.date) -> dt.date | None:
    """The earliest date every channel has a rate card in force for
    ``market`` when the data starts before that (None: the data's dates can
    be priced as they are)."""
    cards = list_cards(market=market)
    starts = []
    for channel in channels:
        own = [c.effective_from for c in cards if c.channel == channel]
        if own:
            starts.append(min(own))
    if not starts or first_day >= max(starts):
        return None
    return max(starts)
