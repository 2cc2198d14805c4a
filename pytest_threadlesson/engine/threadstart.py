"""Threads: who started them, their run wrapped so we know when they end; the patched
`Thread.start`, `join` and `is_alive`, the raw `_thread` threads of a schedule, and
`_thread._count`."""

from __future__ import annotations

import _thread
import functools
import threading
import weakref
from collections.abc import Callable
from typing import Any

from ..frames import caller_site
from . import runtime as rt
from . import starts
from .conditions import RawEvent
from .runtime import ThreadRec

orig_start = threading.Thread.start
orig_join = threading.Thread.join
orig_is_alive = threading.Thread.is_alive


# ---------------------------------------------------------------------------------------
# Threads: who started them, their run wrapped so we know when they end.

class _Records:
    """Each thread's record, kept on the thread object itself, so it lives exactly as long
    as the thread does. (A WeakKeyDictionary cannot do it: the record refers to its thread,
    so no key ever died, and every explored schedule stayed in memory for the session.)"""

    _ATTR = "_threadlesson_rec"

    def get(self, thread: threading.Thread) -> ThreadRec | None:
        rec: ThreadRec | None = thread.__dict__.get(self._ATTR)
        return rec

    def __setitem__(self, thread: threading.Thread, rec: ThreadRec) -> None:
        thread.__dict__[self._ATTR] = rec

    def alive(self) -> list[tuple[threading.Thread, ThreadRec]]:
        """The running threads that have a record."""
        found = []
        for thread in threading.enumerate():
            rec = self.get(thread)
            if rec is not None:
                found.append((thread, rec))
        return found


threads = _Records()
foreign: weakref.WeakSet[threading.Thread] = weakref.WeakSet()
outlives: weakref.WeakSet[threading.Thread] = weakref.WeakSet()


# Every Thread.start through the patch; only ever compared for a change, so a lost
# increment between two threads starting at once cannot hide that one was started.
start_count = 0


def thread_start(self: Any) -> None:
    global start_count
    start_count += 1  # a test during which this never moved leaked no thread
    parent = rt.tls.rec
    arena = rt.UNWATCHED if parent is None else parent.arena
    if not arena.takes_threads or not self._initialized or self._started.is_set():
        orig_start(self)
        return
    site = caller_site(2)
    if site is None:
        # Started by a library with none of the test's code on the stack (pytest-timeout's
        # timer, a plugin's helper): not the test's thread, never blamed on it.
        foreign.add(self)
        self._started = RawEvent()
        orig_start(self)
        return
    rec = ThreadRec(self.name, self)
    rec.start_site = site
    threads[self] = rec
    with rt.mutex:
        if not arena.adopt(rec):
            outlives.add(self)  # a module/session fixture's thread: not the test's
            rt.outliving.append(rec)
    body = self.run

    def own_run() -> None:
        # Only the thread itself runs under our record: code that calls `t.run()` on a
        # started thread (a classic mistake) just runs the body in the calling thread.
        if self.ident == _thread.get_ident():
            thread_body(rec, body)
        else:
            body()

    self.run = own_run
    self._started = RawEvent()
    try:
        orig_start(self)
    except BaseException:
        with rt.mutex:
            rec.finished = True
        raise
    rt.scheduling_point("start")


def thread_body(rec: ThreadRec, body: Callable[[], None]) -> None:
    arena = rec.arena
    arena.enter(rec)
    try:
        body()
    except (rt.DeadlockError, rt.ThreadlessonStop):
        pass
    except BaseException as exc:  # every exception of a thread is the test's business
        with rt.mutex:
            if arena.failed(rec, exc):
                return
        raise  # not a test's thread: threading's own excepthook reports it, as usual
    finally:
        arena.exit(rec)


