"""What channels cost: dated rate cards and the rules of each billing model,
as pure functions over the event log."""

from chansim.billing.price import Pricer, check_scenario, cost_lines, price
from chansim.billing.ratecard import CardBook, RateCard, builtin_cards, card_book
from chansim.billing.sms import sms_segments

__all__ = ["Pricer", "price", "cost_lines", "check_scenario", "CardBook", "RateCard", "builtin_cards", "card_book",
           "sms_segments"]
