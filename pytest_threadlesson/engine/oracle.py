"""Where a controlled run asks its strategy: the one place the engine's thread records
become the thread ids a strategy sees, and the id it answers becomes a record again.

Every answer is also written down, in order: the run's schedule (`strategies.base`'s
`Choice` and `Preemption` records), which `Replay` takes again. The schedule keeps its
first `size` decisions; a longer run ends it with a `Cut`, so that a replay of it stops
there and says so instead of replaying a different schedule.
"""

from __future__ import annotations

import types
from typing import TYPE_CHECKING

from .outcome import FailureKind
from .strategies.base import GO_ON, PREEMPT, Choice, Cut, Record, ScheduleDiverged, Strategy
from .threads import ThreadRec, mutex

if TYPE_CHECKING:
    from .controlled import ControlledRun

# Decisions a schedule keeps. A run of the default 20,000 steps asks fewer (about one a
# step). Most are preemptions, two shared records; a choice shares its runnable tuple.
SCHEDULE_SIZE = 200_000


class Oracle:
    """`run`'s strategy, asked in thread ids; the answers kept as the run's schedule."""

    def __init__(self, strategy: Strategy, run: ControlledRun,
                 size: int = SCHEDULE_SIZE) -> None:
        self.strategy = strategy
        self.run = run
        self.size = size
        self.schedule: list[Record] = []
        self.diverged: ScheduleDiverged | None = None
        self._sets: dict[tuple[int, ...], tuple[int, ...]] = {}
        # A strategy that watches every step (dpor): told who is at each point, and asked
        # even when one thread can run (not recorded: a replay is not asked there).
        self.observe = getattr(strategy, "observe", None)

    def choose(self, options: list[ThreadRec], current: ThreadRec | None,
               kind: str) -> ThreadRec:
        """Who runs next, among `options` (mutex held)."""
        ids = tuple(t.idx for t in options)
        runnable = self._sets.setdefault(ids, ids)
        now = None if current is None else current.idx
        if self.diverged is not None:
            return options[0]  # the schedule is aborted: its threads only unwind
        if self.observe is not None and self.run.running is not None:
            self.observe(self.run.running.idx, kind, None)
        try:
            chosen = self.strategy.choose(runnable, now, kind)
        except ScheduleDiverged as exc:
            self._diverge(exc)
            return options[0]
        if chosen not in runnable:
            raise ValueError(f"the {self.strategy.name} strategy chose thread {chosen}, "
                             f"which is not one of the runnable {list(runnable)}")
        if len(runnable) > 1:
            self._record(Choice(runnable, now, chosen, kind))
        return self.run.threads[chosen]

    def preempt(self, frame: types.FrameType) -> bool:
        """At a byte-code of the code under test (mutex not held): switch here?"""
        if self.diverged is not None:
            return False
        if self.observe is not None and self.run.running is not None:
            self.observe(self.run.running.idx, "opcode", frame)
        try:
            yes = self.strategy.preempt(frame)
        except ScheduleDiverged as exc:
            with mutex:
                self._diverge(exc)
            return False
        self._record(PREEMPT if yes else GO_ON)
        return yes

    def in_assert(self, thread: int, frame: types.FrameType) -> None:
        """`thread` runs a byte-code of an assert line, which is no point: a strategy that
        watches every step (dpor) counts it in the thread's current step."""
        if self.observe is not None:
            self.observe(thread, "assert", frame)

    def _diverge(self, exc: ScheduleDiverged) -> None:
        self.diverged = exc
        if self.run.aborted is None:
            self.run.abort(str(exc), FailureKind.DIVERGED)

    def _record(self, record: Record) -> None:
        schedule = self.schedule
        if len(schedule) < self.size:
            schedule.append(record)
        elif len(schedule) == self.size:
            schedule.append(Cut(self.size))
