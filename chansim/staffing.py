"""The smallest staffing that meets service targets, found by simulation.

``find_staffing(scenario, ["voice"], ["service_level>=0.8"])`` answers "how
many agents does the voice pool need?" by simulating candidate headcounts.

Targets
    ``KPI>=VALUE`` or ``KPI<=VALUE`` on any KPI the model measures (see
    :mod:`chansim.metrics`), e.g. ``service_level>=0.8``, ``abandon_rate<=0.05``,
    ``asa_s<=30`` (``%`` is allowed: ``service_level>=80%``). A pool's targets
    are evaluated on the KPIs of the contacts on **the pool's channels**,
    combined over those channels (one service level over every voice and chat
    contact of the pool, not a per-channel average), with the metrics.py
    definitions; ``cost_labor`` is the labor spent on those channels (split by
    agent attention, as ``by_channel`` does) and ``occupancy`` is the pool's.

Convention (conservative)
    A target must hold at the **pessimistic end of the 95 % confidence
    interval** of its mean over replications: ``mean − ci95 ≥ value`` for a
    ``≥`` target, ``mean + ci95 ≤ value`` for a ``≤`` target. A staffing whose
    mean only just meets a target is therefore rejected until the simulation
    is sure of it; more replications (or days) narrow the interval and bring
    the answer closer to the point estimate. At least 2 replications are
    needed. A KPI that is null (nothing to measure) does not meet its target.

Search (one pool, ``headcount``)
    1. Start from an analytic estimate: the pool's offered load in the busiest
       hour (contacts per hour on its channels, from the demand profiles and
       the strategy's channel choice, × the mean handle time; for messaging
       the slot-holding time divided by ``concurrency``, never less than the
       attention load) and Erlang C for the service-level or ASA targets,
       less the agents of other pools that serve only this pool's channels.
       The estimate ignores bots, IVR and repeat contacts: it only sets where
       the simulated search begins.
    2. Simulate that headcount; if it passes, step down (1, 2, 4, ... agents)
       until one fails, otherwise step up the same way until one passes; then
       bisect between the last failing and the first passing headcount. The
       answer N passes and N − 1 was simulated and fails.
    Every candidate is simulated with the scenario's seed, so every candidate
    sees the same customers (common random numbers) and the comparison between
    headcounts is not blurred by different random draws. Every simulation (of
    all replications of one staffing) counts as one evaluation; a staffing is
    never simulated twice.

Several pools
    Pools are searched one after another in the order given; a pool not yet
    searched stays at its scenario value (headcount or schedule), a pool
    already searched at the value found. When pools share a channel (the
    staffing of one changes the KPIs of another) the round is repeated
    (coordinate descent) until a round changes nothing, at most
    :data:`MAX_ROUNDS` rounds. Pools with their own channels are independent
    and one round is exact. The KPIs reported are those of the final staffing
    of every pool, simulated together.

Per hour (``per_hour=True``)
    The result is a 24-value ``schedule`` (agents on shift each hour of the
    day, the same every day). The targets must hold for the contacts arriving
    in each hour of the day (pooled over the simulated days, per replication,
    then the same CI convention per hour; an hour with no contacts has nothing
    to meet, an hour with data in one replication only must meet the target
    with its mean). Method: start from Erlang C per hour (load of that hour on
    the busiest weekday); while some hour fails, add one agent to every failing
    hour and simulate again; then repeatedly try removing one agent from every
    hour not yet known to be minimal, all at once: if every hour still passes
    the cut is kept, otherwise the cut is undone for the hours blamed for the
    failures (a failing hour blames itself if it was cut, else the nearest
    earlier cut hour, whose backlog it inherited), which are then fixed, and
    the remaining cuts are tried again. The final schedule has been simulated
    and passes in every hour. Only contact KPIs can be targeted per hour
    (:data:`HOURLY_KPIS`).
"""

from __future__ import annotations

import math
import re
from concurrent.futures import Executor
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from chansim.analytic import erlang_c_metrics, smallest_agents_for_service_level
from chansim.channels import CHANNELS, channel_kind
from chansim.errors import InputError, Problem
from chansim.experiment import ci95_halfwidth, kpi_options, simulate
from chansim.metrics import KPI_KEYS, NOT_MODELLED, kpis, measured_window, per_row
from chansim.parallel import opener
from chansim.scenario.models import Scenario

__all__ = [
    "STAFF_FILES",
    "check_staff_dir",
    "write_staff_dir",
    "read_staff_dir",
    "Target",
    "parse_target",
    "find_staffing",
    "StaffingResult",
    "PoolStaffing",
    "CONVENTION",
    "HOURLY_KPIS",
    "TARGET_KPIS",
    "MAX_ROUNDS",
    "pool_kpis",
    "contact_kpis_by_group",
]

