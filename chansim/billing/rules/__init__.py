"""The rules of each billing model, one module per model: which messages (and
calls) are billable, in what unit, at which of the card's rates, and why.

* :mod:`~chansim.billing.rules.sms`: SMS segments and MMS (``sms`` cards);
  :mod:`~chansim.billing.rules.gsm` counts the segments of real text;
* :mod:`~chansim.billing.rules.rcs`: RCS Business Messaging (``rcs_us``,
  ``rcs_standard``);
* :mod:`~chansim.billing.rules.whatsapp`: the WhatsApp Business Platform
  (``whatsapp_v1`` to ``whatsapp_v3``);
* :mod:`~chansim.billing.rules.voice`: per-minute calls (``voice``);
* :mod:`~chansim.billing.rules.platform`: per-message platform fees and
  retired channels (``per_message``, ``retired``);
* :mod:`~chansim.billing.rules.fees`: flat negotiated fees
  (``pricing.fees``), which win over the card;
* :mod:`~chansim.billing.rules.ai`: AI agents per session, conversation,
  outcome, resolution, action or token, and agent-assist seats (AI cards).

A card's rule takes the messages and the card and returns, on the same
index, ``billable``, ``units``, ``unit``, ``rate`` (card currency) and
``rule``; :class:`~chansim.billing.pricer.Pricer` picks the card and turns
rates into costs.
"""
