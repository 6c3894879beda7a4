"""The report a CX director opens: one self-contained HTML page per run.

Sections in the order a director reads: the question and the answer, the
comparison (CIs and significance, per channel too), the cost–CSAT frontier,
where the money goes, service and staffing by hour and by pool, cost by
segment and market; then the assumptions (scenario, rate cards with their
source and confidence, model limits, seed, replications, version, run time).

Figures are inline SVG (matplotlib), there is no script and nothing is
fetched, so the file opens offline and prints to PDF. Every string from the
user (scenario, strategy, pool, segment names) goes through Jinja2's
autoescaping; figures are the only markup inserted as is.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from chansim.errors import InputError, Problem
from chansim.kpis.address import BREAKDOWNS, lookup, parse_address
from chansim.kpis.table import BY_KEY, KPI_KEYS
from chansim.report.ai_section import ai_section
from chansim.report.answer import answer, exclusion_lines, rule_text, verdict_text
from chansim.report.formats import number, fmt, fmt_ci, fmt_diff
from chansim.report.figures.costs import cost_unit
from chansim.report.page import REPORT_FILE, environment, scenario_summary, svg

__all__ = ["render_report", "write_report", "rebuild_report", "REPORT_FILE", "SECTIONS", "MODEL_LIMITS",
           "environment", "svg", "scenario_summary"]  # the last three (and REPORT_FILE) from :mod:`.page`

#: Section ids of a run report, in reading order.
SECTIONS = ("answer", "comparison", "frontier", "costs", "service", "segments", "assumptions")
#: What the model leaves out, told under the assumptions (docs/background/model.md has the details).
MODEL_LIMITS = (
    "Inbound contacts only: no outbound calling and no callback offer to waiting callers.",
    "Agents of a pool are identical; routing is by channel and intent priority, not by skill level.",
    "Handle times do not change with the hour, fatigue or learning; absence and training are shrinkage (a cost), "
    "not gaps in the schedule (the breaks of shifts are gaps: no one of the shift is on the floor).",
    "Customers do not change channel because a queue is long (only returning customers switch).",
    "Every message is delivered, except those the billing rules refuse; no opt-outs.",
    "One clock and time zone for everyone; intent value is used for triage, not turned into revenue or churn.",
    "Costs are the channel fees of the rate cards in force, agents' paid hours and bot sessions; no fixed "
    "platform licences, no overheads beyond the loaded hourly cost.",
)

#: Per-channel KPIs of the comparison, when measured.
CHANNEL_KPIS = ("service_level", "asa_s", "frt_s", "response_time_s", "response_sl", "abandon_rate",
                "cost_per_contact")
#: Per-pool KPIs and figures.
POOL_KPIS = ("occupancy", "slot_utilisation", "staffed_hours", "paid_hours", "fte")
#: Costs shown per segment and per market.
SEGMENT_KPIS = ("contacts", "cost_per_issue", "cost_per_contact", "cost_total", "service_level", "csat")
#: Comparison rows: what a director weighs first.
_GROUP_ORDER = ("cost", "service", "quality", "staffing", "volume")
_CONFIDENCE_RANK = {"unverified": 0, "reseller": 1, "official": 2}


# ---------------------------------------------------------------- figures
def _figures(result) -> dict[str, str]:
    from chansim.report import figures

    out = {}
    for name in figures.FIGURES:
        try:
            out[name] = svg(getattr(figures, name)(result), prefix=f"{name}-")
        except Exception as exc:  # a figure that cannot be drawn must not cost the whole report  # noqa: BLE001
            out[name] = ""
            out[f"{name}_error"] = f"{type(exc).__name__}: {exc}"
    return out


# ---------------------------------------------------------------- sections
def _decision_addresses(d) -> list[str]:
    """The KPI addresses the decision weighs, in its order: the objective,
    each requirement's KPI, then the tie-breakers."""
    from chansim.scenario.models.decision import REQUIREMENT_PATTERN

    needed = []
    for text in d.requirements:
        match = REQUIREMENT_PATTERN.match(text)
        if match:
            needed.append(match.group(1))
    return list(dict.fromkeys([d.objective, *needed, *d.tie_breakers]))


