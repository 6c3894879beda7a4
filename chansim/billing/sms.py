"""SMS segments and SMS/MMS pricing, kept importable from here: they live in
:mod:`chansim.billing.rules.sms`."""

from chansim.billing.rules.sms import (GSM_PART, GSM_SINGLE, MAX_BODY_CHARS, UCS2_PART, UCS2_SINGLE, price_sms,
                                       sms_segments)

__all__ = ["sms_segments", "price_sms", "GSM_SINGLE", "GSM_PART", "UCS2_SINGLE", "UCS2_PART", "MAX_BODY_CHARS"]
