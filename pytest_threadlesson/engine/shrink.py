"""Shrinking: the simplest schedule that fails the same way, before it is reported.

A failing schedule found by a random walk switches threads wherever its dice said; most of
those switches have nothing to do with the bug. As CHESS reports the fewest preemptions and
Hypothesis shrinks its examples, `shrink` looks for a schedule with fewer preemptions
first, then fewer steps, that still fails with the same diagnosis and the same message.

A schedule is rewritten as a `Plan`: the preemptions it took, each keyed by the thread and
how many questions that thread had been asked (`(thread, n) -> who runs instead`), and the
choices it made when the running thread could not go on (`k-th such choice -> who`). Keyed
so, a plan survives a change elsewhere: dropping a preemption late in the run does not
shift the ones before it, and a question the plan does not know gets the plain answer (no
preemption; the lowest runnable thread). `Guided` is the strategy that follows a plan; it
never diverges. Deterministic: the same failing schedule gives the same shrunk schedule,
so a replay by seed reproduces the shrunk report. Bounded: at most `budget` runs.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .strategies.base import Choice, Record, Strategy
from .strategies.replay import Replay

DEFAULT_BUDGET = 60


# Where a thread is asked: at a byte-code (its code and offset) or at a kind of point (a
# lock's acquire); with how many times this thread was asked there before.
Where = tuple[object, ...]
Key = tuple[int, Where, int]


@dataclass(frozen=True)
class Plan:
    preemptions: tuple[tuple[Key, int], ...] = ()
    free: tuple[tuple[int, int], ...] = ()

    def without_preemption(self, i: int) -> Plan:
        return Plan(self.preemptions[:i] + self.preemptions[i + 1:], self.free)

    def with_preemption(self, i: int, key: Key, target: int) -> Plan:
        items = dict(self.preemptions)
        del items[self.preemptions[i][0]]
        items[key] = target
        return Plan(tuple(sorted(items.items(), key=_order)), self.free)

    def without_free(self, i: int) -> Plan:
        return Plan(self.preemptions, self.free[:i] + self.free[i + 1:])


def _order(item: tuple[Key, int]) -> tuple[int, str, int]:
    (thread, where, n), _ = item
    return thread, repr(where), n


def plan_preemptions(schedule: Sequence[Record]) -> int:
    """How many times the schedule switched away from a thread that could have gone on."""
    return preemptions(schedule)


def preemptions(schedule: Sequence[Record]) -> int:
    """How many times the schedule switched away from a thread that could have gone on."""
    return sum(1 for r in schedule
               if isinstance(r, Choice) and r.current is not None and r.chosen != r.current)


class Guided:
    """A strategy that follows a `Plan`, and answers plainly where the plan says nothing:
    no preemption, and the lowest runnable thread when the running one cannot go on.

    With `follow` (another strategy, a `Replay`), it answers as `follow` does instead, and
    writes down as `taken` the plan that makes the same decisions."""

    name = "shrink"

    def __init__(self, plan: Plan, follow: Strategy | None = None) -> None:
        self.switch = dict(plan.preemptions)
        self.free = dict(plan.free)
        self.follow = follow
        self.running = 0
        self.seen: dict[tuple[int, Where], int] = {}
        self.pending: Key | None = None
        self.free_asked = 0
        self.taken = Plan()
        self._taken: dict[Key, int] = {}
        self._free: list[tuple[int, int]] = []

    def _key(self, thread: int, where: Where) -> Key:
        n = self.seen.get((thread, where), 0)
        self.seen[(thread, where)] = n + 1
        return thread, where, n

    def preempt(self, frame: types.FrameType) -> bool:
        code = frame.f_code
        key = self._key(self.running, (code.co_filename, code.co_firstlineno, code.co_name,
                                       frame.f_lasti))
        if self.follow is not None:
            yes = self.follow.preempt(frame)
        else:
            yes = key in self.switch
        self.pending = key if yes else None
        return yes

    def choose(self, runnable: Sequence[int], current: int | None, kind: str) -> int:
        if current is None:
            n = self.free_asked
            self.free_asked += 1
            if self.follow is not None:
                chosen = self.follow.choose(runnable, current, kind)
                if chosen != min(runnable):
                    self._free.append((n, chosen))
            else:
                want = self.free.get(n, -1)
                chosen = want if want in runnable else min(runnable)
                if chosen != min(runnable):
                    self._free.append((n, chosen))
        else:
            key = self.pending or self._key(current, (kind,))
            if self.follow is not None:
                chosen = self.follow.choose(runnable, current, kind)
                if chosen != current:
                    self._taken[key] = chosen
            else:
                want = self.switch.get(key, current)
                chosen = want if want in runnable else current
                if chosen != current:
                    self._taken[key] = chosen
        self.pending = None
        self.running = chosen
        return chosen

    def plan(self) -> Plan:
        """The plan of the decisions it took (the entries of its plan it used)."""
        return Plan(tuple(sorted(self._taken.items(), key=_order)), tuple(self._free))


@dataclass
class Shrunk:
    """What `shrink` found: the schedule to report, its size before and after, and the
    runs it cost."""

    schedule: list[Record]
    outcome: object
    preemptions_before: int
    preemptions_after: int
    steps_before: int
    steps_after: int
    runs: int = 0
    tried: list[str] = field(default_factory=list)


def shrink(run: Callable[[Guided], tuple[object, object, Sequence[Record]] | None],
           schedule: Sequence[Record], signature: object, outcome: object,
           steps: Callable[[object], int], budget: int = DEFAULT_BUDGET) -> Shrunk:
    """The smallest failing schedule found within `budget` runs.

    `run(strategy)` runs the scenario once: None when the run could not be judged (it
    diverged from a replay), else (its failure signature, its outcome, its recorded
    schedule). A candidate counts when its signature equals `signature` (the same diagnosis
    and message) and it is smaller: fewer preemptions, or as many and fewer
    `steps(outcome)`. The first run replays `schedule` to write down its plan."""
    size = (preemptions(schedule), steps(outcome))
    result = Shrunk(list(schedule), outcome, size[0], size[0], size[1], size[1])
    if budget < 1:
        return result
    first = Guided(Plan(), follow=Replay(schedule))
    runs = 1
    got = run(first)
    if got is None or got[0] != signature:
        result.runs = runs
        return result  # it does not fail again the same way: nothing to shrink from
    best_plan = first.plan()

    def attempt(plan: Plan) -> bool:
        nonlocal runs, size, best_plan
        if runs >= budget:
            return False
        runs += 1
        guided = Guided(plan)
        got = run(guided)
        if got is None or got[0] != signature:
            return False
        new = (preemptions(got[2]), steps(got[1]))
        if new >= size:
            return False
        size, best_plan = new, guided.plan()
        result.schedule, result.outcome = list(got[2]), got[1]
        return True

    def drop_each() -> bool:
        """Fewer preemptions: drop each, the last first (a late switch rarely matters)."""
        improved, i = False, len(best_plan.preemptions) - 1
        while i >= 0 and runs < budget:
            if i < len(best_plan.preemptions) and attempt(best_plan.without_preemption(i)):
                improved = True
            i -= 1
        return improved

    original = best_plan
    workers_first = sorted(original.preemptions, key=lambda item: item[0][0] == 0)
    # 0. one preemption may be all it takes: each alone (the other threads' first: the
    # scenario's own thread mostly starts and joins)
    for keep in workers_first:
        if size[0] > 1 and runs < budget:
            attempt(Plan((keep,), ()))
    # 1. fewer preemptions by delta debugging (Zeller's ddmin): drop chunks of them,
    # halves first, then finer
    chunks = 2
    while len(best_plan.preemptions) >= 2 and runs < budget:
        items = best_plan.preemptions
        step = -(-len(items) // chunks)
        for at in range(0, len(items), step):
            if attempt(Plan(items[:at] + items[at + step:], best_plan.free)):
                chunks = max(chunks - 1, 2)
                break
        else:
            if chunks >= len(items):
                break
            chunks = min(len(items), chunks * 2)
    # 2. one preemption to another thread than the failing run's (a switch to main that
    # let a third thread run, say)
    threads = sorted({t for r in schedule if isinstance(r, Choice) for t in r.runnable} - {0})
    for key, target in workers_first:
        for to in threads:
            if size[0] > 1 and runs < budget and to not in (key[0], target):
                attempt(Plan(((key, to),), ()))
    improved = True
    while improved and runs < budget:
        improved = drop_each()
        # 2. fewer steps: the plain choice where a thread could not go on
        i = len(best_plan.free) - 1
        while i >= 0 and runs < budget:
            if i < len(best_plan.free) and attempt(best_plan.without_free(i)):
                improved = True
            i -= 1
        # 3. fewer steps: each preemption at an earlier visit of the same place
        i = 0
        while i < len(best_plan.preemptions) and runs < budget:
            (thread, where, n), target = best_plan.preemptions[i]
            for earlier in sorted({0, n // 2, n - 1}):
                if 0 <= earlier < n and attempt(
                        best_plan.with_preemption(i, (thread, where, earlier), target)):
                    improved = True
                    break
            i += 1
    result.preemptions_after, result.steps_after = size
    result.runs = runs
    return result