def _address_row(result, address: str, currency: str) -> dict[str, Any] | None:
    """A comparison row for a breakdown address (``voice.service_level``): mean ± CI per strategy."""
    try:
        a = parse_address(address)
    except Exception:  # noqa: BLE001  an address the KPI table no longer knows
        return None
    cells = []
    for s in result.strategies:
        mean, ci = lookup(s, a)
        cells.append({"value": fmt(mean, a.kpi, currency), "ci": fmt_ci(ci, a.kpi, mean), "best": False,
                      "mark": "", "verdict": "", "diff": "", "p": ""})
    if all(c["value"] == "—" for c in cells):
        return None
    kpi = BY_KEY.get(a.kpi)
    return {"key": address, "description": kpi.description if kpi else "", "direction": kpi.direction if kpi else "",
            "cells": cells}


def _comparison(result, currency: str, decision=None) -> dict[str, Any]:
    from chansim.kpis.compare import paired_differences

    names = [s.name for s in result.strategies]
    diffs = {}
    if len(names) > 1 and len(result.replication_kpis):
        for row in paired_differences(result).to_dict(orient="records"):
            diffs[row["strategy"], row["kpi"]] = row
    order = {group: i for i, group in enumerate(_GROUP_ORDER)}
    keys = sorted(KPI_KEYS, key=lambda k: order.get(BY_KEY[k].group, len(order)))  # stable: table order within
    present = [k for k in keys if any(number(s.kpis.get(k)) is not None for s in result.strategies)]
    missing = [k for k in KPI_KEYS if k not in present]
    rows = []
    for key in present:
        kpi = BY_KEY[key]
        values = [number(s.kpis.get(key)) for s in result.strategies]
        ranked = [v for v in values if v is not None]
        best = None
        if kpi.sign and len(set(ranked)) > 1:
            best = max(ranked) if kpi.sign > 0 else min(ranked)
        cells = []
        for s, v in zip(result.strategies, values):
            d = diffs.get((s.name, key))
            mark, verdict = "", ""
            if d is not None and d.get("significant") and number(d.get("diff")):
                mark = "▲" if d["diff"] > 0 else "▼"
                verdict = ("better" if d["diff"] * kpi.sign > 0 else "worse") if kpi.sign else "changed"
            cells.append({"value": fmt(v, key, currency), "ci": fmt_ci(s.ci95.get(key), key, v),
                          "best": best is not None and v == best, "mark": mark, "verdict": verdict,
                          "diff": fmt_diff(d.get("diff"), key) if d else "",
                          "p": "" if d is None or number(d.get("p_value")) is None else f"p = {d['p_value']:.3f}"})
        rows.append({"key": key, "description": kpi.description, "direction": kpi.direction, "cells": cells})
    lead = []
    if decision is not None:
        by_key = {row["key"]: row for row in rows}
        for address in _decision_addresses(decision):
            row = by_key.pop(address, None) or (None if address in BY_KEY else _address_row(result, address, currency))
            if row is not None:
                lead.append(row)
        rows = [row for row in rows if row["key"] in by_key]
    return {"lead": lead, "rows": rows, "missing": missing, "baseline": names[0] if names else "",
            "paired": bool(diffs), "channels": _breakdown(result, "by_channel", CHANNEL_KPIS, currency)}