CONVENTION = (
    "a target holds when it holds at the pessimistic end of the 95 % confidence interval of the mean over "
    "replications: mean - ci95 >= value for >= targets, mean + ci95 <= value for <= targets"
)
#: KPIs a target may name.
TARGET_KPIS: tuple[str, ...] = tuple(k for k in KPI_KEYS if k not in NOT_MODELLED)
#: KPIs a per-hour target may name (those of contacts; costs and occupancy have no arrival hour).
HOURLY_KPIS: tuple[str, ...] = ("contacts", "handled", "abandoned", "aht_s", "asa_s", "service_level",
                                "abandon_rate")
#: Rounds of coordinate descent for pools that share channels.
MAX_ROUNDS = 5
#: Rounds of "add one agent to every failing hour" before giving up (per hour mode).
MAX_HOURLY_UP = 40

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_TARGET = re.compile(rf"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|≥|≤)\s*({_NUMBER})\s*(%?)\s*$")


# ------------------------------------------------------------------ targets
@dataclass(frozen=True)
class Target:
    """``kpi op value``: ``op`` is ``>=`` or ``<=``."""

    kpi: str
    op: str
    value: float

    def __post_init__(self) -> None:
        if self.op not in (">=", "<="):
            raise InputError(Problem("--target", f"operator must be >= or <= (got {self.op!r})"))
        _check_kpi(self.kpi, str(self))

    def __str__(self) -> str:
        return f"{self.kpi}{self.op}{self.value:g}"

    def bound(self, mean: float | None, ci95: float | None) -> float | None:
        """The pessimistic end of the CI: ``mean − ci95`` (≥) or ``mean + ci95`` (≤)."""
        if mean is None or ci95 is None or _isnan(mean) or _isnan(ci95):
            return None
        return mean - ci95 if self.op == ">=" else mean + ci95

    def holds(self, mean: float | None, ci95: float | None) -> bool:
        """Whether the target holds at the pessimistic end of the CI."""
        edge = self.bound(mean, ci95)
        if edge is None:
            return False
        return edge >= self.value if self.op == ">=" else edge <= self.value


def _isnan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _check_kpi(kpi: str, text: str) -> None:
    if kpi in NOT_MODELLED:
        raise InputError(Problem("--target", f"{text!r}: {kpi} is not measured by the current model"))
    if kpi not in KPI_KEYS:
        raise InputError(Problem("--target", f"{text!r}: unknown KPI {kpi!r} (KPIs: {', '.join(TARGET_KPIS)})"))


def parse_target(text: str | Target) -> Target:
    """``"service_level>=0.8"`` → ``Target("service_level", ">=", 0.8)``.

    ``≥``/``≤`` are accepted for ``>=``/``<=`` and a trailing ``%`` divides
    by 100. Bad syntax or an unknown KPI raise :class:`InputError`."""
    if isinstance(text, Target):
        return text
    if not isinstance(text, str):
        raise InputError(Problem("--target", f"{text!r} is not a target like service_level>=0.8"))
    match = _TARGET.match(text)
    if match is None:
        head = re.match(r"^\s*([A-Za-z_][A-Za-z0-9_]*)", text)
        if head is not None:
            _check_kpi(head.group(1), text)
        hint = ""
        rest = text[head.end():].lstrip() if head else text
        if rest[:1] in (">", "<", "=", "!") and rest[:2] not in (">=", "<="):
            hint = " (only >= and <= are supported)"
        elif not rest.strip():
            hint = " (in a shell, quote it: 'service_level>=0.8', or > starts a redirection)"
        raise InputError(
            Problem("--target", f"{text!r} is not KPI>=VALUE or KPI<=VALUE, e.g. service_level>=0.8{hint}")
        )
    kpi, op, number, percent = match.groups()
    op = {"≥": ">=", "≤": "<="}.get(op, op)
    value = float(number) / (100.0 if percent else 1.0)
    if not math.isfinite(value):
        raise InputError(Problem("--target", f"{text!r}: the value must be a finite number"))
    return Target(kpi, op, value)


# ------------------------------------------------------------------ results
@dataclass(frozen=True)
class PoolStaffing:
    """What one pool needs, and its KPIs (over its channels) at that staffing."""

    name: str
    channels: tuple[str, ...]
    headcount: int | None
    schedule: tuple[int, ...] | None
    kpis: dict[str, float | None]
    ci95: dict[str, float | None]
    meets_targets: bool
    by_hour: dict[str, list[float | None]] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.schedule is not None:
            out["schedule"] = list(self.schedule)
        else:
            out["headcount"] = self.headcount
        out.update(channels=list(self.channels), kpis=self.kpis, ci95=self.ci95, meets_targets=self.meets_targets)
        if self.by_hour is not None:
            out["by_hour"] = self.by_hour
        return out


