"""The values a rate card may hold, and their bounds.

* A price (a rate, a tier's rate) is a finite number from 0 to
  :data:`MAX_RATE` in the card's currency; ``true``/``false`` are not
  numbers. No carrier or platform charges more than a billion units of any
  currency for one message, segment or minute, so a larger figure is a typo
  (or a hostile file) and would overflow the costs it is multiplied into.
* A count (a tier's ``above``, a ``monthly_free`` allowance) is a whole
  number from 0 to :data:`MAX_COUNT`.
* A market is written one way: a two-letter country in capitals (``us`` is
  read as ``US``; ``GB`` and ``gb`` as ``UK``, as the cards name it), a region
  id in lower case (``rest_of_africa``, see ``cards/regions.yaml``), or ``*``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

__all__ = ["MAX_RATE", "MAX_COUNT", "MARKET_ALIASES", "Price", "Count", "market_code", "not_true_false"]

#: Highest price per unit a card may give, in its currency.
MAX_RATE = 1e9
#: Highest monthly message count a tier or an allowance may name.
MAX_COUNT = 10**12

#: Other names of a market: the cards say UK, ISO 3166 says GB.
MARKET_ALIASES = {"GB": "UK"}


def market_code(market: str) -> str:
    """A market as the cards name it (``GB`` and ``gb`` are ``UK``, ``us`` is ``US``)."""
    code = str(market).strip()
    code = code.upper() if len(code) == 2 else code
    return MARKET_ALIASES.get(code, code)


def not_true_false(value: Any) -> Any:
    """Refuse ``true``/``false`` where a number is wanted (pydantic would read them as 1 and 0)."""
    if isinstance(value, bool):
        raise ValueError(f"must be a number, not {str(value).lower()}")
    return value


#: A price per unit: finite, from 0 to MAX_RATE, never true/false.
Price = Annotated[float, BeforeValidator(not_true_false), Field(ge=0, le=MAX_RATE, allow_inf_nan=False)]
#: A monthly count: whole, from 0 to MAX_COUNT, never true/false.
Count = Annotated[int, BeforeValidator(not_true_false), Field(ge=0, le=MAX_COUNT)]
