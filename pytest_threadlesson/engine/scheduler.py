"""The strategies, by their old names: each lives in its own module of `strategies/`.

    strategies/base.py         Strategy (the interface), Choice / Preemption / Cut (the
                               schedule as data), ScheduleDiverged, make_strategy
    strategies/random_walk.py  RandomWalk (`random`, the default)
    strategies/pct.py          PCT (`pct`)
    strategies/systematic.py   Systematic, SystematicSearch, Decision (`systematic`)
    strategies/replay.py       Replay: a recorded schedule taken again
"""

from __future__ import annotations

from .strategies.base import (
    GO_ON,
    PREEMPT,
    Choice,
    Cut,
    Preemption,
    Record,
    ScheduleDiverged,
    Strategy,
    make_strategy,
)
from .strategies.pct import PCT
from .strategies.random_walk import PREEMPTION_RATES, WEIGHT_SPREAD, RandomWalk
from .strategies.replay import Replay, ScheduleCut
from .strategies.systematic import (
    SHARED_ACCESS,
    Decision,
    Systematic,
    SystematicSearch,
    shared_offsets,
)

__all__ = [
    "GO_ON", "PCT", "PREEMPT", "PREEMPTION_RATES", "SHARED_ACCESS", "WEIGHT_SPREAD", "Choice",
    "Cut", "Decision", "Preemption", "RandomWalk", "Record", "Replay", "ScheduleCut",
    "ScheduleDiverged", "Strategy", "Systematic", "SystematicSearch", "make_strategy",
    "shared_offsets",
]
