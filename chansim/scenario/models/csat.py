"""The ``csat:`` section: a post-contact survey simulated over the ``contacts``
table. Its scoring (pure functions over the event log) is
:mod:`chansim.kpis.csat`; the engine knows nothing of CSAT.

Formula
=======
For each contact (``channel`` = the channel actually used)::

    expected = clip(base[channel]
                    - wait_penalty                      (every outcome)
                    - abandon_penalty      if abandoned or unserved
                    - unresolved_penalty   if unresolved
                    - context_loss_penalty if context_lost
                    - transfer_penalty * transfers
                    + first_choice_bonus   if channel == preferred_channel,
                    1, 5)

    wait_penalty = min(wait_penalty_per_min * max(wait_s - wait_grace_s[channel], 0) / 60,
                       wait_penalty_max)

``wait_s`` missing (NaN) counts as no wait, except for abandoned and unserved
contacts, which get ``wait_penalty_max`` (an unserved customer waited until
the run ended). ``resolved`` and ``contained`` (a bot resolved it) carry no
outcome penalty. ``deflected`` contacts are not surveyed (``expected`` is NaN):
the customer continued on another channel as a new contact, and that
continuation is the one surveyed. So ``expected`` never rises when a contact
waits longer and never falls when an unresolved contact becomes resolved.

Survey: a contact is eligible unless deflected; it responds with probability
``response_rate[channel]``; a responder's score is
``floor(clip(expected + noise_sd * z, 1, 5) + 0.5)``, an integer 1-5, with
``z`` standard normal. Random numbers are drawn as common random numbers:
each contact's uniform (response) and normal (noise) are a pure function of
the replication's survey stream and the contact's id, whatever else the
table holds, so a run measured a chunk of customers at a time gets the same
answers, and for a fixed seed the sampled score is monotone in ``expected``
as well.

KPIs: ``csat`` = mean score of responders; ``csat_pct`` = share of responders
scoring 4 or 5 (both None when nobody responded).

Defaults and their sources
==========================
``base`` is calibrated on the Zendesk Benchmark, Q1 2015 (press release
"Live Chat Drives Highest Customer Satisfaction", 20 May 2015; see
``reference/pricing.md``, Operational benchmarks): share of "good" ratings
by channel: live chat 92 %, voice 88 %, email 85 %, Facebook 84 %, Twitter
77 %. Those ratings were given on solved tickets by customers on the channel
they chose, so a benchmark share is read as the share of 4-5 scores of a
resolved, promptly answered, first-choice contact. With normal noise of
``noise_sd``, P(score >= 4) = P(expected + noise >= 3.5), so::

    base = 3.5 + noise_sd * Phi^-1(share) - first_choice_bonus

(:func:`base_for_share`), rounded to 0.01. Measured: webchat (live chat),
voice, email, messenger (Facebook). Assumptions: whatsapp, apple_messages,
rcs and sms take the Facebook figure, the only asynchronous messaging channel
measured. Twitter has no chansim channel.

``noise_sd`` = 0.8 (assumption): individual answers on 5-point scales
typically spread with a standard deviation of about 0.8-1.1; part of that
spread is explained here by the modelled waits and outcomes.

``wait_grace_s`` (assumptions, anchored where possible): voice 30 s (the
common 80/20 service level answers most calls within 20 s; average speed of
answer is typically 20-30 s); webchat 90 s (the same Zendesk benchmark:
a typical company answers a chat within 1 min 36 s, at the 92 % rating);
whatsapp, sms, rcs, apple_messages, messenger 900 s (Meta's "very responsive"
Page badge asks for replies within 15 minutes); email 86 400 s (a one
business day reply target).

Penalties: ``wait_penalty_per_min`` 0.05, ``unresolved_penalty`` 1.2 and
``context_loss_penalty`` 0.4 are the DESIGN.md example values; the others are
assumptions: ``wait_penalty_max`` 2.0 (a very long wait hurts as much as
abandoning), ``abandon_penalty`` 2.0 (an abandoned customer is left with the
problem and the wait: more than an unresolved one), ``transfer_penalty`` 0.2
per transfer, ``first_choice_bonus`` 0.1.

``response_rate`` (assumptions from published ranges): voice 0.05 (automated
post-call IVR survey; Vocalabs: live interviews get 20-40 %, IVR surveys up to
ten times less); webchat 0.20 (rating asked in the chat window at the end;
post-interaction surveys 25-50 %, pop-ups 5-15 %); in-thread messaging
(whatsapp, sms, rcs, apple_messages, messenger) 0.15 (SMS surveys 15-35 %);
email 0.13 (Satmetrix: B2C transactional e-mail surveys 13-16 %). Response
does not depend on satisfaction (no non-response bias is modelled).
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chansim.scenario.channels import CHANNEL_INFO, CHANNELS, ChannelName

__all__ = [
    "Csat",
    "BENCHMARK_SHARE",
    "DEFAULT_NOISE_SD",
    "DEFAULT_FIRST_CHOICE_BONUS",
    "DEFAULT_BASE",
    "DEFAULT_WAIT_GRACE_S",
    "DEFAULT_RESPONSE_RATE",
    "SCORE_MIN",
    "SCORE_MAX",
    "base_for_share",
    "SATISFIED",
]

SCORE_MIN = 1
SCORE_MAX = 5
#: Scores at or above this are "satisfied" (csat_pct counts 4 and 5).
SATISFIED = 4

#: Share of satisfied ratings per chansim channel, Zendesk Benchmark Q1 2015
#: (webchat = live chat, messenger = Facebook; whatsapp, apple_messages, rcs
#: and sms take the Facebook figure as an assumption): from the channel registry.
BENCHMARK_SHARE: dict[str, float] = {ch: CHANNEL_INFO[ch].csat_benchmark_share for ch in CHANNELS}
DEFAULT_NOISE_SD = 0.8
DEFAULT_FIRST_CHOICE_BONUS = 0.1


def base_for_share(share: float, noise_sd: float = DEFAULT_NOISE_SD,
                   first_choice_bonus: float = DEFAULT_FIRST_CHOICE_BONUS) -> float:
    """The ``base`` score at which a resolved, prompt, first-choice contact
    scores 4 or 5 with probability ``share`` under normal noise ``noise_sd``."""
    if not 0.0 < share < 1.0:
        raise ValueError(f"share must be in (0, 1), got {share}")
    return 3.5 + noise_sd * NormalDist().inv_cdf(share) - first_choice_bonus


DEFAULT_BASE: dict[str, float] = {ch: round(base_for_share(s), 2) for ch, s in BENCHMARK_SHARE.items()}
DEFAULT_WAIT_GRACE_S: dict[str, float] = {ch: CHANNEL_INFO[ch].csat_wait_grace_s for ch in CHANNELS}
DEFAULT_RESPONSE_RATE: dict[str, float] = {ch: CHANNEL_INFO[ch].csat_response_rate for ch in CHANNELS}
assert set(DEFAULT_BASE) == set(DEFAULT_WAIT_GRACE_S) == set(DEFAULT_RESPONSE_RATE) == set(CHANNELS)

Score = Annotated[float, Field(ge=SCORE_MIN, le=SCORE_MAX)]
Seconds = Annotated[float, Field(ge=0)]
Share = Annotated[float, Field(ge=0, le=1)]
#: A penalty or bonus, in score points; more than the width of the scale is meaningless.
_POINTS = SCORE_MAX - SCORE_MIN


class Csat(BaseModel):
    """The scenario's ``csat:`` block: how contacts turn into survey scores (1-5).

    Per-channel dictionaries are merged over the defaults: channels not
    listed keep their default value.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    base: dict[ChannelName, Score] = Field(
        default_factory=lambda: dict(DEFAULT_BASE),
        description="Expected score (1-5 points), by channel, of a resolved contact answered within the grace "
        "time, with no transfer or lost context, before the first-choice bonus; unlisted channels keep the "
        "default (calibrated on the Zendesk Benchmark 2015)",
    )
    wait_grace_s: Seconds | dict[ChannelName, Seconds] = Field(
        default_factory=lambda: dict(DEFAULT_WAIT_GRACE_S),
        description="Seconds a customer waits before the wait starts to cost points: one number for every "
        "channel, or by channel (unlisted channels keep the default)",
    )
    wait_penalty_per_min: float = Field(
        0.05, ge=0, le=_POINTS, description="Points lost per minute waited beyond the grace time, points/min"
    )
    wait_penalty_max: float = Field(
        2.0, ge=0, le=_POINTS,
        description="Most points a wait can cost, points (also applied to abandoned or unserved contacts "
        "without a recorded wait)",
    )
    abandon_penalty: float = Field(
        2.0, ge=0, le=_POINTS,
        description="Points lost when the customer abandoned, or was never served, points",
    )
    unresolved_penalty: float = Field(
        1.2, ge=0, le=_POINTS, description="Points lost when an answered contact ended unresolved, points"
    )
    context_loss_penalty: float = Field(
        0.4, ge=0, le=_POINTS,
        description="Points lost when the contact was escalated (from a bot or another channel) without its "
        "history, points",
    )
    transfer_penalty: float = Field(0.2, ge=0, le=_POINTS, description="Points lost per transfer, points/transfer")
    first_choice_bonus: float = Field(
        DEFAULT_FIRST_CHOICE_BONUS, ge=0, le=_POINTS,
        description="Points gained when the contact used the customer's preferred channel, points",
    )
    response_rate: dict[ChannelName, Share] = Field(
        default_factory=lambda: dict(DEFAULT_RESPONSE_RATE),
        description="Share (0-1) of surveyed contacts that answer the survey, by channel; unlisted channels "
        "keep the default",
    )
    noise_sd: float = Field(
        DEFAULT_NOISE_SD, ge=0, le=_POINTS,
        description="Standard deviation of one customer's answer around the expected score, points",
    )

    @field_validator("base")
    @classmethod
    def _base_over_defaults(cls, value: dict[str, float]) -> dict[str, float]:
        return {**DEFAULT_BASE, **value}

    @field_validator("response_rate")
    @classmethod
    def _rates_over_defaults(cls, value: dict[str, float]) -> dict[str, float]:
        return {**DEFAULT_RESPONSE_RATE, **value}

    @field_validator("wait_grace_s")
    @classmethod
    def _grace_by_channel(cls, value: float | dict[str, float]) -> dict[str, float]:
        if isinstance(value, dict):
            return {**DEFAULT_WAIT_GRACE_S, **value}
        return {ch: float(value) for ch in CHANNELS}

    def grace_s(self, channel: str) -> float:
        """Grace time of ``channel``, seconds."""
        return self.wait_grace_s[channel]  # type: ignore[index]  # always a dict once validated
