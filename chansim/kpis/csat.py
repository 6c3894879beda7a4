"""CSAT scoring: the expected score of each contact and the simulated survey,
pure functions over the ``contacts`` table. The model (its parameters and
formula) is :mod:`chansim.scenario.csat`."""

from __future__ import annotations

from typing import Any

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

__all__ = ["Csat", "BENCHMARK_SHARE", "DEFAULT_NOISE_SD", "DEFAULT_FIRST_CHOICE_BONUS", "DEFAULT_BASE", "DEFAULT_WAIT_GRACE_S", "DEFAULT_RESPONSE_RATE", "SCORE_MIN", "SCORE_MAX", "SATISFIED", "base_for_share", "expected_score", "survey", "survey_key", "survey_draws", "csat_kpis"]


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

    Each contact draws two numbers of its own: a uniform ``u`` in [0, 1)
    (it responds when ``u`` is below its channel's response rate) and a
    standard normal ``z`` (its answer is ``expected + noise_sd * z``, clipped
    to 1-5 and rounded). Both are a pure function of the stream's seed and
    the contact's ``contact_id`` (the row's position when the table has no
    ``contact_id``), whatever the other rows and the generator's state
    (:func:`survey_draws`): any subset of the contacts, in any order, gets
    the same answers as in the whole table, and the same contact gets the
    same draws under every strategy (common random numbers). ``rng`` is not
    advanced.
    """
    expected = expected_score(contacts, csat, bot_points)
    n = len(contacts)
    ids = contacts["contact_id"].to_numpy(dtype=np.int64) if "contact_id" in contacts else np.arange(n, dtype=np.int64)
    u, z = survey_draws(survey_key(rng), ids)
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


# ------------------------------------------------------ draws keyed by contact
_GAMMA = np.uint64(0x9E3779B97F4A7C15)  # splitmix64's increment (the golden ratio in 64 bits)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def survey_key(rng: np.random.Generator) -> int:
    """The 64-bit key of a survey stream: the first 64 bits its seed sequence
    generates (the same whatever has been drawn from ``rng``); for a
    generator without a seed sequence, the next 64 bits it draws."""
    seq = getattr(rng.bit_generator, "seed_seq", None)
    if seq is not None and hasattr(seq, "generate_state"):
        return int(seq.generate_state(1, np.uint64)[0])
    return int(rng.integers(0, 2**64, dtype=np.uint64))


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's output function of each 64-bit state (wrapping arithmetic)."""
    x = x ^ (x >> np.uint64(30))
    x *= _MIX1
    x ^= x >> np.uint64(27)
    x *= _MIX2
    x ^= x >> np.uint64(31)
    return x


def survey_draws(key: int, contact_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(uniform in [0, 1), standard normal) for each contact id under
    ``key``: the outputs ``2 id + 1`` and ``2 id + 2`` of the splitmix64
    sequence started at ``key``, as 53-bit doubles; the normal is the
    inverse normal CDF of the second, taken at the middle of its 2**-53 step
    (so in (0, 1))."""
    ids = np.asarray(contact_ids, dtype=np.int64).astype(np.uint64)
    with np.errstate(over="ignore"):
        counter = ids * np.uint64(2) + np.uint64(1)
        first = _splitmix64(np.uint64(key) + counter * _GAMMA)
        second = _splitmix64(np.uint64(key) + (counter + np.uint64(1)) * _GAMMA)
    step = 2.0 ** -53
    u = (first >> np.uint64(11)).astype(float) * step
    from scipy.special import ndtri  # (scipy loaded only when a survey is drawn)

    z = ndtri(((second >> np.uint64(11)).astype(float) + 0.5) * step)
    return u, z


def csat_kpis(survey_frame: pd.DataFrame) -> dict[str, Any]:
    """``csat`` (mean score of responders) and ``csat_pct`` (share of responders
    scoring 4-5); both None when nobody responded."""
    scores = survey_frame["score"][survey_frame["responded"].astype(bool)].dropna().to_numpy(dtype=float)
    if scores.size == 0:
        return {"csat": None, "csat_pct": None}
    return {"csat": float(scores.mean()), "csat_pct": float((scores >= SATISFIED).mean())}
