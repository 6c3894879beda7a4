"""chansim's :class:`~chansim.engine.clock.Clock` runs SimPy's event
queue with its own loop (``run_until``) and schedules callbacks straight into
it (``call_at``/``call_in``). These tests drive the same events through that
loop and through ``simpy.Environment.run`` and require the same order and
times, so an upgrade of SimPy that changes its internals fails here first
(``simpy`` is pinned to the minor versions tested)."""

from __future__ import annotations

import random

import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from chansim.engine.clock import Clock


def build(env: Clock, seed: int, trace: list) -> None:
    """A small model using every kind of event the engine relies on:
    processes and timeouts (with ties), a resource, events succeeded by hand,
    interrupts, defused failures, and callbacks scheduled with call_at/call_in."""
    rng = random.Random(seed)
    desk = simpy.Resource(env, capacity=2)

    def customer(name: int):
        try:
            yield env.timeout(rng.choice([0, 1, 1, 2.5, 3]))
            with desk.request() as request:
                trace.append((env.now, "queue", name))
                yield request
                trace.append((env.now, "served", name))
                yield env.timeout(rng.choice([1, 2, 2, 4]))
        except simpy.Interrupt as stop:
            trace.append((env.now, "interrupted", name, stop.cause))
        trace.append((env.now, "left", name))

    processes = [env.process(customer(i)) for i in range(rng.randint(3, 9))]

    def interrupter():
        yield env.timeout(rng.choice([1, 2, 3]))
        for p in processes[: rng.randint(0, 3)]:
            if p.is_alive:
                p.interrupt("closing")

    env.process(interrupter())

    def note(event) -> None:
        trace.append((env.now, "call", event.value))

    for k in range(rng.randint(1, 8)):
        env.call_at(rng.choice([0.5, 1, 2, 2, 3.25]), note, f"at{k}")
    env.call_in(2, note, "in")

    signal = env.event()
    signal.callbacks.append(lambda e: trace.append((env.now, "signal", e.value)))

    def signaller():
        yield env.timeout(2)
        signal.succeed("go")
        failed = env.event()
        failed.fail(RuntimeError("handled"))
        failed.defused = True  # a failure someone handled: the run goes on
        trace.append((env.now, "signalled"))

    env.process(signaller())


def trace_of(seed: int, until: float, *, chansim_loop: bool) -> tuple[list, float]:
    env, trace = Clock(), []
    build(env, seed, trace)
    if chansim_loop:
        env.run_until(until)
    else:
        simpy.Environment.run(env, until=until)
    return trace, env.now


@settings(max_examples=60, deadline=None, derandomize=True)
@given(seed=st.integers(min_value=0, max_value=10**6), until=st.sampled_from([1, 2, 2.5, 3, 4, 100]))
def test_run_until_processes_the_same_events_in_the_same_order_as_simpy(seed, until):
    ours = trace_of(seed, until, chansim_loop=True)
    simpys = trace_of(seed, until, chansim_loop=False)
    assert ours == simpys
    assert ours[1] == until


def test_the_trace_is_not_trivial():
    trace, _ = trace_of(3, 100, chansim_loop=True)
    kinds = {entry[1] for entry in trace}
    assert {"queue", "served", "left", "call", "signal", "signalled"} <= kinds
    assert [t for t, *_ in trace] == sorted(t for t, *_ in trace)


def test_a_run_continues_from_where_it_stopped_like_simpy():
    for chansim_loop in (True, False):
        env, trace = Clock(), []
        build(env, 11, trace)
        for until in (1, 2, 2.5, 10):
            env.run_until(until) if chansim_loop else simpy.Environment.run(env, until=until)
        if chansim_loop:
            ours = trace
        else:
            assert trace == ours


def test_an_unhandled_failure_is_raised_by_both():
    for run in (lambda env: env.run_until(5), lambda env: simpy.Environment.run(env, until=5)):
        env = Clock()

        def broken():
            yield env.timeout(1)
            raise ValueError("boom")

        env.process(broken())
        with pytest.raises(ValueError, match="boom"):
            run(env)


def test_simpy_is_a_version_the_clock_was_tested_with():
    major, minor = (int(part) for part in simpy.__version__.split(".")[:2])
    assert (major, minor) == (4, 1)
