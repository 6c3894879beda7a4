"""Voice pricing, kept importable from here: it lives in
:mod:`chansim.billing.rules.voice`."""

from chansim.billing.rules.voice import NUMBER_TYPES, price_calls

__all__ = ["price_calls", "NUMBER_TYPES"]
