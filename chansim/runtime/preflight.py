"""Everything checked before simulating, the same for ``validate`` and ``run``.

:func:`prepare` loads a scenario (every field and cross-field rule, see
:mod:`chansim.scenario`), then checks what only running would otherwise find:

* **pricing**: every channel a strategy can use has a rate card in force for
  the market on the pricing date, the rate-card file reads and is well
  formed, and each card's currency has an exchange rate. Problems keep the
  scenario file, the field path and its line.
* **size**: the estimated memory of one replication (:func:`estimate_bytes`),
  times the replications simulated at once, against the memory available.
* **plausibility**: figures a planner would read as a unit slip (a voice
  handle time of 7 seconds, a service-level target of 0.33 s); warnings
  unless ``strict``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from chansim.errors import InputError, Problem
from chansim.scenario.loader import locate, read_scenario
from chansim.scenario.models import Scenario
from chansim.scenario.paths import line_of
from chansim.scenario.reading import read_text
from chansim.scenario.yamlfile import MAX_BYTES

__all__ = ["Prepared", "prepare", "pricing_problems", "estimate_bytes", "available_bytes", "size_problems",
           "plausibility_warnings", "BYTES_PER_CONTACT", "BYTES_PER_MESSAGE", "BYTES_PER_SLOT", "MEMORY_SHARE"]

#: Bytes one contact takes while a replication runs (plan arrays, log row, KPIs), measured roughly.
BYTES_PER_CONTACT = 400
#: Bytes one message takes (plan arrays and its log row).
BYTES_PER_MESSAGE = 120
#: Bytes one agent slot takes (pool bookkeeping).
BYTES_PER_SLOT = 200
#: Share of the available memory a run may plan to use.
MEMORY_SHARE = 0.8


@dataclass(frozen=True)
class Prepared:
    """A scenario ready to simulate, and the warnings found on the way."""

    scenario: Scenario
    warnings: list[Problem] = field(default_factory=list)


def _located(problems: Iterable[Problem], lines: Mapping[tuple, int]) -> list[Problem]:
    """Each problem with the line of its path (a path may end in "(strategies: ...)")."""
    placed = [p if p.line is not None else Problem(p.path, p.message, line_of(lines, p.path.split(" ")[0]))
              for p in problems]
    return locate(placed, dict(lines))  # a value from an override is said to be one


def _in_card(problem: Problem, card: str) -> Problem:
    """A problem inside a rate-card file, under ``pricing.rate_card``, naming the file and its line there."""
    where = f"{card}, line {problem.line}" if problem.line is not None else card
    what = f"{problem.path}: {problem.message}" if problem.path else problem.message
    return Problem("pricing.rate_card", f"{where}: {what}")


#: Top-level keys of a scenario file: a pricing problem found at one keeps its own path.
_SCENARIO_KEYS = frozenset(Scenario.model_fields)


def pricing_problems(scenario: Scenario, lines: Mapping[tuple, int] | None = None) -> list[Problem]:
    """What stops pricing any strategy, located in the scenario file. A
    problem inside the rate-card file is reported under
    ``pricing.rate_card`` naming that file."""
    from chansim.billing.price import check_scenario
    from chansim.billing.ratecard import load_card_file

    card = scenario.pricing.rate_card
    if card is not None:
        try:
            read_text(card, what="rate card file", limit_bytes=MAX_BYTES)  # not /dev/zero, not 2 GB
            load_card_file(card)
        except InputError as exc:  # inside the file, or the file itself: name it with the line in it
            return _located([_in_card(p, exc.source or card) if exc.source or not p.path else p
                             for p in exc.problems], lines or {})
    try:
        check_scenario(scenario, lines=dict(lines) if lines else None)
    except InputError as exc:
        if exc.source is not None:  # inside the rate-card file
            return _located([_in_card(p, exc.source) for p in exc.problems], lines or {})
        card = scenario.pricing.rate_card
        return _located([
            _in_card(p, card) if not p.path and card is not None
            else Problem(p.path if not p.path or p.path.split(".")[0].split("[")[0] in _SCENARIO_KEYS
                         else f"pricing.{p.path}", p.message, p.line)
            for p in exc.problems], lines or {})
    return []


def _turns(spec) -> float:
    return max(1.0, spec.turns.expected) if spec.turns is not None else 1.0


def estimate_bytes(scenario: Scenario) -> int:
    """Memory one replication of ``scenario`` needs, at most over its strategies:

    ``contacts = days × (contacts_per_day + Σ campaign per_day)``,
    ``messages = contacts × (2 × the largest mean turns + 1)``,
    ``slots = Σ pools (largest headcount or schedule value, or every shift's agents) × concurrency``,
    ``bytes = contacts × BYTES_PER_CONTACT + messages × BYTES_PER_MESSAGE + slots × BYTES_PER_SLOT``.
    """
    most = 0.0
    for name in scenario.strategy_names:
        s = scenario.for_strategy(name)
        campaigns = sum(c.per_day for c in s.strategies[0].campaigns)
        contacts = s.days * (s.demand.contacts_per_day + campaigns)
        turns = max((_turns(spec) for spec in s.channels.values()), default=1.0)
        messages = contacts * (2 * turns + 1)
        slots = sum(_peak_agents(p) * p.concurrency for p in s.agents.pools)
        most = max(most, contacts * BYTES_PER_CONTACT + messages * BYTES_PER_MESSAGE + slots * BYTES_PER_SLOT)
    return int(min(most, 2**62))


def _peak_agents(pool) -> float:
    """The most agents a pool can have on the floor (an upper bound for shifts:
    every shift's agents at once)."""
    if pool.headcount is not None:
        return float(pool.headcount)
    if pool.schedule is not None:
        days = pool.schedule.values() if isinstance(pool.schedule, dict) else [pool.schedule]
        return float(max((max(day) for day in days if len(day)), default=0))
    return float(sum(shift.agents or 0 for shift in (getattr(pool, "shifts", None) or [])))


def available_bytes() -> int | None:
    """Memory this process may still use, None if unknown: the smallest of the
    host's available memory (Linux ``MemAvailable``), the room left under its
    ``RLIMIT_AS``/``RLIMIT_DATA`` and under its control group's memory limit
    (see :mod:`chansim.runtime.memory`)."""
    from chansim.runtime.memory import memory_room

    room = memory_room()
    return None if room is None else room[0]


def _gb(n: float) -> str:
    return f"{n / 1e9:,.1f} GB" if n >= 1e8 else f"{n / 1e6:,.0f} MB"


def size_problems(scenario: Scenario, *, at_once: int = 1, available: int | None = None) -> list[Problem]:
    """A problem when ``at_once`` replications cannot fit in memory
    (``available``: by default :func:`available_bytes`, of which a run may
    plan to use :data:`MEMORY_SHARE`)."""
    where = ""
    if available is None:
        from chansim.runtime.memory import memory_room

        available, where = memory_room() or (None, "")
    need = estimate_bytes(scenario) * max(1, at_once)
    if available is None or need <= MEMORY_SHARE * available:
        return []
    return [Problem("", f"too large to simulate: about {_gb(need)} of memory needed "
                    f"({_gb(need / max(1, at_once))} per replication × {max(1, at_once)} at once), "
                    f"{_gb(available)} available{' ' + where if where else ''}; "
                    "lower demand.contacts_per_day, days, turns or headcount, "
                    "use fewer --workers, or pass --no-size-check to try anyway")]


# ------------------------------------------------------------ plausibility
def _time_warnings(path: str, dist, low: float, high: float, what: str) -> list[Problem]:
    if dist is None:
        return []
    mean = dist.expected
    if mean < low:
        return [Problem(path, f"a mean {what} of {mean:g} s is very short; times are in seconds "
                        f"(did you mean {mean:g} minutes = {mean * 60:g} s?)")]
    if mean > high:
        return [Problem(path, f"a mean {what} of {mean:g} s ({mean / 3600:.1f} h) is very long; times are in seconds")]
    return []


def plausibility_warnings(scenario: Scenario) -> list[Problem]:
    """Figures that are allowed but look like a unit slip, each naming its field."""
    found: list[Problem] = []
    for name, ch in scenario.channels.items():
        where = f"channels.{name}"
        found += _time_warnings(f"{where}.handle_time", ch.handle_time, 30, 7200, "handle time")
        found += _time_warnings(f"{where}.agent_time_per_turn", ch.agent_time_per_turn, 3, 7200, "time per reply")
        found += _time_warnings(f"{where}.patience", ch.patience, 10, 30 * 86_400, "patience")
        target = ch.service_level_target_s
        if target is not None and target < 5:
            found.append(Problem(f"{where}.service_level_target_s",
                                 f"a target of {target:g} s is under 5 s; targets are in seconds"))
    if scenario.agents.shrinkage > 0.7:
        found.append(Problem("agents.shrinkage", f"{scenario.agents.shrinkage:g} of paid time off shift is very high "
                             "(shrinkage is a share: 0.30 = 30 %)"))
    for i, pool in enumerate(scenario.agents.pools):
        if pool.cost_per_hour > 1000:
            found.append(Problem(f"agents.pools[{i}].cost_per_hour",
                                 f"{pool.cost_per_hour:g} an hour per agent is very high (is it per month or year?)"))
    return found


def prepare(
    source: str | Path | Mapping[str, Any] | Scenario,
    overrides: Iterable[str] | Mapping[str, Any] = (),
    *,
    strict: bool = False,
    size_check: bool = True,
    at_once: int = 1,
) -> Prepared:
    """Load ``source`` and run every check ``run`` makes before simulating.
    Raises :class:`InputError` with every problem (the warnings too when
    ``strict``)."""
    scenario, lines = read_scenario(source, overrides)
    label = str(source) if isinstance(source, (str, Path)) else None
    from chansim.kpis.decision import decision_problems  # the KPI table loads pandas: only when checking a scenario

    problems = pricing_problems(scenario, lines) + _located(decision_problems(scenario.decision), lines)
    warnings = _located(plausibility_warnings(scenario), lines)
    if strict:
        problems += [Problem(p.path, f"{p.message} (an error with --strict)", p.line) for p in warnings]
        warnings = []
    if size_check and not problems:
        problems += size_problems(scenario, at_once=at_once)
    if problems:
        raise InputError(problems, source=label)
    return Prepared(scenario, warnings)
