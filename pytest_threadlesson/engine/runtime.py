"""The kernel under the instrumented primitives: who is waiting for what, and who runs.

Design note
-----------
Every instrumented primitive (primitives.py) keeps its state in plain Python, guarded by
one process-wide mutex, and blocks through a single function, `wait_until`. That function
knows two ways of blocking, which is what lets one set of primitives serve both halves of
the plugin:

* **free** threads (a plain test with the `threadlesson` marker, every kata) are real OS
  threads. A thread that must wait parks on its own private lock. Before it parks, it looks
  at the wait-for graph: a cycle, or every thread of the test parked without a timeout,
  is a deadlock, reported at the moment it forms (this is Go's "all goroutines are asleep"
  and the classic wait-for-graph check of database lock managers);
* **controlled** threads (inside `contention.explore`) are OS threads too, but only one of
  them holds the baton at a time, as in loom and shuttle. Waiting means handing the baton
  to a thread the strategy picks; time is virtual, so a timed wait expires only when
  nothing else can run.

The mutex is a raw `_thread` lock, never one of ours, and it is never held while a
thread is parked, so the engine's correctness does not lean on the GIL.

Prior art: trio's ParkingLot (one FIFO of parked tasks per primitive), CPython's
`threading.Condition` (waiter locks), shuttle's `ExecutionState` (the baton).
"""

from __future__ import annotations

import _thread
import ast
import dis
import math
import re
import sys
import threading
import time
import types
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..frames import Site, caller_site, is_user_file, line_of
from . import reallocks, starts
from .waits import DeadlockReport, LockOrderGraph, ThreadState, find_cycle

if TYPE_CHECKING:
    from .scheduler import Strategy

# Captured at import, before anything is patched.
_real_monotonic = time.monotonic
_real_time = time.time
_real_perf_counter = time.perf_counter
_real_sleep = time.sleep
_allocate = _thread.allocate_lock
_get_ident = _thread.get_ident

mutex = _allocate()
_serial = [0]
# The scopes of the fixtures being set up right now (the plugin keeps it): a thread that a
# module- or session-scoped fixture starts is meant to outlive the test that set it up.
fixture_scopes: list[str] = []
# Their records: such a thread may still release what the test's threads wait for.
outliving: list[ThreadRec] = []


def next_serial() -> int:
    """Locks are numbered in creation order (per test, per schedule) so that a report can
    tell apart locks born on the same line (`Lock #3 (forks.py:17)`)."""
    _serial[0] += 1
    return _serial[0]


def reset_serials() -> None:
    _serial[0] = 0


class DeadlockError(BaseException):
    """Raised in every thread of a deadlock so that it unwinds.

    A BaseException, like KeyboardInterrupt, so that `except Exception: retry` in the code
    under test cannot swallow it and block again.
    """

    def __init__(self, report: DeadlockReport) -> None:
        super().__init__()
        self.report = report

    def __str__(self) -> str:
        # Rendered on demand, never under the engine's mutex: it may call user __repr__.
        return self.report.render()


class DeadlockTimeout(DeadlockError):
    """Raised into the threads of a test whose deadlock timeout expired (asynchronously,
    so it is built with no arguments: the report is the latest one)."""

    reports: list[DeadlockReport] = []

    def __init__(self, report: DeadlockReport | None = None) -> None:
        super().__init__(report if report is not None else DeadlockTimeout.reports[-1])


class ThreadlessonStop(BaseException):
    """Raised into a thread that the plugin must stop (a leak, an aborted schedule)."""


class Waitable(Protocol):
    """Anything a thread can wait on: it has waiters, and maybe owners."""

    @property
    def waiters(self) -> list[ThreadRec]: ...

    def owners(self) -> list[ThreadRec]: ...

    def describe(self) -> str: ...


@dataclass(eq=False)
class Held:
    """A lock a thread holds, and where it took it."""

    lock: Any
    site: Site | None


