"""WhatsApp's windows, per customer: the 24-hour customer service window,
the 72-hour free entry point window, and the 24-hour conversations that
``whatsapp_v1`` bills.

Rows come sorted by customer, then time; a customer's rows are a group
(``group_start`` / ``group_end`` give each row's group bounds).
"""

from __future__ import annotations

import numpy as np

from chansim.billing.ratecard import RateCard
from chansim.billing.rules.whatsapp.allowance import CATEGORIES, SERVICE, TEMPLATES, Ledger, charge_template

__all__ = ["CSW_S", "CONVERSATION_S", "FEP_REPLY_S", "FEP_S", "last_where", "next_where", "within", "openers",
           "price_conversations"]

CSW_S = 24 * 3600.0  #: customer service window after the customer's last message
CONVERSATION_S = 24 * 3600.0  #: v1 conversation length from the message that opened it
FEP_REPLY_S = 24 * 3600.0  #: the business must answer a free-entry-point message within this
FEP_S = 72 * 3600.0  #: free entry point window from the business answer


def last_where(mask: np.ndarray, group_start: np.ndarray) -> np.ndarray:
    """Position of the last row at or before each row, in the same group, where
    ``mask`` holds (-1 if none). Rows are sorted by group."""
    idx = np.maximum.accumulate(np.where(mask, np.arange(len(mask)), -1))
    return np.where(idx >= group_start, idx, -1)


def next_where(mask: np.ndarray, group_end: np.ndarray) -> np.ndarray:
    """Position of the first row at or after each row, in the same group, where
    ``mask`` holds (-1 if none). ``group_end`` is exclusive."""
    n = len(mask)
    idx = np.minimum.accumulate(np.where(mask, np.arange(n), n)[::-1])[::-1]
    return np.where(idx < group_end, idx, -1)


def within(t: np.ndarray, last: np.ndarray, span: float) -> np.ndarray:
    """Rows whose ``last`` event exists and lies less than ``span`` seconds back."""
    return (last >= 0) & (t - t[np.maximum(last, 0)] < span)


def openers(codes: np.ndarray, t: np.ndarray, span: float) -> np.ndarray:
    """Which rows open a window of ``span`` seconds: the first of each group,
    then the first at or after the previous opener's expiry (rows sorted by
    group, then time). The one loop: each window depends on the previous one."""
    opening = []
    prev, expiry = None, 0.0
    for i, (code, x) in enumerate(zip(codes.tolist(), t.tolist())):
        if code != prev or x >= expiry:
            opening.append(i)
            prev, expiry = code, x + span
    mask = np.zeros(len(t), dtype=bool)
    mask[opening] = True
    return mask


def _a(word: str) -> str:
    return ("an " if word == "authentication" else "a ") + word


def price_conversations(book: Ledger, card: RateCard, active: np.ndarray, category: np.ndarray, codes: np.ndarray,
                        t: np.ndarray, day: np.ndarray, group_start: np.ndarray, international: np.ndarray) -> None:
    """``whatsapp_v1``: the delivered, not otherwise free messages of
    ``active`` priced per 24-hour conversation (see the package notes)."""
    conv_open = {}
    for c in TEMPLATES:
        mine = active & (category == CATEGORIES.index(c))
        rows = np.flatnonzero(mine)
        opener = np.zeros(len(t), dtype=bool)
        opener[rows[openers(codes[rows], t[rows], CONVERSATION_S)]] = True
        book.free(mine & ~opener, f"whatsapp v1: inside an open {c} conversation, free")
        charge_template(book, card, opener, c, f"whatsapp v1: opens {_a(c)} conversation (24 h)", international)
        conv_open[c] = within(t, last_where(opener, group_start), CONVERSATION_S)

    # Free-form replies (all inside the CSW here): covered by any open
    # conversation, else they open a service conversation.
    reply = active & (category == SERVICE)
    by_template = conv_open["marketing"] | conv_open["utility"] | conv_open["authentication"]
    rows = np.flatnonzero(reply & ~by_template)
    opener = np.zeros(len(t), dtype=bool)
    opener[rows[openers(codes[rows], t[rows], CONVERSATION_S)]] = True
    service_open = within(t, last_where(opener, group_start), CONVERSATION_S)
    for c in reversed(TEMPLATES):  # name one open conversation: service, else marketing, ...
        book.free(reply & ~opener & conv_open[c], f"whatsapp v1: free-form reply inside an open {c} conversation, free")
    book.free(reply & ~opener & service_open, "whatsapp v1: free-form reply inside an open service conversation, free")
    free_from = (day >= np.datetime64(card.free_from, "D")) if card.free_from is not None else None
    book.charge(opener, card, "service", "whatsapp v1: opens a service conversation (24 h)",
                free_on=free_from, free_because=f"all service conversations free from {card.free_from}")