def _breakdown(result, key: str, kpis: tuple[str, ...], currency: str) -> list[dict[str, Any]]:
    """One block per member of a breakdown (channel, pool, segment, market):
    rows of KPIs, a cell per strategy (``—`` where the strategy has no such member)."""
    members = list(dict.fromkeys(m for s in result.strategies for m in (getattr(s, key, None) or {})))
    blocks = []
    for member in members:
        rows = []
        for k in kpis:
            cells = []
            for s in result.strategies:
                values = (getattr(s, key, None) or {}).get(member) or {}
                cis = ((s.breakdown_ci95 or {}).get(key) or {}).get(member) or {}
                cells.append({"value": fmt(values.get(k), k, currency), "ci": fmt_ci(cis.get(k), k, values.get(k))})
            if any(c["value"] != "—" for c in cells):
                rows.append({"key": k, "cells": cells})
        if rows:
            blocks.append({"member": member, "rows": rows})
    return blocks


#: The staffing-log column of slot-hours held, when the engine records it.
HELD_SLOTS_COLUMN = "held_slot_s"


def _by_hour(result) -> dict[str, Any]:
    """Occupancy (busy attention ÷ time on the floor) and, when the staffing
    log records held slots, slot utilisation (slots held ÷ slots staffed) of
    each pool by hour of day, per strategy, pooled over days and replications."""
    log = result.log
    staffing = getattr(log, "staffing", None) if log is not None else None
    need = {"strategy", "pool", "hour_of_day", "staffed", "interval_s", "busy_s"}
    if staffing is None or not len(staffing) or not need <= set(staffing.columns):
        return {"hours": [], "grids": []}
    s = staffing[staffing["interval_start_s"].astype(float) + staffing["interval_s"].astype(float)
                 > result.scenario.warmup_s] if "interval_start_s" in staffing else staffing
    staffed_s = s["staffed"].astype(float) * s["interval_s"].astype(float)
    frame = pd.DataFrame({"strategy": s["strategy"].astype(str), "pool": s["pool"].astype(str),
                          "hour": s["hour_of_day"].astype(int), "busy": s["busy_s"].astype(float),
                          "floor": staffed_s + (s["overtime_s"].astype(float) if "overtime_s" in s else 0.0),
                          "staffed": staffed_s})
    grids = [("occupancy", "busy", "floor", "Occupancy by hour of day (%)",
              "Busy attention ÷ agent time on the floor in each hour of the day")]
    if HELD_SLOTS_COLUMN in s:
        frame["held"] = s[HELD_SLOTS_COLUMN].astype(float)
        frame["slots"] = frame["staffed"] * [_concurrency(result, n, p) for n, p in zip(frame["strategy"],
                                                                                      frame["pool"])]
        grids.append(("slot_utilisation", "held", "slots", "Slot utilisation by hour of day (%)",
                      "Slots held ÷ slots staffed (agents on shift × concurrency) in each hour of the day"))
    grouped = frame.groupby(["strategy", "pool", "hour"], sort=False).sum(numeric_only=True)
    order = [st.name for st in result.strategies]
    members = sorted(dict.fromkeys((a, b) for a, b, _ in grouped.index),
                     key=lambda m: order.index(m[0]) if m[0] in order else len(order))
    out = []
    for key, top, bottom, title, note in grids:
        rows = []
        for name, pool in members:
            cells = []
            for h in range(24):
                row = grouped.loc[(name, pool, h)] if (name, pool, h) in grouped.index else None
                share = row[top] / row[bottom] if row is not None and row[bottom] > 0 else None
                cells.append({"text": "" if share is None else f"{100 * share:.0f}",
                              "level": None if share is None else min(9, int(10 * min(share, 0.999)))})
            rows.append({"strategy": name, "pool": pool, "cells": cells})
        out.append({"key": key, "title": title, "note": note, "rows": rows})
    return {"hours": [f"{h:02d}" for h in range(24)], "grids": out}


