"""Baselines of ``chansim check``: read and checked, made from a run, written.

A baseline (``baselines/NAME.json``, NAME = the scenario file's name without
``.yaml``) holds every KPI of every strategy of one scenario run with its fixed
seed, the 95 % CI half-widths, the chansim version, and the resolved scenario
with its SHA-256.

The scenario hash covers the scenario as the file resolves it (``like:``
expanded, defaults filled in), without ``description``, ``plan`` or the ``optimize``
section and with a rate-card
path relative to the file; ``--set`` overrides are *not* part of it: they
change what is run, not which baseline applies, which is how ``--set
pricing.markup=0.5`` shows what the gate catches.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from chansim.errors import InputError, Problem
from chansim.kpis.address import breakdown_table
from chansim.kpis.table import KPI_KEYS
from chansim.scenario import Scenario
from chansim.scenario.reading import read_text
from chansim.studies.check.tolerance import is_number, parse_tolerances

if TYPE_CHECKING:
    from chansim.studies.check.regression import Plan

__all__ = ["BASELINE_FORMAT", "MAX_BASELINE_BYTES", "scenario_identity", "scenario_differences", "read_baseline",
           "baseline_document", "write_text_atomic", "write_baseline"]

BASELINE_FORMAT = "chansim-baseline/1"


# ------------------------------------------------------------------ identity
def scenario_identity(scenario: Scenario, path: Path | str | None = None) -> tuple[dict[str, Any], str]:
    """The resolved scenario as hashed (see module docstring) and its SHA-256."""
    data = scenario.to_dict()
    data.pop("description", None)
    data.pop("optimize", None)  # what chansim optimize searches changes nothing simulated
    data.pop("plan", None)  # nor does what chansim plan plans
    pricing = data.get("pricing")
    if path is not None and isinstance(pricing, dict) and isinstance(pricing.get("rate_card"), str):
        card = Path(pricing["rate_card"])
        if card.is_absolute():  # the loader anchors it to the file's folder; hash it relative to that folder
            pricing["rate_card"] = Path(os.path.relpath(card, Path(path).resolve().parent)).as_posix()
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return data, hashlib.sha256(text.encode("utf-8")).hexdigest()


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, sub in value.items():
            out.update(_flatten(sub, f"{prefix}.{key}" if prefix else str(key)))
        return out or {prefix: {}}
    if isinstance(value, list) and value and all(isinstance(v, dict) and "name" in v for v in value):
        out = {}
        for item in value:  # pools, strategies, segments, intents: by name
            out.update(_flatten(item, f"{prefix}.{item['name']}"))
        return out
    return {prefix: value}


def scenario_differences(old: Any, new: Any, limit: int = 5) -> list[str]:
    """What differs between two resolved scenarios, as ``path: old → new`` lines."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return []
    a, b = _flatten(old), _flatten(new)
    lines = []
    for key in sorted(set(a) | set(b)):
        if a.get(key, "∅") != b.get(key, "∅"):
            lines.append(f"{key}: {_short(a.get(key, '(absent)'))} → {_short(b.get(key, '(absent)'))}")
    if len(lines) > limit:
        lines = lines[:limit] + [f"… and {len(lines) - limit} more"]
    return lines


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


# ----------------------------------------------------------------- baselines
#: Largest baseline file read (bytes); real ones are a few kilobytes.
MAX_BASELINE_BYTES = 5_000_000


def _bounded_int(text: str) -> int:
    if len(text) > 30:
        raise ValueError(f"a whole number of {len(text)} digits")
    return int(text)


