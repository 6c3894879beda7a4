"""The checks of each export format: bad rows raise
:class:`~chansim.errors.InputError` naming the file, row and column; merely
implausible rows are flagged, counted and reported."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chansim.errors import InputError, Problem

__all__ = ["Locator", "check_intervals", "check_contacts", "check_messages", "check_overlaps", "MAX_WAIT_S",
           "MAX_HANDLE_S"]

#: Plausibility limits (seconds): beyond these a row is kept out of the fit and reported.
MAX_WAIT_S = 86_400.0
MAX_HANDLE_S = 4 * 3600.0
#: The shortest interval an interval report may have (seconds).
MIN_INTERVAL_S = 300


class Locator:
    """Names a row the way the user finds it: data row and, for CSV, file line."""

    def __init__(self, label: str, csv: bool):
        self.label, self.csv = label, csv

    def error(self, index: int, column: str, message: str) -> InputError:
        line = index + 2 if self.csv else None
        return InputError(Problem(f"row {index + 1}, column {column}", message, line), source=self.label)



def _implausible(table: pd.DataFrame, mask: np.ndarray, what: str, out: list[dict]) -> np.ndarray:
    n = int(mask.sum())
    if n:
        rows = (np.flatnonzero(mask)[:5] + 1).tolist()
        out.append({"rows": n, "reason": what, "first_rows": rows})
    return mask


def check_intervals(table: pd.DataFrame, where: Locator) -> tuple[pd.DataFrame, list[dict]]:
    for i in np.flatnonzero(table["interval_start"].isna().to_numpy())[:1]:
        raise where.error(int(i), "interval_start", "empty interval start")
    for i in np.flatnonzero(table["offered"].isna().to_numpy())[:1]:
        raise where.error(int(i), "offered", "empty count of offered contacts")
    if "handled" in table and "abandoned" in table:
        over = np.flatnonzero((table["handled"].fillna(0) + table["abandoned"].fillna(0)
                               > table["offered"] + 0.5).to_numpy())
        if over.size:
            i = int(over[0])
            raise where.error(i, "handled", f"handled + abandoned ({table['handled'].iloc[i]:g} + "
                                            f"{table['abandoned'].iloc[i]:g}) exceed offered ({table['offered'].iloc[i]:g})")
    if "service_level" in table:
        over = np.flatnonzero((table["service_level"] > 1.0).to_numpy())
        if over.size:
            i = int(over[0])
            raise where.error(i, "service_level", f"{table['service_level'].iloc[i]:g} is not a share "
                                                  f"(0-1, or a percentage written with %)")
    length = _interval_length(table, where)
    table = table.assign(interval_s=length)
    table["_row"] = np.arange(len(table)) + 1
    implausible: list[dict] = []
    if "aht_s" in table:
        _implausible(table, (table["aht_s"] > MAX_HANDLE_S).to_numpy(), f"AHT above {MAX_HANDLE_S / 3600:g} h", implausible)
    return table, implausible


def _valid_length(length: float) -> bool:
    return length >= MIN_INTERVAL_S and (3600 % length == 0 or length % 3600 == 0)


def _interval_length(table: pd.DataFrame, where: Locator) -> float:
    """The report's interval (seconds): the smallest gap between starts of a
    channel. A start off the grid of the others is refused naming its row."""
    gaps, rows = [], []
    for _, group in table.groupby("channel", sort=False):
        starts = group["interval_start"].to_numpy().astype("datetime64[s]").astype(np.int64)
        order = np.argsort(starts, kind="stable")
        diff = np.diff(starts[order])
        gaps += diff[diff > 0].tolist()
        rows += group.index.to_numpy()[order[1:]][diff > 0].tolist()
    if not gaps:
        return 3600.0
    length = float(min(gaps))
    if not _valid_length(length):
        values, counts = np.unique(gaps, return_counts=True)
        usual = float(values[np.argmax(counts)])
        if not _valid_length(usual):
            i = int(table.index.get_loc(rows[int(np.argmin(gaps))]))
            raise where.error(i, "interval_start", f"intervals of {length:g} s: use 15, 30 or 60 minute intervals")
        length = usual  # the rows off its grid are refused by check_overlaps, naming the first
    return min(length, 3600.0) if 3600 % length == 0 else 3600.0


def check_overlaps(table: pd.DataFrame, source: str) -> None:
    """Two rows of one channel for the same interval, or starts not on the interval grid."""
    length = float(table["interval_s"].iloc[0])
    for channel, group in table.groupby("channel", sort=False):
        starts = group["interval_start"]
        dup = starts.duplicated(keep="first").to_numpy()
        seconds = (starts - starts.min()).dt.total_seconds().to_numpy()
        off_grid = (seconds % length) != 0
        bad = np.flatnonzero(dup | off_grid)
        if bad.size:
            i = bad[0]
            row = int(group["_row"].iloc[i])
            first = group["_row"].iloc[int(np.flatnonzero((starts == starts.iloc[i]).to_numpy())[0])]
            reason = (f"overlapping intervals: {channel} interval {starts.iloc[i]} also in row {first}" if dup[i]
                      else f"{channel} interval {starts.iloc[i]} is not on the "
                           f"{length / 60:g}-minute grid of the other rows")
            raise InputError(Problem(f"row {row}, column interval_start", reason, row + 1), source=source)


def check_contacts(table: pd.DataFrame, where: Locator) -> tuple[pd.DataFrame, list[dict]]:
    for i in np.flatnonzero(table["arrival"].isna().to_numpy())[:1]:
        raise where.error(int(i), "arrival", "empty arrival time")
    if "answer" not in table:
        table["answer"] = pd.NaT
    if "end" not in table:
        table["end"] = pd.NaT
    early = np.flatnonzero((table["answer"] < table["arrival"]).to_numpy())
    if early.size:
        i = int(early[0])
        raise where.error(i, "answer", f"answer {table['answer'].iloc[i]} before arrival {table['arrival'].iloc[i]}")
    start = table["answer"].fillna(table["arrival"])
    negative = np.flatnonzero((table["end"] < start).to_numpy())
    if negative.size:
        i = int(negative[0])
        raise where.error(i, "end", f"negative duration: end {table['end'].iloc[i]} before "
                                    f"{'answer' if pd.notna(table['answer'].iloc[i]) else 'arrival'} {start.iloc[i]}")
    if "outcome" in table:
        table["outcome"] = table["outcome"].astype(str).str.strip().str.lower()
        abandoned = table["outcome"].isin(["abandoned", "abandon", "abandoned_in_queue", "hangup"]).to_numpy()
        answered = table["answer"].notna().to_numpy()
        both = np.flatnonzero(abandoned & answered)
        if both.size:
            i = int(both[0])
            raise where.error(i, "outcome", "outcome says abandoned but the contact has an answer time")
    table["wait_s"] = ((table["answer"].fillna(table["end"]) - table["arrival"]).dt.total_seconds())
    table["handle_s"] = (table["end"] - table["answer"]).dt.total_seconds()
    table["_row"] = np.arange(len(table)) + 1
    implausible: list[dict] = []
    odd_wait = _implausible(table, (table["wait_s"] > MAX_WAIT_S).to_numpy(),
                            f"waited more than {MAX_WAIT_S / 3600:g} h", implausible)
    odd_handle = _implausible(table, ((table["handle_s"] > MAX_HANDLE_S) & (table["channel"] == "voice")).to_numpy(),
                              f"call handled longer than {MAX_HANDLE_S / 3600:g} h", implausible)
    zero = _implausible(table, ((table["handle_s"] == 0) & (table["channel"] == "voice")).to_numpy(),
                        "call answered and ended at the same second", implausible)
    open_ended = _implausible(table, (table["answer"].isna() & table["end"].isna()).to_numpy(),
                              "neither answered nor ended (no wait to measure)", implausible)
    table["plausible"] = ~(odd_wait | odd_handle | zero | open_ended)
    return table, implausible


def check_messages(table: pd.DataFrame, where: Locator) -> tuple[pd.DataFrame, list[dict]]:
    for i in np.flatnonzero(table["timestamp"].isna().to_numpy())[:1]:
        raise where.error(int(i), "timestamp", "empty timestamp")
    column = "direction" if "direction" in table else "sender"
    text = table[column].astype(str).str.strip().str.lower()
    inbound = text.isin(["inbound", "in", "customer", "from_customer", "received", "mo"])
    outbound = text.isin(["outbound", "out", "agent", "to_customer", "sent", "mt", "bot", "system"])
    unknown = np.flatnonzero(~(inbound | outbound).to_numpy())
    if unknown.size:
        i = int(unknown[0])
        raise where.error(i, column, f"unknown {column} {table[column].iloc[i]!r}: use inbound/outbound "
                                     f"(or customer/agent)")
    table["from_customer"] = inbound.to_numpy()
    table["_row"] = np.arange(len(table)) + 1
    return table, []
