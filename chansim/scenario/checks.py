"""Cross-field rules of a scenario, one small named function each.

Each takes a validated :class:`~chansim.scenario.models.Scenario` and returns
the problems it finds (empty when the rule holds), with the path in the file.
"""

from __future__ import annotations

from collections import Counter
import math
from typing import TYPE_CHECKING, Any, Callable

from chansim.scenario.channels import channel_kind
from chansim.errors import Problem
from chansim.scenario.profiles import profile_problems
from chansim.scenario.rosters import roster_problems
from chansim.scenario.hours import hours_problems
from chansim.scenario.plan_checks import plan_problems

if TYPE_CHECKING:  # pragma: no cover
    from chansim.scenario.models import Scenario

__all__ = ["CHECKS", "run_checks", "share_problems_in_data", "name_problems_in_data", "SHARE_TOLERANCE"]

#: Shares may sum to 1 within this much (0.3333 × 3); the loader scales them to sum to 1.
SHARE_TOLERANCE = 1e-3


def shares_sum_to_one(s: "Scenario") -> list[Problem]:
    problems = []
    for field in ("segments", "intents"):
        total = sum(item.share for item in getattr(s.demand, field))
        if abs(total - 1.0) > SHARE_TOLERANCE:
            problems.append(Problem(f"demand.{field}", f"shares must sum to 1 (they sum to {total:.6g})"))
    return problems


def share_problems_in_data(data: Any) -> list[Problem]:
    """:func:`shares_sum_to_one` on plain data, for a file whose fields are
    not all valid yet (so typos and share errors are reported together).
    Lists it cannot read yet (a share that is not a number) are skipped."""
    demand = data.get("demand") if isinstance(data, dict) else None
    if not isinstance(demand, dict):
        return []
    problems = []
    for field in ("segments", "intents"):
        items = demand.get(field)
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
            continue
        shares = [i.get("share") for i in items]
        if not all(isinstance(s, (int, float)) and not isinstance(s, bool) and math.isfinite(s) for s in shares):
            continue
        total = sum(shares)
        if abs(total - 1.0) > SHARE_TOLERANCE:
            problems.append(Problem(f"demand.{field}", f"shares must sum to 1 (they sum to {total:.6g})"))
    return problems


def name_problems_in_data(data: Any) -> list[Problem]:
    """:func:`names_are_unique` on plain data (see :func:`share_problems_in_data`)."""
    if not isinstance(data, dict):
        return []
    groups = {"agents.pools": (data.get("agents") or {}, "pools"), "strategies": (data, "strategies"),
              "demand.segments": (data.get("demand") or {}, "segments"),
              "demand.intents": (data.get("demand") or {}, "intents")}
    problems = []
    for path, (parent, key) in groups.items():
        items = parent.get(key) if isinstance(parent, dict) else None
        if not isinstance(items, list):
            continue
        names = [item.get("name") if isinstance(item, dict) else None for item in items]
        for index, name in enumerate(names):
            if isinstance(name, str) and names.index(name) != index:
                problems.append(Problem(f"{path}[{index}].name", f"{name!r} is used twice; names must be unique"))
    return problems


def names_are_unique(s: "Scenario") -> list[Problem]:
    problems = []
    groups = {
        "agents.pools": s.agents.pools,
        "strategies": s.strategies,
        "demand.segments": s.demand.segments,
        "demand.intents": s.demand.intents,
    }
    for path, items in groups.items():
        counts = Counter(item.name for item in items)
        for index, item in enumerate(items):
            if counts[item.name] > 1 and [i.name for i in items].index(item.name) != index:
                problems.append(Problem(f"{path}[{index}].name", f"{item.name!r} is used twice; names must be unique"))
    return problems


def channels_are_defined(s: "Scenario") -> list[Problem]:
    defined = set(s.channels)
    problems = []

    def need(path: str, channel: str) -> None:
        if channel not in defined:
            problems.append(
                Problem(path, f"channel {channel!r} is not defined under 'channels' (defined: {', '.join(s.channels)})")
            )

    for i, seg in enumerate(s.demand.segments):
        for j, ch in enumerate(seg.preference):
            need(f"demand.segments[{i}].preference[{j}]", ch)
    for i, strategy in enumerate(s.strategies):
        for j, ch in enumerate(strategy.offer):
            need(f"strategies[{i}].offer[{j}]", ch)
    for i, pool in enumerate(s.agents.pools):
        for j, ch in enumerate(pool.channels):
            need(f"agents.pools[{i}].channels[{j}]", ch)
    for ch in s.pricing.fees:
        need(f"pricing.fees.{ch}", ch)
    for name, channel in s.channels.items():
        if channel.fallback is not None:
            need(f"channels.{name}.fallback", channel.fallback)
            if channel.fallback == name:
                problems.append(Problem(f"channels.{name}.fallback", "a channel cannot fall back to itself"))
    return problems