@dataclass
class StaffingResult:
    """What :func:`find_staffing` returns."""

    pools: dict[str, PoolStaffing]
    evaluations: int
    targets: list[Target]
    strategy: str
    replications: int
    seed: int
    per_hour: bool
    rounds: int = 1
    convention: str = CONVENTION

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``chansim staff --format json``."""
        return {
            "pools": {name: p.to_dict() for name, p in self.pools.items()},
            "evaluations": self.evaluations,
            "convention": self.convention,
            "targets": [str(t) for t in self.targets],
            "strategy": self.strategy,
            "replications": self.replications,
            "seed": self.seed,
            "per_hour": self.per_hour,
            "rounds": self.rounds,
        }


# ------------------------------------------------------- KPIs of a pool's channels
def _mean(values: Sequence[float | None]) -> float | None:
    xs = [float(v) for v in values if v is not None and not _isnan(v)]
    return float(sum(xs) / len(xs)) if xs else None


def _summarise(per_rep: list[dict[str, Any]], keys: Sequence[str]) -> tuple[dict, dict]:
    means = {k: _mean([r.get(k) for r in per_rep]) for k in keys}
    cis = {k: ci95_halfwidth([r.get(k) for r in per_rep]) for k in keys}
    return means, cis


def pool_kpis(result, pool: str, channels: Sequence[str]) -> list[dict[str, Any]]:
    """Per replication, every KPI of the contacts on ``channels`` combined, for
    a run of one strategy (``simulate(..., keep_log=True)``).

    Contact KPIs, channel costs, bot cost, messages and CSAT are those of the
    contacts on the channels (metrics.py definitions, applied to them
    together); ``cost_labor`` is the labor those channels took (attention
    split, as ``by_channel``); ``occupancy`` is the pool's own."""
    if result.log is None:
        raise ValueError("pool_kpis needs a run with keep_log=True")
    (strategy,) = [s.name for s in result.strategies]
    resolved = result.scenario.for_strategy(strategy)
    contacts, messages = measured_window(result.log.contacts, result.log.messages, resolved.warmup_s)
    costs, labor = result.costs, result.labor
    channels = list(channels)
    rows = []
    for r in range(result.replications):
        c = contacts[contacts["replication"].to_numpy() == r]
        m = messages[messages["replication"].to_numpy() == r]
        cost = costs[costs["replication"].to_numpy() == r] if len(costs) else costs
        lab = labor[labor["replication"].to_numpy() == r]
        options = kpi_options(resolved, c, r)
        _, by_channel, by_pool = kpis(c, m, lab, cost, **options)
        mine = c["channel"].astype(str).isin(channels).to_numpy()
        m_mine = m["channel"].astype(str).isin(channels).to_numpy() if len(m) else np.zeros(0, dtype=bool)
        cost_mine = cost[cost["channel"].astype(str).isin(channels).to_numpy()] if len(cost) else cost
        if len(channels) == 1 and channels[0] in by_channel:
            overall = dict(by_channel[channels[0]])  # the same computation, already made
        else:
            if options.get("survey") is not None:
                options["survey"] = options["survey"][mine]
            overall, _, _ = kpis(c[mine], m[m_mine], lab, cost_mine, **options)
        labor_cost = float(sum((by_channel.get(ch) or {}).get("cost_labor") or 0.0 for ch in channels))
        resolved_n = int(c[mine]["outcome"].isin(["resolved", "contained"]).sum())
        total = float(overall["cost_channel"] or 0.0) + labor_cost + float(overall["cost_bot"] or 0.0)
        overall.update(
            cost_labor=labor_cost,
            cost_total=total,
            cost_per_contact=total / overall["contacts"] if overall["contacts"] else None,
            cost_per_resolution=total / resolved_n if resolved_n else None,
            occupancy=(by_pool.get(pool) or {}).get("occupancy"),
        )
        rows.append(overall)
    return rows


