"""How a contact center's own call log is laid out: the delimiter, the date
and time-of-day columns, the tokens that mean "none", what each outcome means
and which rows to leave out. A :class:`LogFormat` is a description of the
file, never a fitted value; named presets describe the published formats of
known logs (``--preset anonymous-bank``).

Columns of a call log (canonical name → what it holds; each optional, map
yours with ``--map canonical=YourColumn``):

==============  ===========================================================
date            the call's date, when the time columns hold times of day
ivr_entry       entry to the IVR (VRU)
ivr_exit        exit from the IVR (to the agent queue, or straight to an agent)
queue_entry     entry to the agent queue (none: never queued)
queue_exit      exit from the agent queue (answered or abandoned)
answer          start of service by an agent
end             end of service
arrival         arrival, when the log has one column for it
outcome         what happened (mapped with ``--outcome VALUE=answered``)
agent           the agent who served the call
customer_id     the caller, when identified
priority        the caller's priority class
intent          the call type (service asked for)
contact_id      the call's id
channel         the channel (default ``--channel``, voice)
==============  ===========================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping

from chansim.errors import InputError, Problem

__all__ = ["LogFormat", "PRESETS", "OUTCOME_CLASSES", "LOG_COLUMNS", "TIME_COLUMNS", "log_format"]

#: What an outcome value may mean.
OUTCOME_CLASSES = ("answered", "abandoned", "drop")
#: Time columns of a call log, in the order a call passes them.
TIME_COLUMNS = ("ivr_entry", "ivr_exit", "queue_entry", "queue_exit", "answer", "end", "arrival")
LOG_COLUMNS = ("date",) + TIME_COLUMNS + ("outcome", "agent", "customer_id", "priority", "intent", "contact_id",
                                          "channel")


@dataclass(frozen=True)
class LogFormat:
    """The layout of a call log. ``nulls`` maps a canonical column (``*``:
    every column) to the values meaning "none" there; ``outcomes`` maps an
    outcome value to answered, abandoned or drop; ``priority_ranks`` maps a
    priority value to its rank in the queue (higher answered first; empty:
    each class's rank is estimated from its waits)."""

    mapping: Mapping[str, str] = field(default_factory=dict)
    delimiter: str | None = None  # None: detected (tab, comma or semicolon)
    date_format: str | None = None  # strftime format of the date column (None: guessed)
    nulls: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: {"*": ("", "NULL", "null")})
    outcomes: Mapping[str, str] = field(default_factory=dict)
    priority_ranks: Mapping[str, int] = field(default_factory=dict)
    channel: str = "voice"
    short_abandon_s: float = 0.0  # abandons before this wait are not counted as offered contacts
    max_skew_s: float = 5.0  # service starting up to this long before queue entry: clock skew
    name: str = ""
    #: columns of ``mapping`` a file may lack (a preset's columns that only add detail); a column
    #: mapped with ``--map`` must be in the file
    optional: frozenset[str] = frozenset()

    def nulls_of(self, column: str) -> set[str]:
        return set(self.nulls.get("*", ())) | set(self.nulls.get(column, ()))


#: Published formats of known logs: column mapping, date format, null tokens
#: and outcome mapping (no fitted values).
PRESETS: dict[str, LogFormat] = {
    # Technion SEE Center, "Anonymous Bank" monthly files (Guedj and Mandelbaum):
    # tab-separated, YYMMDD dates with H:MM:SS times of day, 0:00:00 = none,
    # customer_id 0 = not identified, NO_SERVER = no agent, PHANTOM = a virtual
    # call to ignore. Priority classes 0-2 name classes of call; their order in
    # the queue is estimated from their waits (the published "2 is moved ahead"
    # is not what the waits show).
    "anonymous-bank": LogFormat(
        name="anonymous-bank",
        delimiter="\t",
        mapping={"contact_id": "call_id", "customer_id": "customer_id", "priority": "priority", "intent": "type",
                 "date": "date", "ivr_entry": "vru_entry", "ivr_exit": "vru_exit", "queue_entry": "q_start",
                 "queue_exit": "q_exit", "outcome": "outcome", "answer": "ser_start", "end": "ser_exit",
                 "agent": "server"},
        date_format="%y%m%d",
        nulls={"*": ("", "NULL"), "ivr_entry": ("0:00:00",), "ivr_exit": ("0:00:00",), "queue_entry": ("0:00:00",),
               "queue_exit": ("0:00:00",), "answer": ("0:00:00",), "end": ("0:00:00",), "customer_id": ("0",),
               "agent": ("NO_SERVER",)},
        outcomes={"AGENT": "answered", "HANG": "abandoned", "PHANTOM": "drop"},
        optional=frozenset({"contact_id", "customer_id", "priority", "intent", "agent"}),
    ),
}


