"""CSAT scoring: the expected score of each contact and the simulated survey,
pure functions over the ``contacts`` table. The model (its parameters and
formula) is :mod:`chansim.scenario.csat`."""

from __future__ import annotations
from statistics import NormalDist
import numpy as np
import pandas as pd

from chansim.scenario.csat import (  # noqa: F401  the model, re-exported beside its scoring
    Csat,
    BENCHMARK_SHARE,
    DEFAULT_NOISE_SD,
    DEFAULT_FIRST_CHOICE_BONUS,
    DEFAULT_BASE,
    DEFAULT_WAIT_GRACE_S,
    DEFAULT_RESPONSE_RATE,
    SCORE_MIN,
    SCORE_MAX,
    SATISFIED,
    base_for_share,
)

__all__ = ["Csat", "BENCHMARK_SHARE", "DEFAULT_NOISE_SD", "DEFAULT_FIRST_CHOICE_BONUS", "DEFAULT_BASE", "DEFAULT_WAIT_GRACE_S", "DEFAULT_RESPONSE_RATE", "SCORE_MIN", "SCORE_MAX", "SATISFIED", "base_for_share", "expected_score", "survey", "csat_kpis"]


# ------------------------------------------------------------------ helpers
def _codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """A column as category codes (-1 where missing) and the category names."""
    cat = column if isinstance(column.dtype, pd.CategoricalDtype) else column.astype("category")
    return cat.cat.codes.to_numpy(), [str(c) for c in cat.cat.categories]


def _is(codes: np.ndarray, names: list[str], values: tuple[str, ...]) -> np.ndarray:
    """Per row of a coded column, whether its value is one of ``values``."""
    wanted = [i for i, name in enumerate(names) if name in values]
    return np.isin(codes, wanted) if wanted else np.zeros(codes.size, dtype=bool)


def _per_channel(column: pd.Series, mapping: dict[str, float], what: str) -> np.ndarray:
    """``mapping[value]`` for each row (NaN where the value is missing); an
    occurring value the mapping lacks is an error."""
    cat = column if isinstance(column.dtype, pd.CategoricalDtype) else column.astype("category")
    codes = cat.cat.codes.to_numpy()
    names = [str(c) for c in cat.cat.categories]
    used = np.unique(codes[codes >= 0])
    unknown = sorted(names[i] for i in used if names[i] not in mapping)
    if unknown:
        raise ValueError(f"unknown channel(s) for {what}: {', '.join(unknown)}")
    lookup = np.array([mapping.get(name, np.nan) for name in names] + [np.nan], dtype=float)
    return lookup[codes]


_OUTCOMES = ("resolved", "unresolved", "abandoned", "contained", "deflected", "unserved", "closed")