def _service_by_hour(result) -> list[dict[str, Any]]:
    """Service level by hour of day of arrival per strategy (the figure's
    numbers): a whole percentage, or ``closed`` when every channel with a
    target is closed all that hour."""
    from chansim.report.figures import service_by_hour_table

    table = service_by_hour_table(result)
    rows = []
    for name in [s.name for s in result.strategies]:
        sub = table[table["strategy"] == name]
        if not len(sub):
            continue
        cells = []
        for rec in sub.to_dict(orient="records"):
            share = number(rec["service_level"])
            cells.append({"text": "closed" if not rec["open"] else "" if share is None else f"{100 * share:.0f}",
                          "closed": not rec["open"],
                          "level": None if share is None else min(9, int(10 * min(share, 0.999)))})
        rows.append({"strategy": name, "cells": cells})
    return rows


def _concurrency(result, strategy: str, pool: str) -> float:
    try:
        return float(result.scenario.for_strategy(strategy).pool(pool).concurrency)
    except Exception:  # noqa: BLE001  a pool or strategy the scenario no longer has
        return math.nan


def _rate_cards(result) -> list[dict[str, Any]]:
    """The rate cards the run priced with (from its cost lines), lowest
    confidence first; flat fees of the scenario listed as such."""
    from chansim.billing.price import Pricer

    costs = result.costs
    used = list(dict.fromkeys(costs["card"].astype(str))) if isinstance(costs, pd.DataFrame) and "card" in costs else []
    cards: dict[str, Any] = {}
    for name in [s.name for s in result.strategies]:
        try:
            book = Pricer.for_scenario(result.scenario.for_strategy(name)).book
        except Exception:  # noqa: BLE001  a card file gone since the run: list the ids only
            continue
        for card in book.cards:
            cards.setdefault(card.id, card)
    rows = []
    for card_id in used:
        card = cards.get(card_id)
        if card is None:
            rows.append({"id": card_id, "channel": "", "market": "", "period": "", "source":
                         "flat fee of the scenario (pricing.fees)" if card_id == "pricing.fees" else "not found",
                         "confidence": "contract" if card_id == "pricing.fees" else "unknown", "unverified": False})
            continue
        confidence = card.lowest_confidence() if callable(getattr(card, "lowest_confidence", None)) else card.confidence
        rows.append({"id": card.id, "channel": card.channel, "market": card.market,
                     "period": card.period() if callable(getattr(card, "period", None)) else str(card.effective_from),
                     "source": card.source, "confidence": confidence, "unverified": confidence == "unverified"})
    rows.sort(key=lambda r: (_CONFIDENCE_RANK.get(r["confidence"], 3), r["channel"], r["id"]))
    return rows


def _answer(result, currency: str, a) -> dict[str, Any]:
    d = a.decision
    key = a.cost_kpi
    out = {"strategy": a.strategy, "cost_kpi": key, "meets_goal": a.meets_goal, "tie": d.is_tie,
           "rule": rule_text(d), "assumed": list(d.assumed), "verdict": verdict_text(d, currency),
           "exclusions": exclusion_lines(d, currency), "meeting": list(a.meeting), "tradeoffs": [], "others": []}
    if a.strategy is None:
        return out
    chosen_cost = d.standing(a.strategy).objective
    for s in result.strategies:
        if s.name == a.strategy:
            continue
        other = d.standing(s.name).objective
        saving = None if other is None or chosen_cost is None else other - chosen_cost
        out["others"].append({"name": s.name, "cost": fmt(other, key, currency),
                              "saving": "—" if saving is None else fmt(abs(saving), key, currency),
                              "cheaper": saving is not None and saving < 0,
                              "tied": s.name in d.tied, "meets": s.name in a.meeting})
    for t in a.tradeoffs:
        out["tradeoffs"].append({"kpi": t.kpi, "strategy": t.better_strategy,
                                 "mine": fmt(t.answer_value, t.kpi, currency),
                                 "theirs": fmt(t.better_value, t.kpi, currency),
                                 "diff": fmt_diff(t.diff, t.kpi), "ci": fmt_ci(t.ci95, t.kpi)})
    return out