def channel_settings_fit_kind(s: "Scenario") -> list[Problem]:
    problems = []
    for name, ch in s.channels.items():
        kind = channel_kind(name)
        if kind == "voice":
            if ch.handle_time is None:
                problems.append(Problem(f"channels.{name}.handle_time", "required for voice"))
            for key in ("turns", "agent_time_per_turn", "customer_reply_delay", "park_after"):
                if getattr(ch, key) is not None:
                    problems.append(Problem(f"channels.{name}.{key}", "does not apply to voice (use handle_time)"))
        else:
            if ch.agent_time_per_turn is None:
                problems.append(Problem(f"channels.{name}.agent_time_per_turn", f"required for {kind}"))
            if ch.handle_time is not None:
                problems.append(
                    Problem(f"channels.{name}.handle_time", f"does not apply to {kind} (use agent_time_per_turn)")
                )
            multi_turn = ch.turns is not None and not (ch.turns.dist == "fixed" and ch.turns.value <= 1)
            if multi_turn and ch.customer_reply_delay is None:
                problems.append(
                    Problem(f"channels.{name}.customer_reply_delay", "required when a conversation has several turns")
                )
        if kind == "email" and ch.patience is not None:
            problems.append(Problem(f"channels.{name}.patience", "email is deferred work: customers do not abandon"))
        if isinstance(ch.reach, dict):
            segments = {seg.name for seg in s.demand.segments}
            for key in ch.reach:
                if key not in segments:
                    problems.append(Problem(f"channels.{name}.reach.{key}", f"no segment named {key!r}"))
        if ch.escalate_to_voice is not None:
            if kind != "messaging":
                problems.append(Problem(f"channels.{name}.escalate_to_voice", "only messaging conversations switch to voice"))
            elif "voice" not in s.channels:
                problems.append(Problem(f"channels.{name}.escalate_to_voice", "needs a 'voice' channel under 'channels'"))
    return problems


def strategy_features_fit(s: "Scenario") -> list[Problem]:
    """Bots, IVR deflection and campaigns name channels, intents and segments that exist."""
    problems = []
    intents = {i.name for i in s.demand.intents}
    segments = {seg.name for seg in s.demand.segments}

    def channel(path: str, name: str, kind: str | None = None) -> None:
        if name not in s.channels:
            problems.append(Problem(path, f"channel {name!r} is not defined under 'channels'"))
        elif kind is not None and channel_kind(name) != kind:
            problems.append(Problem(path, f"{name!r} is not a {kind} channel"))

    bots = [("bot", s.bot, None)] + [(f"strategies[{i}].bot", st.bot, set(st.offer))
                                            for i, st in enumerate(s.strategies)]
    for path, bot, offered in bots:
        if bot is not None:
            for j, ch in enumerate(bot.channels):
                if channel_kind(ch) != "voice":  # a voice AI agent answers calls
                    channel(f"{path}.channels[{j}]", ch, "messaging")
                elif ch not in s.channels:
                    channel(f"{path}.channels[{j}]", ch)
            problems.extend(_bot_fields_problems(path, bot, offered, intents, set(s.channels)))
    for i, st in enumerate(s.strategies):
        if st.ivr_deflection is not None:
            ivr = st.ivr_deflection
            channel(f"strategies[{i}].ivr_deflection.to", ivr.to, "messaging")
            if ivr.to in s.channels and ivr.to not in st.offer:
                problems.append(Problem(f"strategies[{i}].ivr_deflection.to",
                                        f"{ivr.to!r} is not offered by strategy {st.name!r}: deflected callers would "
                                        f"continue on a channel it does not offer (add it to strategies[{i}].offer)"))
            if "voice" not in st.offer:
                problems.append(Problem(f"strategies[{i}].ivr_deflection", "the strategy does not offer voice"))
            if "link_channel" in ivr.model_fields_set and ivr.link_channel not in s.channels:
                problems.append(Problem(f"strategies[{i}].ivr_deflection.link_channel",
                                        f"channel {ivr.link_channel!r} is not defined under 'channels'"))
            elif channel_kind(ivr.link_channel) != "messaging":
                problems.append(Problem(f"strategies[{i}].ivr_deflection.link_channel",
                                        f"{ivr.link_channel!r} is not a messaging channel: the link is a message"))
        for j, c in enumerate(st.campaigns):
            where = f"strategies[{i}].campaigns[{j}]"
            channel(f"{where}.channel", c.channel, "messaging")
            if c.intent not in intents:
                problems.append(Problem(f"{where}.intent", f"no intent named {c.intent!r} (have: {', '.join(sorted(intents))})"))
            if c.segment is not None and c.segment not in segments:
                problems.append(Problem(f"{where}.segment", f"no segment named {c.segment!r}"))
    return problems


