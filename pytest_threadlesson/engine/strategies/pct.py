"""`pct`: Probabilistic Concurrency Testing (Burckhardt et al., ASPLOS 2010).

Random thread priorities and d-1 random priority change points among the k steps of a
run; finds a bug of depth d with probability at least 1/(n * k^(d-1)).
"""

from __future__ import annotations

import random
import types
from collections.abc import Sequence


class PCT:
    name = "pct"

    def __init__(self, seed: str, *, depth: int = 3, steps: int = 1000) -> None:
        self._rng = random.Random(seed)
        self._priority: dict[int, float] = {}
        self._step = 0
        self._low = 0.0
        self._changes = set(self._rng.sample(range(1, max(steps, depth) + 1), depth - 1))
        self._change_due = False
        self._last: int | None = None  # the thread chosen last: it ran the last step

    def _prio(self, thread: int) -> float:
        prio = self._priority.get(thread)
        if prio is None:
            prio = self._priority[thread] = 1.0 + self._rng.random()
        return prio

    def _tick(self) -> bool:
        self._step += 1
        return self._step in self._changes

    def choose(self, runnable: Sequence[int], current: int | None, kind: str) -> int:
        if self._change_due or self._tick():
            # A change point demotes the thread that ran the step: `current`, or, when it
            # has just blocked or ended (no current), the one chosen last. Only at the very
            # first choice has no thread run yet.
            ran = current if current is not None else self._last
            if ran is not None:
                self._low -= 1.0
                self._priority[ran] = self._low
        self._change_due = False
        self._last = max(runnable, key=lambda t: (self._prio(t), -t))
        return self._last

    def preempt(self, frame: types.FrameType) -> bool:
        if self._tick():
            self._change_due = True
            return True
        return False
