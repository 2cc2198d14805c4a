"""`systematic`: bounded exhaustive search, as CHESS and loom do.

Depth-first over every interleaving with at most K preemptions (a switch away from a
thread that could have gone on). Its scheduling points are those of
docs/scheduling-points.md: every operation on a primitive, and every byte-code of the
code under test that may touch state another thread can reach (`tracing.point_kind`:
attribute, global, cell and subscript accesses, iteration, operators, calls); byte-codes
local to their frame are merged into the step before them, the reduction that keeps the
search finite. When the search runs out of interleavings before the budget, a green
result is a proof for that bound: "verified: all N interleavings with at most 2
preemptions".
"""

from __future__ import annotations

import dis
import types
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..tracing import LOCAL_OPS, entry_offsets, scheduling_points
from ..unfinished import unfinished_calls

# The byte-code names of this Python that are scheduling points (the complement of
# `tracing.LOCAL_OPS`; a BINARY_OP is one whatever its operator).
SHARED_ACCESS = frozenset(op for op in dis.opmap if op not in LOCAL_OPS)


def shared_offsets(code: types.CodeType) -> dict[int, str]:
    """The offsets (as `frame.f_lasti` reports them) of the instructions of `code` that
    may touch shared state, with their kinds: the systematic strategies' byte-code
    scheduling points."""
    return scheduling_points(code)


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
        # where "go on" is the default. So is the start of a callback that a builtin or a
        # library function runs before it is finished (what it did so far is visible).
        code, at = frame.f_code, frame.f_lasti
        return at in shared_offsets(code) or (
            at in entry_offsets(code) and bool(unfinished_calls(frame.f_back, code, {})))


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
