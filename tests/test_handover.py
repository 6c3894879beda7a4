"""A run that hands its log over a chunk of customers at a time as it goes
(chansim.engine.handover) measures bit for bit what the whole log measures:
on every shipped scenario, the chunks hold exactly the log's rows, whole
customers each, and the KPIs, cost lines and labor are equal; and the memory
of what was handed over is given back as the run goes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import chansim
from conftest import same_kpis
from chansim.engine import handover
from chansim.engine.replication import hand_over_replication, run_replication
from chansim.kpis.pipeline import Measuring, measure

SCENARIOS = sorted((Path(__file__).parent.parent / "scenarios").glob("*.yaml"))
#: (scenario, strategy index): the first strategy and one with campaigns, bots or deflection where there is one
CASES = [(p, i) for p in SCENARIOS for i in (0, 2)]



def _canonical(messages: pd.DataFrame) -> pd.DataFrame:
    keys = ["customer_id", "contact_id", "t", "direction", "sender", "chars"]
    return messages.astype({"direction": str, "sender": str}).sort_values(keys, kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("path,index", CASES, ids=[f"{p.stem}-{i}" for p, i in CASES])
def test_a_run_handed_over_by_customer_measures_what_its_whole_log_measures(path, index):
    days = 1.0 if "bench" in path.name else 2.5
    scenario = chansim.load_scenario(str(path), {"days": days, "warmup_days": 1})
    strategy = scenario.strategy_names[index % len(scenario.strategy_names)]
    resolved = scenario.for_strategy(strategy)
    log = run_replication(scenario, strategy, 1)
    whole = measure(resolved, log, 1)

    chunks = []
    measuring = Measuring(resolved, 1)

    def sink(contacts: pd.DataFrame, messages: pd.DataFrame) -> None:
        chunks.append((contacts, messages))
        measuring.add(contacts, messages)

    staffing = hand_over_replication(scenario, strategy, 1, sink, fast_path=False)
    got = measuring.finish(staffing)
    assert len(chunks) >= 2  # handed over as the run went, not at its end only
    # the chunks: the log's rows, each customer in one chunk, contacts in id order
    owners = {}
    for k, (contacts, messages) in enumerate(chunks):
        assert contacts["contact_id"].is_monotonic_increasing
        for customer in set(contacts["customer_id"].tolist()) | set(messages["customer_id"].tolist()):
            assert owners.setdefault(customer, k) == k, f"customer {customer} in two chunks"
    contacts = pd.concat([c for c, _ in chunks]).sort_values("contact_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(contacts, log.contacts, check_exact=True)
    messages = pd.concat([m for _, m in chunks], ignore_index=True)
    pd.testing.assert_frame_equal(_canonical(messages), _canonical(log.messages), check_exact=True)
    pd.testing.assert_frame_equal(staffing, log.staffing, check_exact=True)
    # the numbers
    same_kpis(got.kpis.overall, whole.kpis.overall, "overall")
    same_kpis(got.kpis.breakdowns, whole.kpis.breakdowns, "breakdowns")
    pd.testing.assert_frame_equal(got.costs, whole.costs, check_exact=True)
    pd.testing.assert_frame_equal(got.labor, whole.labor, check_exact=True)


def test_what_was_handed_over_is_let_go_as_the_run_goes(monkeypatch):
    """Over a three-week run, blocks of contacts and of turns are given back
    day after day, and what waits to be handed over stays a few days' worth."""
    scenario = chansim.load_scenario(str(SCENARIOS[[p.stem for p in SCENARIOS].index("retail-us")]),
                                     {"days": 21, "warmup_days": 0, "demand.contacts_per_day": 3000})
    strategy = "whatsapp-first"
    seen = []
    flush = handover.Handover.flush

    def watched(self, final: bool = False) -> None:
        flush(self, final)
        seen.append((int(self.forgotten.sum()), int(self.turn_blocks.sum()), sum(len(c) for c in self.contacts),
                     self.book.size))

    monkeypatch.setattr(handover.Handover, "flush", watched)
    measuring = Measuring(scenario.for_strategy(strategy), 0)
    measuring.finish(hand_over_replication(scenario, strategy, 0, measuring.add, fast_path=False))
    forgotten, turns, waiting, size = np.array(seen[:-1]).T
    assert forgotten[-1] >= 3 and turns[-1] >= 10  # contact blocks and turn blocks given back
    assert (np.diff(forgotten) >= 0).all() and forgotten[len(forgotten) // 2] > 0  # from the first weeks on
    assert waiting.max() < 0.25 * size[-1]  # waiting customers: days in play, not the horizon