def _bot_fields_problems(path: str, bot, offered: set[str] | None, intents: set[str], defined: set[str]) -> list[Problem]:
    """Intents and channels named by a bot's containment and agent assist
    (a strategy's bot: channels its strategy offers; ``offered`` None for the
    scenario's bot, which strategies may each offer or not)."""
    problems = []
    have = ", ".join(sorted(intents))

    def intent(where: str, name: str) -> None:
        if name not in intents:
            problems.append(Problem(where, f"no intent named {name!r} (have: {have})"))

    def channel(where: str, name: str) -> bool:
        if name not in defined:
            problems.append(Problem(where, f"channel {name!r} is not defined under 'channels'"))
        elif offered is not None and name not in offered:
            problems.append(Problem(where, f"{name!r} is not offered (offer: {', '.join(sorted(offered))})"))
        else:
            return True
        return False

    for name in bot.containment:
        intent(f"{path}.containment.{name}", name)
    for ch, shares in bot.channel_containment.items():
        if channel(f"{path}.channel_containment.{ch}", ch):
            if channel_kind(ch) == "email":
                problems.append(Problem(f"{path}.channel_containment.{ch}", f"{ch!r} is not a messaging or voice "
                                                                           "channel: no bot answers it"))
            elif ch not in bot.channels:
                problems.append(Problem(f"{path}.channel_containment.{ch}", f"the bot does not answer {ch!r} "
                                                                           f"(its channels: {', '.join(bot.channels)})"))
        for name in shares:
            intent(f"{path}.channel_containment.{ch}.{name}", name)
    for ch in bot.assist_reduction:
        channel(f"{path}.assist_reduction.{ch}", ch)
    return problems


def offered_channels_are_served(s: "Scenario") -> list[Problem]:
    served = {ch for pool in s.agents.pools for ch in pool.channels}
    problems = []
    for i, strategy in enumerate(s.strategies):
        needs = []
        if strategy.ivr_deflection is not None:
            needs.append((f"strategies[{i}].ivr_deflection.to", strategy.ivr_deflection.to))
        needs += [(f"strategies[{i}].campaigns[{j}].channel", c.channel) for j, c in enumerate(strategy.campaigns)]
        needs += [(f"channels.{name}.escalate_to_voice", "voice") for name, ch in s.channels.items()
                  if ch.escalate_to_voice is not None and name in strategy.offer]
        for path, ch in needs:
            if ch in s.channels and ch not in served:
                problems.append(Problem(path, f"no agent pool serves {ch!r}"))
        for j, ch in enumerate(strategy.offer):
            if ch in s.channels and ch not in served:
                problems.append(Problem(f"strategies[{i}].offer[{j}]", f"no agent pool serves {ch!r}"))
            spec = s.channels.get(ch)
            fallback = spec.fallback if spec is not None else None
            partial = spec is not None and (isinstance(spec.reach, dict) or spec.reach < 1)
            if fallback is not None and partial and fallback not in served:
                problems.append(
                    Problem(f"strategies[{i}].offer[{j}]", f"{ch!r} falls back to {fallback!r}, which no pool serves")
                )
    return problems


def warmup_fits_horizon(s: "Scenario") -> list[Problem]:
    if s.warmup_hours >= s.days * 24:
        return [Problem("warmup_hours", f"must be shorter than the run ({s.days:g} days = {s.days * 24:g} hours)")]
    return []


def strategies_offer_distinct_channels(s: "Scenario") -> list[Problem]:
    problems = []
    for i, strategy in enumerate(s.strategies):
        dup = [ch for ch, n in Counter(strategy.offer).items() if n > 1]
        if dup:
            problems.append(Problem(f"strategies[{i}].offer", f"{', '.join(dup)} offered twice"))
    return problems


def opening_hours_are_valid(s: "Scenario") -> list[Problem]:
    return [
        Problem(f"channels.{name}.hours.{path}", message)
        for name, spec in s.channels.items() if spec.hours is not None
        for path, message in hours_problems(spec.hours)
    ]


def slot_caps_fit(s: "Scenario") -> list[Problem]:
    problems = []
    for index, pool in enumerate(s.agents.pools):
        for channel, cap in (pool.slot_caps or {}).items():
            path = f"agents.pools[{index}].concurrency.{channel}"
            if channel not in pool.channels:
                problems.append(Problem(path, f"{channel!r} is not one of this pool's channels "
                                              f"({', '.join(pool.channels)})"))
            elif channel_kind(channel) == "voice":
                problems.append(Problem(path, "a call takes every slot of its agent; cap only messaging channels"))
            elif not 1 <= cap <= pool.concurrency:
                problems.append(Problem(path, f"must be between 1 and the total of {pool.concurrency} slots "
                                              f"(got {cap})"))
    return problems


CHECKS: tuple[Callable[["Scenario"], list[Problem]], ...] = (
    shares_sum_to_one,
    names_are_unique,
    channels_are_defined,
    channel_settings_fit_kind,
    warmup_fits_horizon,
    strategies_offer_distinct_channels,
    strategy_features_fit,
    profile_problems,
    roster_problems,
    opening_hours_are_valid,
    slot_caps_fit,
    plan_problems,
)


#: Rules that only make sense once a strategy's ``set`` is applied.
PER_STRATEGY: tuple[Callable[["Scenario"], list[Problem]], ...] = (offered_channels_are_served,)


def run_checks(s: "Scenario", *, per_strategy: bool = False) -> list[Problem]:
    """Every cross-field problem of ``s``; with ``per_strategy`` also the rules
    that hold for a scenario resolved under one strategy."""
    checks = CHECKS + PER_STRATEGY if per_strategy else CHECKS
    return [problem for check in checks for problem in check(s)]