class ThreadRec:
    """The engine's record of one thread: what it holds, what it waits on, where it is."""

    def __init__(self, name: str, thread: threading.Thread | None = None) -> None:
        self.name = name
        self.thread = thread
        self.ident: int | None = None
        self.baton = _allocate()
        self.baton.acquire()
        self.token = False
        self.waiting_on: Waitable | None = None
        self.wait_site: Site | None = None
        self.timed = False
        self.sleeping = False
        self.pending: BaseException | None = None
        self.held: list[Held] = []
        self.gates: list[Any] = []  # semaphores whose permit this thread holds
        self.finished = False
        self.entered = False
        self.wakeups = 0  # blocking waits that ended: a sign of progress for the backstop
        self.scope: Scope | None = None
        self.run: ControlledRun | None = None
        self.start_site: Site | None = None
        self.joiners: list[ThreadRec] = []
        # Controlled mode only.
        self.idx = 0
        self.blocked = False
        self.deadline: float | None = None
        self.timed_out = False
        self.frame: types.FrameType | None = None
        self.traced = False
        # Blocked (or busy) where the scheduler cannot see, without the baton: it waits for
        # its turn again when it comes back (ControlledRun.release_stuck).
        self.outside = False
        # A `_thread` thread of a schedule: waits (at most the given seconds) until its OS
        # thread is gone, after its record finished (primitives.start_raw_thread).
        self.os_exit: Callable[[float], object] | None = None
        # A sleeper under explore: the threads that were runnable when it began to sleep
        # and have not run since; it wakes early only once they all have (fairness).
        self.yields_to: set[int] = set()

    # A thread is a Waitable for those who join it.
    @property
    def waiters(self) -> list[ThreadRec]:
        return self.joiners

    def owners(self) -> list[ThreadRec]:
        return [self]

    def describe(self) -> str:
        return f"thread {self.name!r} to finish"

    @property
    def parked_untimed(self) -> bool:
        return self.waiting_on is not None and not self.timed and not self.token \
            and self.pending is None

    def state(self) -> ThreadState:
        return ThreadState(
            name=self.name,
            held=[(h.lock, h.site) for h in self.held],
            waiting_on=self.waiting_on,
            wait_site=self.wait_site,
            timed=self.timed,
        )

    def __repr__(self) -> str:
        return f"<ThreadRec {self.name}>"


class _Local(threading.local):
    rec: ThreadRec | None = None
    forget: _Forget | None = None


_local = _Local()
_DummyThread = threading._DummyThread

# The records of the running threads that `threading` does not know (started with
# `_thread.start_new_thread`, as CPython's lock_tests does, or by a C library), by ident.
# They may hold a lock or set an event that a test's thread waits for, so the all-blocked
# check must see them. Each entry leaves when its thread ends (`_Forget`).
foreign_threads: dict[int, ThreadRec] = {}
_foreign_count = [0]
# Idents of the plugin's own raw threads (the watchdog): never a test's.
service_threads: set[int] = set()


class _Forget:
    """Kept in a foreign thread's thread-local storage, which CPython clears when the
    thread ends: then the thread's entry in `foreign_threads` goes too."""

    __slots__ = ("ident", "rec")

    def __init__(self, ident: int, rec: ThreadRec) -> None:
        self.ident = ident
        self.rec = rec

    def __del__(self) -> None:
        self.rec.finished = True
        if foreign_threads.get(self.ident) is self.rec:
            foreign_threads.pop(self.ident, None)


def current() -> ThreadRec:
    """The record of the calling thread, made on first use for threads we did not start.

    It never calls into `threading` (only reads its table of threads): for a thread that
    `threading` does not know, `threading.current_thread()` makes a `_DummyThread`, whose
    `Event` is ours while the patch is installed, whose lock would ask here again.
    """
    rec = _local.rec
    if rec is None:
        ident = _get_ident()
        thread = threading._active.get(ident)  # type: ignore[attr-defined]
        # A _DummyThread is threading's name for a thread it did not start; before 3.13
        # it stays in the table after its thread ends, and a new thread may reuse the ident.
        if thread is not None and not isinstance(thread, _DummyThread):
            rec = ThreadRec(thread.name)
        else:
            _foreign_count[0] += 1
            rec = ThreadRec(f"_thread-{_foreign_count[0]}")
            foreign_threads[ident] = rec
            _local.forget = _Forget(ident, rec)
        rec.ident = ident
        rec.entered = True
        _local.rec = rec
    return rec


def bind(rec: ThreadRec) -> None:
    rec.ident = _get_ident()
    _local.rec = rec


def unbind() -> None:
    _local.rec = None


# ---------------------------------------------------------------------------------------
# Scopes: the threads of one test, free mode.


@dataclass
class ThreadException:
    thread: str
    exc: BaseException
    start_site: Site | None


class Scope:
    """One test's threads (its own and those it started) and what went wrong among them."""

    def __init__(self, main: ThreadRec, *, detect: bool = True) -> None:
        self.main = main
        self.detect = detect
        self.threads: list[ThreadRec] = [main]
        self.deadlock: DeadlockReport | None = None
        self.order = LockOrderGraph()
        self.exceptions: list[ThreadException] = []
        self.closed = False
        self.progress = 0  # bumped by explore at every schedule: the backstop re-arms
        self.futures: list[Any] = []
        self._names = 0
        # Every Python thread running as the test begins, by its outermost frame (an ident
        # is soon reused): those that appear later, behind threading's back, are the test's.
        self.baseline = _outermost_frames()

    def stable_name(self, thread: threading.Thread) -> str:
        self._names += 1
        return _display_name(thread, self._names)

    def live(self) -> list[ThreadRec]:
        return [t for t in self.threads if not t.finished]

    def declare(self, report: DeadlockReport) -> DeadlockError:
        """Record a deadlock and wake every parked thread of the test with it."""
        if self.deadlock is None:
            self.deadlock = report
        error = DeadlockError(self.deadlock)
        for rec in self.threads:
            if rec.waiting_on is not None and rec is not current():
                rec.pending = DeadlockError(self.deadlock)
                unpark(rec)
        return error


