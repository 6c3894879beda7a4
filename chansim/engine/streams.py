"""Random streams: one seeded ``numpy.random.Generator`` per source of
randomness, derived from (scenario seed, replication, stream name).

A stream is keyed by its name, not by the order streams are created in, so
adding a stream never shifts the others, and the same replication number gives
the same draws under every strategy (common random numbers).
"""

from __future__ import annotations

import zlib
from typing import Callable

import numpy as np

__all__ = ["Streams", "Drawn"]


class Streams:
    """The random streams of one replication."""

    def __init__(self, seed: int, replication: int):
        self.seed = int(seed)
        self.replication = int(replication)
        self._cache: dict[str, np.random.Generator] = {}

    def __call__(self, name: str) -> np.random.Generator:
        """The generator for stream ``name`` (created on first use)."""
        rng = self._cache.get(name)
        if rng is None:
            key = zlib.crc32(name.encode("utf-8"))
            sequence = np.random.SeedSequence(entropy=self.seed, spawn_key=(self.replication, key))
            rng = self._cache[name] = np.random.Generator(np.random.PCG64(sequence))
        return rng


class Drawn:
    """The values of one draw on one stream, made a block at a time and handed
    out one by one: ``draw(k)`` gives the next ``k`` values, and every
    sampler used here (numpy's generators draw value after value) gives the
    same sequence in blocks as one call at a time."""

    def __init__(self, draw: Callable[[int], np.ndarray], block: int = 256):
        self._draw = draw
        self._block = block
        self._values: list[float] = []
        self._next = 0

    def __call__(self) -> float:
        if self._next == len(self._values):
            self._values = self._draw(self._block).tolist()
            self._next = 0
        value = self._values[self._next]
        self._next += 1
        return value
