"""Time an M/M/20 voice queue end to end in chansim (scenario → event log →
KPIs) against a bare SimPy model of the same queue, in the same run.

    python benchmarks/mmc.py [--contacts N] [--rho R]

Prints contacts per second for both and their ratio. Not part of the tests:
speed is measured here, never asserted in the test suite.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import simpy

AGENTS = 20
AHT = 180.0


def bare_simpy(contacts: int, rate_per_s: float, seed: int) -> float:
    """The textbook SimPy model: a Resource and one process per customer."""
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1 / rate_per_s, contacts)
    service = rng.exponential(AHT, contacts)
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=AGENTS)
    waits = np.empty(contacts)

    def customer(i: int):
        arrived = env.now
        with agents.request() as request:
            yield request
            waits[i] = env.now - arrived
            yield env.timeout(service[i])

    def source():
        for i in range(contacts):
            yield env.timeout(gaps[i])
            env.process(customer(i))

    env.process(source())
    env.run()
    return float(waits.mean())


def chansim_mmc(contacts: int, rate_per_s: float, seed: int) -> tuple[float, int]:
    import chansim  # imported here so the bare SimPy model runs without it (benchmarks/run.py measures memory)

    per_day = rate_per_s * 86_400
    scenario = chansim.load_scenario(
        {
            "name": "mm20",
            "start_date": "2026-01-05",
            "days": contacts / per_day,
            "seed": seed,
            "replications": 1,
            "demand": {"contacts_per_day": per_day, "segments": [{"name": "all", "share": 1, "preference": ["voice"]}]},
            "channels": {"voice": {"handle_time": {"dist": "exponential", "mean": AHT}, "service_level_target_s": 20}},
            "agents": {"pools": [{"name": "voice", "channels": ["voice"], "headcount": AGENTS}]},
        }
    )
    result = chansim.simulate(scenario, keep_log=False)
    kpis = result.strategies[0].kpis
    return float(kpis["asa_s"]), int(kpis["contacts"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=200_000, help="contacts to simulate (default 200k)")
    parser.add_argument("--rho", type=float, default=0.9, help="agent utilisation (default 0.9)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rate = args.rho * AGENTS / AHT

    t0 = time.perf_counter()
    asa_c, n_c = chansim_mmc(args.contacts, rate, args.seed)
    t_chansim = time.perf_counter() - t0

    t0 = time.perf_counter()
    asa_s = bare_simpy(args.contacts, rate, args.seed)
    t_simpy = time.perf_counter() - t0

    r_c, r_s = n_c / t_chansim, args.contacts / t_simpy
    print(f"M/M/{AGENTS}, rho={args.rho}, AHT={AHT:.0f} s, {platform.python_implementation()} "
          f"{platform.python_version()} on {platform.machine()}")
    print(f"{'model':<34}{'contacts':>10}{'seconds':>10}{'contacts/s':>12}{'ASA s':>9}")
    print(f"{'chansim (scenario → log → KPIs)':<34}{n_c:>10,}{t_chansim:>10.2f}{r_c:>12,.0f}{asa_c:>9.1f}")
    print(f"{'bare SimPy (Resource + process)':<34}{args.contacts:>10,}{t_simpy:>10.2f}{r_s:>12,.0f}{asa_s:>9.1f}")
    print(f"ratio chansim / bare SimPy: {r_c / r_s:.2f}")


if __name__ == "__main__":
    main()
