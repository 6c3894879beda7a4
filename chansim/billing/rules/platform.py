"""Channels priced per message by a platform or messaging-service provider
(web chat, email, Apple Messages for Business, Messenger; any channel added
to the registry with a per-message fee), and retired channels."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chansim.billing.labels import constant
from chansim.billing.ratecard import RateCard

__all__ = ["price_per_message", "price_retired"]


def price_retired(messages: pd.DataFrame, card: RateCard, **_) -> pd.DataFrame:
    """A retired channel before its shutdown: no fee (after it, no card is in force)."""
    n = len(messages)
    return pd.DataFrame({"billable": np.zeros(n, bool), "units": np.zeros(n), "unit": constant("message", n),
                         "rate": np.zeros(n),
                         "rule": constant(f"{card.channel}: retired channel, no fee before {card.retired_on}", n)},
                        index=messages.index, copy=False)


def price_per_message(messages: pd.DataFrame, card: RateCard, **_) -> pd.DataFrame:
    rate = card.rate("per_message")
    rule = f"{card.channel}: per message" if rate > 0 else f"{card.channel}: no per-message fee"
    n = len(messages)
    return pd.DataFrame(
        {"billable": np.full(n, rate > 0), "units": np.full(n, 1.0 if rate > 0 else 0.0), "unit": constant("message", n),
         "rate": np.full(n, rate), "rule": constant(rule, n)},
        index=messages.index, copy=False,
    )


# the columns of the table each rule reads (none: a fee per row), so a pricer hands it no other
price_retired.reads = price_per_message.reads = ()