def _display_name(thread: threading.Thread, number: int) -> str:
    """The user's name for a thread, or a stable one: CPython's `Thread-7` numbers drift."""
    name = thread.name
    if name.startswith("ThreadPoolExecutor-"):
        return f"pool-worker-{number}"
    if re.fullmatch(r"Thread-\d+( \(.*\))?", name):
        return f"Thread-{number}"
    return name


# ---------------------------------------------------------------------------------------
# Blocking: the one place where threads wait.


def unpark(rec: ThreadRec) -> None:
    """Wake a parked thread (mutex held). Free mode: release its lock; controlled: mark it."""
    if rec.run is not None:
        rec.blocked = False
        return
    if not rec.token:
        rec.token = True
        rec.baton.release()


def notify(waitable: Waitable) -> None:
    """Wake everyone waiting on `waitable` (mutex held); they re-check their condition."""
    for rec in list(waitable.waiters):
        unpark(rec)


def wait_until(
    waitable: Waitable,
    ready: Callable[[], bool],
    timeout: float | None = None,
    site: Site | None = None,
) -> bool:
    """Block (mutex held) until `ready()` or the timeout; True when ready.

    Timeouts follow `threading`: None waits forever, a negative or zero timeout only polls.
    A NaN timeout polls too, as `Condition.wait` does to 3.13; 3.14 refuses it.
    """
    if ready():
        return True
    if timeout is not None and timeout != timeout:
        if _NAN_TIMEOUT_REFUSED:
            raise ValueError("Invalid value NaN (not a number)")
        return False
    if timeout is not None and timeout <= 0:
        return False
    rec = current()
    if rec.run is not None:
        return rec.run.block(rec, waitable, ready, timeout, site)
    deadline = None if timeout is None else _real_monotonic() + timeout
    rec.waiting_on = waitable
    rec.wait_site = site
    rec.timed = timeout is not None
    waitable.waiters.append(rec)
    try:
        while True:
            _raise_pending(rec)
            if not rec.timed:
                _detect(rec)
            remaining = -1.0
            if deadline is not None:
                remaining = deadline - _real_monotonic()
                if remaining <= 0:
                    return ready()
            mutex.release()
            try:
                got = rec.baton.acquire(True, remaining)
            finally:
                mutex.acquire()
            if rec.token:
                if not got:
                    rec.baton.acquire()
                rec.token = False
            _raise_pending(rec)
            if ready():
                return True
    finally:
        waitable.waiters.remove(rec)
        rec.waiting_on = None
        rec.wait_site = None
        rec.timed = False
        rec.wakeups += 1


def _raise_pending(rec: ThreadRec) -> None:
    error = rec.pending
    if error is not None:
        rec.pending = None
        raise error


def _detect(rec: ThreadRec) -> None:
    """About to park without a timeout: is this the wait that closes a deadlock?"""
    scope = rec.scope
    if scope is None or not scope.detect or scope.closed:
        return
    if scope.deadlock is not None:
        raise DeadlockError(scope.deadlock)
    cycle = find_cycle(rec)
    if cycle is not None:
        raise scope.declare(DeadlockReport.cycle([t.state() for t in cycle]))
    _check_all_blocked(scope, rec)


def _check_all_blocked(scope: Scope, waiting: ThreadRec | None) -> None:
    live = scope.live()
    if not live:
        return
    outliving[:] = [t for t in outliving if not t.finished]
    if any(not t.parked_untimed for t in outliving):
        return  # a fixture's thread that is still running may yet set, put or release
    if all(t is waiting or t.parked_untimed for t in live):
        if waiting is None and not any(t.parked_untimed for t in live):
            return
        if _others_may_act(scope):
            return
        error = scope.declare(DeadlockReport.all_blocked([t.state() for t in live]))
        if waiting is not None:
            raise error


def _others_may_act(scope: Scope) -> bool:
    """Whether a thread that threading does not know, started during the test, may still
    set, put or release: one started with `_thread.start_new_thread` (as CPython's
    lock_tests starts its threads) that runs, that has not touched a primitive yet (the
    engine has no record of it), or that has not begun yet (starts.py). Threads there
    before the test are not the test's (pytest-xdist's own threads, for one)."""
    frames = _outermost_frames()

    def older(ident: int) -> bool:
        frame = frames.get(ident)
        return frame is not None and scope.baseline.get(ident) is frame

    for ident, rec in list(foreign_threads.items()):
        if not rec.parked_untimed and not older(ident):
            return True
    states = sys._current_exceptions()
    unseen = False
    for ident in list(starts.beginning):
        if ident in states or ident in foreign_threads or ident in service_threads:
            starts.beginning.discard(ident)  # it began: seen below as any thread is
        else:
            unseen = True  # started, not begun yet (or ended unseen: see starts.py)
    if unseen:
        return True
    known = set(service_threads)
    known.update(foreign_threads)
    known.update(ident for ident, thread in list(threading._active.items())  # type: ignore[attr-defined]
                 if not isinstance(thread, _DummyThread))
    known.update(t.ident for t in scope.threads if t.ident is not None)
    known.update(t.ident for t in outliving if t.ident is not None)
    # Every thread state, with frames or none yet (`_thread.start_new_thread` returned, the
    # new thread not yet begun: `sys._current_frames` skips it, this does not, on 3.12 and
    # later; 3.10 and 3.11 do not list it under its own ident, `starts.beginning` has it).
    return any(ident not in known and not older(ident) for ident in states)


