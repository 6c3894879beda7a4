"""Voice: per-minute telephony by direction and number type, plus a
contact-center platform fee per minute.

A call is billed from connection to hang-up (time in the IVR and the queue
included, abandoned calls too), rounded as the card says: per second, or per
started minute.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chansim.billing.labels import constant
from chansim.billing.ratecard import RateCard

__all__ = ["price_calls", "NUMBER_TYPES"]

NUMBER_TYPES = ("toll_free", "local")


def price_calls(calls: pd.DataFrame, card: RateCard, *, number: str = "toll_free", **_) -> pd.DataFrame:
    """Price inbound calls (rows of the contacts table on voice)."""
    if number not in NUMBER_TYPES:
        raise ValueError(f"unknown number type {number!r} (use {', '.join(NUMBER_TYPES)})")
    seconds = np.nan_to_num((calls["end_t"] - calls["arrival_t"]).to_numpy(dtype=float), nan=0.0)
    seconds = np.maximum(np.ceil(seconds - 1e-9), 0.0)
    if card.rounding == "second":
        minutes = seconds / 60.0
        how = "per second"
    else:
        minutes = np.ceil(seconds / 60.0 - 1e-12)
        how = "per started minute"
    telephony = card.rate(f"inbound_{number}_minute")
    rate = telephony + card.rate("platform_minute")
    label = number.replace("_", "-")
    rule = f"voice: inbound {label} {how} + platform fee"
    n = len(calls)
    return pd.DataFrame(
        {"billable": (minutes > 0) & (rate > 0), "units": minutes, "unit": constant("minute", n), "rate": rate,
         "rule": constant(rule, n)},
        index=calls.index,
    )


price_calls.reads = ("end_t", "arrival_t")  # the columns of the table it reads
