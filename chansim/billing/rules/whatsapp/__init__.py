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
``shared_allowance`` and counts it over all of them with
:func:`~chansim.billing.rules.whatsapp.allowance.share_allowance` (as
:class:`~chansim.billing.pricer.Pricer` does). A rate the traffic needs and
the card lacks is an error, never 0.

The card is applied to every message as given (the caller picks, for each
message, the card in force on its own date, see
:class:`~chansim.billing.pricer.Pricer`); windows and monthly counts are
computed over every message given, so a caller pricing traffic that crosses
a change date passes all of it for each card and keeps each card's own rows.
Pure: a messages table in, one priced row per message out (same index);
nothing printed.

Modules: :mod:`.pricing` (:func:`price_whatsapp`: what is never billed, then
the card's model), :mod:`.windows` (the customer service, free entry point
and v1 conversation windows), :mod:`.per_message` (v2 and v3) and
:mod:`.allowance` (monthly free units, tiers, and the ledger of outcomes).
"""

from chansim.billing.rules.whatsapp.pricing import PRICE_COLUMNS, US_MARKETING_BLOCKED_FROM, price_whatsapp
from chansim.billing.rules.whatsapp.windows import CONVERSATION_S, CSW_S, FEP_REPLY_S, FEP_S

__all__ = [
    "price_whatsapp",
    "PRICE_COLUMNS",
    "CSW_S",
    "CONVERSATION_S",
    "FEP_REPLY_S",
    "FEP_S",
    "US_MARKETING_BLOCKED_FROM",
]