def _context(result) -> dict[str, Any]:
    from chansim.version import __version__

    currency = result.scenario.currency
    segments = {name: _breakdown(result, key, SEGMENT_KPIS, currency)
                for name, key in BREAKDOWNS.items() if name in ("segment", "market")}
    chosen = answer(result)
    the_answer = _answer(result, currency, chosen)
    return {
        "title": f"{result.scenario.name}: which channel strategy?",
        "scenario": scenario_summary(result.scenario),
        "strategies": [s.name for s in result.strategies],
        "answer": the_answer,
        "comparison": _comparison(result, currency, chosen.decision),
        "cost_unit": cost_unit(result),
        "ai": ai_section(result),
        "figures": _figures(result),
        "pools": _breakdown(result, "by_pool", POOL_KPIS, currency),
        "by_hour": _by_hour(result),
        "service_hours": _service_by_hour(result),
        "segments": segments,
        "cards": _rate_cards(result),
        "limits": MODEL_LIMITS,
        "run": {"seed": result.seed, "replications": result.replications, "version": result.version or __version__,
                "run_time": f"{result.run_time_s:,.1f} s" if result.run_time_s else "—",
                "log_level": getattr(result, "log_level", "")},
        "decision_rule": the_answer["rule"],
        "currency": currency,
        "generated_by": f"chansim {__version__}",
    }


# ---------------------------------------------------------------- rendering
def render_report(result) -> str:
    """The HTML text of a run's report (a :class:`~chansim.studies.experiment.RunResult`)."""
    from markupsafe import Markup

    context = _context(result)
    context["figures"] = {k: Markup(v) if not k.endswith("_error") else v for k, v in context["figures"].items()}
    return environment().get_template("run.html.j2").render(**context)


def _with_stored_log(result, folder: Path):
    """``result`` with its event log read back from ``folder`` when it was
    streamed there instead of kept in memory."""
    if result.log is not None or not (folder / "contacts.parquet").exists():
        return result
    import copy

    from chansim.engine.log import EventLog

    def read(name: str) -> pd.DataFrame:
        path = folder / f"{name}.parquet"
        return pd.read_parquet(path) if path.exists() else pd.DataFrame()

    filled = copy.copy(result)
    filled.log = EventLog(read("contacts"), read("messages"), read("staffing"), {})
    return filled


def write_report(result, folder: Path | str) -> Path:
    """Write ``report.html`` for ``result`` into ``folder`` (the event log,
    when not in ``result``, is read from the folder's Parquet files)."""
    folder = Path(folder)
    path = folder / REPORT_FILE
    path.write_text(render_report(_with_stored_log(result, folder)), encoding="utf-8")
    return path


def rebuild_report(run_dir: Path | str) -> Path:
    """``chansim report RUN_DIR``: rewrite ``report.html`` of a stored run
    (``run --out``/``compare --out``), sweep (``sweep --out``) or staffing
    search (``staff --out``) from its files."""
    run_dir = Path(run_dir)
    if (run_dir / "staffing.json").exists() and (run_dir / "scenario.yaml").exists():
        from chansim.report.staffing_files import read_staff_dir
        from chansim.report.study_pages import render_staff_report

        try:
            staffing, scenario = read_staff_dir(run_dir)
            page = render_staff_report(staffing, scenario)  # (a value of the wrong kind deep in the file fails here)
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:  # JSON, YAML, pydantic: ValueError
            raise InputError(Problem("RUN_DIR", f"{run_dir}: unreadable staffing result ({exc})")) from None
        path = run_dir / REPORT_FILE
        path.write_text(page, encoding="utf-8")
        return path
    if (run_dir / "sweep.csv").exists() and not (run_dir / "summary.json").exists():
        from chansim.report.sweep_files import rebuild_sweep_report

        return rebuild_sweep_report(run_dir)
    from chansim.report.stored import load_run_dir

    return write_report(load_run_dir(run_dir), run_dir)
