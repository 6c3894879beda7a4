"""The KPI table: every KPI declared once.

Each entry says what a KPI is (key, kind, direction, check group, default
tolerance, description) and names the function that measures it. Key lists,
the ★ directions of ``compare``, report formats, the ``check`` groups and
tolerances, the vocabulary of ``sweep --kpi`` / ``staff --target`` /
``optimize`` and the generated KPI reference all derive from this table.

Adding a KPI is one :class:`KPI` entry here plus its measuring function in
:mod:`chansim.kpis.measures`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Literal

from chansim.kpis import measures

__all__ = [
    "KPI", "KPIS", "KPI_KEYS", "BY_KEY", "Kind", "LOWER", "NEUTRAL", "HIGHER", "DIRECTION", "KPI_GROUPS", "GROUP_OF",
    "MODEL_KPIS", "SIMULATION_KPIS", "kind_of", "RANKABLE",
]

Kind = Literal["count", "money", "share", "seconds", "score", "hours"]
LOWER, NEUTRAL, HIGHER = -1, 0, 1
_DIRECTIONS = {"lower": LOWER, "unranked": NEUTRAL, "higher": HIGHER}


@dataclass(frozen=True)
class KPI:
    """One KPI.

    ``direction``: ``lower`` / ``higher`` is better, or ``unranked`` (counts
    follow volume; their cost and rate KPIs carry the judgement).
    ``group``: the ``check`` group (one JUnit case per group); ``model`` says
    the KPI is priced or scored from the log by a pure function (billing,
    labor, CSAT) rather than measured from the simulation itself.
    ``tolerance``: the default ``check`` band when the simulation moved,
    ``(rel, abs)``, plus 3 × the baseline's ci95.
    ``measure``: the function that measures it over a
    :class:`~chansim.kpis.sample.Sample`; by default the function of
    :mod:`chansim.kpis.measures` named like the key.
    """

    key: str
    kind: Kind
    direction: Literal["lower", "higher", "unranked"]
    group: Literal["volume", "cost", "service", "quality", "staffing"]
    tolerance: tuple[float, float]
    description: str
    model: bool = False
    measure: Callable[[Any], Any] | None = None

    def __post_init__(self) -> None:
        if self.measure is None:
            object.__setattr__(self, "measure", getattr(measures, self.key))

    @property
    def sign(self) -> int:
        """+1 higher is better, -1 lower is better, 0 unranked."""
        return _DIRECTIONS[self.direction]


_C = (0.03, 1.0)  # counts: 3 % or one unit
_M = (0.03, 0.01)  # money: 3 % or one cent
_T = (0.03, 1.0)  # seconds: 3 % or one second
_S = (0.0, 0.01)  # shares: one percentage point
_Q = (0.0, 0.05)  # CSAT score: 0.05 on the 1-5 scale
_H = (0.03, 0.1)  # hours / FTE

KPIS: tuple[KPI, ...] = (
    KPI("contacts", "count", "unranked", "volume", _C,
        "Customer-initiated attempts that arrived (first contacts and repeats). A continuation of the same "
        "attempt (IVR deflection to messaging, escalation from a chat to a call, RCS→SMS fallback) is a leg of "
        "that contact, not a new contact."),
    KPI("issues", "count", "unranked", "volume", _C,
        "Customer needs: a first contact with all its repeats and continuations."),
    KPI("handled", "count", "unranked", "volume", _C, "Contacts an agent answered and finished (on any leg)."),
    KPI("contained", "count", "unranked", "volume", _C, "Contacts a bot resolved."),
    KPI("abandoned", "count", "unranked", "volume", _C,
        "Contacts whose customer left before an agent answered (for messaging: before the first agent reply)."),
    KPI("closed", "count", "unranked", "volume", _C,
        "Contacts that met a closed channel: a call while the line is closed, a contact still queued at a "
        "closing with `at_close: closed`, or a contact on a channel offline while closed with no open "
        "alternative (its final leg)."),
    KPI("cost_total", "money", "lower", "cost", _M, "cost_channel + cost_labor + cost_bot.", model=True),
    KPI("cost_channel", "money", "lower", "cost", _M, "Channel fees (telephony minutes, messages), markup included.",
        model=True),
    KPI("cost_labor", "money", "lower", "cost", _M,
        "Paid hours × cost per hour; paid = staffed ÷ (1 − shrinkage) + overtime.", model=True),
    KPI("cost_bot", "money", "lower", "cost", _M, "Bot sessions × cost per session.", model=True),
    KPI("cost_per_contact", "money", "lower", "cost", _M, "cost_total ÷ contacts.", model=True),
    KPI("cost_per_issue", "money", "lower", "cost", _M,
        "cost_total ÷ issues: what one customer need costs, repeats and continuations included. The default "
        "cost ranking and the frontier use it.", model=True),
    KPI("cost_per_resolution", "money", "lower", "cost", _M, "cost_total ÷ contacts resolved (by an agent or a bot).",
        model=True),
    KPI("aht_s", "seconds", "lower", "service", _T, "Mean agent attention (focus) time per handled contact."),
    KPI("asa_s", "seconds", "lower", "service", _T,
        "Mean wait of answered contacts: voice from joining the queue to the answer; messaging and email from "
        "joining the queue to the first agent reply (frt_s)."),
    KPI("service_level", "share", "higher", "service", _S,
        "Share of contacts offered to agents (abandoned included) answered within their channel's "
        "service_level_target_s; for messaging, the first agent reply within the target. Channels without a "
        "target are left out."),
    KPI("abandon_rate", "share", "lower", "service", _S, "abandoned ÷ contacts."),
    KPI("closed_rate", "share", "lower", "service", _S, "closed ÷ contacts."),
    KPI("containment_rate", "share", "higher", "quality", _S, "contained ÷ contacts."),
    KPI("fcr_rate", "share", "higher", "quality", _S,
        "Issues resolved at their first contact (its continuations included) with no repeat within the FCR "
        "window, over all issues: issues whose first attempt was abandoned or deflected without resolution "
        "count as not resolved first time."),
    KPI("ttr_s", "seconds", "lower", "service", _T,
        "Mean time from an issue's first contact to its final resolution, repeats included, over resolved issues."),
    KPI("frt_s", "seconds", "lower", "service", _T,
        "Messaging and email: mean first response time, from the customer's first message reaching the agents' "
        "queue to the first agent reply (slot wait and attention wait included), over contacts that got one."),
    KPI("response_time_s", "seconds", "lower", "service", _T,
        "Messaging and email: mean time from each customer message to the agent's next reply (after parking "
        "included), over customer messages that got an agent reply."),
    KPI("response_sl", "share", "higher", "service", _S,
        "Messaging and email: share of customer messages to agents answered within the channel's "
        "service_level_target_s (messages never answered count as missed)."),
    KPI("slot_wait_s", "seconds", "lower", "service", _T,
        "Messaging and email: mean wait from joining the agents' queue to holding a slot, over contacts that got one."),
    KPI("occupancy", "share", "unranked", "staffing", _S,
        "Busy agent attention ÷ agent time on the floor (staffed + overtime finishing work after a shift)."),
    KPI("slot_utilisation", "share", "unranked", "staffing", _S,
        "Slots held ÷ slots staffed (agents on the floor × concurrency), by pool; a pool near 100 % with low "
        "occupancy starves new conversations of slots."),
    KPI("fte", "hours", "unranked", "staffing", _H,
        "Paid hours ÷ hours per FTE a week (agents.hours_per_fte), scaled to the measured period.", model=True),
    KPI("csat", "score", "higher", "quality", _Q, "Mean survey score (1–5) of the customers who answered the survey.",
        model=True),
    KPI("csat_pct", "share", "higher", "quality", _S, "Share of survey answers scoring 4 or 5.", model=True),
    KPI("messages", "count", "unranked", "volume", _C, "Messages sent either way."),
    KPI("sms_segments", "count", "unranked", "volume", _C, "SMS segments of messages on the SMS channel.", model=True),
)

BY_KEY: dict[str, KPI] = {k.key: k for k in KPIS}
KPI_KEYS: tuple[str, ...] = tuple(BY_KEY)
DIRECTION: dict[str, int] = {k.key: k.sign for k in KPIS}
#: KPIs with a better direction: those an objective or a ★ may rank.
RANKABLE: tuple[str, ...] = tuple(k.key for k in KPIS if k.sign)
KPI_GROUPS: dict[str, tuple[str, ...]] = {}
for _k in KPIS:
    KPI_GROUPS.setdefault(_k.group, ())
    KPI_GROUPS[_k.group] += (_k.key,)
GROUP_OF: dict[str, str] = {k.key: k.group for k in KPIS}
MODEL_KPIS: tuple[str, ...] = tuple(k.key for k in KPIS if k.model)
SIMULATION_KPIS: tuple[str, ...] = tuple(k.key for k in KPIS if not k.model)


def kind_of(key: str) -> str | None:
    """The kind of a KPI key (or of a breakdown address's last part)."""
    kpi = BY_KEY.get(key.rsplit(".", 1)[-1])
    return kpi.kind if kpi else None
