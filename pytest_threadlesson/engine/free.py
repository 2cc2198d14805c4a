"""Free mode: a test's threads are real OS threads that park on their own locks, and a
wait that closes a deadlock (a cycle, or every thread parked) is reported as it forms."""

from __future__ import annotations

import re
import sys
import threading
import types
from collections.abc import Callable
from typing import Any

from ..frames import Site
from . import starts
from .threads import (
    SLEEP,
    Arena,
    DeadlockError,
    DummyThread,
    Held,
    ThreadException,
    ThreadRec,
    Waitable,
    current,
    fixture_scopes,
    foreign_threads,
    mutex,
    outliving,
    raise_pending,
    service_threads,
)
from .waits import DeadlockReport, LockOrderGraph, find_cycle

_NAN_TIMEOUT_REFUSED = sys.version_info >= (3, 14)


# ---------------------------------------------------------------------------------------
# Scopes: the threads of one test, free mode.


class Scope(Arena):
    """One test's threads (its own and those it started) and what went wrong among them:
    real threads, and a wait that closes a deadlock (a cycle, or every thread parked) is
    reported as it forms (when `detect`)."""

    def __init__(self, main: ThreadRec, *, detect: bool = True) -> None:
        self.main = main
        self.detect = detect
        self.threads: list[ThreadRec] = [main]
        self.deadlock: DeadlockReport | None = None
        self.order: LockOrderGraph = LockOrderGraph()
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
        return display_name(thread, self._names)

    def live(self) -> list[ThreadRec]:
        return [t for t in self.threads if not t.finished]

    def declare(self, report: DeadlockReport) -> DeadlockError:
        """Record a deadlock and wake every parked thread of the test with it."""
        if self.deadlock is None:
            self.deadlock = report
        error = DeadlockError(self.deadlock)
        for rec in self.threads:
            if rec is not current():
                interrupt(rec, DeadlockError(self.deadlock))
        return error

    # -- Arena --------------------------------------------------------------------------

    @property
    def takes_threads(self) -> bool:
        return not self.closed

    def adopt(self, rec: ThreadRec) -> bool:
        if self.closed or (fixture_scopes and fixture_scopes[-1] != "function"):
            return False  # a module or session fixture's thread is meant to outlive it
        rec.arena = self
        if rec.thread is not None:
            rec.name = self.stable_name(rec.thread)
        self.threads.append(rec)
        return True

    def finished(self, rec: ThreadRec) -> None:
        if self.detect and not self.closed and self.deadlock is None:
            _check_all_blocked(self, None)  # maybe it was the last hope

    def failed(self, rec: ThreadRec, exc: BaseException) -> bool:
        self.exceptions.append(ThreadException(rec.name, exc, rec.start_site))
        return True

    def made_progress(self) -> None:
        self.progress += 1

    def parking(self, rec: ThreadRec) -> None:
        """About to park without a timeout: is this the wait that closes a deadlock?"""
        if not self.detect or self.closed:
            return
        if self.deadlock is not None:
            raise DeadlockError(self.deadlock)
        cycle = find_cycle(rec)
        if cycle is not None:
            raise self.declare(DeadlockReport.cycle([t.state() for t in cycle]))
        _check_all_blocked(self, rec)

    def sleep(self, rec: ThreadRec, seconds: float, site: Site | None) -> None:
        """A sleep that a declared deadlock or a stop can end early."""
        with mutex:
            SLEEP.waiters.append(rec)
            try:
                raise_pending(rec)
            finally:
                SLEEP.waiters.remove(rec)
            if seconds == 0:
                return
            wait_until(SLEEP, lambda: False, seconds, site)


def display_name(thread: threading.Thread, number: int) -> str:
    """The user's name for a thread, or a stable one: CPython's `Thread-7` numbers drift."""
    name = thread.name
    if name.startswith("ThreadPoolExecutor-"):
        return f"pool-worker-{number}"
    if re.fullmatch(r"Thread-\d+( \(.*\))?", name):
        return f"Thread-{number}"
    return name


# ---------------------------------------------------------------------------------------
# Blocking: the one place where threads wait.


def interrupt(rec: ThreadRec, exc: BaseException, *, even_running: bool = False) -> bool:
    """Make `rec` raise `exc` (mutex held): the one way the engine stops a thread. A thread
    parked on one of our primitives wakes and raises it: True. A thread that runs is left
    to the caller (an asynchronous exception, outside the mutex): False; with
    `even_running` it also raises `exc` at its next wait or scheduling point."""
    if rec.finished:
        return False
    if rec.waiting_on is not None:
        rec.pending = exc
        rec.arena.wake(rec)
        return True
    if even_running:
        rec.pending = exc
    return False


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
    return rec.arena.park(rec, waitable, ready, timeout, site)


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
        if others_may_act(scope):
            return
        error = scope.declare(DeadlockReport.all_blocked([t.state() for t in live]))
        if waiting is not None:
            raise error


def others_may_act(scope: Scope) -> bool:
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
                 if not isinstance(thread, DummyThread))
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


# ---------------------------------------------------------------------------------------
# Locks held: the lock-order graph and the `holds` column of every report.


def note_acquiring(rec: ThreadRec, lock: Any, site: Site | None) -> None:
    """Before a thread waits for `lock`: record the order against every lock it holds."""
    order = rec.arena.order
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
