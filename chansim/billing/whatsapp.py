"""WhatsApp Business Platform pricing, kept importable from here: it lives in
:mod:`chansim.billing.rules.whatsapp`."""

from chansim.billing.rules.whatsapp import (CONVERSATION_S, CSW_S, FEP_REPLY_S, FEP_S, PRICE_COLUMNS,
                                            US_MARKETING_BLOCKED_FROM, price_whatsapp)

__all__ = ["price_whatsapp", "PRICE_COLUMNS", "CSW_S", "CONVERSATION_S", "FEP_REPLY_S", "FEP_S",
           "US_MARKETING_BLOCKED_FROM"]
