"""WhatsApp's monthly free allowance and volume tiers, and the ledger each
message's price is written in.

The message categories are counted apart: a card's ``monthly_free`` units of
a category are the first of each calendar month (all customers, time order),
then ``tiers`` price the month's paid units (marginal: ``above: N`` applies
to units N+1, N+2, ...). The allowance belongs to the business number, not
to a market: :func:`share_allowance` counts it over every market priced at
once.

Time order, everywhere a month is counted: by time, then customer id, then
the customer's own rows in the order of the table. It depends on nothing but
the customer's own rows, so a log priced a part of its customers at a time
ranks each row as the whole log does (:class:`MonthlyCount` prices a row
from its rank alone; :mod:`chansim.billing.pricing_run` ranks the parts
together).
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import numpy as np
import pandas as pd

from chansim.billing.card_dates import dates_of
from chansim.billing.ratecard import RateCard

__all__ = ["TEMPLATES", "CATEGORIES", "SERVICE", "MARKETING", "UTILITY", "AUTHENTICATION", "Ledger",
           "MonthlyCount", "month_ranks", "charge_template", "share_allowance", "shared_free_text",
           "allowance_order"]

TEMPLATES = ("marketing", "utility", "authentication")
CATEGORIES = ("service",) + TEMPLATES
SERVICE, MARKETING, UTILITY, AUTHENTICATION = range(4)  # codes of CATEGORIES


def month_ranks(key: np.ndarray) -> np.ndarray:
    """0-based rank of each row among the rows of its month (``key``: the
    (world, month) of rows in time order; equal keys are consecutive)."""
    new = np.ones(key.size, dtype=bool)
    new[1:] = key[1:] != key[:-1]
    k = np.arange(key.size)
    return k - np.maximum.accumulate(np.where(new, k, 0))


class MonthlyCount(NamedTuple):
    """How one charge prices a row from its rank in the calendar month
    (0-based, in time order): the first ``n_free`` free, then the tiers
    (``above``, ``rates``: marginal over the month's paid units), else
    ``rate``. ``allowance``: the card's monthly free units when they are
    counted over every market instead (then ``n_free`` is 0)."""

    category: str
    rate_name: str
    tiered: bool
    n_free: int
    allowance: int
    above: tuple
    rates: tuple
    rate: float
    free_because: str

    #: suffixes of the outcomes: charged at the base rate, free first units, free for another reason,
    #: then tier j (3 + j)
    @property
    def suffixes(self) -> tuple[str, ...]:
        tiers = tuple(f", charged (monthly tier above {a:,})" if a else ", charged" for a in self.above)
        return (", charged", f", free (first {self.n_free:,} of the calendar month)",
                f", free ({self.free_because})") + tiers

    @property
    def ranked(self) -> bool:
        """Whether a row's price depends on its rank."""
        return self.n_free > 0 or bool(self.above)

    def outcome(self, rank: np.ndarray, other: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(free, rate, suffix index) of rows of ``rank`` (``other``: free
        for ``free_because``)."""
        free = rank < self.n_free
        paid_k = rank - self.n_free + 1  # 1-based among the month's paid units
        rate = np.full(rank.size, self.rate)
        suffix = np.zeros(rank.size, dtype=np.int8)
        if self.above:
            which = np.searchsorted(np.asarray(self.above), paid_k, side="left") - 1  # the last tier with above < k
            for j, tier_rate in enumerate(self.rates):
                in_tier = (which == j) & ~free
                rate[in_tier] = tier_rate
                suffix[in_tier] = 3 + j
        suffix[free] = 1
        if other is not None:
            free = free | other
            suffix[other] = 2
        return free, np.where(free, 0.0, rate), suffix


class Ledger:
    """The outcome of each (sorted) message, filled in rule by rule. Rules are
    kept as codes into ``texts`` until the end. ``ranked``: when a list,
    each charge whose prices depend on the rows' ranks in the month is noted
    in it (its count, rows, rule codes and other-free rows)."""

    def __init__(self, n: int, month: np.ndarray, time_order: np.ndarray, shared_allowance: bool = False,
                 ranked: list | None = None):
        self.month, self.time_order = month, time_order
        #: the monthly free units are counted by the caller over every market: charge them all here and
        #: mark each with its card's monthly allowance (``allowance``)
        self.shared_allowance = shared_allowance
        self.ranked = ranked
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
        n_free = card.monthly_free.get(category, 0)
        tiers = sorted(card.tiers.get(category, ()), key=lambda tier: tier.above) if tiered else []
        count = MonthlyCount(category, rate_name or category, tiered, 0 if self.shared_allowance else n_free,
                             n_free if self.shared_allowance else 0, tuple(int(t.above) for t in tiers),
                             tuple(float(t.rate) for t in tiers), float(card.rate(rate_name or category)),
                             free_because)
        if self.shared_allowance:
            self.allowance[rows] = n_free
        base = np.full(len(rows), self.code(rule), dtype=np.int32) if isinstance(rule, str) else rule[rows]
        other = None if free_on is None else free_on[rows]
        free, rate, suffix = count.outcome(month_ranks(self.month[rows]), other)
        rule_of = self._suffixed(base, count.suffixes[0])
        for s, text in enumerate(count.suffixes[1:], start=1):
            rule_of[suffix == s] = self._suffixed(base[suffix == s], text)
        self.billable[rows] = ~free
        self.rate[rows] = rate
        self.rule[rows] = rule_of
        if self.ranked is not None and count.ranked:
            self.ranked.append((count, rows, base, other))


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


def shared_free_text(rule: str, allowance: int) -> str:
    """The rule of a unit the business number's monthly free units cover
    (``rule``: its rule as charged)."""
    free = f", free (first {int(allowance):,} of the calendar month, every market)"
    return str(rule).removesuffix(", charged") + free


def allowance_order(key: np.ndarray, t: np.ndarray, customer: np.ndarray, row: np.ndarray) -> np.ndarray:
    """The order in which the shared monthly free units go: by (run,
    category, month) ``key``, then time, customer and row (the customer's own
    rows in table order)."""
    return np.lexsort((row, customer, t, key))


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
    customer = (pd.factorize(table["customer_id"], sort=True)[0][rows] if "customer_id" in table
                else np.zeros(rows.size, dtype=np.int64))
    order = allowance_order(key, t, customer, rows)
    rank = month_ranks(key[order])
    freed = rows[order][rank < allowance[rows][order]]
    texts = [shared_free_text(r, a) for r, a in zip(np.asarray(rule)[freed], allowance[freed])]
    return freed, pd.Categorical(texts)
