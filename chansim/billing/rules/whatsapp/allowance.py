"""WhatsApp's monthly free allowance and volume tiers, and the ledger each
message's price is written in.

The message categories are counted apart: a card's ``monthly_free`` units of
a category are the first of each calendar month (all customers, time order),
then ``tiers`` price the month's paid units (marginal: ``above: N`` applies
to units N+1, N+2, ...). The allowance belongs to the business number, not
to a market: :func:`share_allowance` counts it over every market priced at
once.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from chansim.billing.card_dates import dates_of
from chansim.billing.ratecard import RateCard

__all__ = ["TEMPLATES", "CATEGORIES", "SERVICE", "MARKETING", "UTILITY", "AUTHENTICATION", "Ledger",
           "charge_template", "share_allowance"]

TEMPLATES = ("marketing", "utility", "authentication")
CATEGORIES = ("service",) + TEMPLATES
SERVICE, MARKETING, UTILITY, AUTHENTICATION = range(4)  # codes of CATEGORIES


class Ledger:
    """The outcome of each (sorted) message, filled in rule by rule. Rules are
    kept as codes into ``texts`` until the end."""

    def __init__(self, n: int, month: np.ndarray, time_order: np.ndarray, shared_allowance: bool = False):
        self.month, self.time_order = month, time_order
        #: the monthly free units are counted by the caller over every market: charge them all here and
        #: mark each with its card's monthly allowance (``allowance``)
        self.shared_allowance = shared_allowance
        self.allowance = np.zeros(n, dtype=np.int64)
        self.billable = np.zeros(n, dtype=bool)
        self.rate = np.zeros(n)
        self.units = np.ones(n)
        self.rule = np.zeros(n, dtype=np.int32)
        self.texts: list[str] = []
        self._codes: dict[str, int] = {}

    def code(self, text: str) -> int:
        if text not in self._codes:
            self._codes[text] = len(self.texts)
            self.texts.append(text)
        return self._codes[text]

    def _suffixed(self, base: np.ndarray, suffix: str) -> np.ndarray:
        """Codes of the texts ``base`` + ``suffix``."""
        out = np.empty_like(base)
        for b in np.unique(base).tolist():
            out[base == b] = self.code(self.texts[b] + suffix)
        return out

    def free(self, mask: np.ndarray, rule: str) -> None:
        self.billable[mask] = False
        self.rate[mask] = 0.0
        self.rule[mask] = self.code(rule)

    def charge(self, mask: np.ndarray, card: RateCard, category: str, rule: str | np.ndarray, *,
               free_on: np.ndarray | None = None, free_because: str = "", rate_name: str | None = None,
               tiered: bool = True) -> None:
        """Price the rows of ``mask`` (all of ``category``) as charges: the first
        ``monthly_free`` of each calendar month free, then the card's tiers
        (marginal, counted per month in time order), else ``rate(category)``.
        ``rule`` (one text, or one code per row) gets ", charged" or
        ", free (why)"; ``free_on`` marks rows free for another reason
        (``free_because``)."""
        rows = self.time_order[mask[self.time_order]]
        if not len(rows):
            return
        month = self.month[rows]
        new = np.ones(len(rows), dtype=bool)
        new[1:] = month[1:] != month[:-1]
        k = np.arange(len(rows))
        rank = k - np.maximum.accumulate(np.where(new, k, 0))  # 0-based within the month
        n_free = card.monthly_free.get(category, 0)
        if self.shared_allowance:
            self.allowance[rows] = n_free
            n_free = 0
        free = rank < n_free
        paid_k = rank - n_free + 1  # 1-based among the month's paid units
        rate = np.full(len(rows), card.rate(rate_name or category))
        base = np.full(len(rows), self.code(rule), dtype=np.int32) if isinstance(rule, str) else rule[rows]
        rule_of = self._suffixed(base, ", charged")
        tiers = sorted(card.tiers.get(category, ()), key=lambda tier: tier.above) if tiered else []
        if tiers:
            above = np.array([tier.above for tier in tiers])
            which = np.searchsorted(above, paid_k, side="left") - 1  # the last tier with above < k
            for j, tier in enumerate(tiers):
                in_tier = (which == j) & ~free
                rate[in_tier] = tier.rate
                if tier.above:
                    rule_of[in_tier] = self._suffixed(base[in_tier], f", charged (monthly tier above {tier.above:,})")
        rule_of[free] = self._suffixed(base[free], f", free (first {n_free:,} of the calendar month)")
        if free_on is not None:
            other = free_on[rows]
            free = free | other
            rule_of[other] = self._suffixed(base[other], f", free ({free_because})")
        self.billable[rows] = ~free
        self.rate[rows] = np.where(free, 0.0, rate)
        self.rule[rows] = rule_of


def charge_template(book: Ledger, card: RateCard, mask: np.ndarray, c: str, rule: str,
                    international: np.ndarray) -> None:
    """Charge templates of category ``c``; authentication ones to a market
    with an international rate, from a business based elsewhere, at that rate."""
    if c == "authentication" and international.any():
        book.charge(mask & ~international, card, c, rule)
        book.charge(mask & international, card, c, rule + " at the authentication-international rate "
                    "(business based in another country)", rate_name="authentication_international", tiered=False)
    else:
        book.charge(mask, card, c, rule)


def share_allowance(table: pd.DataFrame, time_column: str, start: dt.date, allowance: np.ndarray,
                    rule: pd.Categorical) -> tuple[np.ndarray, pd.Categorical]:
    """The rows of ``table`` the business number's monthly free units cover,
    counted over every market at once, and their rules.

    ``allowance`` holds, for each row priced as charged, its card's monthly
    free units of its category (0 elsewhere); the first that many charged
    units of each calendar month (per run and category, in time order, every
    market together) are free. Returns those rows and their ``rule`` texts
    (from ``rule``, each row's rule as charged)."""
    rows = np.flatnonzero(allowance > 0)
    t = table[time_column].to_numpy(dtype=float)[rows]
    day = dates_of(start, t)
    month = day.astype("datetime64[M]").astype(np.int64)
    worlds = [c for c in ("replication", "strategy", "category") if c in table]
    world = (table.groupby(worlds, sort=False, observed=True, dropna=False).ngroup().to_numpy()[rows]
             if worlds else np.zeros(rows.size, dtype=np.int64))
    key = world * 100_000 + month  # months since 1970 stay far below 100,000
    order = np.lexsort((rows, t, key))
    sorted_key = key[order]
    new = np.ones(order.size, dtype=bool)
    new[1:] = sorted_key[1:] != sorted_key[:-1]
    k = np.arange(order.size)
    rank = k - np.maximum.accumulate(np.where(new, k, 0))  # 0-based within its month
    freed = rows[order][rank < allowance[rows][order]]
    texts = [str(r).removesuffix(", charged") + f", free (first {int(a):,} of the calendar month, every market)"
             for r, a in zip(np.asarray(rule)[freed], allowance[freed])]
    return freed, pd.Categorical(texts)
