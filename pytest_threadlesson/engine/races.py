"""The races of one `dpor` run and what reversing one takes: happens-before by vector
clocks, the race pairs, a race's reversal and its initials (source sets), the threads
that lead to a racing step, and the lock taking a race over a lock goes back to."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from .conflict import Op, dependent, keys


def races(events: Sequence[tuple[int, Op]], born: dict[int, int]
          ) -> tuple[list[tuple[int, int]], list[list[int]], list[int]]:
    """The races of a run: pairs (j, k) of dependent steps of different threads, j before
    k, j not happening-before k but through their conflict. Also each step's vector clock
    and its number among its thread's steps."""
    width = max((t for t, _ in events), default=0) + 1
    width = max(width, max(born, default=0) + 1)
    clocks: list[list[int]] = []
    local: list[int] = []
    now: dict[int, list[int]] = {}
    filed: dict[tuple[object, ...], tuple[dict[int, int], dict[int, int]]] = {}
    found: list[tuple[int, int]] = []
    for k, (p, op) in enumerate(events):
        clock = now.get(p)
        if clock is None:
            start = born.get(p, -1)
            clock = list(clocks[start]) if 0 <= start < len(clocks) else [0] * width
        else:
            clock = list(clock)
        met: set[int] = set()
        for loc, write in op:
            for key in keys(loc)[1]:
                entry = filed.get(key)
                if entry is None:
                    continue
                for q, j in entry[0].items():
                    if q != p:
                        met.add(j)
                if write:
                    for q, j in entry[1].items():
                        if q != p:
                            met.add(j)
        racing = [j for j in met if clock[events[j][0]] < local[j]]
        for j in met:
            other = clocks[j]
            for i in range(width):
                if other[i] > clock[i]:
                    clock[i] = other[i]
        clock[p] += 1
        clocks.append(clock)
        local.append(clock[p])
        now[p] = clock
        for j in racing:
            tj = events[j][0]
            if not any(clocks[i][tj] >= local[j] for i in racing if i != j):
                found.append((j, k))
        for loc, write in op:
            for key in keys(loc)[0]:
                entry = filed.get(key)
                if entry is None:
                    entry = filed[key] = ({}, {})
                entry[0 if write else 1][p] = k
    return found, clocks, local


Steps = set[int] | frozenset[int]


def leads(runnable: Sequence[int], j: int, k: int, events: Sequence[tuple[int, Op]],
          clock_k: list[int], local: list[int], steps_of: dict[int, list[int]]) -> set[int]:
    """For a bounded search, the threads of `runnable` (those that can run at the state
    before step j) that lead to step k: k's own thread, and those whose next step after j happens
    before k (Flanagan & Godefroid's set E)."""
    p = events[k][0]
    lead: set[int] = set()
    for q in runnable:
        if q == p:
            lead.add(q)
            continue
        if q == events[j][0]:  # its later steps lead to k only through the lock
            continue           # j took (`taken_before`): j's own order, not a lead
        mine = steps_of.get(q, [])
        n = bisect_right(mine, j)
        if n < len(mine) and mine[n] < k and clock_k[q] >= local[mine[n]]:
            lead.add(q)
    return lead


def reversal(j: int, k: int, events: Sequence[tuple[int, Op]], clocks: list[list[int]],
              local: list[int]) -> tuple[list[int], set[int]]:
    """The race (j, k) reversed, as Abdulla et al. 2014 (source sets) write it: v, the
    steps between j and k that do not happen after j, then k; as the threads that take
    them in order, and v's initials (the threads whose first step in v no other step of
    v happens before: any of them can start v)."""
    tj = events[j][0]
    firsts: dict[int, int] = {}  # thread -> its first step in v
    gone = {tj}  # threads whose steps from here happen after j
    way: list[int] = []
    for i in range(j + 1, k):
        t = events[i][0]
        if t in gone:
            continue
        if clocks[i][tj] >= local[j]:
            gone.add(t)
            continue
        firsts.setdefault(t, i)
        way.append(t)
    p = events[k][0]
    way.append(p)
    firsts.setdefault(p, k)
    initials = {q for q, i in firsts.items()
                if not any(r != q and clocks[i][r] >= local[f] for r, f in firsts.items())}
    return way, initials


def taken_before(j: int, k: int, events: Sequence[tuple[int, Op]],
                  steps_of: dict[int, list[int]], takes: Steps) -> int:
    """Step k takes a lock that step j (of another thread) released, or that j touched
    while holding it: the order that matters is that of the two takings (Flanagan &
    Godefroid's lock acquires). The step of j's thread, at or before j, that took what k
    takes; j itself if there is none."""
    lock = tuple(a for a in events[k][1] if a[0][0] == "s" and isinstance(a[0][1], int))
    rest = tuple(a for a in events[k][1] if a not in lock)
    if not lock or dependent(events[j][1], rest):
        return j  # not a race over the lock alone (a join's end read with it, ...)
    mine = steps_of.get(events[j][0], [])
    for n in range(bisect_right(mine, j) - 1, -1, -1):
        i = mine[n]
        if i in takes and dependent(events[i][1], lock):
            return i
    return j
