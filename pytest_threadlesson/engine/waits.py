"""The wait-for graph and the lock-order graph: data, and the searches over them.

A deadlock is a cycle in the wait-for graph (thread -> the threads that own what it waits
for), or, for things nobody owns (an Event, a Condition, a Barrier), the state in which
every thread of the test waits without a timeout. A lock-order inversion is a cycle in the
graph "lock A was held while lock B was taken" (Linux lockdep, ThreadSanitizer): it predicts
a deadlock even in a run that happened not to hang.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..frames import Site
from ..report import render_deadlock, render_inversion
from .naming import locate_all, waited_object

if TYPE_CHECKING:
    from .threads import ThreadRec


@dataclass
class ThreadState:
    """A thread at the moment of a report: what it holds and what it waits for."""

    name: str
    held: list[tuple[Any, Site | None]]
    waiting_on: Any
    wait_site: Site | None
    timed: bool


@dataclass
class DeadlockReport:
    """A deadlock as data. Names are located when it forms (no user code runs then: the
    engine's mutex may be held) and rendered later, when the learner's `__repr__` is safe
    to call."""

    kind: str  # "cycle" | "all-blocked" | "self" | "timeout"
    threads: list[ThreadState]
    stacks: dict[str, list[str]] = field(default_factory=dict)
    owners: dict[int, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        objects: dict[int, Any] = {}
        for t in self.threads:
            for lock, _ in t.held:
                objects[id(lock)] = lock
            if t.waiting_on is not None:
                waited = waited_object(t.waiting_on)
                if waited is not None:
                    objects[id(waited)] = waited
        located = locate_all(list(objects.values())) if objects else {}
        self.owners = {k: (obj, located.get(k)) for k, obj in objects.items()}

    @classmethod
    def cycle(cls, threads: list[ThreadState]) -> DeadlockReport:
        return cls("self" if len(threads) == 1 else "cycle", threads)

    @classmethod
    def all_blocked(cls, threads: list[ThreadState]) -> DeadlockReport:
        return cls("all-blocked", threads)

    def render(self) -> str:
        return render_deadlock(self)


def _stuck(t: ThreadRec) -> bool:
    return (
        t.waiting_on is not None
        and not t.timed
        and not t.token
        and t.pending is None
        and t.arena.parked(t)
    )


def find_cycle(start: ThreadRec) -> list[ThreadRec] | None:
    """The threads of a wait-for cycle through `start`, in order, or None.

    `start` is about to wait (or waits); each edge goes from a thread to an owner of what
    it waits for, and only waits without a timeout count: a timed wait ends by itself.
    """
    if start.waiting_on is None or start.timed:
        return None
    path: list[ThreadRec] = [start]
    seen: set[int] = {id(start)}

    def visit(t: ThreadRec) -> list[ThreadRec] | None:
        waitable = t.waiting_on
        if waitable is None:
            return None
        for owner in waitable.owners():
            if owner is start:
                return list(path)
            if id(owner) in seen or not _stuck(owner):
                continue
            seen.add(id(owner))
            path.append(owner)
            found = visit(owner)
            if found is not None:
                return found
            path.pop()
        return None

    return visit(start)


@dataclass
class OrderEdge:
    first: Any
    first_site: Site | None
    second: Any
    second_site: Site | None
    thread: str
    gates: dict[int, Any] = field(default_factory=dict)  # held every time: id -> gate


@dataclass
class Inversion:
    """Locks taken in opposite orders: `edges` is the cycle of the lock-order graph."""

    edges: list[OrderEdge]
    owners: dict[int, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        objects = {id(o): o for e in self.edges for o in (e.first, e.second)}
        located = locate_all(list(objects.values()))
        self.owners = {k: (obj, located.get(k)) for k, obj in objects.items()}

    def render(self) -> str:
        return render_inversion(self)


def gate_capacity(gate: Any) -> float:
    """How many threads a gate lets in at once: 1 for a lock, the initial value for a
    semaphore used as a pool of permits; unbounded for a semaphore used as a signal (one
    thread acquires, another releases), which orders nothing."""
    capacity = getattr(gate, "threadlesson_capacity", None)
    if capacity is None:
        return 1
    if capacity < 1 or getattr(gate, "threadlesson_signal", False):
        return float("inf")
    return float(capacity)


class LockOrderGraph:
    """Which lock was held while which other lock was taken, and where."""

    def __init__(self) -> None:
        self._edges: dict[tuple[int, int], OrderEdge] = {}
        self._next: dict[int, list[int]] = {}
        self._pairs_reported: set[frozenset[int]] = set()
        self.inversions: list[Inversion] = []

    def add(self, first: Any, first_site: Site | None, second: Any, second_site: Site | None,
            thread: str, gates: dict[int, Any] | None = None) -> None:
        key = (id(first), id(second))
        gates = gates or {}
        edge = self._edges.get(key)
        if edge is not None:
            shared = {k: v for k, v in edge.gates.items() if k in gates}
            if shared == edge.gates:
                return
            edge.gates = shared  # a gate counts only if it was held every time
        else:
            self._edges[key] = OrderEdge(first, first_site, second, second_site, thread,
                                         dict(gates))
            self._next.setdefault(id(first), []).append(id(second))
        back = self._path(id(second), id(first))
        if back is None:
            return
        pair = frozenset(key)
        if pair in self._pairs_reported:
            return
        cycle = [self._edges[key]] + [self._edges[(a, b)] for a, b in itertools.pairwise(back)]
        common = set(cycle[0].gates)
        for e in cycle[1:]:
            common &= set(e.gates)
        if any(gate_capacity(cycle[0].gates[g]) < len(cycle) for g in common):
            return  # a gate lets fewer threads in than the cycle needs: it cannot close
        self._pairs_reported.add(pair)
        self.inversions.append(Inversion(cycle))

    def _path(self, src: int, dst: int) -> list[int] | None:
        """A path of lock ids from src to dst, breadth first (shortest), or None."""
        parents: dict[int, int] = {src: src}
        frontier = [src]
        while frontier:
            nxt: list[int] = []
            for node in frontier:
                for succ in self._next.get(node, ()):
                    if succ in parents:
                        continue
                    parents[succ] = node
                    if succ == dst:
                        path = [dst]
                        while path[-1] != src:
                            path.append(parents[path[-1]])
                        return path[::-1]
                    nxt.append(succ)
            frontier = nxt
        return None
