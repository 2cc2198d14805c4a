"""The deadlock-timeout backstop: for blocking the plugin cannot see (a busy loop, a C call,
a lock not made by threading). One raw thread watches the running test's threads and, when
none has made progress for the timeout, reports where each one is and unwinds them."""

from __future__ import annotations

import _thread
import linecache
import os
import re
import sys
import threading
from typing import Any

from .. import frames as _frames
from .. import report as _report
from . import leaks
from . import runtime as rt
from . import sampling as _sampling
from . import waits as _waits
from .kick import main_thread_kick
from .threads import free_in_fork_child


class Watchdog:
    """The deadlock-timeout backstop: waits on a raw lock (it never sleeps) and, when no
    thread of the test has made progress for `seconds`, unwinds the test.

    Progress is an explore schedule finished, or any thread of the test seen moving
    through its code (sampling.py): a long test whose threads work is never stopped,
    however long it runs; a busy loop or a call that never returns is.

    One thread serves every test of the process (`_WatchdogThread`), started once and
    running before the first test body: code that counts threads with `_thread._count()`
    (CPython's lock_tests does, 3.10's even wants the count at a test's end to equal the
    count at its start) must not see ours come and go.
    """

    def __init__(self, scope: rt.Scope, seconds: float) -> None:
        self.scope = scope
        self.seconds = seconds
        self._cancel = _thread.allocate_lock()
        self._cancel.acquire()
        if seconds > 0:
            _watchdog_thread.post(self)

    def cancel(self) -> None:
        self._cancel.release()

    def _observe(self) -> tuple[list[int], int]:
        """The test's live threads, and a count that grows with every schedule explore
        finishes and every blocking wait of theirs that ends (a sleep, a timed wait)."""
        with rt.mutex:
            live = self.scope.live()
            return ([t.ident for t in live if t.ident is not None],
                    self.scope.progress + sum(t.wakeups for t in live))

    def watch(self) -> None:
        tick = max(0.005, min(self.seconds / 10, 0.05))
        sampler = _sampling.ProgressSampler()
        idents, seen = self._observe()
        sampler.sample(idents)
        quiet_since = rt.real_monotonic()
        while True:
            if self._cancel.acquire(True, tick):
                return
            idents, count = self._observe()
            # A learner at a breakpoint() prompt is not a hang.
            moved = sampler.sample(idents) or count != seen or _in_debugger(idents)
            seen = count
            now = rt.real_monotonic()
            if moved:
                quiet_since = now
            elif now - quiet_since >= self.seconds:
                break
        scope = self.scope
        with rt.mutex:
            if scope.closed:
                return
            live = scope.live()
            report = threads_now(live, "timeout", {})
            report.stacks["__header__"] = [f"{self.seconds:g}"]
            for t in live:
                if t.waiting_on is None and t.ident is not None and sampler.in_call(t.ident):
                    report.stacks[t.name].append(_unseen_call(t.ident))
            rt.DeadlockTimeout.reports.append(report)
            if scope.deadlock is None:
                scope.deadlock = report
            running = []
            for t in live:
                if not rt.interrupt(t, rt.DeadlockTimeout(report)) and t.ident is not None:
                    running.append(t.ident)
        main = threading.main_thread().ident
        for ident in running:
            # A main thread blocked in C would never see an asynchronous exception: a
            # signal interrupts the call, and its handler raises instead.
            if ident == main and sampler.in_call(ident) and \
                    main_thread_kick.kick(rt.DeadlockTimeout):
                continue
            leaks.async_raise(ident, rt.DeadlockTimeout)


def _in_debugger(idents: list[int]) -> bool:
    frames = sys._current_frames()
    for ident in idents:
        frame = frames.get(ident)
        while frame is not None:
            if frame.f_globals.get("__name__") in ("bdb", "pdb"):
                return True
            frame = frame.f_back
    return False


def _unseen_call(ident: int) -> str:
    """What a thread stuck in a call the plugin cannot see into is doing, as far as it
    can tell from the line it is on."""
    frame = sys._current_frames().get(ident)
    source = linecache.getline(frame.f_code.co_filename, frame.f_lineno or 0) if frame else ""
    if _READS_STDIN.search(source):
        return ("waiting for someone to type a line on standard input: nobody will, a test "
                "runs unattended (give the code its text another way, e.g. as an argument)")
    return ("inside a call the plugin cannot see into (C code, a lock not made by "
            "threading, I/O): it could not tell whether it is blocked or slow")


_READS_STDIN = re.compile(r"\binput\s*\(|\bstdin\.(read|readline|readlines)\s*\(")


class _WatchdogThread:
    """The one raw thread that runs the watchdogs of this process's tests, one at a time."""

    def __init__(self) -> None:
        self._guard = _thread.allocate_lock()
        self._wake = _thread.allocate_lock()
        self._wake.acquire()
        self._jobs: list[Watchdog] = []
        self._pid: int | None = None  # the process it runs in: a fork child has none
        self.ident: int | None = None

    def post(self, job: Watchdog) -> None:
        with self._guard:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._guard_start()
            self._jobs.append(job)
            if self._wake.locked():
                self._wake.release()

    def _guard_start(self) -> None:
        running = _thread.allocate_lock()
        running.acquire()
        self._wake = _thread.allocate_lock()
        self._wake.acquire()
        self._jobs = []
        _thread.start_new_thread(self._serve, (running, self._wake))
        running.acquire()  # counted by `_thread._count()` from now on

    def _serve(self, running: Any, wake: Any) -> None:
        self.ident = _thread.get_ident()
        rt.service_threads.add(self.ident)
        running.release()
        while True:
            wake.acquire()
            while True:
                with self._guard:
                    if wake is not self._wake:
                        return  # a fork child started its own
                    if not self._jobs:
                        break
                    job = self._jobs.pop(0)
                job.watch()


_watchdog_thread = _WatchdogThread()
# A fork child starts its own watchdog thread; the guard may have been held at the fork.
free_in_fork_child(_watchdog_thread._guard)


def threads_now(live: list[rt.ThreadRec], kind: str,
                 known: dict[rt.ThreadRec, _frames.Site | None]) -> _waits.DeadlockReport:
    """The test's live threads, what each holds and waits for, and where it is now
    (`known` gives the place for threads whose current frame says nothing, such as a
    thread now unwinding an exception)."""
    frames = sys._current_frames()
    report = _waits.DeadlockReport(kind, [t.state() for t in live])
    for t in live:
        if t in known:
            site = known[t]
        else:
            site = _frames.site_of(frames.get(t.ident) if t.ident is not None else None)
        report.stacks[t.name] = [
            f"now at {site.short} in {site.function}: {site.source}"
            if site is not None else "now outside your code (a C call?)"]
    return report


def where_at_interrupt(scope: rt.Scope, exc: BaseException) -> _waits.DeadlockReport:
    # The main thread is in our handler now: its place is where the interrupt hit it.
    site = _report.innermost_user_site(exc.__traceback__)
    with rt.mutex:
        return threads_now(scope.live(), "interrupted", {scope.main: site})