def _outermost_frames() -> dict[int, types.FrameType]:
    found = {}
    for ident, frame in sys._current_frames().items():
        while frame.f_back is not None:
            frame = frame.f_back
        found[ident] = frame
    return found


def thread_finished(rec: ThreadRec) -> None:
    """A tracked thread's code returned (mutex held): wake joiners, maybe it was the last hope."""
    rec.finished = True
    notify(rec)
    scope = rec.scope
    if scope is not None and scope.detect and not scope.closed and scope.deadlock is None:
        _check_all_blocked(scope, None)


# ---------------------------------------------------------------------------------------
# Locks held: the lock-order graph and the `holds` column of every report.


def note_acquiring(rec: ThreadRec, lock: Any, site: Site | None) -> None:
    """Before a thread waits for `lock`: record the order against every lock it holds."""
    order = rec.run.order if rec.run is not None else (
        rec.scope.order if rec.scope is not None else None)
    if order is None:
        return
    # What else the thread holds while it takes `lock`: a lock (one holder at a time) or a
    # semaphore permit (at most `capacity` holders). Edges all taken under one such gate
    # cannot close a cycle longer than its capacity (the dining philosophers' waiter).
    gates: dict[int, Any] = {id(g): g for g in rec.gates}
    gates.update((id(h.lock), h.lock) for h in rec.held)
    for held in rec.held:
        if held.lock is not lock:
            edge_gates = {k: v for k, v in gates.items() if k != id(held.lock)}
            order.add(held.lock, held.site, lock, site, rec.name, edge_gates)


def note_acquired(rec: ThreadRec, lock: Any, site: Site | None) -> None:
    rec.held.append(Held(lock, site))


def note_released(rec: ThreadRec | None, lock: Any) -> None:
    if rec is None:
        return
    for i in range(len(rec.held) - 1, -1, -1):
        if rec.held[i].lock is lock:
            del rec.held[i]
            return


# ---------------------------------------------------------------------------------------
# Controlled mode: one thread at a time, a strategy picks who goes next.


class ScheduleAborted(ThreadlessonStop):
    """Raised into the threads of a schedule that cannot go on (step limit, wall limit)."""


@dataclass
class Step:
    thread: int
    site: Site


@dataclass
class Failure:
    thread: str
    exc: BaseException
    kind: str  # "exception" | "deadlock" | "leak" | "livelock"


@dataclass
class RunOutcome:
    failures: list[Failure] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    threads_started: int = 0
    switches: int = 0
    points: int = 0