def read_baseline(path: Path | str) -> dict[str, Any] | None:
    """A baseline file's document, checked; None if there is no file.
    Raises :class:`InputError` when it cannot be read or is malformed."""
    path = Path(path)
    if not path.exists():
        return None
    label = str(path)
    text = read_text(path, what="baseline file", limit_bytes=MAX_BASELINE_BYTES)
    try:
        doc = json.loads(text, parse_int=_bounded_int)
    except json.JSONDecodeError as exc:
        raise InputError(Problem("", f"not valid JSON: {exc.msg}", line=exc.lineno), source=label) from None
    except RecursionError:
        raise InputError(Problem("", "nested too deeply to be a chansim baseline"), source=label) from None
    except ValueError as exc:  # a number too long (see _bounded_int)
        raise InputError(Problem("", f"not a chansim baseline: {exc}"), source=label) from None
    if not isinstance(doc, dict):
        raise InputError(Problem("", "a baseline must be a JSON object"), source=label)
    problems: list[Problem] = []
    if not isinstance(doc.get("scenario_sha256"), str):
        problems.append(Problem("scenario_sha256", "missing (is this a chansim baseline? make one with --update)"))
    _, found = parse_tolerances(doc.get("tolerances"), "tolerances")
    problems += found
    strategies = doc.get("strategies")
    if not isinstance(strategies, dict) or not strategies:
        problems.append(Problem("strategies", "must map each strategy name to its KPIs"))
    else:
        for name, entry in strategies.items():
            at = f"strategies.{name}"
            if not isinstance(entry, dict) or not isinstance(entry.get("kpis"), dict):
                problems.append(Problem(f"{at}.kpis", "missing or not a mapping"))
                continue
            for part in ("kpis", "ci95", "breakdowns", "breakdowns_ci95"):
                values = entry.get(part) or {}
                if not isinstance(values, dict):
                    problems.append(Problem(f"{at}.{part}", "must be a mapping"))
                    continue
                problems += [Problem(f"{at}.{part}.{k}", f"must be a number or null (got {v!r})")
                             for k, v in values.items() if v is not None and not is_number(v)]
            problems += parse_tolerances(entry.get("tolerances"), f"{at}.tolerances")[1]
    if problems:
        raise InputError(problems, source=label)
    return doc


_MANAGED = ("format", "scenario", "source", "chansim_version", "seed", "replications", "start_date_explicit",
            "scenario_sha256", "tolerances", "strategies", "resolved_scenario")


def baseline_document(plan: Plan, result: Any, old: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The baseline of a run; custom tolerances (and unmanaged keys) of ``old`` kept."""
    old = old or {}
    old_strategies = old.get("strategies") or {}
    strategies: dict[str, Any] = {}
    for st in result.strategies:
        entry: dict[str, Any] = {"kpis": {k: st.kpis.get(k) for k in KPI_KEYS},
                                 "ci95": {k: st.ci95.get(k) for k in KPI_KEYS}}
        # every breakdown, for tolerances that name one (voice.service_level)
        table = breakdown_table(st)[len(KPI_KEYS):]
        entry["breakdowns"] = {str(a): v for a, v, _ in table}
        entry["breakdowns_ci95"] = {str(a): c for a, _, c in table}
        kept = (old_strategies.get(st.name) or {}).get("tolerances")
        if kept:
            entry["tolerances"] = kept
        strategies[st.name] = entry
    doc: dict[str, Any] = {
        "format": BASELINE_FORMAT,
        "scenario": plan.scenario.name,
        "source": plan.path.as_posix(),
        "chansim_version": result.version,
        "seed": result.seed,
        "replications": result.replications,
        "start_date_explicit": plan.start_date_explicit,
        "scenario_sha256": plan.sha256,
        "tolerances": old.get("tolerances") or {},
        "strategies": strategies,
    }
    doc.update({k: v for k, v in old.items() if k not in _MANAGED})
    doc["resolved_scenario"] = plan.identity
    return doc


def write_text_atomic(path: Path | str, text: str) -> None:
    """Write a file whole or not at all: a temporary file beside it, then a rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, _file_mode(path))  # mkstemp makes it private; give it an ordinary file's mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _file_mode(path: Path) -> int:
    """The mode of the file being replaced, else what the umask gives a new file."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_baseline(path: Path | str, doc: Mapping[str, Any]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")

