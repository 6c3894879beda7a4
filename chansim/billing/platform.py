"""Channels priced per message by a platform or messaging-service provider:
web chat, email, Apple Messages for Business, Messenger."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chansim.billing.ratecard import RateCard

__all__ = ["price_per_message"]


def price_per_message(messages: pd.DataFrame, card: RateCard) -> pd.DataFrame:
    rate = card.rate("per_message")
    rule = f"{card.channel}: per message" if rate > 0 else f"{card.channel}: no per-message fee"
    n = len(messages)
    return pd.DataFrame(
        {"billable": np.full(n, rate > 0), "units": np.full(n, 1.0 if rate > 0 else 0.0), "unit": "message",
         "rate": np.full(n, rate), "rule": rule},
        index=messages.index,
    )
