"""WhatsApp's per-message billing (``whatsapp_v2`` from 2025-07-01,
``whatsapp_v3`` from 2026-10-01): each delivered template is charged by its
category; v2 leaves utility templates inside the customer service window and
free-form service messages free, v3 charges both (see the package notes)."""

from __future__ import annotations

import numpy as np

from chansim.billing.ratecard import RateCard
from chansim.billing.rules.whatsapp.allowance import CATEGORIES, SERVICE, UTILITY, Ledger, charge_template

__all__ = ["price_messages", "cap_marketing", "CAPPED"]

#: what a capped marketing template's rule says
CAPPED = ", capped at the max price"


def price_messages(book: Ledger, card: RateCard, version: str, active: np.ndarray, category: np.ndarray,
                   csw: np.ndarray, international: np.ndarray) -> None:
    """v2 and v3: the delivered, not otherwise free messages of ``active``
    priced per message (``csw``: inside the customer service window)."""
    for c in ("marketing", "authentication"):
        charge_template(book, card, active & (category == CATEGORIES.index(c)), c, f"whatsapp {version}: {c} template",
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


def cap_marketing(cost: np.ndarray, units: np.ndarray, rule: np.ndarray, capped: np.ndarray, cap: float) -> bool:
    """Marketing templates at most ``cap`` a unit (a marketing campaign's
    ``max_price``, converted and marked up): the rows of mask ``capped``
    (billable marketing templates) that cost more are set to ``cap`` × units
    in ``cost`` and their ``rule`` says so, in place. Whether any was."""
    over = capped & (cost > cap * units)
    if not over.any():
        return False
    cost[over] = cap * units[over]
    rule[over] = [f"{r}{CAPPED}" for r in rule[over]]
    return True
