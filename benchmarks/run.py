"""chansim's benchmark suite: speed and memory, printed as a table and written
to a JSON file.

    python benchmarks/run.py [--quick] [--json PATH]

(a) M/M/20 at rho = 0.9 (AHT 180 s, exponential), 1,000,000 contacts
    (100,000 with --quick): chansim end to end (scenario dict -> simulation ->
    KPIs) against a bare SimPy model (a Resource and a process per customer)
    and against Ciw (if installed): contacts/s and peak RSS of each.
(b) scenarios/retail-us.yaml, its first strategy, one week, one replication:
    contacts/s, messages/s and peak RSS.
(c) ten replications of retail-us's first strategy (one week; two days with
    --quick) on 1 and on 2 worker processes: wall time and speed-up.

The M/M/20 run takes the fast path (voice only, first come first served):
its compiled recursion (numba, the ``fast`` extra) is loaded before the clock
starts, as the imports are; (d) says which recursion ran (``kernel: numba``
or ``python``) and how long the loading took.

Each measurement is repeated (three rounds; one with --quick), the rounds
interleaved so that a slow spell of a shared machine hits every model, and the
median run is reported; every run's time is kept in the JSON file.

Every measurement runs in a fresh Python process (this script started again
with ``--model NAME``), so each model's peak RSS is its own: the high-water
mark of that process (``getrusage(RUSAGE_SELF).ru_maxrss``), imports included.
The RSS of the process after its imports is reported alongside.

Targets are printed next to the measured values with PASS or MISS; nothing is
asserted. Not part of the tests.

One model on its own (e.g. under a profiler):

    python -m cProfile -s tottime benchmarks/run.py --model chansim-mmc --contacts 100000
    python -m cProfile -s tottime benchmarks/run.py --model retail-us
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RETAIL = ROOT / "scenarios" / "retail-us.yaml"
#: retail-us is measured without its warm-up day, so every figure counts the days it reports: a scenario's
#: default warm-up day (warmup_days: 1) adds about 1/days to a run's time.
NO_WARMUP = {"warmup_days": 0}
BIG = ROOT / "scenarios" / "bench-1000-seats.yaml"
YEAR_DAYS = 364
QUICK_BIG_DAYS = 2.0
FULL_BIG_DAYS = 14.0
MEMORY_DAYS = (7.0, 28.0, 91.0)

AGENTS = 20
AHT = 180.0
RHO = 0.9
RATE = RHO * AGENTS / AHT  # arrivals per second
SEED = 1
REPLICATIONS = 10  # a planner's usual count
FULL_ROUNDS = 3  # each measurement repeated, interleaved; the median is reported

FULL_CONTACTS = 1_000_000
QUICK_CONTACTS = 100_000
FULL_REPLICATION_DAYS = 7.0
QUICK_REPLICATION_DAYS = 2.0

MARK = "BENCH-RESULT "
MODELS = ("chansim-mmc", "chansim-mmc-events", "simpy-mmc", "ciw-mmc", "retail-us", "replications", "bench-1000")

# name, what, target, how compared
TARGETS = (
    ("a.speed_vs_simpy", "M/M/20 speed, chansim / bare SimPy", 1.5, "≥"),
    ("a.speed_vs_ciw", "M/M/20 speed, chansim / Ciw", 4.0, "≥"),
    ("a.memory_vs_ciw", "M/M/20 peak RSS, chansim / Ciw", 1 / 3, "≤"),
    ("b.contacts_per_s", "retail-us contacts/s on one core", 30_000.0, "≥"),
    ("c.speedup_2_workers", "replications speed-up on 2 workers", 1.8, "≥"),
)


# --------------------------------------------------------------------------- measuring (child process)


def _peak_rss_mb() -> float:
    """This process's peak resident set size, MB (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _chansim_mmc(contacts: int) -> dict:
    import chansim
    import chansim.kpis.pipeline  # noqa: F401  the face loads on first use: import what a run uses before timing
    import chansim.studies.experiment  # noqa: F401
    from chansim.engine import fast_path

    # the fast path's recursion: numba and its cached machine code are loaded on first use, like an import
    t_kernel = time.perf_counter()
    kernel = fast_path.load_kernel() if fast_path.fast_path_enabled() else "none (event engine)"
    kernel_load_s = time.perf_counter() - t_kernel
    import_rss = _peak_rss_mb()
    per_day = RATE * 86_400
    t0 = time.perf_counter()
    scenario = chansim.load_scenario(
        {
            "name": "mm20",
            "start_date": "2026-01-05",
            "days": contacts / per_day,
            "seed": SEED,
            "replications": 1,
            "demand": {
                "contacts_per_day": per_day,
                "intraday": [1] * 24,
                "weekly": [1] * 7,
                "segments": [{"name": "all", "share": 1, "preference": ["voice"]}],
            },
            "channels": {"voice": {"handle_time": {"dist": "exponential", "mean": AHT}, "service_level_target_s": 20}},
            "agents": {"pools": [{"name": "voice", "channels": ["voice"], "headcount": AGENTS}]},
        }
    )
    result = chansim.simulate(scenario, keep_log=False)
    seconds = time.perf_counter() - t0
    kpis = result.strategies[0].kpis
    return {"contacts": int(kpis["contacts"]), "seconds": seconds, "asa_s": float(kpis["asa_s"]),
            "import_rss_mb": import_rss, "version": chansim.__version__, "kernel": kernel,
            "kernel_load_s": kernel_load_s}


