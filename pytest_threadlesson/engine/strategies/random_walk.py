"""`random`: a random walk (the default).

At every synchronisation point any runnable thread may go next, picked in proportion to a
weight each thread draws per schedule; between byte-codes of the code under test the
running thread is preempted with a small probability, itself drawn per schedule. Measured
on the prototype, this finds every bug class of the curriculum within a few schedules,
where choosing uniformly at every byte-code does not.
"""

from __future__ import annotations

import random
import types
from collections.abc import Sequence

PREEMPTION_RATES = (0.05, 0.2, 0.4, 0.6)
# Each thread of a random-walk schedule gets a weight between 1/4 and 4 (log-uniform): at
# a switch, a thread is picked in proportion to its weight. Some schedules so keep one
# thread waiting for a long stretch, the interleaving of "polling assumes the other thread
# is quick" bugs, which a uniform pick reaches rarely (3.11, 200 seeds of tests/
# test_contention.py's event-ordering scenario: found 193 uniform, 200 weighted; the
# publication scenario 199 and 198).
WEIGHT_SPREAD = 4.0


class RandomWalk:
    name = "random"

    def __init__(self, seed: str) -> None:
        self._rng = random.Random(seed)
        self._rate = self._rng.choice(PREEMPTION_RATES)
        self._weights: dict[int, float] = {}

    def _weight(self, thread: int) -> float:
        weight = self._weights.get(thread)
        if weight is None:
            weight = self._weights[thread] = WEIGHT_SPREAD ** self._rng.uniform(-1.0, 1.0)
        return weight

    def choose(self, runnable: Sequence[int], current: int | None, kind: str) -> int:
        return self._rng.choices(runnable, [self._weight(t) for t in runnable])[0]

    def preempt(self, frame: types.FrameType) -> bool:
        return self._rng.random() < self._rate