def contact_kpis_by_group(contacts: pd.DataFrame, group: np.ndarray, groups: int,
                          targets: dict[str, float]) -> dict[str, np.ndarray]:
    """The contact KPIs of :data:`HOURLY_KPIS` for each group ``0..groups-1``
    (vectorised; metrics.py definitions). Undefined values are nan."""
    c = contacts
    g = np.asarray(group, dtype=np.int64)
    outcome = c["outcome"].astype(str).to_numpy()
    answered = c["answer_t"].notna().to_numpy()
    handled = answered & np.isin(outcome, ["resolved", "unresolved"])
    abandoned = outcome == "abandoned"
    wait = c["wait_s"].to_numpy(dtype=float)
    focus = c["focus_s"].to_numpy(dtype=float)
    target = per_row(c["channel"], targets) if len(c) else np.zeros(0)
    offered = c["queued_t"].notna().to_numpy() if "queued_t" in c else np.ones(len(c), dtype=bool)
    has_target = ~np.isnan(target) & offered
    in_time = answered & has_target & (np.nan_to_num(wait, nan=np.inf) <= np.nan_to_num(target, nan=-1.0))

    def count(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        w = mask.astype(float) if weights is None else np.where(mask, weights, 0.0)
        return np.bincount(g, weights=w, minlength=groups)[:groups]

    def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)

    n = count(np.ones(len(c), dtype=bool))
    return {
        "contacts": n,
        "handled": count(handled),
        "abandoned": count(abandoned),
        "aht_s": ratio(count(handled, focus), count(handled)),
        "asa_s": ratio(count(answered, wait), count(answered)),
        "service_level": ratio(count(in_time), count(has_target)),
        "abandon_rate": ratio(count(abandoned), n),
    }


def _hourly_kpis(result, channels: Sequence[str], keys: Sequence[str]) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per hour of day: (mean, ci95, replications with data) of each KPI in ``keys``."""
    (strategy,) = [s.name for s in result.strategies]
    resolved = result.scenario.for_strategy(strategy)
    contacts, _ = measured_window(result.log.contacts, result.log.messages, resolved.warmup_s)
    c = contacts[contacts["channel"].astype(str).isin(list(channels)).to_numpy()]
    reps = result.replications
    hour = (np.floor(c["arrival_t"].to_numpy(dtype=float) / 3600.0).astype(np.int64)) % 24
    group = c["replication"].to_numpy().astype(np.int64) * 24 + hour
    values = contact_kpis_by_group(c, group, reps * 24, resolved.service_level_targets)
    out = {}
    for key in keys:
        table = values[key].reshape(reps, 24)
        if key in ("contacts", "handled", "abandoned"):
            present = values["contacts"].reshape(reps, 24) > 0
            table = np.where(present, table, np.nan)
        means = np.full(24, np.nan)
        cis = np.full(24, np.nan)
        count = np.sum(~np.isnan(table), axis=0)
        for h in range(24):
            col = table[:, h]
            col = col[~np.isnan(col)]
            if col.size:
                means[h] = float(col.mean())
            if col.size >= 2:
                cis[h] = ci95_halfwidth(list(col))
        out[key] = (means, cis, count)
    return out


# ------------------------------------------------------ analytic starting point
def _channel_shares(resolved: Scenario) -> dict[str, float]:
    """Share of contacts on each channel under the (only) strategy of
    ``resolved``: each segment's first preferred channel on offer, then one
    pass of reach → fallback (rough: bots, IVR and repeats are ignored)."""
    offer = resolved.strategies[0].offer
    shares = {ch: 0.0 for ch in CHANNELS}
    total = sum(s.share for s in resolved.demand.segments)
    for seg in resolved.demand.segments:
        pick = next((ch for ch in seg.preference if ch in offer), offer[0])
        share = seg.share / total
        spec = resolved.channels.get(pick)
        reach = 1.0
        if spec is not None:
            reach_for = getattr(spec, "reach_for", None)
            reach = float(reach_for(seg.name)) if reach_for is not None else float(spec.reach)
        shares[pick] += share * reach
        if reach < 1 and spec is not None and spec.fallback is not None:
            shares[spec.fallback] = shares.get(spec.fallback, 0.0) + share * (1.0 - reach)
    return shares


def _work(resolved: Scenario, channel: str, concurrency: int) -> float:
    """Agent-seconds of capacity one contact on ``channel`` takes from a pool (rough)."""
    intents = resolved.demand.intents
    complexity = sum(i.share * i.complexity for i in intents) / sum(i.share for i in intents)
    spec = resolved.channels[channel]
    if channel_kind(channel) == "voice":
        return spec.handle_time.expected * complexity if spec.handle_time is not None else 0.0
    turns = max(spec.turns.expected, 1.0) if spec.turns is not None else 1.0
    attention = turns * (spec.agent_time_per_turn.expected if spec.agent_time_per_turn is not None else 0.0) * complexity
    delay = spec.customer_reply_delay.expected if spec.customer_reply_delay is not None else 0.0
    if spec.park_after is not None:
        delay = min(delay, spec.park_after)
    hold = attention + (turns - 1.0) * delay
    return max(hold / max(concurrency, 1), attention)


def _hourly_load(resolved: Scenario, pool: str) -> tuple[np.ndarray, np.ndarray]:
    """Per hour of day on the busiest simulated weekday: arrival rate (/s) on
    the pool's channels and offered load (Erlangs of agents)."""
    spec = resolved.pool(pool)
    demand = resolved.demand
    week = np.asarray(demand.weekly, dtype=float)
    first = resolved.start_date.weekday()
    days = max(1, math.ceil(resolved.days - 1e-9))
    busiest = max(week[(first + d) % 7] for d in range(min(days, 7))) / week.mean()
    intra = np.asarray(demand.intraday, dtype=float)
    per_hour = demand.contacts_per_day * busiest * intra / intra.sum()  # contacts in each hour of day
    shares = _channel_shares(resolved)
    rate = np.zeros(24)
    load = np.zeros(24)
    for channel in spec.channels:
        lam = per_hour * shares.get(channel, 0.0) / 3600.0
        rate += lam
        load += lam * _work(resolved, channel, spec.concurrency)
    return rate, load


