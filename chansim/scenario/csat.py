"""The CSAT model (the scenario's ``csat:`` section), its defaults and their
sources: see :mod:`chansim.scenario.models.csat`."""

from chansim.scenario.models.csat import (
    BENCHMARK_SHARE,
    DEFAULT_BASE,
    DEFAULT_FIRST_CHOICE_BONUS,
    DEFAULT_NOISE_SD,
    DEFAULT_RESPONSE_RATE,
    DEFAULT_WAIT_GRACE_S,
    SATISFIED,
    SCORE_MAX,
    SCORE_MIN,
    Csat,
    base_for_share,
)

__all__ = ["Csat", "BENCHMARK_SHARE", "DEFAULT_NOISE_SD", "DEFAULT_FIRST_CHOICE_BONUS", "DEFAULT_BASE",
           "DEFAULT_WAIT_GRACE_S", "DEFAULT_RESPONSE_RATE", "SCORE_MIN", "SCORE_MAX", "base_for_share", "SATISFIED"]
