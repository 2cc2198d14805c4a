"""The engine's record of each thread: who it is, what it holds, what it waits on.

Also the process-wide mutex, the clocks captured before anything is patched, the serials
that number locks, and the exceptions the engine raises into threads.
"""

from __future__ import annotations

import _thread
import os
import threading
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..frames import Site
from .waits import DeadlockReport, ThreadState

if TYPE_CHECKING:
    from .waits import LockOrderGraph

# Captured at import, before anything is patched.
real_monotonic = time.monotonic
real_time = time.time
real_perf_counter = time.perf_counter
real_sleep = time.sleep
allocate_raw_lock = _thread.allocate_lock
_get_ident = _thread.get_ident



def free_in_fork_child(lock: Any) -> None:
    """Make raw `lock` new and free in a fork child, as CPython does for its own locks.

    A fork copies a lock as it is: held, if another thread (the backstop, one of the test's
    threads) was inside it at that moment, and no thread of the child would ever release
    it (a fasteners test whose fifty child processes fork while the backstop watches hung
    one run in three: a child's first lock of ours waited for ever)."""
    os.register_at_fork(after_in_child=lock._at_fork_reinit)


mutex = allocate_raw_lock()
free_in_fork_child(mutex)
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
        self.baton = allocate_raw_lock()
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
        self.arena: Arena = UNWATCHED  # where it parks, wakes, tells the time
        self.start_site: Site | None = None
        self.joiners: list[ThreadRec] = []
        # Controlled mode only (ControlledRun's bookkeeping).
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


def raise_pending(rec: ThreadRec) -> None:
    """Raise what the engine left for `rec` (a deadlock, a stop) at its next wait or step."""
    error = rec.pending
    if error is not None:
        rec.pending = None
        raise error


def notify(waitable: Waitable) -> None:
    """Wake everyone waiting on `waitable` (mutex held); they re-check their condition."""
    for rec in list(waitable.waiters):
        rec.arena.wake(rec)


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


class Arena:
    """Where a thread lives: what parks and wakes it, what time it is, who takes the threads
    it starts, and where its failures go. The primitives ask the calling thread's arena
    (`rec.arena`) and never which kind it is.

    This base is the arena of a thread no test watches (`UNWATCHED`): real waits on the
    thread's own baton lock, real clocks, no detection, no threads taken. `free.Scope`
    (one test's real threads, deadlocks found as they form) and `controlled.ControlledRun`
    (one schedule of `explore`: one thread at a time, virtual time) are the other two.
    Every method but the clocks is called with the mutex held, unless it says otherwise.
    """

    closed = True  # its test or schedule is over
    threads: list[ThreadRec] = []  # its threads, in the order they came (none here)
    # Runs its threads one at a time by its own choice, so a record's `finished` is the
    # thread's liveness and `_thread` starts are its own (threadstart.py).
    schedules = False
    order: LockOrderGraph | None = None  # the lock-order graph of its threads
    futures: list[Any] | None = None  # outcomes of futures failed in its threads

    # -- threads ------------------------------------------------------------------------

    @property
    def takes_threads(self) -> bool:
        """Whether a thread that one of its threads starts becomes one of its own."""
        return False

    def adopt(self, rec: ThreadRec) -> bool:
        """A thread one of its threads starts: take it (True), or leave it be."""
        return False

    def enter(self, rec: ThreadRec) -> None:
        """First thing a thread of the arena does, in that thread (mutex not held)."""
        bind(rec)
        with mutex:
            rec.entered = True

    def exit(self, rec: ThreadRec) -> None:
        """Last thing it does, in that thread (mutex not held)."""
        with mutex:
            rec.finished = True
            notify(rec)
            self.finished(rec)
        unbind()

    def finished(self, rec: ThreadRec) -> None:
        """A thread's code returned: anything that follows from it (mutex held)."""

    def failed(self, rec: ThreadRec, exc: BaseException) -> bool:
        """A thread's code raised `exc`: keep it as the test's business (True), or let
        `threading.excepthook` report it as usual (False)."""
        return False

    def made_progress(self) -> None:
        """`explore` ran one more schedule in a thread of this arena."""

    # -- waiting ------------------------------------------------------------------------

    def point(self, rec: ThreadRec, kind: str) -> None:
        """A place where another thread may run (mutex not held)."""

    def park(self, rec: ThreadRec, waitable: Waitable, ready: Callable[[], bool],
             timeout: float | None, site: Site | None) -> bool:
        """Wait on `waitable` until `ready()` (True) or `timeout` seconds (False)."""
        deadline = None if timeout is None else real_monotonic() + timeout
        rec.waiting_on = waitable
        rec.wait_site = site
        rec.timed = timeout is not None
        waitable.waiters.append(rec)
        try:
            while True:
                raise_pending(rec)
                if not rec.timed:
                    self.parking(rec)
                remaining = -1.0
                if deadline is not None:
                    remaining = deadline - real_monotonic()
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
                raise_pending(rec)
                if ready():
                    return True
        finally:
            waitable.waiters.remove(rec)
            rec.waiting_on = None
            rec.wait_site = None
            rec.timed = False
            rec.wakeups += 1

    def parking(self, rec: ThreadRec) -> None:
        """`rec` is about to park without a timeout: a Scope looks for a deadlock here."""

    def wake(self, rec: ThreadRec) -> None:
        """Wake a parked thread: it re-checks what it waits for."""
        if not rec.token:
            rec.token = True
            rec.baton.release()

    def parked(self, rec: ThreadRec) -> bool:
        """Whether `rec`, which has a wait under way, is parked in it right now."""
        return True

    def sleep(self, rec: ThreadRec, seconds: float, site: Site | None) -> None:
        """`time.sleep(seconds)` in `rec` (mutex not held; `seconds` checked already)."""
        real_sleep(seconds)

    # -- time ---------------------------------------------------------------------------

    def monotonic(self) -> float:
        return real_monotonic()

    def time(self) -> float:
        return real_time()

    def perf_counter(self) -> float:
        return real_perf_counter()


UNWATCHED = Arena()


class _Local(threading.local):
    rec: ThreadRec | None = None
    forget: _Forget | None = None


tls = _Local()
DummyThread = threading._DummyThread  # a thread threading did not start

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
    rec = tls.rec
    if rec is None:
        ident = _get_ident()
        thread = threading._active.get(ident)  # type: ignore[attr-defined]
        # A _DummyThread is threading's name for a thread it did not start; before 3.13
        # it stays in the table after its thread ends, and a new thread may reuse the ident.
        if thread is not None and not isinstance(thread, DummyThread):
            rec = ThreadRec(thread.name)
        else:
            _foreign_count[0] += 1
            rec = ThreadRec(f"_thread-{_foreign_count[0]}")
            foreign_threads[ident] = rec
            tls.forget = _Forget(ident, rec)
        rec.ident = ident
        rec.entered = True
        tls.rec = rec
    return rec


def bind(rec: ThreadRec) -> None:
    rec.ident = _get_ident()
    tls.rec = rec


def unbind() -> None:
    tls.rec = None



@dataclass
class ThreadException:
    thread: str
    exc: BaseException
    start_site: Site | None