def _erlang_estimate(rate: float, load: float, targets: Sequence[Target], target_s: float | None) -> int:
    """Agents Erlang C suggests for one hour's rate and load (0 if no load)."""
    if rate <= 0 or load <= 0:
        return 0
    n = math.floor(load) + 1
    aht = load / rate
    for t in targets:
        try:
            if t.kpi == "service_level" and t.op == ">=" and target_s is not None and t.value > 0:
                raw, _ = smallest_agents_for_service_level(rate, aht, target_s, min(t.value, 0.999))
                n = max(n, raw)
            elif t.kpi == "asa_s" and t.op == "<=":
                m = n
                while m < n + 1000:
                    metrics = erlang_c_metrics(m, rate, aht, target_s or 0.0)
                    if metrics.steady_state and metrics.asa_s is not None and metrics.asa_s <= t.value:
                        break
                    m += 1
                n = max(n, m)
        except (ValueError, OverflowError):  # a rough start: never fatal
            continue
    return n


# ----------------------------------------------------------------- the search
class _Evaluator:
    """Simulates staffings (each once) and measures the searched pools."""

    def __init__(self, resolved: Scenario, strategy: str, pools: dict[str, tuple[str, ...]],
                 replications: int, pool_for: Callable[[int], Executor], per_hour: bool, hourly_keys: Sequence[str],
                 progress: Callable[[int, str], None] | None):
        self.resolved = resolved
        self.strategy = strategy
        self.pools = pools
        self.replications = replications
        self.pool_for = pool_for  # opens the executor on the first simulation, kept for the whole search
        self.pool: Executor | None = None
        self.per_hour = per_hour
        self.hourly_keys = list(hourly_keys)
        self.progress = progress
        self.cache: dict[tuple, dict[str, Any]] = {}
        self.count = 0

    def __call__(self, state: dict[str, int | tuple[int, ...]]) -> dict[str, Any]:
        key = tuple(sorted(state.items()))
        if key in self.cache:
            return self.cache[key]
        overrides: dict[str, Any] = {}
        for pool, value in state.items():
            if isinstance(value, tuple):
                overrides[f"agents.pools.{pool}.schedule"] = list(value)
                overrides[f"agents.pools.{pool}.headcount"] = None
            else:
                overrides[f"agents.pools.{pool}.headcount"] = int(value)
                overrides[f"agents.pools.{pool}.schedule"] = None
        scenario = self.resolved.with_overrides(overrides)
        if self.pool is None:
            self.pool = self.pool_for(self.replications)
        result = simulate(scenario, [self.strategy], self.replications, executor=self.pool, log="messages")
        self.count += 1
        measured: dict[str, Any] = {}
        for pool, channels in self.pools.items():
            per_rep = pool_kpis(result, pool, channels)
            means, cis = _summarise(per_rep, KPI_KEYS)
            entry: dict[str, Any] = {"kpis": means, "ci95": cis}
            if self.per_hour:
                entry["hourly"] = _hourly_kpis(result, channels, self.hourly_keys)
            measured[pool] = entry
        self.cache[key] = measured
        if self.progress is not None:
            shown = ", ".join(f"{p}={list(v) if isinstance(v, tuple) else v}" for p, v in state.items())
            self.progress(self.count, shown)
        return measured