def _pairs(values: Iterable[str] | None, option: str, example: str) -> list[tuple[str, str]]:
    out = []
    for text in values or []:
        for part in str(text).split(","):
            if not part.strip():
                continue
            key, sep, value = part.partition("=")
            if not sep:
                raise InputError(Problem(option, f"{part!r}: expected {example}"))
            out.append((key.strip(), value.strip()))
    return out


def log_format(preset: str | None = None, *, mapping: Mapping[str, str] | None = None, delimiter: str | None = None,
               date_format: str | None = None, nulls: Iterable[str] | None = None,
               outcomes: Iterable[str] | None = None, priorities: Iterable[str] | None = None,
               channel: str | None = None, short_abandon_s: float | None = None,
               max_skew_s: float | None = None) -> LogFormat:
    """A :class:`LogFormat` from a preset and the command line's options,
    the options winning. ``nulls``: ``TOKEN`` (every column) or
    ``column=TOKEN``; ``outcomes``: ``VALUE=answered|abandoned|drop``;
    ``priorities``: ``VALUE=rank``."""
    if preset is not None and preset not in PRESETS:
        raise InputError(Problem("--preset", f"unknown preset {preset!r} (known: {', '.join(PRESETS)})"))
    fmt = PRESETS[preset] if preset else LogFormat()
    changes: dict = {}
    if mapping:
        changes["mapping"] = {**fmt.mapping, **mapping}
        changes["optional"] = fmt.optional - set(mapping)
    if delimiter is not None:
        named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
        changes["delimiter"] = named.get(delimiter.lower(), delimiter)
        if len(changes["delimiter"]) != 1:
            raise InputError(Problem("--delimiter", f"{delimiter!r}: one character, or tab, comma, semicolon, pipe"))
    if date_format is not None:
        changes["date_format"] = date_format
    if nulls:
        merged = {k: tuple(v) for k, v in fmt.nulls.items()}
        for text in nulls:
            column, sep, token = str(text).partition("=")
            column, token = (column.strip(), token) if sep and column.strip() in LOG_COLUMNS else ("*", str(text))
            merged[column] = merged.get(column, ()) + (token.strip(),)
        changes["nulls"] = merged
    if outcomes:
        merged_o = dict(fmt.outcomes)
        for value, meaning in _pairs(outcomes, "--outcome", "VALUE=answered|abandoned|drop, e.g. HANG=abandoned"):
            if meaning.lower() not in OUTCOME_CLASSES:
                raise InputError(Problem("--outcome", f"{value}={meaning}: the meaning must be one of "
                                                      f"{', '.join(OUTCOME_CLASSES)}"))
            merged_o[value] = meaning.lower()
        changes["outcomes"] = merged_o
    if priorities:
        ranks = dict(fmt.priority_ranks)
        for value, rank in _pairs(priorities, "--priority", "VALUE=rank, e.g. 2=1"):
            try:
                ranks[value] = int(rank)
            except ValueError:
                raise InputError(Problem("--priority", f"{value}={rank}: the rank must be a whole number")) from None
        changes["priority_ranks"] = ranks
    if channel is not None:
        changes["channel"] = channel
    for key, value, option in (("short_abandon_s", short_abandon_s, "--short-abandon"),
                               ("max_skew_s", max_skew_s, "--max-skew")):
        if value is not None:
            if not value >= 0 or value == float("inf"):
                raise InputError(Problem(option, f"{value:g}: a number of seconds, 0 or more"))
            changes[key] = float(value)
    return replace(fmt, **changes) if changes else fmt
