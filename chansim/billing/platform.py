"""Per-message platform fees and retired channels, kept importable from here:
they live in :mod:`chansim.billing.rules.platform`."""

from chansim.billing.rules.platform import price_per_message, price_retired

__all__ = ["price_per_message", "price_retired"]
