"""The strategy interface, the schedule as data, and `make_strategy`.

A strategy is seeded and consumes its random numbers only at scheduling points, so a
seed replays the same interleaving exactly (the schedule is data: strategy name + seed).
Every decision a run asks of its strategy is also recorded, in order, as a small frozen
record (`Choice`, `Preemption`): the run's schedule, which `replay.Replay` takes again.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ...defaults import STRATEGIES
from .pct import PCT
from .random_walk import RandomWalk


class Strategy(Protocol):
    name: str

    def choose(self, runnable: Sequence[int], current: int | None, kind: str) -> int:
        """Who runs next: one of the `runnable` thread ids (`current`: the id of the thread
        that was running, when it could go on; `kind`: what kind of point this is)."""

    def preempt(self, frame: types.FrameType) -> bool:
        """At a byte-code of the code under test: should the running thread yield here?"""


@dataclass(frozen=True)
class Choice:
    """The strategy chose `chosen` among the `runnable` ids at a point of `kind`."""

    runnable: tuple[int, ...]
    current: int | None
    chosen: int
    kind: str


@dataclass(frozen=True)
class Preemption:
    """The strategy was asked whether to preempt at a byte-code, and said `yes` or not."""

    yes: bool


@dataclass(frozen=True)
class Cut:
    """The last record of a schedule that grew past its run's limit: `kept` decisions
    were recorded, the rest were not. A replay stops here and says so."""

    kept: int


Record = Choice | Preemption | Cut
PREEMPT = Preemption(True)  # shared: a long run records many of each
GO_ON = Preemption(False)


class ScheduleDiverged(Exception):
    """A strategy cannot go on: the program is not on the path it was told to follow. The
    run aborts the schedule, and `run_schedule` raises this once every thread is done."""


def make_strategy(name: str, seed: str, *, steps_hint: int = 1000) -> Strategy:
    if name == "random":
        return RandomWalk(seed)
    if name == "pct":
        return PCT(seed, steps=steps_hint)
    if name in ("systematic", "dpor"):
        raise ValueError(f"the {name} strategy is a search over many schedules, not one "
                         "schedule's strategy: SystematicSearch(preemptions).strategy() or "
                         "DporSearch(bound).strategy() gives each schedule's")
    raise ValueError(f"unknown strategy {name!r}: choose one of {', '.join(STRATEGIES)}")
