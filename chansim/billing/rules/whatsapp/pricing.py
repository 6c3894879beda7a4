"""Price WhatsApp messages under one card: sort them by customer, open the
windows, free what is never billed (customer messages, undeliverable replies,
blocked marketing, the free entry point window), then let the card's model
price the rest (see the package notes)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa

from chansim.billing.card_dates import dates_of
from chansim.billing.ratecard import RateCard
from chansim.billing.rules.whatsapp.allowance import AUTHENTICATION, CATEGORIES, MARKETING, SERVICE, Ledger
from chansim.billing.rules.whatsapp.per_message import price_messages
from chansim.billing.rules.whatsapp.windows import (CSW_S, FEP_REPLY_S, FEP_S, last_where, next_where,
                                                    price_conversations, within)
from chansim.errors import InputError, Problem

__all__ = ["price_whatsapp", "PRICE_COLUMNS", "US_MARKETING_BLOCKED_FROM", "BUSINESS_AGENT_BILLED_FROM", "MODELS"]

#: Columns of the table :func:`price_whatsapp` returns.
PRICE_COLUMNS = ("billable", "units", "unit", "rate", "rule")
US_MARKETING_BLOCKED_FROM = dt.date(2025, 4, 1)  #: marketing templates to +1 numbers blocked
BUSINESS_AGENT_BILLED_FROM = dt.date(2026, 8, 1)  #: Meta Business Agent replies billed per token

REQUIRED = ("t", "customer_id", "direction", "category")
MODELS = {"whatsapp_v1": "v1", "whatsapp_v2": "v2", "whatsapp_v3": "v3"}

INBOUND = "whatsapp: customer message, free"
UNDELIVERABLE = ("whatsapp {v}: free-form reply outside the 24 h customer service window: "
                 "not deliverable (a template is needed), not billed")
BLOCKED = "whatsapp {v}: marketing template to a US (+1) number, blocked since 2025-04-01: not delivered, not billed"
FEP = "whatsapp {v}: inside the 72 h free entry point (FEP) window, free"
WORLD = ("replication", "strategy")  #: columns that separate independent simulated runs, when present


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


def _text(codes: np.ndarray, texts: list[str]) -> pd.api.extensions.ExtensionArray:
    """A string column from codes into a few distinct texts, without building
    one Python string per row."""
    return pd.array(pa.DictionaryArray.from_arrays(pa.array(codes, type=pa.int32()),
                                                   pa.array(texts, type=pa.large_string())).cast(pa.large_string()),
                    dtype="str")


def price_whatsapp(messages: pd.DataFrame, card: RateCard, *, start: dt.date, rules: str = "current",
                   business_market: str | None = None, business_agent: tuple[float, float] | None = None,
                   shared_allowance: bool = False, ranked: list | None = None, **_) -> pd.DataFrame:
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
    0 where none applies). ``ranked``: a list that gets, for each charge whose
    prices hang on the rows' ranks in their calendar month, what it takes to
    rank its rows with other customers' and price them again
    (:func:`_ranked`).

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

    day = dates_of(start, t)
    month = day.astype("datetime64[M]").astype(np.int64)
    # Monthly counts run per world in time order (ties by original order).
    # Time order: by time, then customer id, then the customer's rows in table order (as pricing a part of
    # the customers at a time can rank them)
    customer_id = pd.factorize(messages["customer_id"], sort=True)[0][order]
    time_order = np.lexsort((order, customer_id, t, world))
    calendar_month = month
    month = month + world * 100_000  # a (world, month) key: months since 1970 stay far below 100,000
    book = Ledger(n, month, time_order, shared_allowance, [] if ranked is not None else None)

    service = out & (category == SERVICE)
    template = out & ~service
    csw = within(t, last_where(inbound, group_start), CSW_S)
    blocked = (template & (category == MARKETING) & (card.market == "US")
               & (day >= np.datetime64(US_MARKETING_BLOCKED_FROM, "D")))
    delivered = (template & ~blocked) | (service & csw)

    # FEP: the first delivered business message after a free-entry-point
    # inbound message, if within 24 h of it, opens 72 free hours.
    fep_in = np.flatnonzero(inbound & fep_flag)
    answer = next_where(delivered, group_end)[fep_in]
    ok = (answer >= 0) & (t[np.maximum(answer, 0)] - t[fep_in] < FEP_REPLY_S)
    fep_open = np.zeros(n, dtype=bool)
    fep_open[answer[ok]] = True
    in_fep = delivered & within(t, last_where(fep_open, group_start), FEP_S)

    book.free(inbound, INBOUND)
    book.free(service & ~csw, UNDELIVERABLE.format(v=version))
    book.free(blocked, BLOCKED.format(v=version))
    book.free(in_fep, FEP.format(v=version))
    active = delivered & ~in_fep  # delivered and priced by the model's own rules

    international = np.zeros(n, dtype=bool)
    if card.has("authentication_international") and business_market is not None and business_market != card.market:
        international = category == AUTHENTICATION
    if version == "v1":
        price_conversations(book, card, active, category, codes, t, day, group_start, international)
    else:
        price_messages(book, card, version, active, category, csw, international)
    if business_agent is not None and "sender" in messages.columns:
        tokens, token_rate = business_agent
        by_agent = (active & (category == SERVICE) & (messages["sender"].astype(str).to_numpy()[order] == "bot")
                    & (day >= np.datetime64(BUSINESS_AGENT_BILLED_FROM, "D")))
        book.billable[by_agent] = token_rate > 0
        book.allowance[by_agent] = 0  # (billed per token, outside the service allowance)
        book.units[by_agent] = float(tokens)
        book.rate[by_agent] = float(token_rate)
        book.rule[by_agent] = book.code("whatsapp: Meta Business Agent reply, per token (bot.token_rate, unverified)")
    else:
        by_agent = np.zeros(n, dtype=bool)
    if what_if:
        book.texts = [text.replace("whatsapp v2:", "whatsapp v2 rules (pricing.rules: v2):") for text in book.texts]
    if ranked is not None:
        ranked += _ranked(book, messages, world_keys, world, order, t, calendar_month, by_agent)

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


def _ranked(book: Ledger, messages: pd.DataFrame, world_keys: list[str], world: np.ndarray, order: np.ndarray,
            t: np.ndarray, month: np.ndarray, by_agent: np.ndarray) -> list[dict]:
    """Each ranked charge of ``book``: its :class:`MonthlyCount` (``count``)
    and, for its rows, their positions in ``messages`` (``pos``), run
    (``world``: a code into ``worlds``, the values of ``world_keys``), calendar ``month``, time ``t``,
    ``customer`` id, rule as priced before the suffix (``base``), whether
    free for another reason (``other``), units, and whether their price is
    fixed apart from their rank (``fixed``: Meta Business Agent replies,
    which still count in the month)."""
    if not book.ranked:
        return []
    first = order[np.unique(world, return_index=True)[1]]  # (the runs' codes are 0, 1, ...)
    worlds = (list(messages[world_keys].iloc[first].itertuples(index=False, name=None)) if world_keys
              else [()] * first.size)
    customer = messages["customer_id"].to_numpy()[order]
    texts = np.asarray(book.texts, dtype=object)
    return [{"count": count, "pos": order[rows], "world": world[rows], "worlds": worlds,
             "month": month[rows], "t": t[rows], "customer": customer[rows], "base": texts[base],
             "other": np.zeros(rows.size, dtype=bool) if other is None else other, "units": book.units[rows],
             "fixed": by_agent[rows]} for count, rows, base, other in book.ranked]


# the columns of the table it reads
price_whatsapp.reads = ("t", "customer_id", "direction", "category", "sender", "free_entry_point") + WORLD
