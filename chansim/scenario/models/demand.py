"""The ``demand:`` section (how many contacts arrive, when, from whom and why)
and ``repeats:`` (who comes back)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, ValidationInfo, model_validator

from chansim.scenario.channels import ChannelName
from chansim.scenario.distributions import MAX_PARAMETER, Distribution
from chansim.scenario.models.base import ScenarioModel

__all__ = ["Segment", "Intent", "Demand", "Repeats", "MAX_WEIGHTED_CONTACTS", "MAX_COMPLEXITY"]

#: Highest contacts_per_day × any intraday or weekly weight (a weight read
#: with contacts_per_day below 1 counts as itself). Weights are relative (the
#: profiles are normalised), so no real profile comes near it; far above it the
#: arrival rates overflow and the simulation cannot draw its arrivals.
MAX_WEIGHTED_CONTACTS = 1e15


def _weight_in_bounds(weight: float, info: ValidationInfo) -> float:
    per_day = info.data.get("contacts_per_day") if info.data else None
    scale = max(1.0, per_day) if isinstance(per_day, float) else 1.0
    if weight * scale > MAX_WEIGHTED_CONTACTS:
        raise ValueError(f"too large: contacts_per_day × weight must be ≤ {MAX_WEIGHTED_CONTACTS:g} (got "
                         f"{scale:g} × {weight:g}); weights are relative, e.g. 1 for an average hour or day")
    return weight


#: An intraday or weekly weight, bounded with contacts_per_day (read before it in the model).
_Weight = Annotated[float, AfterValidator(_weight_in_bounds)]

#: The largest intent complexity: a contact a thousand times as long as the channel's own is a slip (and
#: far beyond it handle times overflow the engine's clock).
MAX_COMPLEXITY = 1000.0


def _complexity_in_bounds(value: float) -> float:
    if value > MAX_COMPLEXITY:
        raise ValueError(f"must be ≤ {MAX_COMPLEXITY:g} (got {value:g}); complexity multiplies the channel's "
                         "handle time (1.5 = half as long again)")
    return value


_Complexity = Annotated[float, AfterValidator(_complexity_in_bounds)]


def _priority_in_bounds(value: int) -> int:
    if value > MAX_PARAMETER:  # (the engine keeps priorities as 32-bit numbers)
        raise ValueError(f"must be ≤ {MAX_PARAMETER:g} (got {value:.3g}); priorities rank intents: 0, 1, 2, ...")
    return value


_Priority = Annotated[int, AfterValidator(_priority_in_bounds)]


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
    complexity: _Complexity = Field(1.0, gt=0, description="Multiplier on agent handle time and time per turn")
    priority: _Priority = Field(
        0, ge=0, description="Queue priority; higher is answered first (FIFO within a priority)"
    )
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
    intraday: tuple[_Weight, ...] | dict[str, tuple[_Weight, ...]] = Field(
        (1.0,) * 24,
        description="24 hourly weights, hour 0 = 00:00-01:00, normalised to sum 1 (default flat); or one such list "
        "per weekday, every weekday once (`{mon-fri: [...], sat: [...], sun: [...]}`)",
    )
    weekly: tuple[_Weight, ...] = Field(
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