def _passes(entry: dict[str, Any], targets: Sequence[Target]) -> bool:
    return all(t.holds(entry["kpis"][t.kpi], entry["ci95"][t.kpi]) for t in targets)


def _hour_passes(entry: dict[str, Any], targets: Sequence[Target], hour: int) -> bool:
    for t in targets:
        means, cis, count = entry["hourly"][t.kpi]
        mean = means[hour]
        if math.isnan(mean):
            continue  # nothing arrived in this hour: nothing to meet
        ci = 0.0 if count[hour] < 2 else cis[hour]
        if not t.holds(float(mean), float(ci)):
            return False
    return True


def _search_headcount(passes: Callable[[int], bool], start: int, floor: int, cap: int, pool: str,
                      targets: Sequence[Target]) -> int:
    """Smallest N in [floor, cap] that passes, assuming more agents never hurt:
    gallop from ``start`` then bisect. N passes and N − 1 (if ≥ floor) failed."""
    seen: dict[int, bool] = {}

    def ok(n: int) -> bool:
        if n not in seen:
            seen[n] = passes(n)
        return seen[n]

    start = min(max(start, floor), cap)
    if ok(start):
        hi, lo, step = start, None, 1
        while hi > floor:
            candidate = max(hi - step, floor)
            if ok(candidate):
                hi, step = candidate, step * 2
            else:
                lo = candidate
                break
        if lo is None:
            return hi
    else:
        lo, hi, step = start, None, 1
        while hi is None:
            if lo >= cap:
                raise InputError(Problem(
                    "--target",
                    f"pool {pool!r}: no headcount up to {cap} meets {', '.join(map(str, targets))} "
                    f"(under the convention: {CONVENTION})",
                ))
            candidate = min(lo + step, cap)
            if ok(candidate):
                hi = candidate
            else:
                lo, step = candidate, step * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def _search_schedule(evaluate: Callable[[tuple[int, ...]], dict[str, Any]], start: list[int], floor: list[int],
                     targets: Sequence[Target], pool: str) -> tuple[int, ...]:
    """Per-hour search (module docstring): up until every hour passes, then cut."""
    schedule = [max(s, f) for s, f in zip(start, floor)]
    for _ in range(MAX_HOURLY_UP):
        entry = evaluate(tuple(schedule))
        failing = [h for h in range(24) if not _hour_passes(entry, targets, h)]
        if not failing:
            break
        for h in failing:
            schedule[h] += 1
    else:
        raise InputError(Problem(
            "--target",
            f"pool {pool!r}: no schedule found meeting {', '.join(map(str, targets))} in every hour after "
            f"{MAX_HOURLY_UP} rounds of adding agents (hours still failing: {failing})",
        ))
    fixed: set[int] = set()
    while True:
        cuts = [h for h in range(24) if h not in fixed and schedule[h] > floor[h]]
        if not cuts:
            return tuple(schedule)
        trial = list(schedule)
        for h in cuts:
            trial[h] -= 1
        entry = evaluate(tuple(trial))
        failing = [h for h in range(24) if not _hour_passes(entry, targets, h)]
        if not failing:
            schedule = trial
            continue
        cut = set(cuts)
        for h in failing:
            blamed = next(((h - back) % 24 for back in range(24) if (h - back) % 24 in cut), None)
            if blamed is not None:
                fixed.add(blamed)


