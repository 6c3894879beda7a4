"""Random streams: one seeded ``numpy.random.Generator`` per source of
randomness, derived from (scenario seed, replication, stream name).

A stream is keyed by its name, not by the order streams are created in, so
adding a stream never shifts the others, and the same replication number gives
the same draws under every strategy (common random numbers).
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["Streams"]


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
