"""The ``pricing:`` section: rate cards, markup and flat negotiated fees."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from chansim.scenario.channels import ChannelName
from chansim.scenario.models.base import ScenarioModel
from chansim.scenario.models.dates import CalendarDate

__all__ = ["Fee", "Pricing"]


class Fee(ScenarioModel):
    """A flat, negotiated channel fee; each part is optional."""

    per_message: float = Field(0.0, ge=0, description="Per message, either direction")
    per_segment: float = Field(0.0, ge=0, description="Per SMS segment, either direction")
    per_minute: float = Field(0.0, ge=0, description="Per started second of a call, as a per-minute rate")
    per_contact: float = Field(0.0, ge=0, description="Per contact on this channel")
    per_month: float = Field(
        0.0, ge=0,
        description="Fixed cost per calendar month (number rental, 10DLC brand and campaign fees, platform seats), "
        "prorated over the simulated days; a fee giving only per_month adds to the card instead of replacing it",
    )

    @property
    def replaces_card(self) -> bool:
        """A fee replaces the channel's card unless all it gives is a monthly fixed cost."""
        usage = (self.per_message, self.per_segment, self.per_minute, self.per_contact)
        return not (self.per_month > 0 and not any(usage))


class Pricing(ScenarioModel):
    """What channels cost: dated rate cards, a markup, and flat fees that win
    over the cards for the channels they name."""

    rate_card: str | None = Field(
        None,
        description="A rate card file (.yaml) replacing built-in cards of the same id and adding the rest; "
        "absent = the built-in cards",
    )
    date: CalendarDate | None = Field(
        None,
        description="What-if: price every message as if sent on this date (the card in force that day; calendar "
        "months counted from it); absent = each message on its own date, start_date + its time",
    )
    markup: float = Field(0.0, ge=0, description="Provider margin on channel fees (0.10 = 10 %)")
    rules: Literal["current", "v2"] = Field(
        "current",
        description="current = the billing rules in force on each date (WhatsApp service and in-window utility "
        "messages charged from 2026-10-01); v2 = what-if: WhatsApp's July 2025 rules kept after 2026-10-01",
    )
    business_market: str | None = Field(
        None, pattern=r"^[A-Za-z]{2}$",
        description="ISO country the business is based in (authentication-international rates apply to "
        "authentication templates to other countries that have one); absent = the scenario's market",
    )
    rcs_agent: Literal["conversational", "non_conversational"] = Field(
        "non_conversational", description="RCS agent billing category (outside the US)"
    )
    voice_number: Literal["toll_free", "local"] = Field("toll_free", description="Number type customers call")
    exchange_rates: dict[str, float] = Field(
        default_factory=dict,
        description="Scenario currency per unit of another currency, for cards in that currency (e.g. USD: 83.2)",
    )
    fees: dict[ChannelName, Fee] = Field(
        default_factory=dict, description="Flat negotiated fees by channel; they replace the card for that channel"
    )

    @model_validator(mode="before")
    @classmethod
    def _whatsapp_v3_gone(cls, data: Any) -> Any:
        if isinstance(data, dict) and "whatsapp_v3" in data:
            raise ValueError("whatsapp_v3 was removed: WhatsApp's 2026-10-01 charges are the default from that date; "
                             "to price as before, set pricing.rules: v2")
        return data

    @model_validator(mode="after")
    def _rates_positive(self) -> "Pricing":
        bad = [k for k, v in self.exchange_rates.items() if not v > 0]
        if bad:
            raise ValueError(f"exchange_rates must be > 0 ({', '.join(bad)})")
        return self