def start_raw_thread(original: Callable[..., int], function: Callable[..., object],
                     args: tuple[Any, ...], kwargs: dict[str, Any] | None = None
                     ) -> tuple[int, bool]:
    """`_thread.start_new_thread` (starts.py) while a thread of an `explore` schedule
    calls it: the new thread is one of the schedule's, as a `threading.Thread` would be,
    waits for its turn and is traced. Elsewhere the thread starts as usual. Returns its
    ident, and whether it is a thread of a schedule."""
    parent = rt.tls.rec
    run = rt.UNWATCHED if parent is None else parent.arena
    if parent is None or not run.schedules or run.closed or not parent.entered \
            or parent.finished or not isinstance(args, tuple) \
            or not (kwargs is None or isinstance(kwargs, dict)):
        return original(function, args, *(() if kwargs is None else (kwargs,))), False
    rec = ThreadRec("_thread")
    rec.start_site = caller_site(3)
    with rt.mutex:
        run.adopt(rec)
        rec.name = f"_thread-{rec.idx}"  # numbered in the schedule: the same every run

    def body() -> None:
        try:
            function(*args, **(kwargs or {}))
        except SystemExit:
            pass  # as `_thread` does: the thread just ends

    try:
        if _JOINABLE is not None:  # 3.13 and later: a handle to wait for the OS thread
            handle = _JOINABLE(functools.partial(thread_body, rec, body), daemon=True)
            rec.os_exit = handle.join
            ident: int = handle.ident
        else:
            ident = original(_raw_body, (rec, body))
    except BaseException:
        with rt.mutex:
            rec.finished = True
        raise
    rt.scheduling_point("start")
    return ident, True


_JOINABLE = getattr(_thread, "start_joinable_thread", None)


def _raw_body(rec: ThreadRec, body: Callable[[], None]) -> None:
    """To 3.12: a lock that the interpreter releases when this OS thread is gone."""
    sentinel = _thread._set_sentinel()  # type: ignore[attr-defined]

    def os_exit(timeout: float) -> None:
        if sentinel.acquire(True, timeout):
            sentinel.release()

    rec.os_exit = os_exit
    thread_body(rec, body)


def wait_os_exit(rec: ThreadRec, timeout: float) -> None:
    """A finished thread of a schedule has only to return from C: wait until its OS
    thread is gone, so that what the OS and `_thread` report agrees with our records."""
    if rec.thread is not None:
        if rec.thread.ident is not None:
            orig_join(rec.thread, timeout)
    elif rec.os_exit is not None:
        rec.os_exit(timeout)


def thread_count() -> int:
    """`_thread._count()`: under `explore`, the threads the schedule has finished are not
    counted (CPython's lock tests wait for the count to drop; virtual time would not wait
    for a real exit)."""
    me = rt.tls.rec
    if me is not None and me.arena.schedules:
        for t in list(me.arena.threads):
            if t.finished and t is not me:
                wait_os_exit(t, 1.0)
    return _orig_count()


_orig_count = _thread._count


def thread_join(self: Any, timeout: float | None = None) -> None:
    rec = threads.get(self)
    if rec is None or rt.tls.rec is None:
        orig_join(self, timeout)
        return
    if not self._started.is_set():
        raise RuntimeError("cannot join thread before it is started")
    if self is threading.current_thread():
        raise RuntimeError("cannot join current thread")
    if timeout is not None:
        timeout = max(timeout, 0)
    rt.scheduling_point("join")
    site = caller_site(2)
    with rt.mutex:
        done = rt.wait_until(rec, lambda: rec.finished, timeout, site)
    if done:
        # Our record ends a few byte-codes before the OS thread does: wait for that too,
        # so that is_alive() is False after join(), as threading promises.
        orig_join(self, None)


def thread_is_alive(self: Any) -> bool:
    rec = threads.get(self)
    if rec is not None and rec.arena.schedules:
        # Deterministic under the scheduler: the OS thread may linger a few byte-codes.
        return self._started.is_set() and not rec.finished
    return orig_is_alive(self)



starts.use(start_raw_thread)  # a schedule's `_thread.start_new_thread` starts one of its own
