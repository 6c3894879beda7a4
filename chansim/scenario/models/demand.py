"""The ``demand:`` section (how many contacts arrive, when, from whom and why)
and ``repeats:`` (who comes back)."""

from __future__ import annotations

from pydantic import Field, model_validator

from chansim.scenario.channels import ChannelName
from chansim.scenario.distributions import Distribution
from chansim.scenario.models.base import ScenarioModel

__all__ = ["Segment", "Intent", "Demand", "Repeats"]


class Segment(ScenarioModel):
    """A group of customers who rank channels the same way."""

    name: str = Field(min_length=1, description="Segment name, unique")
    share: float = Field(
        gt=0, le=1, description="Share of contacts from this segment (segments sum to 1; a sum within 0.001 of 1 "
        "is scaled to 1)"
    )
    preference: tuple[ChannelName, ...] = Field(
        min_length=1, description="Channels in the order this segment prefers them"
    )
    market: str | None = Field(
        None, pattern=r"^[A-Za-z]{2}$",
        description="ISO 3166 country of this segment's customers: their messages and calls are priced at its "
        "rates (GB = UK); absent = the scenario's market",
    )


class Intent(ScenarioModel):
    """Why the customer gets in touch."""

    name: str = Field(min_length=1, description="Intent name, unique")
    share: float = Field(
        gt=0, le=1, description="Share of contacts with this intent (intents sum to 1; a sum within 0.001 of 1 "
        "is scaled to 1)"
    )
    complexity: float = Field(1.0, gt=0, description="Multiplier on agent handle time and time per turn")
    priority: int = Field(0, ge=0, description="Queue priority; higher is answered first (FIFO within a priority)")
    bot_resolvable: float = Field(0.0, ge=0, le=1, description="Share a bot can resolve on its own (used by bots)")
    value: float = Field(0.0, ge=0, description="Business value of the contact, in the scenario currency")
    unresolved_share: float = Field(
        0.0, ge=0, le=1, description="Share of contacts an agent handles without resolving (the customer comes back)"
    )


def _default_intents() -> tuple[Intent, ...]:
    return (Intent(name="general", share=1.0),)


class Demand(ScenarioModel):
    """How many contacts arrive, when, from whom and why."""

    contacts_per_day: float = Field(
        ge=0, description="Contacts arriving on an average day (the weekly profile is normalised to mean 1)"
    )
    intraday: tuple[float, ...] | dict[str, tuple[float, ...]] = Field(
        (1.0,) * 24,
        description="24 hourly weights, hour 0 = 00:00-01:00, normalised to sum 1 (default flat); or one such list "
        "per weekday, every weekday once (`{mon-fri: [...], sat: [...], sun: [...]}`)",
    )
    weekly: tuple[float, ...] = Field(
        (1.0,) * 7,
        min_length=7,
        max_length=7,
        description="7 daily weights, Monday first; normalised to mean 1 (default flat)",
    )
    segments: tuple[Segment, ...] = Field(min_length=1, description="Customer segments")
    intents: tuple[Intent, ...] = Field(default_factory=_default_intents, min_length=1, description="Contact intents")

    @model_validator(mode="after")
    def _profiles_positive(self) -> "Demand":  # (intraday: chansim.scenario.profiles.profile_problems)
        if any(w < 0 for w in self.weekly) or sum(self.weekly) <= 0:
            raise ValueError("weekly weights must be ≥ 0 and not all 0")
        return self



class Repeats(ScenarioModel):
    """Customers whose issue is not resolved come back."""

    delay: Distribution = Field(
        default_factory=lambda: Distribution(dist="exponential", mean=86_400.0),
        description="Seconds from the end of a contact to the customer's next attempt (default mean 1 day)",
    )
    after_abandon: float = Field(
        0.0, ge=0, le=1, description="Share of customers who try again after abandoning (default 0: off)"
    )
    switch_share: float = Field(
        0.3, ge=0, le=1, description="Share of returning customers who move to their next offered preference"
    )
    fcr_window_days: float = Field(7.0, gt=0, description="A repeat within this many days counts against FCR")
    after_closed: float = Field(
        0.5, ge=0, le=1,
        description="Share of callers who reach a closed line and call back in the next opening hours "
        "(default 0.5, assumption)",
    )