def find_staffing(
    scenario: Scenario,
    pools: Sequence[str],
    targets: Sequence[Target | str],
    *,
    strategy: str | None = None,
    per_hour: bool = False,
    replications: int | None = None,
    workers: int | None = None,
    executor: str | Executor = "processes",
    scheduler: str | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> StaffingResult:
    """The smallest headcount (or per-hour ``schedule``) of each pool in
    ``pools`` meeting every target on the pool's channels, by simulation.

    See the module docstring for the target convention (pessimistic end of
    the 95 % CI), the search, several pools and ``per_hour``. ``strategy``
    defaults to the scenario's first strategy; its ``set`` is applied first,
    then the candidate staffing. ``progress(evaluations, staffing)`` is called
    after each simulation. Raises :class:`InputError` for an unknown pool or
    strategy, a bad target, fewer than 2 replications, or targets no staffing
    within reach meets. ``workers``, ``executor`` and ``scheduler`` are
    those of :func:`chansim.simulate`; the executor is opened once for the
    whole search."""
    with ExitStack() as stack:
        pool_for = opener(stack, workers, executor, scheduler)
        return _find_staffing(scenario, pools, targets, strategy=strategy, per_hour=per_hour,
                              replications=replications, pool_for=pool_for, progress=progress)


def _find_staffing(scenario: Scenario, pools: Sequence[str], targets: Sequence[Target | str], *, strategy: str | None,
                   per_hour: bool, replications: int | None, pool_for: Callable[[int], Executor],
                   progress: Callable[[int, str], None] | None) -> StaffingResult:
    parsed = [parse_target(t) for t in targets]
    if not parsed:
        raise InputError(Problem("--target", "give at least one target, e.g. service_level>=0.8"))
    names = list(pools)
    if not names:
        raise InputError(Problem("--pool", "give at least one pool to staff"))
    strategy = strategy if strategy is not None else scenario.strategy_names[0]
    if strategy not in scenario.strategy_names:
        raise InputError(Problem("--strategy", f"no strategy named {strategy!r} (have: {', '.join(scenario.strategy_names)})"))
    resolved = scenario.for_strategy(strategy)
    known = [p.name for p in resolved.agents.pools]
    problems = [Problem("--pool", f"no pool named {n!r} (have: {', '.join(known)})") for n in names if n not in known]
    problems += [Problem("--pool", f"pool {n!r} is named twice") for i, n in enumerate(names) if n in names[:i]]
    if problems:
        raise InputError(problems)
    reps = resolved.replications if replications is None else int(replications)
    if reps < 2:
        raise InputError(Problem("--replications", f"need at least 2 replications for a confidence interval (got {reps})"))
    if per_hour:
        bad = sorted({t.kpi for t in parsed if t.kpi not in HOURLY_KPIS})
        if bad:
            raise InputError(Problem("--target", f"per-hour targets can name only contact KPIs "
                                     f"({', '.join(HOURLY_KPIS)}); not {', '.join(bad)}"))

    channels = {n: tuple(resolved.pool(n).channels) for n in names}
    rates, loads = {}, {}
    for n in names:
        try:
            rates[n], loads[n] = _hourly_load(resolved, n)
        except (AttributeError, TypeError, KeyError, ValueError, ZeroDivisionError):
            # the estimate is only a starting point: if the scenario uses something it does not
            # understand, start from one agent in every hour with demand and let the search climb
            weights = np.asarray(resolved.demand.intraday, dtype=float)
            rates[n], loads[n] = (weights > 0).astype(float), np.zeros(24)
        if rates[n].sum() <= 0:
            raise InputError(Problem("--pool", f"pool {n!r} serves {', '.join(channels[n])}, which get no contacts "
                                     f"under strategy {strategy!r}: nothing to staff"))
    evaluate = _Evaluator(resolved, strategy, channels, reps, pool_for, per_hour,
                          sorted({t.kpi for t in parsed}), progress)

    state: dict[str, int | tuple[int, ...]] = {}
    for n in names:
        spec = resolved.pool(n)
        state[n] = tuple(spec.schedule) if spec.schedule is not None else int(spec.headcount)
    coupled = _coupled(resolved, names)

    def target_s(n: str) -> float | None:
        ts = [resolved.channels[ch].service_level_target_s for ch in channels[n]
              if resolved.channels[ch].service_level_target_s is not None]
        return min(ts) if ts else None

    def helpers(n: str, hour: int) -> int:
        """Agents of other pools that serve only channels of pool ``n`` (they
        take part of its load), at ``hour`` as currently staffed."""
        mine = set(channels[n])
        total = 0
        for p in resolved.agents.pools:
            if p.name != n and set(p.channels) <= mine:
                value = state.get(p.name, tuple(p.schedule) if p.schedule is not None else p.headcount)
                total += int(value[hour] if isinstance(value, tuple) else value)  # type: ignore[index,arg-type]
        return total

    searched: set[str] = set()
    rounds = 0
    for rounds in range(1, MAX_ROUNDS + 1):
        changed = False
        for n in names:
            if per_hour:
                if n in searched:
                    start = list(state[n])  # type: ignore[arg-type]
                else:
                    start = [max(_erlang_estimate(r, a, parsed, target_s(n)) - helpers(n, h), 0)
                             for h, (r, a) in enumerate(zip(rates[n], loads[n]))]
                floor = [1 if r > 0 else 0 for r in rates[n]]

                def run(schedule: tuple[int, ...], n: str = n) -> dict[str, Any]:
                    return evaluate({**state, n: schedule})[n]

                found: int | tuple[int, ...] = _search_schedule(run, start, floor, parsed, n)
            else:
                peak = int(np.argmax(loads[n]))
                estimate = _erlang_estimate(float(rates[n][peak]), float(loads[n][peak]), parsed, target_s(n))
                estimate = max(estimate - helpers(n, peak), 1)
                start = int(state[n]) if n in searched else estimate  # type: ignore[arg-type]
                cap = max(4 * (math.floor(float(loads[n].max())) + 1), start + 50) if loads[n].max() > 0 else 2000

                def passes(count: int, n: str = n) -> bool:
                    return _passes(evaluate({**state, n: count})[n], parsed)

                found = _search_headcount(passes, start, 1, cap, n, parsed)
            changed |= found != state[n]
            state[n] = found
            searched.add(n)
        if not coupled or not changed:
            break

    final = evaluate(dict(state))
    out = {}
    for n in names:
        entry = final[n]
        value = state[n]
        by_hour = None
        if per_hour:
            ok = all(_hour_passes(entry, parsed, h) for h in range(24))
            by_hour = {}
            for key in sorted({t.kpi for t in parsed}):
                means, cis, _ = entry["hourly"][key]
                by_hour[key] = [None if math.isnan(v) else float(v) for v in means]
                by_hour[f"{key}_ci95"] = [None if math.isnan(v) else float(v) for v in cis]
        else:
            ok = _passes(entry, parsed)
        out[n] = PoolStaffing(
            name=n,
            channels=channels[n],
            headcount=None if isinstance(value, tuple) else int(value),
            schedule=tuple(int(v) for v in value) if isinstance(value, tuple) else None,
            kpis=entry["kpis"],
            ci95=entry["ci95"],
            meets_targets=ok,
            by_hour=by_hour,
        )
    return StaffingResult(
        pools=out,
        evaluations=evaluate.count,
        targets=parsed,
        strategy=strategy,
        replications=reps,
        seed=resolved.seed,
        per_hour=per_hour,
        rounds=rounds,
    )


def _coupled(resolved: Scenario, names: Sequence[str]) -> bool:
    """Whether any searched pool shares a channel with another pool (so its
    staffing changes another pool's KPIs)."""
    for n in names:
        mine = set(resolved.pool(n).channels)
        if any(p.name != n and mine & set(p.channels) for p in resolved.agents.pools):
            return True
    return False


# ------------------------------------------------------------------ --out DIR
#: Files in a ``chansim staff --out`` directory; the first marks an earlier one (safe to replace).
STAFF_FILES = ("staffing.json", "scenario.yaml", "report.html")


def check_staff_dir(out) -> None:
    """Refuse early (before searching) an ``--out`` we could not write."""
    from chansim import outdir

    outdir.check_out_dir(out, STAFF_FILES[0], "chansim staffing result")


def write_staff_dir(result: StaffingResult, scenario: Scenario, out):
    """Write ``staffing.json`` (the ``--format json`` document), the
    scenario searched (``scenario.yaml``) and ``report.html`` into ``out``, whole or not at all (see :mod:`chansim.outdir`)."""
    import json
    from pathlib import Path

    import yaml

    from chansim import outdir
    from chansim.report import jsonable
    from chansim.report.study_pages import render_staff_report

    with outdir.staged_dir(out, STAFF_FILES[0], "chansim staffing result") as folder:
        (folder / "staffing.json").write_text(json.dumps(jsonable(result.to_dict()), indent=2, allow_nan=False) + "\n",
                                              encoding="utf-8")
        (folder / "scenario.yaml").write_text(
            yaml.safe_dump(jsonable(scenario.to_dict()), sort_keys=False, allow_unicode=True), encoding="utf-8")
        (folder / "report.html").write_text(render_staff_report(result, scenario), encoding="utf-8")
    return Path(out)


def read_staff_dir(folder) -> tuple[StaffingResult, Scenario]:
    """The staffing result and scenario stored by :func:`write_staff_dir`."""
    import json
    from pathlib import Path

    import yaml

    folder = Path(folder)
    doc = json.loads((folder / "staffing.json").read_text(encoding="utf-8"))
    scenario = Scenario.model_validate(yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8")))
    pools = {name: PoolStaffing(name, tuple(p.get("channels", ())), p.get("headcount"),
                                tuple(p["schedule"]) if p.get("schedule") is not None else None,
                                dict(p.get("kpis") or {}), dict(p.get("ci95") or {}), bool(p.get("meets_targets")),
                                p.get("by_hour"))
             for name, p in doc.get("pools", {}).items()}
    result = StaffingResult(pools, int(doc.get("evaluations", 0)), [parse_target(t) for t in doc.get("targets", [])],
                            str(doc.get("strategy", "")), int(doc.get("replications", 0)), int(doc.get("seed", 0)),
                            bool(doc.get("per_hour")), int(doc.get("rounds", 1)), str(doc.get("convention", CONVENTION)))
    return result, scenario