class ControlledRun:
    """One schedule of one scenario: the threads, the baton, the virtual clock."""

    def __init__(self, strategy: Strategy, *, max_points: int, log_size: int = 400) -> None:
        self.strategy = strategy
        self.threads: list[ThreadRec] = []
        self.running: ThreadRec | None = None
        self.now = 0.0
        self.epoch = _real_time()
        self.max_points = max_points
        self.points = 0
        self.switches = 0
        self.log: deque[Step] = deque(maxlen=log_size)
        self.done = _allocate()
        self.done.acquire()
        self.failures: list[Failure] = []
        self.deadlock: DeadlockReport | None = None
        self.main: ThreadRec | None = None
        self.main_done_at: int | None = None
        self.aborted: str | None = None
        self.order = LockOrderGraph()
        self.futures: list[Any] = []
        self._trace_cache: dict[types.CodeType, bool] = {}
        # Real locks (made before the test) taken through a site the scheduler saw: by
        # id, the lock, the thread and where (reallocks.py).
        self.real_owners: dict[int, tuple[Any, ThreadRec, Site]] = {}
        self.real_waits = 0  # threads blocked on a RealWait right now
        self.closed = False  # run_schedule is over: late threads only finish

    # -- threads ----------------------------------------------------------------------

    def add_thread(self, rec: ThreadRec) -> None:
        rec.run = rec.run or self
        rec.idx = len(self.threads)
        self.threads.append(rec)
        if rec.thread is not None and rec.idx > 0:
            rec.name = _display_name(rec.thread, rec.idx)

    def enter(self, rec: ThreadRec) -> None:
        """First thing a managed thread does: wait for its turn, then trace its code."""
        bind(rec)
        rec.baton.acquire()
        with mutex:
            rec.entered = True
        self._install_trace(rec)

    def exit(self, rec: ThreadRec) -> None:
        """Last thing a managed thread does: finish, and hand the baton on without waiting."""
        sys.settrace(None)
        with mutex:
            if rec.outside:
                self._come_back(rec)
            rec.finished = True
            if rec is self.main:
                self.main_done_at = self.points
            notify(rec)
            if not self.closed:
                nxt = self._choose(rec, "exit")
                if nxt is None:
                    self.running = None
                    self.done.release()
                else:
                    self._give(nxt)
        unbind()

    def alive(self) -> list[ThreadRec]:
        return [t for t in self.threads if not t.finished]

    # -- scheduling points ------------------------------------------------------------

    def point(self, rec: ThreadRec, kind: str) -> None:
        """A place where another thread may run (mutex not held)."""
        with mutex:
            if rec.outside:
                self._come_back(rec)
            self._count_point()
            nxt = self._choose(rec, kind)
            if nxt is not None and nxt is not rec:
                self._switch(rec, nxt)
            _raise_pending(rec)

    def block(
        self,
        rec: ThreadRec,
        waitable: Waitable,
        ready: Callable[[], bool],
        timeout: float | None,
        site: Site | None,
    ) -> bool:
        if rec.outside:
            self._come_back(rec)
        rec.waiting_on = waitable
        rec.wait_site = site
        rec.timed = timeout is not None
        rec.sleeping = waitable is SLEEP
        rec.deadline = None if timeout is None else self.now + timeout
        rec.timed_out = False
        if rec.sleeping:
            rec.yields_to = {t.idx for t in self.threads if t is not rec and not t.finished
                             and not t.blocked and not t.outside}
        waitable.waiters.append(rec)
        try:
            while True:
                _raise_pending(rec)
                rec.blocked = True
                self._count_point()
                nxt = self._choose(rec, "block")
                if nxt is not None and nxt is not rec:
                    self._switch(rec, nxt)
                _raise_pending(rec)
                if ready():
                    return True
                if rec.timed_out:
                    return False
        finally:
            rec.blocked = False
            waitable.waiters.remove(rec)
            rec.waiting_on = None
            rec.wait_site = None
            rec.timed = False
            rec.sleeping = False
            rec.yields_to.clear()
            rec.deadline = None

    def _leak_check(self) -> None:
        """After the scenario returned, its threads get a grace of steps to finish."""
        if self.main_done_at is not None and self.aborted is None and \
                self.points - self.main_done_at > LEAK_GRACE_POINTS:
            self._report_leak()

    def _report_leak(self) -> None:
        lines = []
        for t in self.alive():
            started = f" started at {t.start_site.short}" if t.start_site else ""
            now = ""
            if t.frame is not None and t.frame.f_lineno:
                code = t.frame.f_code
                site = Site(code.co_filename, line_of(t.frame), code.co_name)
                now = f", now at {site.short}: {site.source}"
            lines.append(f"  {t.name!r}{started}{now}")
        count = len(lines)
        self.abort(f"{count} thread{'s' if count != 1 else ''} still running after the "
                   "scenario returned\n" + "\n".join(lines), "leak")

    def _count_point(self) -> None:
        self.points += 1
        self._leak_check()
        if self.points > self.max_points and self.aborted is None:
            self.abort(f"the scenario did not finish within {self.max_points} scheduling steps "
                       "(an endless loop, or a thread spinning while it waits?)", "livelock")

    def abort(self, why: str, kind: str, who: ThreadRec | None = None) -> None:
        self.aborted = why
        who = who or self.running
        self.failures.append(Failure(who.name if who else "?", ScheduleAborted(why), kind))
        for t in self.alive():
            t.pending = ScheduleAborted(why)
            t.blocked = False

    def _switch(self, rec: ThreadRec, nxt: ThreadRec) -> None:
        """Hand the baton to `nxt` (or to nobody: IDLE) and wait for it to come back."""
        self.switches += 1
        self._give(nxt)
        mutex.release()
        try:
            rec.baton.acquire()
        finally:
            mutex.acquire()

    def _give(self, nxt: ThreadRec) -> None:
        if nxt is IDLE:
            self.running = None  # the next thread to come back from outside takes it
            return
        self.running = nxt
        if nxt.frame is not None:
            self._log(nxt, nxt.frame)
        nxt.baton.release()

    def release_stuck(self) -> ThreadRec | None:
        """The running thread is blocked where the scheduler cannot see (a lock taken inside
        a library, real I/O): let the others run meanwhile (mutex held). It is outside until
        its next step, where it waits for its turn like any runnable thread. Which thread
        runs next is still the strategy's choice; when the blocked thread comes back is up
        to the OS, so a schedule with such a wait may not replay exactly."""
        rec = self.running
        if rec is None or rec.finished or rec.outside or self.closed:
            return None
        rec.outside = True
        nxt = self._choose(None, "outside")
        self._give(IDLE if nxt is None else nxt)
        return rec

    def resume(self) -> None:
        """After `abort` from outside the threads (mutex held): when nobody holds the
        baton, give it to a thread, which then unwinds and hands it on."""
        if self.running is None:
            nxt = self._choose(None, "abort")
            if nxt is not None:
                self._give(nxt)

    def _come_back(self, rec: ThreadRec) -> None:
        """A thread that was outside is at a step again (mutex held): its turn first."""
        rec.outside = False
        if self.closed:
            return
        if self.running is None:
            self.running = rec
            return
        mutex.release()
        try:
            rec.baton.acquire()
        finally:
            mutex.acquire()

    def _choose(self, rec: ThreadRec | None, kind: str) -> ThreadRec | None:
        while True:
            if self.real_waits:
                for t in self.threads:
                    if t.blocked and isinstance(t.waiting_on, reallocks.RealWait) \
                            and t.waiting_on.ready():
                        t.blocked = False
            runnable = [t for t in self.threads
                        if not t.finished and not t.blocked and not t.outside]
            # A sleeper may wake before a runnable thread has run (a sleep guarantees
            # nothing), but not again and again while one waits: it yields to the threads
            # that could run when it began to sleep, until each of them has had a turn
            # (the fairness of CHESS's fair scheduler, Musuvathi & Qadeer 2008). Else a
            # loop that polls with sleeps would starve a thread for ever in virtual time.
            # Waking a sleeper lets time pass until its deadline: never past a timed wait's
            # deadline, which then comes first (it times out, and its thread may run).
            ready = {t.idx for t in runnable}
            first_timeout = min((t.deadline for t in self.threads
                                 if not t.finished and t.blocked and t.timed
                                 and not t.sleeping and t.deadline is not None),
                                default=math.inf)
            sleepers = [t for t in self.threads
                        if not t.finished and t.blocked and t.sleeping
                        and not t.yields_to & ready and (t.deadline or 0.0) <= first_timeout]
            options = list(runnable)
            if sleepers:
                options.append(min(sleepers, key=lambda t: (t.deadline or 0.0, t.idx)))
            if options:
                current_ = rec if rec in runnable else None
                pick = options[0] if len(options) == 1 else \
                    self.strategy.choose(options, current_, kind)
                if pick.blocked:
                    self._advance(pick.deadline or self.now)
                for t in self.threads:
                    t.yields_to.discard(pick.idx)
                return pick
            timed = [t for t in self.threads if not t.finished and t.blocked and t.timed]
            if timed:
                self._advance(min(t.deadline or self.now for t in timed))
                continue
            live = self.alive()
            if not live:
                return None
            if any(t.outside for t in live):
                return IDLE  # nothing to run until a thread comes back from outside
            self._declare_deadlock(live)

    def _advance(self, until: float) -> None:
        self.now = max(self.now, until)
        for t in self.threads:
            if t.blocked and t.deadline is not None and t.deadline <= self.now:
                t.blocked = False
                t.timed_out = True

    def _declare_deadlock(self, live: list[ThreadRec]) -> None:
        if self.main is not None and self.main.finished:
            if self.aborted is None:
                self._report_leak()  # nothing can move, and the scenario already returned
            for t in live:
                t.blocked = False
            return
        states = [self._state(t) for t in live]
        cycle = None
        for t in live:
            cycle = find_cycle(t)
            if cycle is not None:
                break
        report = (DeadlockReport.cycle([self._state(t) for t in cycle]) if cycle
                  else DeadlockReport.all_blocked(states))
        if self.deadlock is None:
            self.deadlock = report
            self.failures.append(Failure(live[0].name, DeadlockError(report), "deadlock"))
        for t in live:
            t.pending = DeadlockError(self.deadlock)
            t.blocked = False

    def _state(self, rec: ThreadRec) -> ThreadState:
        """`rec.state()`, with the real locks it took where the scheduler saw it."""
        state = rec.state()
        for lock, owner, site in self.real_owners.values():
            if owner is rec and reallocks.is_held(lock):
                state.held.append((lock, site))
        return state

    # -- real locks -------------------------------------------------------------------

    def _wait_real(self, rec: ThreadRec, frame: types.FrameType,
                   site: reallocks.AcquireSite) -> None:
        """`frame` is about to take (or wait for) what `site` names: when that is a real
        lock someone else holds, wait for it here, cooperatively (reallocks.py)."""
        obj = reallocks.resolve(frame, site)
        if obj is None or not reallocks.cooperative(obj, site.method):
            return
        code = frame.f_code
        where = Site(code.co_filename, frame.f_lineno or 0, code.co_name)
        with mutex:
            if not reallocks.is_free(obj):
                wait = reallocks.RealWait(obj, site, self.real_owners)
                self.real_waits += 1
                try:
                    self.block(rec, wait, wait.ready, None, where)
                finally:
                    self.real_waits -= 1
                _refresh_locals(frame)
            lock = reallocks.lock_of(obj)
            if lock is not None and site.method == "acquire":
                self.real_owners[id(lock)] = (lock, rec, where)

    # -- byte-code preemption -----------------------------------------------------------

    def _install_trace(self, rec: ThreadRec) -> None:
        previous = sys.gettrace()
        run = self
        cache = self._trace_cache

        def local(frame: types.FrameType, event: str, arg: Any) -> Any:
            if event == "opcode":
                try:
                    run._on_opcode(rec, frame)
                except BaseException:
                    _opcodes_off(frame)
                    raise
            elif event == "line":
                rec.frame = frame
                run._log(rec, frame)
                if frame.f_code not in _opcode_ready:
                    # 3.13: a code object's first run under settrace gets no opcode events
                    # when f_trace_opcodes is set in its 'call' event; switching it off and
                    # on at its first line does. Without this a replay would differ from
                    # the run it replays (cold code against warm code).
                    _opcode_ready.add(frame.f_code)
                    frame.f_trace_opcodes = False
                    frame.f_trace_opcodes = True
            return local

        def global_trace(frame: types.FrameType, event: str, arg: Any) -> Any:
            code = frame.f_code
            traced = cache.get(code)
            if traced is None:
                traced = cache[code] = is_user_file(code.co_filename)
            chained = None
            if previous is not None:
                chained = previous(frame, event, arg)  # type: ignore[arg-type]
                if sys.gettrace() is not global_trace:
                    # coverage's C tracer re-installs itself when called from Python; put
                    # ours back in front, or the scheduler would go blind for new frames.
                    sys.settrace(global_trace)
            if not traced:
                return chained
            frame.f_trace_opcodes = True  # after the previous tracer, which may reset it
            if code not in _opcode_seen:
                # 3.12: the same first-run gap; re-installing the tracer makes the
                # interpreter instrument this code object before it runs on.
                _opcode_seen.add(code)
                sys.settrace(global_trace)
            return _chain(local, chained) if chained is not None else local

        rec.traced = True
        sys.settrace(global_trace)

    def _on_opcode(self, rec: ThreadRec, frame: types.FrameType) -> None:
        if rec.outside:
            with mutex:
                self._come_back(rec)
        error = rec.pending
        if error is not None:
            # The schedule was aborted (a step limit): unwind this thread now. Raising in a
            # trace function ends tracing for the thread, which is over anyway.
            rec.pending = None
            raise error
        if self.aborted is not None:
            return
        rec.frame = frame
        self.points += 1
        if self.main_done_at is not None:
            with mutex:
                self._leak_check()
        if self.points > self.max_points:
            with mutex:
                if self.aborted is None:
                    self._count_point()
            error = rec.pending
            if error is not None:
                rec.pending = None
                raise error
            return
        if frame.f_lineno in _assert_lines(frame.f_code):
            return  # an assert's message must show the values it compared
        code = frame.f_code
        if frame.f_lasti in _private_offsets(code):
            return
        if self.strategy.preempt(frame):
            with mutex:
                nxt = self._choose(rec, "opcode")
                switch = nxt is not None and nxt is not rec
                if switch:
                    self._switch(rec, nxt)  # type: ignore[arg-type]
            if switch:
                _refresh_locals(frame)
        sites = _real_sites.get(code)
        if sites is None:
            sites = _real_sites[code] = reallocks.acquire_sites(code)
        if sites:
            site = sites.get(frame.f_lasti)
            if site is not None:
                self._wait_real(rec, frame, site)

    def _log(self, rec: ThreadRec, frame: types.FrameType) -> None:
        if self.failures or frame.f_lineno is None or rec.outside:
            return  # what happens while threads unwind from a failure is noise
        code = frame.f_code
        site = Site(code.co_filename, frame.f_lineno,
                    getattr(code, "co_qualname", code.co_name))
        log = self.log
        if log and log[-1].thread == rec.idx and log[-1].site == site:
            return
        log.append(Step(rec.idx, site))

    # -- virtual time -------------------------------------------------------------------

    def monotonic(self) -> float:
        return 1000.0 + self.now

    def time(self) -> float:
        return self.epoch + self.now

    def outcome(self) -> RunOutcome:
        return RunOutcome(
            failures=list(self.failures),
            steps=list(self.log),
            names=[t.name for t in self.threads],
            threads_started=max(0, len(self.threads) - 1),
            switches=self.switches,
            points=self.points,
        )