def _simpy_mmc(contacts: int) -> dict:
    """The textbook SimPy model of benchmarks/mmc.py: a Resource of 20 and one process per customer."""
    import simpy
    from mmc import bare_simpy  # benchmarks/ is on the path when this script runs

    import_rss = _peak_rss_mb()
    t0 = time.perf_counter()
    asa = bare_simpy(contacts, RATE, SEED)
    seconds = time.perf_counter() - t0
    return {"contacts": contacts, "seconds": seconds, "asa_s": asa, "import_rss_mb": import_rss,
            "version": simpy.__version__}


def _ciw_mmc(contacts: int) -> dict:
    import ciw

    import_rss = _peak_rss_mb()
    t0 = time.perf_counter()
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(RATE)],
        service_distributions=[ciw.dists.Exponential(1 / AHT)],
        number_of_servers=[AGENTS],
    )
    ciw.seed(SEED)
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(contacts / RATE)
    records = simulation.get_all_records()
    asa = sum(r.waiting_time for r in records) / len(records)
    seconds = time.perf_counter() - t0
    return {"contacts": len(records), "seconds": seconds, "asa_s": asa, "import_rss_mb": import_rss,
            "version": ciw.__version__}


def _retail(days: float) -> dict:
    import chansim
    import chansim.kpis.pipeline  # noqa: F401  the face loads on first use: import what a run uses before timing
    import chansim.studies.experiment  # noqa: F401

    import_rss = _peak_rss_mb()
    t0 = time.perf_counter()
    scenario = chansim.load_scenario(RETAIL, {"days": days, **NO_WARMUP})
    strategy = scenario.strategy_names[0]
    loaded = time.perf_counter()
    result = chansim.simulate(scenario, strategies=[strategy], replications=1, keep_log=False)
    seconds = time.perf_counter() - t0
    kpis = result.strategies[0].kpis
    return {"strategy": strategy, "days": days, "contacts": int(kpis["contacts"]),
            "messages": int(kpis["messages"] or 0), "seconds": seconds, "load_s": loaded - t0,
            "import_rss_mb": import_rss}


def _replications(days: float, workers: int) -> dict:
    import chansim
    import chansim.kpis.pipeline  # noqa: F401  the face loads on first use: import what a run uses before timing
    import chansim.studies.experiment  # noqa: F401

    scenario = chansim.load_scenario(RETAIL, {"days": days, **NO_WARMUP})
    strategy = scenario.strategy_names[0]
    t0 = time.perf_counter()
    result = chansim.simulate(scenario, strategies=[strategy], replications=REPLICATIONS, workers=workers,
                              keep_log=False)
    seconds = time.perf_counter() - t0
    kpis = result.strategies[0].kpis
    return {"strategy": strategy, "days": days, "replications": REPLICATIONS, "workers": workers,
            "seconds": seconds, "contacts": int(kpis["contacts"] * REPLICATIONS),
            "kpis": {k: v for k, v in kpis.items()}}


def _big(days: float) -> dict:
    """The 1,000-seat centre, its first strategy, one replication, no event log kept."""
    import chansim
    import chansim.kpis.pipeline  # noqa: F401  the face loads on first use: import what a run uses before timing
    import chansim.studies.experiment  # noqa: F401

    t0 = time.perf_counter()
    scenario = chansim.load_scenario(BIG, {"days": days})
    strategy = scenario.strategy_names[0]
    result = chansim.simulate(scenario, strategies=[strategy], replications=1, keep_log=False)
    seconds = time.perf_counter() - t0
    kpis = result.strategies[0].kpis
    return {"strategy": strategy, "days": days, "contacts": int(kpis["contacts"]),
            "messages": int(kpis["messages"] or 0), "seconds": seconds}


