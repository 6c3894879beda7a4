"""Flat channel fees (``pricing.fees``): negotiated per-message, per-segment,
per-minute and per-contact prices, plus the provider markup.

Pure: contacts and messages tables in, one cost line per (replication,
strategy, channel, item) out.

* ``per_message``: every message on the channel, either direction.
* ``per_segment``: SMS-style segments of every message (160/153 GSM-7,
  70/67 UCS-2 characters).
* ``per_minute``: calls, from arrival to end (telephony bills queue time too),
  rounded up to whole seconds, abandoned calls included.
* ``per_contact``: every contact on the channel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chansim.billing.sms import sms_segments
from chansim.scenario.models import Pricing

__all__ = ["channel_costs", "COST_LINE_COLUMNS"]

COST_LINE_COLUMNS = ("replication", "strategy", "channel", "item", "units", "cost")
KEYS = ["replication", "strategy", "channel"]


def _lines(frame: pd.DataFrame, item: str, units: pd.Series, rate_by_channel: dict[str, float]) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=list(COST_LINE_COLUMNS))
    keys = frame[KEYS].assign(units=np.asarray(units, dtype=float))
    grouped = keys.groupby(KEYS, sort=True, observed=True)["units"].sum().reset_index()
    grouped["strategy"] = grouped["strategy"].astype(str)
    grouped["channel"] = grouped["channel"].astype(str)
    grouped["item"] = item
    grouped["cost"] = grouped["units"] * grouped["channel"].map(rate_by_channel).fillna(0.0)
    return grouped[grouped["units"] > 0]


def channel_costs(contacts: pd.DataFrame, messages: pd.DataFrame, pricing: Pricing) -> pd.DataFrame:
    """Cost lines from the flat fees, markup included."""
    frames = []
    fees = pricing.fees
    if fees:
        per = {item: {ch: getattr(fee, item) for ch, fee in fees.items()} for item in
               ("per_message", "per_segment", "per_minute", "per_contact")}
        msg = messages[messages["channel"].isin(list(fees)).to_numpy()]
        con = contacts[contacts["channel"].isin(list(fees)).to_numpy()]
        frames.append(_lines(msg, "per_message", np.ones(len(msg)), per["per_message"]))
        frames.append(_lines(msg, "per_segment", sms_segments(msg["chars"], msg["non_gsm"]), per["per_segment"]))
        seconds = np.ceil(np.nan_to_num((con["end_t"] - con["arrival_t"]).to_numpy(dtype=float), nan=0.0) - 1e-9)
        frames.append(_lines(con, "per_minute", np.maximum(seconds, 0) / 60.0, per["per_minute"]))
        frames.append(_lines(con, "per_contact", np.ones(len(con)), per["per_contact"]))
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=float if c in ("units", "cost") else object) for c in COST_LINE_COLUMNS})
    out = pd.concat(frames, ignore_index=True)
    out["cost"] = out["cost"] * (1.0 + pricing.markup)
    return out[list(COST_LINE_COLUMNS)]
