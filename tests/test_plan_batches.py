"""Contacts made during the run draw only what their channel needs, in
contact order: drawing for a batch of them gives exactly the numbers that
drawing for each in turn gives (the engine batches customers coming back)."""

from pathlib import Path

import numpy as np
import pytest

from chansim import load_scenario
from chansim.engine.plan import build_plan
from chansim.engine.streams import Streams

SCENARIOS = sorted((Path(__file__).parent.parent / "scenarios").glob("*.yaml"))
COLUMNS = ("preferred", "original", "channel", "patience", "handle_time", "turns", "bot_turns", "bot_resolves",
           "unresolved_u", "unresolved_p", "escalate_turn", "deflect", "customer", "repeat_of", "root", "attempt")


def _returns(book, rng, k):
    """k customers coming back: ids reserved in order, some switching channel."""
    parents = rng.integers(0, book.size, k)
    first = book.new_id(k)
    ids = np.arange(first, first + k, dtype=np.int64)
    book.describe(
        ids, np.sort(rng.uniform(0, 3600, k)), book.segment[parents], book.intent[parents],
        customer=book.customer[parents], repeat_of=parents, root=book.root[parents], attempt=book.attempt[parents] + 1,
    )
    switch = np.where(rng.random(k) < 0.3, book.channel[parents].astype(np.int64), -1)
    return ids, switch


def _same_nan(value):
    return "nan" if isinstance(value, float) and np.isnan(value) else value


def _per_contact(book, ids):
    rows = []
    for i in ids:
        off, n = int(book.turn_offset[i]), int(book.turns[i] + book.bot_turns[i])
        turns = book.turn_data
        msgs = book.message_data
        rows.append((
            {c: _same_nan(getattr(book, c)[i].item()) for c in COLUMNS},
            turns.work_time[off:off + n].tolist(), turns.reply_delay[off:off + n].tolist(),
            msgs.chars[2 * off:2 * (off + n)].tolist(), msgs.non_gsm[2 * off:2 * (off + n)].tolist(),
            msgs.media[2 * off:2 * (off + n)].tolist(), turns.contact[off:off + n].tolist(),
        ))
    return rows


# a bot on two channels with random turn times: one stream shared by both channels
RANDOM_BOT = {"strategies.1.bot.time_per_turn": {"dist": "exponential", "mean": 2}}


@pytest.mark.parametrize("path,overrides", [(p, {}) for p in SCENARIOS] + [(SCENARIOS[0].parent / "ecommerce-br.yaml", RANDOM_BOT)],
                         ids=lambda v: v.stem if isinstance(v, Path) else ("random-bot" if v else ""))
def test_batch_draws_equal_one_at_a_time(path, overrides):
    scenario = load_scenario(path, {"days": 0.25, **overrides})
    for name in scenario.strategy_names:
        resolved = scenario.for_strategy(name)
        batch = build_plan(resolved, Streams(resolved.seed, 3))
        single = build_plan(resolved, Streams(resolved.seed, 3))
        ids, switch = _returns(batch, np.random.default_rng(7), 400)
        ids_single, _ = _returns(single, np.random.default_rng(7), 400)
        assert ids.tolist() == ids_single.tolist()
        batch.draw(ids, stream="repeat", switch=switch, common=False)
        for k, i in enumerate(ids_single):
            single.draw(np.array([i]), stream="repeat", switch=switch[k:k + 1], common=False)
        assert _per_contact(batch, ids) == _per_contact(single, ids_single), name
        talking = ids[batch.turns[ids] + batch.bot_turns[ids] > 0]
        assert talking.size and (batch.turn_data.contact[batch.turn_offset[talking]] == talking).all()


@pytest.mark.parametrize("spec", [
    {"dist": "exponential", "mean": 86_400},
    {"dist": "lognormal", "mean": 300, "cv": 0.8},
    {"dist": "gamma", "mean": 120, "cv": 1.7},
    {"dist": "gamma", "mean": 120, "cv": 0.3},
    {"dist": "uniform", "low": 5, "high": 50},
    {"dist": "poisson", "mean": 4},
    {"dist": "empirical", "values": [1, 2, 8], "weights": [3, 1, 1]},
    {"dist": "fixed", "value": 7},
])
def test_values_drawn_a_block_at_a_time_equal_single_draws(spec):
    from chansim.scenario.distributions import Distribution
    from chansim.engine.streams import Drawn

    dist = Distribution(**spec)
    first, second = np.random.Generator(np.random.PCG64(5)), np.random.Generator(np.random.PCG64(5))
    blocks = Drawn(lambda k: dist.sample(first, k), block=16)
    assert [blocks() for _ in range(50)] == [float(dist.sample(second, 1)[0]) for _ in range(50)]
    uniform_a, uniform_b = np.random.Generator(np.random.PCG64(9)), np.random.Generator(np.random.PCG64(9))
    u = Drawn(uniform_a.random, block=16)
    assert [u() for _ in range(40)] == [uniform_b.random() for _ in range(40)]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_a_finished_simulation_is_freed_at_once(path):
    """No reference cycle keeps a simulation (and its plan) alive after its run:
    the plan's arrays are the largest thing in memory while KPIs are computed."""
    import gc
    import weakref

    from chansim.engine.simulation import Simulation

    scenario = load_scenario(path, {"days": 0.5})
    resolved = scenario.for_strategy(scenario.strategy_names[-1])
    book = build_plan(resolved, Streams(resolved.seed, 0))
    sim = Simulation(resolved, book)
    sim.run()
    gone, plan_gone = weakref.ref(sim), weakref.ref(book)
    gc.disable()
    try:
        del sim, book
        assert gone() is None and plan_gone() is None
    finally:
        gc.enable()
