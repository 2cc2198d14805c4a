"""`dpor`: dynamic partial-order reduction (Flanagan & Godefroid 2005), optionally bounded.

Two interleavings that differ only in the order of independent steps (steps of different
threads whose footprints do not conflict, `footprint.py`) end in the same state: one of
them is enough. DPOR runs one interleaving, then looks at it for races: two dependent
steps of different threads, the first not happening-before the second except through
their own conflict (happens-before: the program order of each thread, and the order of
dependent steps, tracked with vector clocks; a thread's first step happens after the
step that started it). For each race it adds a backtracking point at the state before
the first step, so that another run will try the other order, as source sets do
(Abdulla et al. 2014): unless an initial of the reversed race (a thread that can start
it) is a branch there already, it adds one, and the run that takes it follows the
reversal's steps first; when no initial can run there, every thread that can. The
search replays a prefix of choices and then runs on, preferring the thread that was
running (no preemption), and goes depth-first until no backtracking point is left: each
class of equivalent interleavings then had a run (for a program whose runs end; the
footprints over-approximate, so classes may be split, never merged).

With a preemption bound (`bound`), a backtracking choice that would take more than
`bound` preemptions on its path is not run. Naively this loses interleavings within the
bound (the race that would have been found by a run that the bound cut); as in Coons,
Musuvathi & McKinley, "Bounded partial-order reduction" (OOPSLA 2013), a thread whose
steps lead to the second step (F&G's set E) is also added, there and at the start of the
block of steps the racing step belongs to, the last context switch before it. The claim
we make for a bounded search is the weaker, honest one: every interleaving DPOR chose to
run had at most `bound` preemptions, and those runs passed ("with at most K
preemptions"). `explore` first searches without the bound, for a few runs
(`DporSearch.unbounded_first`): a small program is then proved with no bound at all.

Sleep sets (Godefroid 1996) keep a run from re-exploring what a sibling branch covered:
after a branch to thread q at a state, the threads explored there before (and asleep
there) sleep while the steps run are independent of theirs, and are not chosen. Optimal
DPOR's wakeup trees (Abdulla et al. 2014) are not implemented (a branch keeps one way
on): a run may still end in a class already seen ("sleep-set blocked"); it is run to its
end, as the program cannot be stopped midway. docs/dpor.md says more.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..conflict import NOTHING, Op, dependent
from ..footprint import Memo, footprint
from ..races import Steps, leads, races, reversal, taken_before
from ..syncsteps import ANY_SYNC, sleeping, sync_footprint, would_park
from ..tracing import entry_offsets, scheduling_points
from ..unfinished import thread_root, unfinished_calls

__all__ = ["Dpor", "DporSearch", "Node", "races"]

_IGNORED = ("outside", "abort", "opcode")


@dataclass
class Node:
    """One state of the path: who could run, who ran, and the branches to try."""

    runnable: tuple[int, ...]
    current: int | None  # the thread that could have gone on (a switch from it preempts)
    chosen: int
    preemptions: int  # preemptions on the path before this state
    backtrack: set[int] = field(default_factory=set)
    done: set[int] = field(default_factory=set)
    sleep: frozenset[int] = frozenset()  # threads whose step here is covered elsewhere
    wakeup: dict[int, tuple[int, ...]] = field(default_factory=dict)  # a branch's way on

    def cost(self, thread: int) -> int:
        return self.preemptions + (self.current is not None and thread != self.current)


class Dpor:
    """One run of the search: replays `prefix`, then prefers the running thread; records
    every step (who, and its footprint) and every state."""

    name = "dpor"

    def __init__(self, prefix: Sequence[int], asleep: frozenset[int] = frozenset(),
                 guide: Sequence[int] = ()) -> None:
        self.prefix = list(prefix)
        self.asleep = asleep  # the sleep set after the prefix's last choice (its branch)
        self.guide = list(guide)  # after the prefix: the threads that reverse its race
        self.sleep: frozenset[int] = frozenset()
        self.pending: dict[int, Op] = {}  # each thread's next step, as it announced it
        self.events: list[tuple[int, Op]] = []
        self.states: list[tuple[tuple[int, ...], int | None, frozenset[int]]] = []
        self.born: dict[int, int] = {0: -1}  # thread -> the step during which it started
        self.last: dict[int, int] = {}  # thread -> its latest step
        self.diverged = False
        self.slept = False  # a thread slept: the sleepers' fairness is no dependency
        self.memo: Memo = {}  # what each with statement entered (footprint.py)
        self.joining: dict[int, Op] = {}  # thread -> the end it reads once its join returns
        self.parks: dict[int, Callable[[], bool]] = {}  # thread -> "its step would park"
        self.taking: dict[int, bool] = {}  # thread -> its next step takes a lock: True
        # when it would wait for it, False for a try or a timed acquire
        self.takes: set[int] = set()  # the steps that took (or tried to take) a lock
        self.holds: set[int] = set()  # those of them that would wait for it
        self.entry: tuple[int, int] | None = None  # (frame, offset) of a callback's start
        self.roots: dict[int, Op] = {}  # thread -> what its untraced body may touch

    def observe(self, thread: int, kind: str, frame: types.FrameType | None) -> None:
        """The oracle's call: `thread` is at a point of `kind` (for "opcode", paused at a
        byte-code of `frame`), before anyone is chosen."""
        if kind == "assert" and frame is not None:
            self._ran(thread, frame)
            return
        self.taking.pop(thread, None)
        if kind == "opcode" and frame is not None:
            code, at = frame.f_code, frame.f_lasti
            point = at in scheduling_points(code)
            if point or at in entry_offsets(code):
                # a builtin or a library function that runs this frame is not finished:
                # the step touches what it may touch
                above = unfinished_calls(frame.f_back, code, self.memo)
                if point:
                    op = footprint(frame, self.memo) + above
                elif above:  # a callback's start, inside that call: a step of its own
                    op, self.entry = above, (id(frame), at)
                else:
                    return
                self.pending[thread] = self._joined(thread, op)
        elif kind == "exit":
            self.pending.pop(thread, None)
            step = self.last.get(thread)
            if step is not None:  # its last step ends it: a join waits for that
                who, op = self.events[step]
                self.events[step] = (who, op + sync_footprint(kind, thread, None))
        elif kind not in _IGNORED:
            frame = sys._getframe(1)
            parks = would_park(kind, thread, frame)
            if parks is not None:  # a blocking acquire, or a retry after a park
                self.parks[thread] = parks
            if kind == "acquire":
                self.taking[thread] = parks is not None
            op = sync_footprint(kind, thread, frame)
            if kind == "block" and op == ((ANY_SYNC, True),) and sleeping(frame):
                self.slept = True
            read = tuple((loc, False) for loc, _ in op)
            # a builtin or a library function that called the code that reached this
            # point is not finished: the step touches what it may touch
            above = unfinished_calls(frame, None, self.memo)
            if kind == "join":  # it reads the thread's end, after it returns (below);
                # a join right after another reads the end that one waited for
                self.pending[thread] = self._joined(thread, above)
                self.joining[thread] = read
                return
            if kind == "block" and self.joining.get(thread) == read:
                self.pending[thread] = above  # waiting in a join
                return
            if kind == "start":  # after the thread began: its steps come after the
                op = NOTHING     # step that started it (`born`), this one touches nothing
                root = thread_root(frame)  # what its untraced body may touch, each step
                if root is not None and root[1]:
                    self.roots[root[0]] = root[1]
            self.pending[thread] = self._joined(thread, op + above)

    def _ran(self, thread: int, frame: types.FrameType) -> None:
        """`thread` runs a byte-code of an assert line: no point (the failure must show
        what was compared), so its access is part of the thread's current step, added
        now that it is known; a sleeping thread it meets wakes up."""
        step = self.last.get(thread)
        if step is None or frame.f_lasti not in scheduling_points(frame.f_code):
            return
        extra = self._joined(thread, footprint(frame, self.memo))  # a join just returned
        if not extra:
            return
        who, op = self.events[step]
        self.events[step] = (who, op + extra)
        if self.sleep:
            self.sleep = frozenset(t for t in self.sleep
                                   if not dependent(self.pending.get(t, NOTHING), extra))

    def _joined(self, thread: int, op: Op) -> Op:
        """A join is one step: the first step after it returns reads the joined thread's
        end (written by its last step), so whether the join found the thread ended or
        waited for it is one class, and what the thread did happens before."""
        read = self.joining.pop(thread, None) if self.joining else None
        return op if read is None else op + read

    def preempt(self, frame: types.FrameType) -> bool:
        entry, self.entry = self.entry, None
        return frame.f_lasti in scheduling_points(frame.f_code) or \
            entry == (id(frame), frame.f_lasti)

    def choose(self, runnable: Sequence[int], current: int | None, kind: str) -> int:
        for t in runnable:
            if t not in self.born:
                self.born[t] = len(self.events) - 1
        ids = self._enabled(runnable)
        at = len(self.events)
        entry = self.sleep
        if at < len(self.prefix) and self.prefix[at] in ids:
            chosen = self.prefix[at]
        else:
            if at < len(self.prefix):
                self.diverged = True  # not the program of the prefix: no proof from here
            awake = [t for t in ids if t not in entry] or list(ids)
            chosen = self._guided(awake, current)
        self.last[chosen] = at
        self.parks.pop(chosen, None)
        if chosen in self.taking:
            self.takes.add(at)
            if self.taking[chosen]:
                self.holds.add(at)
        op = self.pending.pop(chosen, NOTHING)
        if self.roots and chosen in self.roots:
            op = op + self.roots[chosen]
        self.events.append((chosen, op))
        self.states.append((ids, current if current in ids else None, entry))
        base = self.asleep if at == len(self.prefix) - 1 else entry
        self.sleep = frozenset(t for t in base if t != chosen and self._stays(t, chosen, op))
        return chosen

    def _guided(self, awake: list[int], current: int | None) -> int:
        """The next thread of the guide while it can run (awake); then, and once it
        cannot, the running thread, else the lowest awake id. Only an unbounded search
        gives a guide (docs/dpor.md): it may preempt."""
        if self.guide:
            want = self.guide[0]
            if want in awake:
                del self.guide[0]
                return want
            self.guide = []
        return current if current in awake else min(awake)

    def _enabled(self, runnable: Sequence[int]) -> tuple[int, ...]:
        """The threads whose step would do something: not those that would only park
        again (`would_park`); all of them if that leaves none (a deadlock, which running
        one of them reports)."""
        if not self.parks:
            return tuple(runnable)
        enabled = tuple(t for t in runnable if t not in self.parks or not self.parks[t]())
        return enabled or tuple(runnable)

    def _stays(self, t: int, chosen: int, op: Op) -> bool:
        """Does sleeping `t` stay asleep across `chosen`'s step `op`? Not when they are
        dependent, nor when `t` waits on `chosen` (its last step ends it: a join)."""
        mine = self.pending.get(t, NOTHING) + self.roots.get(t, NOTHING)
        return not dependent(mine, op) and (("s", ("thread", chosen)), True) not in mine


@dataclass
class DporSearch:
    """Depth-first DPOR over runs; `bound`: at most this many preemptions (None: none).

    `unbounded_first`: with a bound, first search without it, for that many runs. A small
    program's every class often takes fewer runs than its bounded search, whose extra
    branches are what keeps it complete under the bound (below); and its proof is the
    stronger one. A search still going after them starts again, bounded: its runs so
    far (`tried`) found no failure, and prove nothing by themselves."""

    bound: int | None = None
    unbounded_first: int = 0
    runs: int = 0
    tried: int = 0  # runs of the search without a bound that was given up
    exhausted: bool = False
    longest: int = 0
    sound: bool = True  # False once a prefix could not be replayed, or a thread slept
    tree: list[Node] = field(default_factory=list)
    _next: list[int] | None = field(default_factory=list)
    _asleep: frozenset[int] = frozenset()
    _guide: tuple[int, ...] = ()
    _later_bound: int | None = None

    def __post_init__(self) -> None:
        if self.bound is not None and self.unbounded_first > 0:
            self._later_bound, self.bound = self.bound, None

    def strategy(self) -> Dpor | None:
        if self._next is None:
            return None
        return Dpor(self._next, self._asleep, self._guide)

    def finished(self, run: Dpor) -> None:
        """After a run: add its races' backtracking points, and pick the next prefix."""
        self.runs += 1
        self.longest = max(self.longest, len(run.events))
        if run.diverged or run.slept:
            self.sound = False
        self._grow(run)
        self.analyse(run.events, run.born, run.holds, run.takes)
        self._next = self._pick()
        if self._next is None:
            self.exhausted = True
        elif self._later_bound is not None and self.runs >= self.unbounded_first:
            self._start_bounded()

    def _start_bounded(self) -> None:
        """Give up the search without a bound: search again from the start, bounded."""
        self.tried, self.bound, self._later_bound = self.runs, self._later_bound, None
        self.tree, self._next, self._asleep, self._guide = [], [], frozenset(), ()

    def _grow(self, run: Dpor) -> None:
        kept = len(self.tree)
        if kept > len(run.states):
            del self.tree[len(run.states):]
            kept = len(self.tree)
        for i in range(kept, len(run.states)):
            runnable, current, asleep = run.states[i]
            chosen = run.events[i][0]
            before = self.tree[i - 1].cost(self.tree[i - 1].chosen) if i else 0
            self.tree.append(Node(runnable, current, chosen, before, {chosen}, {chosen},
                                  asleep))

    def analyse(self, events: Sequence[tuple[int, Op]], born: dict[int, int],
                holds: Steps = frozenset(), takes: Steps = frozenset()) -> None:
        """Add the backtracking points of one run's races. `holds`: the steps that took a
        lock they would have waited for; `takes`: every step that took or tried to take
        one. A race of a step of `holds` over its lock is with the step that took the
        lock before it (`takes`), not with the release between them (below)."""
        found, clocks, local = races(events, born)
        if not found:
            return
        steps_of: dict[int, list[int]] = {}
        for i, (t, _) in enumerate(events):
            steps_of.setdefault(t, []).append(i)
        for j, k in found:
            if k in holds and j not in takes:
                j = taken_before(j, k, events, steps_of, takes)
            self._backtrack(j, k, events, clocks, local, steps_of)

    def _backtrack(self, j: int, k: int, events: Sequence[tuple[int, Op]],
                   clocks: list[list[int]], local: list[int], steps_of: dict[int, list[int]]
                   ) -> None:
        if j >= len(self.tree):
            return
        p = events[k][0]
        node = self.tree[j]
        if p not in node.runnable and j + 1 < len(self.tree) and \
                p in self.tree[j + 1].runnable:
            return  # step j is what let p run (a release, an exit): never the other way
        way, initials = reversal(j, k, events, clocks, local)
        if self.bound is None:
            # Source sets (Abdulla et al. 2014): one initial of the reversal is enough,
            # and the run that branches follows the reversal's steps (its way on).
            added = self._add(node, initials & set(node.runnable), p)
            if added is not None and added not in node.wakeup:
                way.remove(added)  # an initial: its first step can go first
                node.wakeup[added] = tuple(way)
            return
        # Bounded, a branch may be cut before it covers what an initial promises: first a
        # thread whose steps lead to k (F&G's set E), also at the start of the block j
        # belongs to (Coons et al.); then an initial, if none is a branch yet.
        lead = leads(node.runnable, j, k, events, clocks[k], local, steps_of)
        self._add(node, lead, p)
        block = j
        while block > 0 and events[block - 1][0] == events[j][0]:
            block -= 1
        if block != j and block < len(self.tree):
            first = self.tree[block]
            self._add(first, lead & set(first.runnable) or {p} & set(first.runnable), p)
        self._add(node, initials & set(node.runnable), p)

    @staticmethod
    def _add(node: Node, lead: set[int], p: int) -> int | None:
        """Add a branch for a race with thread `p`'s step, unless one of `lead` (the
        initials of its reversal) is a branch already; the thread added, if one."""
        if lead & (node.backtrack | node.done | node.sleep):
            return None
        if lead:
            added = p if p in lead else min(lead)
            node.backtrack.add(added)
            return added
        node.backtrack.update(set(node.runnable) - node.sleep)
        return None

    def _pick(self) -> list[int] | None:
        for depth in range(len(self.tree) - 1, -1, -1):
            node = self.tree[depth]
            todo = sorted(q for q in node.backtrack - node.done - node.sleep
                          if self.bound is None or node.cost(q) <= self.bound)
            if todo:
                q = todo[0]
                self._guide = node.wakeup.get(q, ())
                self._asleep = (node.sleep | node.done) - {q}
                node.done.add(q)
                node.chosen = q
                del self.tree[depth + 1:]
                return [n.chosen for n in self.tree]
        return None

    @property
    def verified(self) -> bool:
        return self.exhausted and self.sound

    @property
    def covered(self) -> str:
        """What a verified search covered, for `ExploreResult.summary`."""
        bound = "no preemption bound" if self.bound is None else \
            f"with at most {self.bound} preemption{'s' if self.bound != 1 else ''}"
        if self.tried:
            bound += f", after {self.tried} runs without a bound"
        runs = f"{self.runs} run{'s' if self.runs != 1 else ''}"
        return (f"verified: every class of equivalent interleavings, in {runs} ({bound}; "
                f"up to {self.longest} steps each)")