def _chain(ours: Callable[..., Any], theirs: Callable[..., Any]) -> Callable[..., Any]:
    """A local tracer that feeds both our scheduler and a previous tracer (coverage)."""
    state = [theirs]

    def both(frame: types.FrameType, event: str, arg: Any) -> Any:
        if event != "opcode" and state[0] is not None:
            state[0] = state[0](frame, event, arg)
        ours(frame, event, arg)
        return both

    return both


def _refresh_locals(frame: types.FrameType) -> None:
    """After a switch inside the trace function. Before 3.13 the interpreter copies a
    traced frame's variables into f_locals before calling us and writes them back after:
    cells (closure variables) too. Other threads ran meanwhile; refresh the copy so that
    the write-back does not undo what they wrote to a shared `nonlocal`."""
    if _TRAMPOLINE_COPIES_LOCALS and (frame.f_code.co_cellvars or frame.f_code.co_freevars):
        frame.f_locals  # noqa: B018


def _opcodes_off(frame: types.FrameType | None) -> None:
    """Before an exception leaves the trace function (which ends tracing for the thread):
    no more opcode events for its frames. 3.12.1 would still deliver them, to a trace
    function it has already cleared, and crash (a NULL call in legacy_tracing.c).

    On 3.12 only: from 3.13 on, a frame's `f_trace_opcodes = False` takes the opcode
    events off its code object for every thread, and the other threads of the schedule,
    running the same function, would go on unseen (a spinning one never unwinds)."""
    if not _OPCODES_OFF_NEEDED:
        return
    while frame is not None:
        frame.f_trace_opcodes = False
        frame = frame.f_back