def measure(model: str, contacts: int, days: float, workers: int) -> dict:
    if model == "chansim-mmc-events":  # the event engine, the fast path switched off
        os.environ["CHANSIM_FAST_PATH"] = "0"
        out = _chansim_mmc(contacts)
    elif model == "chansim-mmc":
        out = _chansim_mmc(contacts)
    elif model == "bench-1000":
        out = _big(days)
    elif model == "simpy-mmc":
        out = _simpy_mmc(contacts)
    elif model == "ciw-mmc":
        out = _ciw_mmc(contacts)
    elif model == "retail-us":
        out = _retail(days)
    elif model == "replications":
        out = _replications(days, workers)
    else:
        raise SystemExit(f"unknown model {model!r} (have: {', '.join(MODELS)})")
    if model != "replications":  # with workers, the memory is in the worker processes, not counted here
        out["peak_rss_mb"] = _peak_rss_mb()
    return out


# --------------------------------------------------------------------------- orchestrating (parent process)


def run_child(model: str, *, contacts: int = QUICK_CONTACTS, days: float = 7.0, workers: int = 1) -> dict:
    """Run one model in a fresh interpreter and return what it measured."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--model", model, "--contacts", str(contacts),
           "--days", repr(days), "--workers", str(workers)]
    print(f"  running {model}" + (f" on {workers} worker(s)" if model == "replications" else "") + " ...",
          file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{model} failed (exit {proc.returncode})")
    line = next(ln for ln in reversed(proc.stdout.splitlines()) if ln.startswith(MARK))
    return json.loads(line[len(MARK):])


def median_of(runs: list[dict]) -> dict:
    """The run with the median time (the lower middle one of an even count),
    with every run's seconds under ``samples_s``."""
    ordered = sorted(runs, key=lambda run: run["seconds"])
    middle = dict(ordered[(len(ordered) - 1) // 2])
    middle["samples_s"] = [run["seconds"] for run in runs]
    return middle


def erlang_c_asa(servers: int, rate: float, aht: float) -> float:
    """Mean wait in M/M/c (Erlang C), for a sanity check of the three models."""
    a = rate * aht
    term, total = 1.0, 1.0
    for k in range(1, servers):
        term *= a / k
        total += term
    last = term * a / servers * servers / (servers - a)
    p_wait = last / (total + last)
    return p_wait * aht / (servers - a)


def machine() -> dict:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (math.nan,) * 3
    versions = {}
    for name in ("chansim", "simpy", "ciw", "numpy", "pandas"):
        try:
            from importlib.metadata import version

            versions[name] = version(name)
        except Exception:  # noqa: BLE001 - not installed
            versions[name] = None
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpu_count": os.cpu_count(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "load_average_start": [round(x, 2) for x in load],
        "versions": versions,
    }


def verdict(value: float | None, target: float, op: str) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    ok = value >= target if op == "≥" else value <= target
    return "PASS" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_CONTACTS:,} M/M/20 contacts, {QUICK_REPLICATION_DAYS:g}-day replications")
    parser.add_argument("--json", type=Path, default=HERE / "results.json", help="where to write the results")
    parser.add_argument("--rounds", type=int, default=None,
                        help=f"times each measurement is repeated (default {FULL_ROUNDS}, 1 with --quick); "
                        "the rounds are interleaved and the median is reported")
    parser.add_argument("--model", choices=MODELS, help=argparse.SUPPRESS)
    parser.add_argument("--contacts", type=int, default=QUICK_CONTACTS, help=argparse.SUPPRESS)
    parser.add_argument("--days", type=float, default=7.0, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.model:  # child: measure one model and report on stdout
        out = measure(args.model, args.contacts, args.days, args.workers)
        print(MARK + json.dumps(out), flush=True)
        return

    contacts = QUICK_CONTACTS if args.quick else FULL_CONTACTS
    rep_days = QUICK_REPLICATION_DAYS if args.quick else FULL_REPLICATION_DAYS
    rounds = args.rounds or (1 if args.quick else FULL_ROUNDS)
    info = machine()
    print(f"chansim benchmarks ({'quick' if args.quick else 'full'}), {info['date']}; "
          f"{rounds} round(s), medians reported")
    print(f"machine: {info['platform']}, {info['cpu_count']} CPUs, {info['python']}, "
          f"load average {' '.join(f'{x:.2f}' for x in info['load_average_start'])}")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items() if v))
    print(file=sys.stderr)

    have_ciw = importlib.util.find_spec("ciw") is not None

    # (a) M/M/20
    samples: dict[str, list[dict]] = {"chansim": [], "simpy": [], "ciw": []}
    for _ in range(rounds):  # interleaved, so that a slow spell of a shared machine hits every model
        samples["chansim"].append(run_child("chansim-mmc", contacts=contacts))
        samples["simpy"].append(run_child("simpy-mmc", contacts=contacts))
        if have_ciw:
            samples["ciw"].append(run_child("ciw-mmc", contacts=contacts))
    mmc: dict[str, dict | None] = {name: median_of(runs) if runs else None for name, runs in samples.items()}
    for m in mmc.values():
        if m is not None:
            m["contacts_per_s"] = m["contacts"] / m["seconds"]
    c, s, w = mmc["chansim"], mmc["simpy"], mmc["ciw"]
    ratios = {
        "speed_vs_simpy": c["contacts_per_s"] / s["contacts_per_s"],
        "speed_vs_ciw": c["contacts_per_s"] / w["contacts_per_s"] if w else None,
        "memory_vs_ciw": c["peak_rss_mb"] / w["peak_rss_mb"] if w else None,
        "memory_vs_simpy": c["peak_rss_mb"] / s["peak_rss_mb"],
        # the same, counting only what the run added to the process after its imports
        "memory_above_import_vs_ciw": ((c["peak_rss_mb"] - c["import_rss_mb"]) / (w["peak_rss_mb"] - w["import_rss_mb"])
                                       if w else None),
    }

    # (b) retail-us, one strategy, one week, one replication
    retail = median_of([run_child("retail-us", days=7.0) for _ in range(rounds)])
    retail["contacts_per_s"] = retail["contacts"] / retail["seconds"]
    retail["messages_per_s"] = retail["messages"] / retail["seconds"]

    # (c) replications on 1 and 2 workers
    pairs = [{n: run_child("replications", days=rep_days, workers=n) for n in (1, 2)} for _ in range(rounds)]
    reps = {n: median_of([pair[n] for pair in pairs]) for n in (1, 2)}
    speedup = reps[1]["seconds"] / reps[2]["seconds"]
    same = all(pair[1]["kpis"] == pair[2]["kpis"] == pairs[0][1]["kpis"] for pair in pairs)

    info["load_average_end"] = [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None
    measured = {
        "a.speed_vs_simpy": ratios["speed_vs_simpy"],
        "a.speed_vs_ciw": ratios["speed_vs_ciw"],
        "a.memory_vs_ciw": ratios["memory_vs_ciw"],
        "b.contacts_per_s": retail["contacts_per_s"],
        "c.speedup_2_workers": speedup,
    }
    targets = [
        {"name": key, "what": what, "target": target, "op": op, "measured": measured[key],
         "verdict": verdict(measured[key], target, op)}
        for key, what, target, op in TARGETS
    ]

    asa_theory = erlang_c_asa(AGENTS, RATE, AHT)
    print()
    print(f"(a) M/M/{AGENTS}, rho = {RHO}, AHT {AHT:.0f} s exponential, {contacts:,} contacts "
          f"(Erlang C ASA {asa_theory:.1f} s)")
    print(f"{'model':<34}{'contacts':>11}{'seconds':>9}{'contacts/s':>12}{'peak RSS MB':>13}"
          f"{'import MB':>11}{'ASA s':>8}")
    labels = {"chansim": "chansim (scenario → sim → KPIs)", "simpy": "bare SimPy (Resource + process)",
              "ciw": "Ciw (create_network + simulate)"}
    for key, m in mmc.items():
        if m is None:
            print(f"{labels[key]:<34}{'not installed':>11}")
            continue
        print(f"{labels[key]:<34}{m['contacts']:>11,}{m['seconds']:>9.2f}{m['contacts_per_s']:>12,.0f}"
              f"{m['peak_rss_mb']:>13,.0f}{m['import_rss_mb']:>11,.0f}{m['asa_s']:>8.1f}")
    print("ratios (chansim / other): speed " + ", ".join(
        f"{r:.2f} vs {n}" for n, r in (("SimPy", ratios["speed_vs_simpy"]), ("Ciw", ratios["speed_vs_ciw"]))
        if r is not None) + (f"; peak RSS {ratios['memory_vs_ciw']:.2f} vs Ciw"
                             f" ({ratios['memory_above_import_vs_ciw']:.2f} above imports)" if w else ""))
    print()
    print(f"(b) retail-us, strategy {retail['strategy']!r}, {retail['days']:g} days, 1 replication")
    print(f"    {retail['contacts']:,} contacts, {retail['messages']:,} messages in {retail['seconds']:.2f} s: "
          f"{retail['contacts_per_s']:,.0f} contacts/s, {retail['messages_per_s']:,.0f} messages/s, "
          f"peak RSS {retail['peak_rss_mb']:,.0f} MB (import {retail['import_rss_mb']:,.0f} MB)")
    print()
    print(f"(c) retail-us, strategy {reps[1]['strategy']!r}, {REPLICATIONS} replications × {rep_days:g} days")
    print(f"    1 worker {reps[1]['seconds']:.2f} s, 2 workers {reps[2]['seconds']:.2f} s: speed-up {speedup:.2f}×"
          f" (KPIs identical: {'yes' if same else 'NO'})")
    print()
    print(f"{'target':<40}{'goal':>10}{'measured':>12}  verdict")
    for t in targets:
        goal = f"{t['op']} {t['target']:,.3g}" if t["target"] < 1000 else f"{t['op']} {t['target']:,.0f}"
        if t["measured"] is None:
            value = "—"
        elif t["target"] >= 1000:
            value = f"{t['measured']:,.0f}"
        else:
            value = f"{t['measured']:.2f}"
        print(f"{t['what']:<40}{goal:>10}{value:>12}  {t['verdict']}")
    print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in info['load_average_end'] or [])}")

    # (d) the event engine on the same M/M/20 (the fast path off), (e) a year of a 1,000-seat centre,
    # projected from a few weeks, (f) memory per simulated day of retail-us
    events = run_child("chansim-mmc-events", contacts=contacts)
    events["contacts_per_s"] = events["contacts"] / events["seconds"]
    big_days = QUICK_BIG_DAYS if args.quick else FULL_BIG_DAYS
    big = run_child("bench-1000", days=big_days)
    big["contacts_per_s"] = big["contacts"] / big["seconds"]
    cores = os.cpu_count() or 1
    big["projected_year_s"] = big["seconds"] / big_days * YEAR_DAYS
    big["projected_30_replications_s"] = {n: big["projected_year_s"] * math.ceil(30 / n) for n in (1, cores)}
    memory = {days: run_child("retail-us", days=days) for days in MEMORY_DAYS}
    print(f"\n(d) M/M/{AGENTS}: fast path {c['contacts_per_s']:,.0f} contacts/s (kernel: {c['kernel']}, "
          f"loaded in {c['kernel_load_s']:.2f} s before timing), event engine "
          f"{events['contacts_per_s']:,.0f} contacts/s (same ASA: {c['asa_s']:.3f} / {events['asa_s']:.3f} s)")
    print(f"(e) bench-1000-seats, {big_days:g} days: {big['contacts']:,} contacts, {big['contacts_per_s']:,.0f} "
          f"contacts/s, peak RSS {big['peak_rss_mb']:.0f} MB; a year projected {big['projected_year_s'] / 60:.1f} min; "
          + ", ".join(f"30 replications on {n} core(s) {t / 3600:.1f} h"
                      for n, t in big["projected_30_replications_s"].items()))
    print("(f) retail-us peak RSS: " + ", ".join(f"{d:g} days {m['peak_rss_mb']:.0f} MB" for d, m in memory.items())
          + f"; per simulated day from 7 to 91 days "
          f"{(memory[91.0]['peak_rss_mb'] - memory[7.0]['peak_rss_mb']) / 84:.2f} MB")

    doc = {
        "machine": info,
        "mmc_event_engine": events,
        "bench_1000_seats": big,
        "retail_us_memory_by_days": {str(d): m for d, m in memory.items()},
        "quick": args.quick,
        "rounds": rounds,
        "mmc": {"agents": AGENTS, "rho": RHO, "aht_s": AHT, "contacts": contacts, "erlang_c_asa_s": asa_theory,
                "models": mmc, "ratios": ratios},
        "retail_us": retail,
        "replications": {"runs": {str(k): {kk: vv for kk, vv in v.items() if kk != "kpis"} for k, v in reps.items()},
                         "speedup": speedup, "kpis_identical": same},
        "targets": targets,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(f"written {args.json}")


if __name__ == "__main__":
    main()