# --------------------------------------------------------------------- model
def expected_score(contacts: pd.DataFrame, csat: Csat, bot_points: dict[str, float] | None = None) -> np.ndarray:
    """Expected survey score (1-5, float) of each contact, in row order.

    NaN for ``deflected`` contacts, calls that reached a ``closed`` line and
    contacts without a channel (not surveyed). ``bot_points``: points lost
    by ``bot_outcome`` (``escalated``: a failed bot session, ``handoff``;
    from :meth:`chansim.scenario.models.Bot.csat_points`). Needs the columns
    ``channel``, ``outcome`` and ``wait_s``; ``preferred_channel``,
    ``context_lost`` and ``transfers`` are optional (absent: no bonus, no
    lost context, no transfers).
    """
    missing = [c for c in ("channel", "outcome", "wait_s") if c not in contacts]
    if missing:
        raise ValueError(f"contacts table lacks column(s): {', '.join(missing)}")
    n = len(contacts)
    if n == 0:
        return np.empty(0, dtype=float)
    channel, channels = _codes(contacts["channel"])
    outcome, outcomes = _codes(contacts["outcome"])
    used = np.unique(outcome)
    unknown = sorted({None if i < 0 else outcomes[i] for i in used} - set(_OUTCOMES), key=str)
    if unknown:
        raise ValueError(f"unknown outcome(s): {', '.join(map(str, unknown))}")

    score = _per_channel(contacts["channel"], csat.base, "csat.base")
    grace = _per_channel(contacts["channel"], csat.wait_grace_s, "csat.wait_grace_s")  # type: ignore[arg-type]

    gave_up = _is(outcome, outcomes, ("abandoned", "unserved"))
    wait = contacts["wait_s"].to_numpy(dtype=float, na_value=np.nan)
    excess_min = np.maximum(np.nan_to_num(wait, nan=0.0) - grace, 0.0) / 60.0
    wait_penalty = np.minimum(csat.wait_penalty_per_min * excess_min, csat.wait_penalty_max)
    wait_penalty[np.isnan(wait) & gave_up] = csat.wait_penalty_max
    score = score - wait_penalty

    score -= np.where(gave_up, csat.abandon_penalty, 0.0)
    score -= np.where(_is(outcome, outcomes, ("unresolved",)), csat.unresolved_penalty, 0.0)
    if "context_lost" in contacts:
        lost = contacts["context_lost"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        score -= np.where(lost, csat.context_loss_penalty, 0.0)
    if "transfers" in contacts:
        transfers = np.nan_to_num(contacts["transfers"].to_numpy(dtype=float, na_value=np.nan), nan=0.0)
        score -= csat.transfer_penalty * np.maximum(transfers, 0.0)
    if bot_points and "bot_outcome" in contacts and any(bot_points.values()):
        bot, bots = _codes(contacts["bot_outcome"])
        for name, points in bot_points.items():
            score -= np.where(_is(bot, bots, (name,)), points, 0.0)
    if "preferred_channel" in contacts:
        preferred, names = _codes(contacts["preferred_channel"])
        # each preferred channel as a code of the channel column (-2: none there, and a missing one)
        same = np.array([channels.index(name) if name in channels else -2 for name in names] + [-2])
        first_choice = same[preferred] == channel
        score += np.where(first_choice, csat.first_choice_bonus, 0.0)

    score = np.clip(score, SCORE_MIN, SCORE_MAX)
    score[_is(outcome, outcomes, ("deflected", "closed"))] = np.nan
    return score


_ID_COLUMNS = ("replication", "strategy", "contact_id", "channel")


def survey(contacts: pd.DataFrame, csat: Csat, rng: np.random.Generator,
           bot_points: dict[str, float] | None = None) -> pd.DataFrame:
    """Simulate the post-contact survey.

    Returns one row per contact (same index), with the id columns of
    ``contacts`` that exist (``replication``, ``strategy``, ``contact_id``,
    ``channel``) and ``expected`` (float, :func:`expected_score` with
    ``bot_points``, NaN if not surveyed), ``responded``
    (bool) and ``score`` (nullable Int64 1-5, NA for non-responders).

    Draws ``rng.random(n)`` then ``rng.standard_normal(n)``, n = len(contacts),
    whatever the rows hold (common random numbers).
    """
    expected = expected_score(contacts, csat, bot_points)
    n = len(contacts)
    u = rng.random(n)
    z = rng.standard_normal(n)
    rate = _per_channel(contacts["channel"], csat.response_rate, "csat.response_rate")
    surveyed = ~np.isnan(expected)
    responded = surveyed & (u < np.nan_to_num(rate, nan=0.0))
    answer = np.floor(np.clip(np.nan_to_num(expected, nan=SCORE_MIN) + csat.noise_sd * z, SCORE_MIN, SCORE_MAX) + 0.5)
    score = pd.array(np.where(responded, answer, np.nan), dtype="Int64")

    out = pd.DataFrame(index=contacts.index)
    for col in _ID_COLUMNS:
        if col in contacts:
            out[col] = contacts[col]
    out["expected"] = expected
    out["responded"] = responded
    out["score"] = score
    return out


def csat_kpis(survey_frame: pd.DataFrame) -> dict[str, Any]:
    """``csat`` (mean score of responders) and ``csat_pct`` (share of responders
    scoring 4-5); both None when nobody responded."""
    scores = survey_frame["score"][survey_frame["responded"].astype(bool)].dropna().to_numpy(dtype=float)
    if scores.size == 0:
        return {"csat": None, "csat_pct": None}
    return {"csat": float(scores.mean()), "csat_pct": float((scores >= SATISFIED).mean())}