# `_choose`'s answer when nothing can run until a thread comes back from outside.
IDLE = ThreadRec("(idle)")
LEAK_GRACE_POINTS = 2000
_real_sites: dict[types.CodeType, dict[int, reallocks.AcquireSite]] = {}
_opcode_ready: set[types.CodeType] = set()
_opcode_seen: set[types.CodeType] = set()
_TRAMPOLINE_COPIES_LOCALS = sys.version_info < (3, 13)
_OPCODES_OFF_NEEDED = sys.version_info[:2] == (3, 12)
_NAN_TIMEOUT_REFUSED = sys.version_info >= (3, 14)
_assert_cache: dict[str, frozenset[int]] = {}


# Byte-codes that are no scheduling points: 3.14 adds a NOT_TAKEN marker after every
# conditional jump, for its monitoring; it does nothing. Counted as a point, it would thin
# out the switches that matter, and the same seed would find less on 3.14 than on 3.13.
_PRIVATE_OPS = frozenset(dis.opmap[name] for name in ("NOT_TAKEN",) if name in dis.opmap)
_private_cache: dict[types.CodeType, frozenset[int]] = {}


def _private_offsets(code: types.CodeType) -> frozenset[int]:
    found = _private_cache.get(code)
    if found is None:
        raw = code.co_code
        found = _private_cache[code] = frozenset(
            offset for offset in range(0, len(raw), 2) if raw[offset] in _PRIVATE_OPS)
    return found


