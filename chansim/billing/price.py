"""Price a messages table in one call (:func:`price`); the pricer, cost lines
and the scenario check live in :mod:`chansim.billing.pricer`,
:mod:`chansim.billing.costlines` and :mod:`chansim.billing.preflight`, and
are importable from here too."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from chansim.billing.costlines import COST_LINE_COLUMNS, cost_lines
from chansim.billing.preflight import check_scenario
from chansim.billing.pricer import PRICE_COLUMNS, RULES, Pricer

__all__ = ["Pricer", "price", "cost_lines", "check_scenario", "PRICE_COLUMNS", "COST_LINE_COLUMNS", "RULES"]


def price(
    messages: pd.DataFrame,
    *,
    market: str,
    date: dt.date | str | None = None,
    start_date: dt.date | str | None = None,
    rate_card: str | Path | None = None,
    markup: float = 0.0,
    **settings,
) -> pd.DataFrame:
    """Price a messages table (DESIGN.md columns: ``t``, ``customer_id``,
    ``contact_id``, ``channel``, ``direction``, ``sender``, ``category``,
    ``chars``, ``non_gsm``, ``media``; optional ``segment``, ``extension``,
    ``emoji``, ``free_entry_point``, ``suggestions``).

    ``start_date``: the calendar day of t = 0, each message priced under the
    card in force on its own day; ``date``: every message priced as if on
    that day. Returns the table with ``billable``, ``units``, ``unit``
    (segment / message / conversation / minute / token), ``cost``, ``rule``
    (why), ``card`` (the id of the rate card used) and ``market``. ``settings``
    as :class:`Pricer` takes them (``rules``, ``business_market``,
    ``segment_markets``, ``rcs_agent``, ``currency``, ``exchange_rates``,
    ``fees``, ...)."""
    return Pricer.create(market=market, date=date, start_date=start_date, rate_card=rate_card, markup=markup,
                         **settings).messages(messages)
