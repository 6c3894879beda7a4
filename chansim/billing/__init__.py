"""What channels cost: dated rate cards and the rules of each billing model,
as pure functions over the event log.

* rate cards: :mod:`~chansim.billing.ratecard` (the cards, ``cards/*.yaml``,
  and which is in force), :mod:`~chansim.billing.listing` (which cards and
  markets exist);
* the pricer: :mod:`~chansim.billing.pricer` (each message under its
  market's card of its day), :func:`price` (one call);
* :mod:`~chansim.billing.costlines`: priced rows summed into cost lines;
* :mod:`~chansim.billing.preflight`: can a scenario be priced, before it runs;
* :mod:`~chansim.billing.rules`: one module per billing model (sms, gsm, rcs,
  whatsapp, voice, platform, fees, ai);
* AI agents: :mod:`~chansim.billing.ai_cards` (dated, sourced AI cards),
  :mod:`~chansim.billing.ai_agent` (a scenario's AI agent, agent assist and
  monthly fixed costs as cost lines), :mod:`~chansim.billing.ai_checks`;
  :mod:`~chansim.billing.fixed`: monthly amounts prorated by day.
"""

# (the function ``price`` takes the name of its module on the package, as it always has)
from chansim.billing.price import Pricer, check_scenario, cost_lines, price
from chansim.billing.ratecard import CardBook, RateCard, builtin_cards, card_book
from chansim.billing.rules.sms import sms_segments

__all__ = ["Pricer", "price", "cost_lines", "check_scenario", "CardBook", "RateCard", "builtin_cards", "card_book",
           "sms_segments"]
