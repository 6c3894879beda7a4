"""``chansim erlang``: Erlang C, Erlang A and pooled-chat staffing tables from the shell."""

from __future__ import annotations

import csv
import json
import re
import sys
from typing import Annotated, Any, Optional

import typer

from chansim.cli.common import Format, FormatOpt, app, fail, stdout
from chansim.errors import InputError, Problem

#: Most rows one command prints (a typo such as 10..100000 should not hang).
MAX_ROWS = 2000
_RANGE = re.compile(r"\s*(\d+)\s*(?:\.\.\s*(\d+)\s*)?")


def parse_agents(text: str) -> tuple[int, int]:
    """``"14"`` → (14, 14); ``"12..16"`` → (12, 16). InputError if malformed."""
    match = _RANGE.fullmatch(text)
    if match is None:
        raise InputError(f"--agents: expected a number of agents A or a range A..B (e.g. 12..16), got {text!r}")
    low = int(match.group(1))
    high = int(match.group(2)) if match.group(2) is not None else low
    if high < low:
        raise InputError(f"--agents {text}: the range must not go down (B < A)")
    if high - low + 1 > MAX_ROWS:
        raise InputError(f"--agents {text}: at most {MAX_ROWS} agent counts at once")
    return low, high


def parse_speed(text: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InputError(f"--speed: expected comma-separated factors such as 1,1.7,2.5, got {text!r}") from None


#: Offered load (Erlangs) from which a model that cannot be solved is blamed on the load.
_HUGE_LOAD = 1e5


def _problem(message: str, load: float, patience: float | None) -> Problem:
    """A model's refusal, naming the option it comes from."""
    if message.startswith("speed"):
        return Problem("--speed", message)
    if "no steady state within" in message or "no staffing up to" in message:
        if load >= _HUGE_LOAD or patience is None:
            return Problem("--calls", f"an offered load of {load:g} Erlangs (--calls × --aht ÷ --interval) is too "
                                      f"large to compute: {message}")
        return Problem("--patience", f"a mean patience of {patience:g} s cannot be computed at this load: {message}")
    return Problem("", message)


def _row(metrics: Any, target: float, *, patience: bool, shrinkage: float | None, chats: bool = False
         ) -> dict[str, Any]:
    """One agent count's figures, named as the simulation names them: for
    calls ``asa_s`` is the mean wait of answered contacts; for pooled chats
    the model's wait is the wait for a slot, ``slot_wait_s`` (the simulated
    ``asa_s`` of a chat runs to the first agent reply). ``wait_all_s`` is the
    mean wait over all arrivals, abandoning ones included."""
    from chansim.analytic import scheduled_heads

    row: dict[str, Any] = {"agents": metrics.agents}
    if shrinkage is not None:
        row["scheduled"] = scheduled_heads(metrics.agents, shrinkage)
    steady = metrics.steady_state
    row["p_wait"] = metrics.p_wait if steady else None
    answered = metrics.asa_answered_s if metrics.asa_answered_s is not None else metrics.asa_s
    row["slot_wait_s" if chats else "asa_s"] = answered if steady else None
    row["wait_all_s"] = metrics.asa_s if steady else None
    row["service_level"] = metrics.service_level(target) if steady else None
    row["occupancy"] = metrics.occupancy if steady else None
    if patience:
        row["abandon_rate"] = metrics.abandon_rate if steady else None
    row["steady_state"] = steady
    row["note"] = metrics.note
    return row


def _percent(value: float) -> str:
    return f"{100 * value:.1f} %"


@app.command()
def erlang(
    calls: Annotated[float, typer.Option("--calls", help="Contacts arriving in one interval (>= 0).",
                                         show_default=False)],
    interval: Annotated[float, typer.Option("--interval", help="Length of the interval in seconds, e.g. 1800.",
                                            show_default=False)],
    aht: Annotated[float, typer.Option("--aht", help="Average handle time in seconds (of one chat handled alone "
                                       "with --concurrency).", show_default=False)],
    target: Annotated[float, typer.Option("--target", help="Service-level target: answered within SECONDS.",
                                          show_default=False)],
    agents: Annotated[Optional[str], typer.Option(
        "--agents", help="Agents on the floor: A or a range A..B. A range prints every count and the smallest of "
        "them meeting --service-level (or none); A alone, or no --agents, also finds the smallest overall "
        "(no --agents: rows around it).")] = None,
    patience: Annotated[Optional[float], typer.Option(
        "--patience", help="Mean patience in seconds (exponential): Erlang A, adds abandon_rate.")] = None,
    concurrency: Annotated[Optional[int], typer.Option(
        "--concurrency", help="Chat slots per agent: the pooled model with agents × K slots.")] = None,
    speed: Annotated[Optional[str], typer.Option(
        "--speed", help="With --concurrency: total speed of an agent holding 1, 2, … chats, relative to one "
        "(e.g. 1,1.7,2.5). Default: no slowdown.")] = None,
    shrinkage: Annotated[Optional[float], typer.Option(
        "--shrinkage", help="Share of paid time off the floor (0.30 = 30 %): adds scheduled heads.")] = None,
    service_level: Annotated[float, typer.Option(
        "--service-level", help="Service-level goal for the smallest staffing (0.8 = 80 % within --target).")] = 0.8,
    format_: FormatOpt = Format.table,
) -> None:
    """Erlang C/A tables: P(wait), ASA, service level and occupancy per agent count, and the smallest staffing."""
    from chansim.analytic import pooled_concurrency, smallest_agents

    try:
        for name, value in (("--calls", calls), ("--target", target)):
            if not value >= 0 or value == float("inf"):
                raise InputError(f"{name} must be a finite number >= 0, got {value:g}")
        for name, value in (("--interval", interval), ("--aht", aht), ("--patience", patience)):
            if value is not None and (not value > 0 or value == float("inf")):
                raise InputError(f"{name} must be a finite number > 0, got {value:g}")
        if concurrency is not None and concurrency < 1:
            raise InputError(f"--concurrency must be >= 1, got {concurrency}")
        if shrinkage is not None and not 0 <= shrinkage < 1:
            raise InputError(f"--shrinkage must be in [0, 1), got {shrinkage:g}")
        if not 0 <= service_level < 1:
            raise InputError(f"--service-level must be in [0, 1) (0.8 = 80 %), got {service_level:g}")
        if speed is not None and concurrency is None:
            raise InputError("--speed needs --concurrency (the chat slots per agent)")
        slots = concurrency or 1
        factors = parse_speed(speed) if speed is not None else None
        span = parse_agents(agents) if agents is not None else None
        rate = calls / interval
        model = dict(patience_s=patience, slots=slots, speed=factors)
        goal = dict(target_s=target, service_level=service_level, shrinkage=shrinkage or 0.0)
        smallest = smallest_scheduled = None
        if span is None or span[0] == span[1]:
            found = smallest_agents(rate, aht, **model, **goal)
            smallest, smallest_scheduled = found.agents, found.scheduled
            if span is None:
                span = (max(min(1, smallest), smallest - 2), smallest + 2)
        results = [pooled_concurrency(n, slots, rate, aht, speed=factors, patience_s=patience)
                   for n in range(span[0], span[1] + 1)]
    except ValueError as exc:
        fail(InputError(_problem(str(exc), calls / interval * aht if interval > 0 else 0.0, patience)))
        return
    except InputError as exc:
        fail(exc)
        return

    rows = [_row(m, target, patience=patience is not None, shrinkage=shrinkage, chats=concurrency is not None)
            for m in results]
    if span[0] != span[1] and agents is not None:  # a range: the smallest of its rows meeting the goal
        meeting = [r for r in rows if r["steady_state"] and r["service_level"] >= service_level]
        smallest = meeting[0]["agents"] if meeting else None
        smallest_scheduled = meeting[0].get("scheduled") if meeting else None
    load = rate * aht
    if concurrency is not None:
        kind = f"pooled chats ({slots} slots per agent" + (", with slowdown)" if factors else ")")
    else:
        kind = "Erlang C"
    if patience is not None:
        kind = f"Erlang A (patience {patience:g} s)" if concurrency is None else f"{kind}, patience {patience:g} s"

    if format_ is Format.json:
        doc: dict[str, Any] = {"model": kind, "load_erlangs": load, "rows": rows, "smallest": smallest}
        if shrinkage is not None:
            doc["smallest_scheduled"] = smallest_scheduled
        print(json.dumps(doc, indent=2))
        return
    if format_ is Format.csv:
        columns = [key for key in rows[0] if key != "note"]
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row[key] is None else row[key] for key in columns])
        return

    from rich.table import Table

    table = Table(title=f"{kind}: {calls:g} contacts per {interval:g} s, AHT {aht:g} s = {load:.2f} Erlangs; "
                        f"service level = answered within {target:g} s")
    columns = [key for key in rows[0] if key not in ("steady_state", "note")]
    for column in columns:
        table.add_column(column, justify="right")
    for row in rows:
        cells = [str(row["agents"])] + ([str(row["scheduled"])] if "scheduled" in row else [])
        if row["steady_state"]:
            wait = row.get("asa_s", row.get("slot_wait_s"))
            cells += [_percent(row["p_wait"]), f"{wait:.1f} s", f"{row['wait_all_s']:.1f} s",
                      _percent(row["service_level"]), _percent(row["occupancy"])]
            if "abandon_rate" in row:
                cells.append(_percent(row["abandon_rate"]))
        else:
            cells += ["overload: no steady state"] + ["—"] * (len(columns) - len(cells) - 1)
        table.add_row(*cells)
    stdout.print(table)
    if concurrency is not None:
        stdout.print("slot_wait_s: wait for a chat slot; the first agent reply (the simulation's asa_s and frt_s) "
                     "comes after it, once the agent has written it", highlight=False, markup=False)
    stdout.print("wait_all_s: mean wait over all arrivals, abandoning contacts included", highlight=False,
                 markup=False)
    notes = dict.fromkeys(row["note"] for row in rows if row["note"])
    for note in notes:
        stdout.print(note, highlight=False, markup=False)
    goal_text = f"{_percent(service_level)} answered within {target:g} s"
    if smallest is None:
        stdout.print(f"none of {span[0]}..{span[1]} agents meets {goal_text}", highlight=False, markup=False)
    else:
        heads = f" ({smallest_scheduled} scheduled at {_percent(shrinkage)} shrinkage)" if shrinkage is not None else ""
        stdout.print(f"smallest meeting {goal_text}: {smallest} agents{heads}", highlight=False, markup=False)
