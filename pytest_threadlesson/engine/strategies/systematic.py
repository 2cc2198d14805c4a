"""`systematic`: bounded exhaustive search, as CHESS and loom do.

Depth-first over every interleaving with at most K preemptions (a switch away from a
thread that could have gone on). Byte-code points count only where the code touches
shared state (attribute, subscript, global access, calls), a cheap partial-order
reduction. When the search runs out of interleavings before the budget, a green result is
a proof for that bound: "verified: all N interleavings with at most 2 preemptions".
"""

from __future__ import annotations

import dis
import types
from collections.abc import Sequence
from dataclasses import dataclass, field

SHARED_ACCESS = frozenset(
    op for op in dis.opmap
    if op.startswith(("LOAD_ATTR", "STORE_ATTR", "DELETE_ATTR", "LOAD_GLOBAL",
                      "STORE_GLOBAL", "BINARY_SUBSCR", "STORE_SUBSCR", "DELETE_SUBSCR",
                      "CALL", "LOAD_DEREF", "STORE_DEREF", "LOAD_METHOD", "LOAD_SUPER_ATTR",
                      "BINARY_SLICE", "STORE_SLICE"))
)
# 3.14 dropped BINARY_SUBSCR: `shared[key]` is a BINARY_OP whose operator is a subscript.
_SUBSCRIPT_OPERATOR = "[]"
_shared_cache: dict[types.CodeType, frozenset[int]] = {}


def shared_offsets(code: types.CodeType) -> frozenset[int]:
    """The offsets of the instructions of `code` that touch shared state."""
    found = _shared_cache.get(code)
    if found is None:
        found = frozenset(i.offset for i in dis.get_instructions(code)
                          if i.opname in SHARED_ACCESS
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

    def choose(self, runnable: Sequence[int], current: int | None, kind: str) -> int:
        ordered = list(runnable)
        free = current is None or current not in ordered
        if current is not None and not free:
            ordered.remove(current)
            ordered.insert(0, current)
        return ordered[self._decide(len(ordered), free)]

    def preempt(self, frame: types.FrameType) -> bool:
        # Every shared access is a decision point; the decision itself is made in choose,
        # where "go on" is the default.
        return frame.f_lasti in shared_offsets(frame.f_code)


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