def _assert_lines(code: types.CodeType) -> frozenset[int]:
    """Lines of `assert` statements in a file: no preemption there. Between pytest's
    comparison and the message it builds, another thread could change what is shown."""
    filename = code.co_filename
    lines = _assert_cache.get(filename)
    if lines is None:
        found: set[int] = set()
        try:
            with open(filename, encoding="utf-8") as f:
                tree = ast.parse(f.read())
        except (OSError, SyntaxError, ValueError):
            tree = None
        if tree is not None:
            for node in ast.walk(tree):
                if isinstance(node, ast.Assert):
                    found.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        lines = _assert_cache[filename] = frozenset(found)
    return lines


class _Sleep:
    """The waitable of `time.sleep`: nobody owns it, nobody notifies it."""

    waiters: list[ThreadRec]

    def __init__(self) -> None:
        self.waiters = []

    def owners(self) -> list[ThreadRec]:
        return []

    def describe(self) -> str:
        return "time.sleep to end"


SLEEP = _Sleep()


def sleep(seconds: float) -> None:
    """`time.sleep` for threads we know: virtual when controlled, wakeable when free."""
    rec = _local.rec
    if rec is None or (rec.run is None and rec.scope is None):
        _real_sleep(seconds)
        return
    if seconds != seconds:
        raise ValueError("Invalid value NaN (not a number)")
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    site = caller_site(2)
    with mutex:
        if rec.run is not None:
            rec.run.block(rec, SLEEP, lambda: False, seconds, site)
            return
        SLEEP.waiters.append(rec)
        try:
            _raise_pending(rec)
        finally:
            SLEEP.waiters.remove(rec)
        if seconds == 0:
            return
        wait_until(SLEEP, lambda: False, seconds, site)


def monotonic() -> float:
    rec = _local.rec
    if rec is not None and rec.run is not None:
        return rec.run.monotonic()
    return _real_monotonic()


def wall_time() -> float:
    rec = _local.rec
    if rec is not None and rec.run is not None:
        return rec.run.time()
    return _real_time()


def perf_counter() -> float:
    rec = _local.rec
    if rec is not None and rec.run is not None:
        return rec.run.monotonic()
    return _real_perf_counter()


def scheduling_point(kind: str) -> None:
    """Called by every primitive before it acts: in controlled mode, a thread may switch."""
    rec = _local.rec
    if rec is not None and rec.run is not None and rec.entered and not rec.finished:
        rec.run.point(rec, kind)

