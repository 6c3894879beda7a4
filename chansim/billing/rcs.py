"""RCS Business Messaging pricing, kept importable from here: it lives in
:mod:`chansim.billing.rules.rcs`."""

from chansim.billing.rules.rcs import DAY_S, NON_CONVERSATIONAL_FROM, RCS_SEGMENT_BYTES, price_rcs, utf8_bytes

__all__ = ["price_rcs", "utf8_bytes", "RCS_SEGMENT_BYTES", "DAY_S", "NON_CONVERSATIONAL_FROM"]
