"""Strategies: the oracle that decides, at every scheduling point, which thread goes next.

A strategy is seeded and consumes its random numbers only at scheduling points, so a
seed replays the same interleaving exactly (the schedule is data: strategy name + seed).

* `random`: a random walk (the default). At every synchronisation point any runnable
  thread may go next, picked in proportion to a weight each thread draws per schedule;
  between byte-codes of the code under test the running thread is preempted with a small
  probability, itself drawn per schedule. Measured on the
  prototype, this finds every bug class of the curriculum within a few schedules, where
  choosing uniformly at every byte-code does not.
* `pct`: Probabilistic Concurrency Testing (Burckhardt et al., ASPLOS 2010): random
  thread priorities and d-1 random priority change points among the k steps of a run;
  finds a bug of depth d with probability at least 1/(n * k^(d-1)).
* `systematic`: bounded exhaustive search, as CHESS and loom do: depth-first over every
  interleaving with at most K preemptions (a switch away from a thread that could have
  gone on). Byte-code points count only where the code touches shared state (attribute,
  subscript, global access, calls), a cheap partial-order reduction. When the search
  runs out of interleavings before the budget, a green result is a proof for that bound:
  "verified: all N interleavings with at most 2 preemptions".
"""

from __future__ import annotations

import dis
import random
import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ..defaults import STRATEGIES
from .threads import ThreadRec

PREEMPTION_RATES = (0.05, 0.2, 0.4, 0.6)
# Each thread of a random-walk schedule gets a weight between 1/4 and 4 (log-uniform): at
# a switch, a thread is picked in proportion to its weight. Some schedules so keep one
# thread waiting for a long stretch, the interleaving of "polling assumes the other thread
# is quick" bugs, which a uniform pick reaches rarely (3.11, 200 seeds of tests/
# test_contention.py's event-ordering scenario: found 193 uniform, 200 weighted; the
# publication scenario 199 and 198).
WEIGHT_SPREAD = 4.0


class Strategy(Protocol):
    name: str

    def choose(self, options: Sequence[ThreadRec], current: ThreadRec | None,
               kind: str) -> ThreadRec:
        """Who runs next: one of `options` (`current` is the thread that was running)."""

    def preempt(self, frame: types.FrameType) -> bool:
        """At a byte-code of the code under test: should the running thread yield here?"""


class RandomWalk:
    name = "random"

    def __init__(self, seed: str) -> None:
        self._rng = random.Random(seed)
        self._rate = self._rng.choice(PREEMPTION_RATES)
        self._weights: dict[int, float] = {}

    def _weight(self, rec: ThreadRec) -> float:
        weight = self._weights.get(rec.idx)
        if weight is None:
            weight = self._weights[rec.idx] = WEIGHT_SPREAD ** self._rng.uniform(-1.0, 1.0)
        return weight

    def choose(self, options: Sequence[ThreadRec], current: ThreadRec | None,
               kind: str) -> ThreadRec:
        return self._rng.choices(options, [self._weight(t) for t in options])[0]

    def preempt(self, frame: types.FrameType) -> bool:
        return self._rng.random() < self._rate


class PCT:
    name = "pct"

    def __init__(self, seed: str, *, depth: int = 3, steps: int = 1000) -> None:
        self._rng = random.Random(seed)
        self._priority: dict[int, float] = {}
        self._step = 0
        self._low = 0.0
        self._changes = set(self._rng.sample(range(1, max(steps, depth) + 1), depth - 1))
        self._change_due = False
        self._last: ThreadRec | None = None  # the thread chosen last: it ran the last step

    def _prio(self, rec: ThreadRec) -> float:
        prio = self._priority.get(rec.idx)
        if prio is None:
            prio = self._priority[rec.idx] = 1.0 + self._rng.random()
        return prio

    def _tick(self) -> bool:
        self._step += 1
        return self._step in self._changes

    def choose(self, options: Sequence[ThreadRec], current: ThreadRec | None,
               kind: str) -> ThreadRec:
        if self._change_due or self._tick():
            # A change point demotes the thread that ran the step: `current`, or, when it
            # has just blocked or ended (no current), the one chosen last. Only at the very
            # first choice has no thread run yet.
            ran = current if current is not None else self._last
            if ran is not None:
                self._low -= 1.0
                self._priority[ran.idx] = self._low
        self._change_due = False
        self._last = max(options, key=lambda t: (self._prio(t), -t.idx))
        return self._last

    def preempt(self, frame: types.FrameType) -> bool:
        if self._tick():
            self._change_due = True
            return True
        return False


