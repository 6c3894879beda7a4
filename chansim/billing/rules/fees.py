"""Flat negotiated fees (``pricing.fees``): a contract price that wins over
the card for the channels it names.

Calls pay per minute (billed per second) plus per contact; messages pay per
message plus per SMS-style segment, plus per contact on each contact's
first message. Costs are in the scenario currency, with the provider markup.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chansim.billing.labels import constant
from chansim.billing.rules.sms import sms_segments

__all__ = ["price_flat"]


def price_flat(frame: pd.DataFrame, channel: str, fee, *, calls: bool, markup: float = 0.0) -> pd.DataFrame:
    """Price ``frame`` (calls, or messages of ``channel``) at the flat ``fee``
    (a ``pricing.fees`` entry): ``billable``, ``units``, ``unit``, ``cost``,
    ``rule`` and ``card`` on the same index."""
    if calls:
        seconds = np.nan_to_num((frame["end_t"] - frame["arrival_t"]).to_numpy(float), nan=0.0)
        units = np.maximum(np.ceil(seconds - 1e-9), 0.0) / 60.0
        cost = units * fee.per_minute + fee.per_contact
        unit = "minute"
    else:
        keys = [c for c in ("replication", "strategy", "contact_id") if c in frame]
        first = (~frame.duplicated(keys)).to_numpy() if keys else np.zeros(len(frame), bool)
        units = np.ones(len(frame))
        segments = sms_segments(frame["chars"], frame["non_gsm"], frame["extension"] if "extension" in frame else None,
                                frame["emoji"] if "emoji" in frame else None).astype(float)
        cost = fee.per_message + fee.per_segment * segments + np.where(first, fee.per_contact, 0.0)
        unit = "message"
    cost = np.asarray(cost, dtype=float) * (1.0 + markup)
    n = len(frame)
    return pd.DataFrame(
        {"billable": cost > 0, "units": units, "unit": constant(unit, n), "cost": cost,
         "rule": constant(f"{channel}: flat fee (pricing.fees)", n), "card": constant("pricing.fees", n)},
        index=frame.index,
    )


# the columns of the table it reads (calls, or messages)
price_flat.reads = ("end_t", "arrival_t", "replication", "strategy", "contact_id", "chars", "non_gsm", "extension",
                    "emoji")
