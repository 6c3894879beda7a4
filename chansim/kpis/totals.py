"""What every KPI is made of: counts and exact sums that add up over any
split of a run's log.

:func:`totals_of` sums one :class:`~chansim.kpis.sample.Sample` (the whole
log, one channel, one pool, ...) of one chunk of customers into a
:class:`Totals`; the totals of two chunks add key by key (``+=``), and the
KPI functions of :mod:`chansim.kpis.measures` read the result. Sums of
seconds and scores are kept exact (:mod:`chansim.billing.exact`), so a run
measured a chunk at a time gives bit for bit the KPIs of measuring it at
once, whatever the chunks.

Keys: counts by name (``contacts``, ``issues``, ``handled``, ``contained``,
``abandoned``, ``closed``, ``resolutions``, ``sl_offered``, ``sl_in_time``,
``fcr``, ``response_in_time``, ``response_has_target``, ``csat_satisfied``,
``messages``, ``sms_segments``); a mean's parts as ``NAME.n`` (the values
measured) and ``NAME.sum`` (their exact sum) for ``focus``, ``wait``,
``ttr``, ``frt``, ``slot_wait``, ``response`` and ``csat``.
"""

from __future__ import annotations

import numpy as np

from chansim.billing.exact import scaled, to_float
from chansim.kpis.csat import SATISFIED
from chansim.kpis.sample import Sample

__all__ = ["Totals", "totals_of", "MEANS"]

#: The means a KPI reads: each kept as ``NAME.n`` and ``NAME.sum``.
MEANS = ("focus", "wait", "ttr", "frt", "slot_wait", "response", "csat")


class Totals(dict):
    """Counts and exact sums of a part of a run (see the module docstring),
    and what is attributed to that part once the run is over: its channel
    fees, labor and bot costs (None where they cannot be attributed to it),
    the labor hours of its pools (``labor``: column → hours, None for parts
    that are not pools or the whole), whether a survey was drawn, hours per
    FTE and the measured hours."""

    cost_channel: float | None = None
    cost_labor: float | None = None
    cost_bot: float | None = None
    labor: dict[str, float] | None = None
    surveyed: bool = False
    hours_per_fte: float = 40.0
    period_h: float = 168.0

    def __missing__(self, key: str) -> int:
        return 0  # (nothing counted)

    def __iadd__(self, other: dict) -> "Totals":
        for key, value in other.items():
            self[key] = self.get(key, 0) + value
        return self

    def mean(self, name: str) -> float | None:
        """The mean of the values of ``name`` (None: none measured)."""
        n = self.get(f"{name}.n", 0)
        return to_float(self[f"{name}.sum"]) / n if n else None


def _add(out: Totals, name: str, values: np.ndarray) -> None:
    kept = values[np.isfinite(values)]
    out[f"{name}.n"] = int(kept.size)
    out[f"{name}.sum"] = scaled(kept)


def _sums(s: Sample) -> Totals:
    """The exact sums of a sample (they depend on its rows only): those of
    every row are made once per chunk (a breakdown of one member, one pool,
    one channel, is the whole chunk again)."""
    every = bool(s.rows.all())
    cache = s.log.__dict__.setdefault("_sums_of_every_row", {}) if every else None
    if cache:
        return cache["sums"]
    log, out = s.log, Totals()
    _add(out, "focus", log.focus[s.handled])
    offered = s.rows & log.offered
    _add(out, "wait", log.wait[offered])
    _add(out, "ttr", log.issues["ttr"][s.rows & log.issues["opener"]])
    messaging = offered & ~log.voice
    queued = log.queued[messaging]
    _add(out, "frt", log.first_reply[messaging] - queued)
    _add(out, "slot_wait", log.slot_t[messaging] - queued)
    _add(out, "response", s.replies["response"])
    responded, score = log.survey_answers
    _add(out, "csat", score[s.rows & responded])
    if cache is not None:
        cache["sums"] = out
    return out


def totals_of(s: Sample) -> Totals:
    """The counts and exact sums of one sample of one chunk."""
    log = s.log
    out = Totals()
    counted = s.counted
    out["contacts"] = int(counted.sum())
    opener = s.rows & log.issues["opener"]
    out["issues"] = int(opener.sum())
    if s.by_leg:
        out["handled"] = int(s.handled.sum())
    else:
        out["handled"] = int((counted & log.final("resolved", "unresolved")).sum())
    for name in ("contained", "abandoned", "closed"):
        out[name] = int(s.outcome(name).sum())
    out["resolutions"] = int(s.outcome("resolved", "contained").sum())
    out.update(_sums(s))
    targeted = s.rows & log.offered & ~np.isnan(log.target)
    out["sl_offered"] = int(targeted.sum())
    out["sl_in_time"] = int((targeted & log.in_time).sum())
    out["fcr"] = int(log.issues["fcr"][opener].sum())
    replies = s.replies
    out["response_in_time"] = int(replies["in_time"].sum())
    out["response_has_target"] = int(replies["has_target"].sum())
    responded, score = log.survey_answers
    out["csat_satisfied"] = int((score[s.rows & responded] >= SATISFIED).sum())
    out["messages"] = int(s.messages.sum())
    out["sms_segments"] = log.segments_of(s.messages)
    return out