# ---------------------------------------------------------------------------------------
# Bounded systematic search

_SHARED_ACCESS = frozenset(
    op for op in dis.opmap
    if op.startswith(("LOAD_ATTR", "STORE_ATTR", "DELETE_ATTR", "LOAD_GLOBAL",
                      "STORE_GLOBAL", "BINARY_SUBSCR", "STORE_SUBSCR", "DELETE_SUBSCR",
                      "CALL", "LOAD_DEREF", "STORE_DEREF", "LOAD_METHOD", "LOAD_SUPER_ATTR",
                      "BINARY_SLICE", "STORE_SLICE"))
)
# 3.14 dropped BINARY_SUBSCR: `shared[key]` is a BINARY_OP whose operator is a subscript.
_SUBSCRIPT_OPERATOR = "[]"
_shared_cache: dict[types.CodeType, frozenset[int]] = {}


def _shared_offsets(code: types.CodeType) -> frozenset[int]:
    found = _shared_cache.get(code)
    if found is None:
        found = frozenset(i.offset for i in dis.get_instructions(code)
                          if i.opname in _SHARED_ACCESS
                          or (i.opname == "BINARY_OP" and i.argrepr == _SUBSCRIPT_OPERATOR))
        _shared_cache[code] = found
    return found


@dataclass
class Decision:
    """One scheduling decision: the alternatives in order (the default first)."""

    count: int
    chosen: int
    free: bool  # True when the running thread could not go on: any choice costs nothing


class Systematic:
    """Replays a prefix of choices, then takes defaults; records every decision."""

    name = "systematic"

    def __init__(self, prefix: list[int]) -> None:
        self._prefix = prefix
        self.log: list[Decision] = []

    def _decide(self, count: int, free: bool) -> int:
        i = len(self.log)
        chosen = self._prefix[i] if i < len(self._prefix) else 0
        chosen = min(chosen, count - 1)
        self.log.append(Decision(count, chosen, free))
        return chosen

    def choose(self, options: Sequence[ThreadRec], current: ThreadRec | None,
               kind: str) -> ThreadRec:
        ordered = list(options)
        free = current is None or current not in ordered
        if not free:
            ordered.remove(current)  # type: ignore[arg-type]
            ordered.insert(0, current)  # type: ignore[arg-type]
        return ordered[self._decide(len(ordered), free)]

    def preempt(self, frame: types.FrameType) -> bool:
        # Every shared access is a decision point; the decision itself is made in choose,
        # where "go on" is the default.
        return frame.f_lasti in _shared_offsets(frame.f_code)


@dataclass
class SystematicSearch:
    """Depth-first search over decisions with at most `bound` preemptions."""

    bound: int = 2
    runs: int = 0
    exhausted: bool = False
    _next: list[int] | None = field(default_factory=list)

    def strategy(self) -> Systematic | None:
        if self._next is None:
            return None
        return Systematic(list(self._next))

    def finished(self, run: Systematic) -> None:
        """After a run: the next prefix to try (deepest untried alternative), or none."""
        self.runs += 1
        log = run.log
        preemptions = [0] * (len(log) + 1)
        for i, d in enumerate(log):
            preemptions[i + 1] = preemptions[i] + (d.chosen > 0 and not d.free)
        for depth in range(len(log) - 1, -1, -1):
            d = log[depth]
            nxt = d.chosen + 1
            if nxt >= d.count:
                continue
            cost = preemptions[depth] + (0 if d.free else 1)
            if cost > self.bound:
                continue
            self._next = [x.chosen for x in log[:depth]] + [nxt]
            return
        self._next = None
        self.exhausted = True




def make_strategy(name: str, seed: str, *, steps_hint: int = 1000) -> Strategy:
    if name == "random":
        return RandomWalk(seed)
    if name == "pct":
        return PCT(seed, steps=steps_hint)
    if name == "systematic":
        raise ValueError("the systematic strategy is a search over many schedules, not one "
                         "schedule's strategy: SystematicSearch(preemptions).strategy() gives "
                         "each schedule's")
    raise ValueError(f"unknown strategy {name!r}: choose one of {', '.join(STRATEGIES)}")
