"""Channels priced per message by a platform or messaging-service provider
(web chat, email, Apple Messages for Business, Messenger; any channel added
to the registry with a per-message fee), and retired channels."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chansim.billing.ratecard import RateCard

__all__ = ["price_per_message", "price_retired"]


def price_retired(messages: pd.DataFrame, card: RateCard, **_) -> pd.DataFrame:
    """A retired channel before its shutdown: no fee (after it, no card is in force)."""
    n = len(messages)
    return pd.DataFrame({"billable": np.zeros(n, bool), "units": np.zeros(n), "unit": "message", "rate": np.zeros(n),
                         "rule": f"{card.channel}: retired channel, no fee before {card.retired_on}"},
                        index=messages.index)


def price_per_message(messages: pd.DataFrame, card: RateCard, **_) -> pd.DataFrame:
    rate = card.rate("per_message")
    rule = f"{card.channel}: per message" if rate > 0 else f"{card.channel}: no per-message fee"
    n = len(messages)
    return pd.DataFrame(
        {"billable": np.full(n, rate > 0), "units": np.full(n, 1.0 if rate > 0 else 0.0), "unit": "message",
         "rate": np.full(n, rate), "rule": rule},
        index=messages.index,
    )
