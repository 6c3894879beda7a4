"""WhatsApp Business Platform billing: which messages Meta charges, and at what rate.

Meta charges by the recipient's country code (the card's ``market``), under one
of three billing models (the card's ``model``). All windows are per customer.

Common to every model
  * Inbound (customer) messages are never charged.
  * Customer service window (CSW): open for 24 h after the customer's last
    message; each inbound message re-opens it. A free-form (``service``)
    business message outside the CSW cannot be delivered (a template would be
    needed): it is priced as not billable and its rule says so.
  * Free entry point (FEP): when an inbound message has ``free_entry_point``
    (click-to-WhatsApp ad, Facebook Page call-to-action) and the business
    answers within 24 h of it, a 72-hour window starts at that answer in which
    every business message, templates included, is free (a later qualifying
    answer starts a new 72-hour window). The CSW still decides whether a
    free-form message can be sent.
  * Marketing templates to US (+1) numbers are blocked since 2025-04-01: on a
    ``US`` card they are priced as not delivered and not billable.
  * Calendar days and months are those of ``start + t`` (no time zone).
  * When the table has ``replication`` and/or ``strategy`` columns (an event
    log), each run is a separate world: a customer is (run, customer_id), and
    monthly free units and tiers are counted per run.

``whatsapp_v1``, conversation-based, 2023-06-01 to 2025-06-30
  * The unit is a 24-hour conversation per category (marketing, utility,
    authentication, service), opened by the delivered business message that
    starts it; that message carries the charge.
  * A template of category *c* is free inside an open *c* conversation, else it
    opens one (a different category's open conversation does not cover it: a
    second conversation, a second charge).
  * A free-form message inside the CSW is covered by ANY open conversation,
    else it opens a service conversation. The first ``monthly_free.service``
    (1,000) service conversations of each calendar month, counted across all
    customers in time order, are free; from ``free_from`` (2024-11-01) every
    service conversation is free.

``whatsapp_v2``, per message, from 2025-07-01
  * The unit is a delivered template message, charged by category.
  * Utility templates are free inside an open CSW; free-form service messages
    are free (inside the CSW).
  * Monthly volume tiers from ``card.tiers`` (utility, authentication): the
    k-th charged message of a category in a calendar month, counted across all
    customers in time order, pays the rate of the tier k falls in (marginal:
    ``above: N`` applies to messages N+1, N+2, ...).

``whatsapp_v3``, from 2026-10-01 (the default; confidence medium)
  * As v2, but free-form service messages are charged per delivered message
    at the market's utility rate (``rate("service")`` when the card gives
    one) after ``monthly_free.service`` free ones a calendar month, and
    utility templates are charged inside the CSW too. FEP stays free.
  * ``rules="v2"`` (``pricing.rules: v2``) prices a v3 card under the v2
    rules: the what-if "as before 2026-10-01".

Authentication-international
  An authentication template to a market whose card has an
  ``authentication_international`` rate costs that rate when the business
  (``business_market``) is based in another country.

Meta Business Agent (from 2026-08-01)
  With ``business_agent=(tokens_per_reply, token_rate)``, a delivered bot
  reply (``sender == "bot"``) is billed as its own category: ``tokens`` units
  at ``token_rate`` each (the rate is not public: a flagged parameter).

Free units and tiers, in every model: the card's ``monthly_free`` units of a
category are the first of each calendar month (all customers, time order);
``tiers`` then count the month's paid units. The allowance belongs to the
business number, not to a market: a caller pricing several markets passes
``shared_allowance`` and counts it over all of them
(:class:`~chansim.billing.price.Pricer` does). A rate the traffic needs and
the card lacks is an error, never 0.

The card is applied to every message as given (the caller picks, for each
message, the card in force on its own date, see
:class:`~chansim.billing.price.Pricer`); windows and monthly counts are
computed over every message given, so a caller pricing traffic that crosses
a change date passes all of it for each card and keeps each card's own rows.
Pure: a messages table in, one priced row per message out (same index);
nothing printed.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa

from chansim.billing.ratecard import RateCard
from chansim.errors import InputError, Problem

__all__ = [
    "price_whatsapp",
    "PRICE_COLUMNS",
    "CSW_S",
    "CONVERSATION_S",
    "FEP_REPLY_S",
    "FEP_S",
    "US_MARKETING_BLOCKED_FROM",
]

#: Columns of the table :func:`price_whatsapp` returns.
PRICE_COLUMNS = ("billable", "units", "unit", "rate", "rule")
CSW_S = 24 * 3600.0  #: customer service window after the customer's last message
CONVERSATION_S = 24 * 3600.0  #: v1 conversation length from the message that opened it
FEP_REPLY_S = 24 * 3600.0  #: the business must answer a free-entry-point message within this
FEP_S = 72 * 3600.0  #: free entry point window from the business answer
US_MARKETING_BLOCKED_FROM = dt.date(2025, 4, 1)  #: marketing templates to +1 numbers blocked
BUSINESS_AGENT_BILLED_FROM = dt.date(2026, 8, 1)  #: Meta Business Agent replies billed per token

TEMPLATES = ("marketing", "utility", "authentication")
CATEGORIES = ("service",) + TEMPLATES
REQUIRED = ("t", "customer_id", "direction", "category")
MODELS = {"whatsapp_v1": "v1", "whatsapp_v2": "v2", "whatsapp_v3": "v3"}

INBOUND = "whatsapp: customer message, free"
UNDELIVERABLE = ("whatsapp {v}: free-form reply outside the 24 h customer service window: "
                 "not deliverable (a template is needed), not billed")
BLOCKED = "whatsapp {v}: marketing template to a US (+1) number, blocked since 2025-04-01: not delivered, not billed"
FEP = "whatsapp {v}: inside the 72 h free entry point (FEP) window, free"
WORLD = ("replication", "strategy")  #: columns that separate independent simulated runs, when present
SERVICE, MARKETING, UTILITY, AUTHENTICATION = range(4)  # codes of CATEGORIES


def _check(messages: pd.DataFrame, card: RateCard) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every problem with the inputs at once; else (t, inbound, category code)."""
    problems = []
    if card.channel != "whatsapp" or card.model not in MODELS:
        problems.append(Problem("pricing.rate_card",
                                f"card {card.id} ({card.channel}, {card.model}) is not a WhatsApp card"))
    missing = [c for c in REQUIRED if c not in messages.columns]
    if missing:
        problems.append(Problem("messages", f"missing column(s): {', '.join(missing)}"))
    if problems:
        raise InputError(problems)
    direction = pd.Index(["in", "out"]).get_indexer(messages["direction"])
    if (direction < 0).any():
        bad = sorted(set(messages["direction"][direction < 0].astype(str)))
        problems.append(Problem("messages.direction", f"must be 'in' or 'out', not {', '.join(map(repr, bad))}"))
    category = pd.Index(list(CATEGORIES)).get_indexer(messages["category"]).astype(np.int8)
    wrong = (direction == 1) & (category < 0)
    if wrong.any():
        bad = sorted(set(messages["category"][wrong].astype(str)))
        problems.append(Problem("messages.category", f"business messages must be one of {', '.join(CATEGORIES)}, "
                                                     f"not {', '.join(map(repr, bad))}"))
    t = pd.to_numeric(messages["t"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if not np.isfinite(t).all():
        problems.append(Problem("messages.t", "must be finite numbers of seconds since start"))
    if messages["customer_id"].isna().any():
        problems.append(Problem("messages.customer_id", "must not be missing"))
    if problems:
        raise InputError(problems)
    return t, direction == 0, category


def _last(mask: np.ndarray, group_start: np.ndarray) -> np.ndarray:
    """Position of the last row at or before each row, in the same group, where
    ``mask`` holds (-1 if none). Rows are sorted by group."""
    idx = np.maximum.accumulate(np.where(mask, np.arange(len(mask)), -1))
    return np.where(idx >= group_start, idx, -1)


def _next(mask: np.ndarray, group_end: np.ndarray) -> np.ndarray:
    """Position of the first row at or after each row, in the same group, where
    ``mask`` holds (-1 if none). ``group_end`` is exclusive."""
    n = len(mask)
    idx = np.minimum.accumulate(np.where(mask, np.arange(n), n)[::-1])[::-1]
    return np.where(idx < group_end, idx, -1)


def _within(t: np.ndarray, last: np.ndarray, span: float) -> np.ndarray:
    """Rows whose ``last`` event exists and lies less than ``span`` seconds back."""
    return (last >= 0) & (t - t[np.maximum(last, 0)] < span)


def _chain(codes: np.ndarray, t: np.ndarray, span: float) -> np.ndarray:
    """Which rows open a window of ``span`` seconds: the first of each group,
    then the first at or after the previous opener's expiry (rows sorted by
    group, then time). The one loop: each window depends on the previous one."""
    openers = []
    prev, expiry = None, 0.0
    for i, (code, x) in enumerate(zip(codes.tolist(), t.tolist())):
        if code != prev or x >= expiry:
            openers.append(i)
            prev, expiry = code, x + span
    mask = np.zeros(len(t), dtype=bool)
    mask[openers] = True
    return mask


def _a(word: str) -> str:
    return ("an " if word == "authentication" else "a ") + word


class _Book:
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


def _text(codes: np.ndarray, texts: list[str]) -> pd.api.extensions.ExtensionArray:
    """A string column from codes into a few distinct texts, without building
    one Python string per row."""
    return pd.array(pa.DictionaryArray.from_arrays(pa.array(codes, type=pa.int32()),
                                                   pa.array(texts, type=pa.large_string())).cast(pa.large_string()),
                    dtype="str")


def price_whatsapp(messages: pd.DataFrame, card: RateCard, *, start: dt.date, rules: str = "current",
                   business_market: str | None = None, business_agent: tuple[float, float] | None = None,
                   shared_allowance: bool = False, **_) -> pd.DataFrame:
    """Price each WhatsApp message under ``card`` (one market, one billing model).

    ``messages`` has ``t`` (seconds since ``start`` 00:00), ``customer_id``,
    ``direction`` (``in``/``out``), ``category`` (``service`` for free-form,
    else the template category), optionally ``sender`` (not read: the
    direction decides) and ``free_entry_point`` (read on inbound messages).
    Rows may come in any order. Returns, on the same index, ``billable``
    (bool), ``units`` (float: 1 for each charged conversation (v1) or message
    (v2/v3), else 0), ``unit`` (``conversation`` or ``message``), ``rate``
    (card currency per unit, 0 when free) and ``rule`` (why). Cost = units x
    rate. Raises :class:`~chansim.errors.InputError` on a non-WhatsApp card or
    malformed messages (every problem at once).

    ``rules="v2"`` prices a v3 card under the v2 rules; ``business_market``
    (the business's own country) decides authentication-international;
    ``business_agent`` = (tokens per reply, rate per token) bills bot replies
    as Meta Business Agent messages from 2026-08-01. ``shared_allowance``:
    the card's monthly free units are counted by the caller over every market
    of the business number; every unit is charged here and the result has an
    ``allowance`` column (the card's monthly free units of the row's category,
    0 where none applies).

    The card is taken as given for every message (see the module notes).
    """
    t_in, inbound_in, category_in = _check(messages, card)
    version = MODELS[card.model]
    what_if = version == "v3" and rules == "v2"
    if what_if:
        version = "v2"
    unit = "conversation" if version == "v1" else "message"
    n = len(messages)

    # Sort by (customer, t), ties by original order.
    # A customer is (run, customer_id): replications and strategies of one
    # event log are separate worlds, with their own windows and monthly counts.
    world_keys = [c for c in WORLD if c in messages.columns]
    if world_keys and n:
        world_in = messages.groupby(world_keys, sort=False, observed=True, dropna=False).ngroup().to_numpy()
        codes_in = messages.groupby(world_keys + ["customer_id"], sort=False, observed=True,
                                    dropna=False).ngroup().to_numpy()
    else:
        world_in = np.zeros(n, dtype=np.int64)
        codes_in = pd.factorize(messages["customer_id"])[0]
    order = np.lexsort((np.arange(n), t_in, codes_in))
    t, codes, world = t_in[order], codes_in[order], world_in[order]
    inbound, category = inbound_in[order], category_in[order]
    out = ~inbound
    if "free_entry_point" in messages.columns:
        fep_flag = messages["free_entry_point"].astype("boolean").fillna(False).to_numpy(dtype=bool)[order]
    else:
        fep_flag = np.zeros(n, dtype=bool)
    pos = np.arange(n)
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = codes[1:] != codes[:-1]
    group_start = np.maximum.accumulate(np.where(new_group, pos, 0)) if n else pos
    last_of_group = np.ones(n, dtype=bool)
    last_of_group[:-1] = new_group[1:]
    group_end = np.minimum.accumulate(np.where(last_of_group, pos + 1, n)[::-1])[::-1] if n else pos

    day = np.datetime64(start, "D") + np.floor(t / 86400.0).astype(np.int64).astype("timedelta64[D]")
    month = day.astype("datetime64[M]").astype(np.int64)
    # Monthly counts run per world in time order (ties by original order).
    time_order = np.lexsort((order, t, world))
    month = month + world * 100_000  # a (world, month) key: months since 1970 stay far below 100,000
    book = _Book(n, month, time_order, shared_allowance)

    service = out & (category == SERVICE)
    template = out & ~service
    csw = _within(t, _last(inbound, group_start), CSW_S)
    blocked = (template & (category == MARKETING) & (card.market == "US")
               & (day >= np.datetime64(US_MARKETING_BLOCKED_FROM, "D")))
    delivered = (template & ~blocked) | (service & csw)

    # FEP: the first delivered business message after a free-entry-point
    # inbound message, if within 24 h of it, opens 72 free hours.
    fep_in = np.flatnonzero(inbound & fep_flag)
    answer = _next(delivered, group_end)[fep_in]
    ok = (answer >= 0) & (t[np.maximum(answer, 0)] - t[fep_in] < FEP_REPLY_S)
    fep_open = np.zeros(n, dtype=bool)
    fep_open[answer[ok]] = True
    in_fep = delivered & _within(t, _last(fep_open, group_start), FEP_S)

    book.free(inbound, INBOUND)
    book.free(service & ~csw, UNDELIVERABLE.format(v=version))
    book.free(blocked, BLOCKED.format(v=version))
    book.free(in_fep, FEP.format(v=version))
    active = delivered & ~in_fep  # delivered and priced by the model's own rules

    international = np.zeros(n, dtype=bool)
    if card.has("authentication_international") and business_market is not None and business_market != card.market:
        international = category == AUTHENTICATION
    if version == "v1":
        _price_v1(book, card, active, category, codes, t, day, group_start, international)
    else:
        _price_v2(book, card, version, active, category, csw, international)
    if business_agent is not None and "sender" in messages.columns:
        tokens, token_rate = business_agent
        by_agent = (active & (category == SERVICE) & (messages["sender"].astype(str).to_numpy()[order] == "bot")
                    & (day >= np.datetime64(BUSINESS_AGENT_BILLED_FROM, "D")))
        book.billable[by_agent] = token_rate > 0
        book.allowance[by_agent] = 0  # (billed per token, outside the service allowance)
        book.units[by_agent] = float(tokens)
        book.rate[by_agent] = float(token_rate)
        book.rule[by_agent] = book.code("whatsapp: Meta Business Agent reply, per token (bot.token_rate, unverified)")
    if what_if:
        book.texts = [text.replace("whatsapp v2:", "whatsapp v2 rules (pricing.rules: v2):") for text in book.texts]

    billable = np.empty(n, dtype=bool)
    billable[order] = book.billable
    units = np.empty(n)
    units[order] = np.where(book.billable, book.units, 0.0)
    unit_code = np.empty(n, dtype=np.int32)
    unit_code[order] = np.where(book.units != 1.0, 1, 0) if business_agent is not None else 0
    rate = np.empty(n)
    rate[order] = book.rate
    rule = np.empty(n, dtype=np.int32)
    rule[order] = book.rule
    out = pd.DataFrame({
        "billable": billable,
        "units": units,
        "unit": _text(unit_code, [unit, "token"]),
        "rate": rate,
        "rule": _text(rule, book.texts or [""]),
    }, index=messages.index)
    if shared_allowance:
        allowance = np.empty(n, dtype=np.int64)
        allowance[order] = np.where(book.billable, book.allowance, 0)
        out["allowance"] = allowance
    return out


def _charge_template(book: _Book, card: RateCard, mask: np.ndarray, c: str, rule: str,
                     international: np.ndarray) -> None:
    """Charge templates of category ``c``; authentication ones to a market
    with an international rate, from a business based elsewhere, at that rate."""
    if c == "authentication" and international.any():
        book.charge(mask & ~international, card, c, rule)
        book.charge(mask & international, card, c, rule + " at the authentication-international rate "
                    "(business based in another country)", rate_name="authentication_international", tiered=False)
    else:
        book.charge(mask, card, c, rule)


def _price_v1(book: _Book, card: RateCard, active: np.ndarray, category: np.ndarray, codes: np.ndarray,
              t: np.ndarray, day: np.ndarray, group_start: np.ndarray, international: np.ndarray) -> None:
    conv_open = {}
    for c in TEMPLATES:
        mine = active & (category == CATEGORIES.index(c))
        rows = np.flatnonzero(mine)
        opener = np.zeros(len(t), dtype=bool)
        opener[rows[_chain(codes[rows], t[rows], CONVERSATION_S)]] = True
        book.free(mine & ~opener, f"whatsapp v1: inside an open {c} conversation, free")
        _charge_template(book, card, opener, c, f"whatsapp v1: opens {_a(c)} conversation (24 h)", international)
        conv_open[c] = _within(t, _last(opener, group_start), CONVERSATION_S)

    # Free-form replies (all inside the CSW here): covered by any open
    # conversation, else they open a service conversation.
    reply = active & (category == SERVICE)
    by_template = conv_open["marketing"] | conv_open["utility"] | conv_open["authentication"]
    rows = np.flatnonzero(reply & ~by_template)
    opener = np.zeros(len(t), dtype=bool)
    opener[rows[_chain(codes[rows], t[rows], CONVERSATION_S)]] = True
    service_open = _within(t, _last(opener, group_start), CONVERSATION_S)
    for c in reversed(TEMPLATES):  # name one open conversation: service, else marketing, ...
        book.free(reply & ~opener & conv_open[c], f"whatsapp v1: free-form reply inside an open {c} conversation, free")
    book.free(reply & ~opener & service_open, "whatsapp v1: free-form reply inside an open service conversation, free")
    free_from = (day >= np.datetime64(card.free_from, "D")) if card.free_from is not None else None
    book.charge(opener, card, "service", "whatsapp v1: opens a service conversation (24 h)",
                free_on=free_from, free_because=f"all service conversations free from {card.free_from}")


def _price_v2(book: _Book, card: RateCard, version: str, active: np.ndarray, category: np.ndarray,
              csw: np.ndarray, international: np.ndarray) -> None:
    """v2 and v3: per delivered message."""
    for c in ("marketing", "authentication"):
        _charge_template(book, card, active & (category == CATEGORIES.index(c)), c, f"whatsapp {version}: {c} template",
                         international)
    utility = active & (category == UTILITY)
    reply = active & (category == SERVICE)
    if version == "v2":
        book.free(utility & csw, "whatsapp v2: utility template inside the customer service window, free")
        book.charge(utility & ~csw, card, "utility",
                    "whatsapp v2: utility template outside the customer service window")
        book.free(reply, "whatsapp v2: free-form service message inside the customer service window, free")
    else:
        rule = np.where(csw, book.code("whatsapp v3: utility template inside the customer service window"),
                        book.code("whatsapp v3: utility template outside the customer service window")).astype(np.int32)
        book.charge(utility, card, "utility", rule)  # one monthly count for the tiers
        book.charge(reply, card, "service", "whatsapp v3: free-form service message",
                    rate_name="service" if card.has("service") else "utility")
