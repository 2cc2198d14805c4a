"""Instrumented drop-in versions of `threading`'s primitives, and the patch that installs them.

`Lock`, `RLock` and `Condition` are written here from scratch on the kernel in runtime.py:
they know their owner, where they were created and taken, and who waits on them.
`Event`, `Semaphore`, `BoundedSemaphore` and `Barrier` are the standard library's own
classes built on our `Condition` and `Lock` (CPython writes them on top of those two), so
their semantics, error messages and return values are `threading`'s by construction.
`queue.Queue`, `queue.SimpleQueue` (its pure-Python twin) and `concurrent.futures` build on
these, so they are covered while the patch is installed.

Every object here works without the patch and outside any test, as a plain lock: a lock
made while a kata module is imported lives on after the test.
"""

from __future__ import annotations

import _thread
import builtins
import concurrent.futures
import concurrent.futures._base as futures_base
import concurrent.futures.thread as futures_thread
import functools
import os
import queue
import sys
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import Any

from ..frames import Site, caller_site
from . import runtime as rt
from .naming import describe_wait, object_name
from .runtime import ThreadRec

_OrigLock = threading.Lock
_OrigRLock = threading.RLock
_OrigCondition = threading.Condition
_OrigEvent = threading.Event
_OrigBarrier = threading.Barrier
_orig_start = threading.Thread.start
_orig_join = threading.Thread.join
_orig_is_alive = threading.Thread.is_alive


def _where(site: Site | None) -> str:
    return f" created at {site.short}" if site is not None else ""


def _name(obj: Any, cpython: str | None = None) -> str:
    """The type's name in a repr: CPython's for ours (`threading.Event`, `_thread.lock`),
    which they stand in for; a subclass's own."""
    cls = type(obj)
    if cls.__module__ == __name__:
        return cpython if cpython is not None else f"threading.{cls.__qualname__}"
    return f"{cls.__module__}.{cls.__qualname__}"


def _check_acquire(blocking: bool, timeout: float) -> None:
    """`_thread.lock.acquire`'s argument checks, with its errors."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"'{type(timeout).__name__}' object cannot be interpreted as an integer")
    if timeout != timeout:
        raise ValueError("Invalid value NaN (not a number)")
    if not blocking and timeout != -1:
        raise ValueError("can't specify a timeout for a non-blocking call")
    if timeout < 0 and timeout != -1:
        raise ValueError("timeout value must be a non-negative number")
    if timeout > _thread.TIMEOUT_MAX:
        raise OverflowError("timeout value is too large")


class Lock:
    """`threading.Lock`, instrumented. Same signatures, return values and errors."""

    def __init__(self) -> None:
        self._locked = False
        self._owner: ThreadRec | None = None
        self._acquired_at: Site | None = None
        self.waiters: list[ThreadRec] = []
        self._created_at = caller_site(2)
        self._serial = rt.next_serial()

    # Waitable
    def owners(self) -> list[ThreadRec]:
        return [self._owner] if self._owner is not None else []

    def describe(self) -> str:
        return object_name(self)

    _reentrant = False
    _count = 0

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        _check_acquire(blocking, timeout)
        rt.scheduling_point("acquire")
        rec = rt.current()
        site = caller_site(2)
        with rt.mutex:
            if self._reentrant and self._locked and self._owner is rec:
                self._count += 1
                return True
            if rec.held:
                rt.note_acquiring(rec, self, site)
            if self._locked:
                if not blocking:
                    return False
                if not rt.wait_until(self, lambda: not self._locked,
                                     None if timeout == -1 else timeout, site):
                    return False
            self._locked = True
            self._owner = rec
            self._count = 1
            self._acquired_at = site
            rt.note_acquired(rec, self, site)
            return True

    def release(self) -> None:
        rt.scheduling_point("release")
        with rt.mutex:
            if not self._locked:
                raise RuntimeError("release unlocked lock")
            self._release_locked()

    def _release_locked(self) -> None:
        rt.note_released(self._owner, self)
        self._locked = False
        self._owner = None
        self._acquired_at = None
        rt.notify(self)

    def locked(self) -> bool:
        return self._locked

    def _is_owned(self) -> bool:
        return self._locked and self._owner is rt.current()

    def _release_save(self) -> Any:
        with rt.mutex:
            if not self._locked:
                raise RuntimeError("release unlocked lock")
            self._release_locked()
        return None

    def _acquire_restore(self, state: Any) -> None:
        self.acquire()

    def _at_fork_reinit(self) -> None:
        """After a fork, in the child: unlocked, nobody waiting (those threads are gone)."""
        with rt.mutex:
            rt.note_released(self._owner, self)
            self._locked = False
            self._owner = None
            self._count = 0
            self._acquired_at = None
            self.waiters = []

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, t: type[BaseException] | None, v: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()

    _cpython_name = "_thread.lock"

    def _facts(self) -> str:
        """Ours, after CPython's part of the repr: where it was made, who holds it."""
        facts = [_where(self._created_at).strip()] if self._created_at is not None else []
        if self._owner is not None:
            held = f"held by {self._owner.name}"
            if self._acquired_at is not None:
                held += f" (acquired {self._acquired_at.short})"
            facts.append(held)
        if self.waiters:
            facts.append(f"{len(self.waiters)} waiting")
        return f": {', '.join(facts)}" if facts else ""

    def _cpython_fields(self) -> str:
        return ""

    def __repr__(self) -> str:
        # CPython's shape (`<locked _thread.lock object at 0x...>`), which code and tests
        # match with regexes, with our facts after the address.
        state = "locked" if self._locked else "unlocked"
        return (f"<{state} {_name(self, self._cpython_name)} object {self._cpython_fields()}"
                f"at {id(self):#x}{self._facts()}>")


class RLock(Lock):
    """`threading.RLock`, instrumented: the owner may take it again; release it as often."""

    _reentrant = True

    def release(self) -> None:
        rt.scheduling_point("release")
        with rt.mutex:
            if not self._locked or self._owner is not rt.current():
                raise RuntimeError("cannot release un-acquired lock")
            self._count -= 1
            if self._count == 0:
                self._release_locked()

    def _release_save(self) -> Any:
        with rt.mutex:
            if not self._locked or self._owner is not rt.current():
                raise RuntimeError("cannot release un-acquired lock")
            count = self._count
            self._count = 0
            self._release_locked()
        return count

    def _acquire_restore(self, state: Any) -> None:
        self.acquire()
        self._count = state

    def _recursion_count(self) -> int:
        """How often the calling thread holds it (0 if another thread does)."""
        return self._count if self._locked and self._owner is rt.current() else 0

    _cpython_name = "_thread.RLock"

    def _cpython_fields(self) -> str:
        owner = self._owner.ident if self._owner is not None else None
        count = self._count if self._locked else 0
        return f"owner={owner or 0} count={count} "


class _Waiter:
    """One thread's place in a Condition's queue: signalled by notify."""

    __slots__ = ("condition", "signalled", "waiters")

    def __init__(self, condition: Condition) -> None:
        self.condition = condition
        self.signalled = False
        self.waiters: list[ThreadRec] = []

    def owners(self) -> list[ThreadRec]:
        return []

    def describe(self) -> str:
        return self.condition.describe()


class Condition:
    """`threading.Condition`, instrumented. With no lock given, it makes an `RLock`."""

    def __init__(self, lock: Any = None) -> None:
        if lock is None:
            lock = RLock()
        self._lock = lock
        self.acquire = lock.acquire
        self.release = lock.release
        self._waiters: deque[_Waiter] = deque()
        self._created_at = caller_site(2)
        self._described_by: Any = None

    def owners(self) -> list[ThreadRec]:
        return []

    def describe(self) -> str:
        return describe_wait(_Waiter(self))

    def __enter__(self) -> bool:
        return bool(self._lock.__enter__())

    def __exit__(self, *args: Any) -> None:
        self._lock.__exit__(*args)

    def _is_owned(self) -> bool:
        owned = getattr(self._lock, "_is_owned", None)
        if owned is not None:
            return bool(owned())
        if self._lock.acquire(False):
            self._lock.release()
            return False
        return True

    def _release_save(self) -> Any:
        save = getattr(self._lock, "_release_save", None)
        if save is not None:
            return save()
        self._lock.release()
        return None

    def _acquire_restore(self, state: Any) -> None:
        restore = getattr(self._lock, "_acquire_restore", None)
        if restore is not None:
            restore(state)
        else:
            self._lock.acquire()

    def _at_fork_reinit(self) -> None:
        self._lock._at_fork_reinit()
        self._waiters.clear()

    def wait(self, timeout: float | None = None) -> bool:
        if not self._is_owned():
            raise RuntimeError("cannot wait on un-acquired lock")
        site = caller_site(2)
        waiter = _Waiter(self)
        self._waiters.append(waiter)
        saved = self._release_save()
        got = False
        try:
            with rt.mutex:
                got = rt.wait_until(waiter, lambda: waiter.signalled, timeout, site)
            return got
        finally:
            if not got:
                with rt.mutex:
                    try:
                        self._waiters.remove(waiter)
                    except ValueError:
                        pass
            self._acquire_restore(saved)

    def wait_for(self, predicate: Callable[[], Any], timeout: float | None = None) -> Any:
        endtime = None
        waittime = timeout
        result = predicate()
        while not result:
            if waittime is not None:
                if endtime is None:
                    endtime = rt.monotonic() + waittime
                else:
                    waittime = endtime - rt.monotonic()
                    if waittime <= 0:
                        break
            self.wait(waittime)
            result = predicate()
        return result

    def notify(self, n: int = 1) -> None:
        if not self._is_owned():
            raise RuntimeError("cannot notify on un-acquired lock")
        rt.scheduling_point("notify")
        with rt.mutex:
            woken = 0
            while self._waiters and woken < n:
                waiter = self._waiters.popleft()
                waiter.signalled = True
                rt.notify(waiter)
                woken += 1

    def notify_all(self) -> None:
        self.notify(len(self._waiters))

    notifyAll = notify_all

    def __repr__(self) -> str:
        return f"<Condition({self._lock!r}, {len(self._waiters)})>"


class Semaphore:
    """`threading.Semaphore`, instrumented; CPython's algorithm on our `Condition`.

    It also knows who holds its permits: a semaphore held while locks are taken is a gate
    that can make a lock-order cycle impossible (see waits.py). Written here rather than
    subclassed: on 3.10 and 3.11 the standard `BoundedSemaphore.__init__` calls the module
    global `Semaphore`, which is this class while the patch is installed.
    """

    def __init__(self, value: int = 1) -> None:
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        self._cond = Condition(Lock())
        self._cond._described_by = self
        self._value = value
        self._created_at = caller_site(2)
        self._threadlesson_capacity = value
        self._threadlesson_signal = False

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        if not blocking and timeout is not None:
            raise ValueError("can't specify timeout for non-blocking acquire")
        taken = False
        with self._cond:
            if self._value == 0 and blocking:
                self._cond.wait_for(lambda: self._value > 0, timeout)
            if self._value > 0:
                self._value -= 1
                taken = True
        if taken:
            rt.current().gates.append(self)
        return taken

    def _released(self, n: int) -> None:
        gates = rt.current().gates
        for _ in range(n):
            if self in gates:
                gates.remove(self)
            else:
                self._threadlesson_signal = True  # released by another thread: a signal

    def release(self, n: int = 1) -> None:
        if n < 1:
            raise ValueError("n must be one or more")
        with self._cond:
            self._value += n
            self._cond.notify(n)
        self._released(n)

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *args: Any) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"<{_name(self)} at {id(self):#x}{_where(self._created_at)}: value={self._value}>"


class BoundedSemaphore(Semaphore):
    """`threading.BoundedSemaphore`, instrumented: releasing too often is an error."""

    def __init__(self, value: int = 1) -> None:
        super().__init__(value)
        self._initial_value = value

    def release(self, n: int = 1) -> None:
        if n < 1:
            raise ValueError("n must be one or more")
        with self._cond:
            if self._value + n > self._initial_value:
                raise ValueError("Semaphore released too many times")
            self._value += n
            self._cond.notify(n)
        self._released(n)

    def __repr__(self) -> str:
        return (f"<{_name(self)} at {id(self):#x}{_where(self._created_at)}: "
                f"value={self._value}/{self._initial_value}>")


class Event(_OrigEvent):
    """`threading.Event` on instrumented parts."""

    def __init__(self) -> None:
        super().__init__()
        self._cond = Condition(Lock())
        self._cond._described_by = self
        self._created_at = caller_site(2)

    def __repr__(self) -> str:
        state = "set" if self.is_set() else "unset"
        return f"<{_name(self)} at {id(self):#x}{_where(self._created_at)}: {state}>"


class Barrier(_OrigBarrier):
    """`threading.Barrier` on instrumented parts."""

    def __init__(self, parties: int, action: Callable[[], None] | None = None,
                 timeout: float | None = None) -> None:
        super().__init__(parties, action, timeout)
        self._cond = Condition(Lock())
        self._cond._described_by = self
        self._created_at = caller_site(2)

    def __repr__(self) -> str:
        state = "broken" if self.broken else f"waiters={self.n_waiting}/{self.parties}"
        return f"<{_name(self)} at {id(self):#x}{_where(self._created_at)}: {state}>"


class _RawEvent:
    """Thread start-up's own `_started` event: real, never a scheduling point."""

    def __init__(self) -> None:
        self._lock = _thread.allocate_lock()
        self._lock.acquire()
        self._flag = False

    def is_set(self) -> bool:
        return self._flag

    def set(self) -> None:
        if not self._flag:
            self._flag = True
            self._lock.release()

    def clear(self) -> None:
        pass

    def wait(self, timeout: float | None = None) -> bool:
        if not self._flag:
            acquired = self._lock.acquire(True, -1 if timeout is None else timeout)
            if acquired:
                self._lock.release()
        return self._flag


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


class _InsertionOrderedSet(dict[Any, None]):
    """The set API `ThreadPoolExecutor` uses for its threads, in insertion order: a plain
    set of threads iterates in memory-address order, so `shutdown()` would join them in
    an order (and make scheduling choices) that changes from run to run."""

    def add(self, item: Any) -> None:
        self[item] = None

    def discard(self, item: Any) -> None:
        self.pop(item, None)


_orig_executor_init = futures_thread.ThreadPoolExecutor.__init__


def _executor_init(self: Any, *args: Any, **kwargs: Any) -> None:
    _orig_executor_init(self, *args, **kwargs)
    self._threads = _InsertionOrderedSet.fromkeys(self._threads)


# Every Thread.start through the patch; only ever compared for a change, so a lost
# increment between two threads starting at once cannot hide that one was started.
start_count = 0


def _start(self: Any) -> None:
    global start_count
    start_count += 1  # a test during which this never moved leaked no thread
    parent = rt._local.rec
    run = parent.run if parent is not None else None
    scope = parent.scope if parent is not None else None
    if (run is None and (scope is None or scope.closed)) or not self._initialized \
            or self._started.is_set():
        _orig_start(self)
        return
    site = caller_site(2)
    if site is None:
        # Started by a library with none of the test's code on the stack (pytest-timeout's
        # timer, a plugin's helper): not the test's thread, never blamed on it.
        foreign.add(self)
        self._started = _RawEvent()
        _orig_start(self)
        return
    rec = ThreadRec(self.name, self)
    rec.start_site = site
    threads[self] = rec
    wider = bool(rt.fixture_scopes) and rt.fixture_scopes[-1] != "function"
    with rt.mutex:
        if run is not None:
            run.add_thread(rec)
        elif wider:
            outlives.add(self)  # a module/session fixture's thread: not the test's
            rt.outliving.append(rec)
        else:
            assert scope is not None
            rec.scope = scope
            rec.name = scope.stable_name(self)
            scope.threads.append(rec)
    body = self.run

    def own_run() -> None:
        # Only the thread itself runs under our record: code that calls `t.run()` on a
        # started thread (a classic mistake) just runs the body in the calling thread.
        if self.ident == _thread.get_ident():
            _thread_body(rec, body)
        else:
            body()

    self.run = own_run
    self._started = _RawEvent()
    try:
        _orig_start(self)
    except BaseException:
        with rt.mutex:
            rec.finished = True
        raise
    rt.scheduling_point("start")


def _thread_body(rec: ThreadRec, body: Callable[[], None]) -> None:
    run = rec.run
    if run is not None:
        run.enter(rec)
    else:
        rt.bind(rec)
        with rt.mutex:
            rec.entered = True
    try:
        body()
    except (rt.DeadlockError, rt.ThreadlessonStop):
        pass
    except BaseException as exc:  # every exception of a thread is the test's business
        with rt.mutex:
            if run is not None:
                run.failures.append(rt.Failure(rec.name, exc, "exception"))
                return
            if rec.scope is not None:
                rec.scope.exceptions.append(rt.ThreadException(rec.name, exc, rec.start_site))
                return
        raise  # not a test's thread: threading's own excepthook reports it, as usual
    finally:
        if run is not None:
            run.exit(rec)
        else:
            with rt.mutex:
                rt.thread_finished(rec)
            rt.unbind()


def start_raw_thread(original: Callable[..., int], function: Callable[..., object],
                     args: tuple[Any, ...], kwargs: dict[str, Any] | None = None
                     ) -> tuple[int, bool]:
    """`_thread.start_new_thread` (starts.py) while a thread of an `explore` schedule
    calls it: the new thread is one of the schedule's, as a `threading.Thread` would be,
    waits for its turn and is traced. Elsewhere the thread starts as usual. Returns its
    ident, and whether it is a thread of a schedule."""
    parent = rt._local.rec
    run = parent.run if parent is not None else None
    if run is None or parent is None or run.closed or not parent.entered or parent.finished \
            or not isinstance(args, tuple) or not (kwargs is None or isinstance(kwargs, dict)):
        return original(function, args, *(() if kwargs is None else (kwargs,))), False
    rec = ThreadRec("_thread")
    rec.start_site = caller_site(3)
    with rt.mutex:
        run.add_thread(rec)
        rec.name = f"_thread-{rec.idx}"  # numbered in the schedule: the same every run

    def body() -> None:
        try:
            function(*args, **(kwargs or {}))
        except SystemExit:
            pass  # as `_thread` does: the thread just ends

    try:
        if _JOINABLE is not None:  # 3.13 and later: a handle to wait for the OS thread
            handle = _JOINABLE(functools.partial(_thread_body, rec, body), daemon=True)
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
    _thread_body(rec, body)


def wait_os_exit(rec: ThreadRec, timeout: float) -> None:
    """A finished thread of a schedule has only to return from C: wait until its OS
    thread is gone, so that what the OS and `_thread` report agrees with our records."""
    if rec.thread is not None:
        if rec.thread.ident is not None:
            _orig_join(rec.thread, timeout)
    elif rec.os_exit is not None:
        rec.os_exit(timeout)


def _count() -> int:
    """`_thread._count()`: under `explore`, the threads the schedule has finished are not
    counted (CPython's lock tests wait for the count to drop; virtual time would not wait
    for a real exit)."""
    me = rt._local.rec
    run = me.run if me is not None else None
    if run is not None:
        for t in list(run.threads):
            if t.finished and t is not me:
                wait_os_exit(t, 1.0)
    return _orig_count()


_orig_count = _thread._count


def _join(self: Any, timeout: float | None = None) -> None:
    rec = threads.get(self)
    if rec is None or rt._local.rec is None:
        _orig_join(self, timeout)
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
        _orig_join(self, None)


def _is_alive(self: Any) -> bool:
    rec = threads.get(self)
    if rec is not None and rec.run is not None:
        # Deterministic under the scheduler: the OS thread may linger a few byte-codes.
        return self._started.is_set() and not rec.finished
    return _orig_is_alive(self)


# ---------------------------------------------------------------------------------------
# Futures: an exception nobody retrieved is an exception lost.

_orig_set_exception = futures_base.Future.set_exception
_orig_result = futures_base.Future.result
_orig_exception = futures_base.Future.exception


class _Outcome:
    """A future's exception, and whether anybody asked for it."""

    __slots__ = ("exc", "retrieved", "thread")

    def __init__(self, thread: str, exc: BaseException) -> None:
        self.thread = thread
        self.exc = exc
        self.retrieved = False


def _set_exception(self: concurrent.futures.Future[Any], exception: BaseException | None) -> None:
    rec = rt._local.rec
    owner = None if rec is None else rec.run if rec.run is not None else rec.scope
    if owner is None or exception is None or isinstance(
            exception, (rt.DeadlockError, rt.ThreadlessonStop)):
        _orig_set_exception(self, exception)
        return
    # The outcome is in place before the original wakes a thread waiting in result(): that
    # thread marks it retrieved on its way out, whichever thread runs first.
    before = getattr(self, "_threadlesson_outcome", None)
    outcome = _Outcome(rec.name, exception)  # type: ignore[union-attr]
    self._threadlesson_outcome = outcome  # type: ignore[attr-defined]
    try:
        _orig_set_exception(self, exception)
    except BaseException:
        self._threadlesson_outcome = before  # type: ignore[attr-defined]  # already done
        raise
    owner.futures.append(outcome)


def _result(self: concurrent.futures.Future[Any], timeout: float | None = None) -> Any:
    try:
        return _orig_result(self, timeout)
    finally:
        _retrieved(self)  # after the wait: the exception may have been set during it


def _exception(self: concurrent.futures.Future[Any],
               timeout: float | None = None) -> BaseException | None:
    try:
        return _orig_exception(self, timeout)
    finally:
        _retrieved(self)


def _retrieved(future: concurrent.futures.Future[Any]) -> None:
    outcome = getattr(future, "_threadlesson_outcome", None)
    if outcome is not None:
        outcome.retrieved = True




def unretrieved(owner: Any) -> list[tuple[str, BaseException]]:
    """Exceptions set on futures that nobody asked for, as asyncio reports them.

    Code that retrieved one failure and stopped (fail fast: `for f in futures:
    f.result()`) handled failures; the others it skipped are not lost. Only when no
    failing future was ever looked at did every failure vanish.
    """
    outcomes: list[_Outcome] = getattr(owner, "futures", [])
    if any(o.retrieved for o in outcomes):
        return []
    return [(o.thread, o.exc) for o in outcomes]


# os._exit: in a test it would end the whole run at once, with no summary and whatever
# status it was given (often 0, as if every test had passed).

_orig_os_exit = os._exit


class ExitCalled(BaseException):
    """Raised instead of ending the process: a BaseException, so `except Exception` in the
    learner's code does not swallow it, and not a SystemExit, which `threading` drops
    silently when a thread raises it."""

    def __init__(self, status: object) -> None:
        super().__init__(
            f"os._exit({status!r}) was called: it ends the whole pytest process at once "
            f"(no other test runs, no summary, exit status {status!r}, so a red run could "
            "look green). The plugin stopped it here instead. A test, and every thread it "
            "starts, should finish by returning or raising.")


def _exit(status: int) -> None:
    __tracebackhide__ = True
    if os.getpid() != patch_pid[0]:
        _orig_os_exit(status)  # a forked child (multiprocessing's, say) ends as it means to
    raise ExitCalled(status)


patch_pid = [os.getpid()]  # the process the patch was installed in


# input() at a terminal, with -s: the test would wait for someone to type, and a thread the
# scheduler runs would hold the whole run up (a thread blocked in a read cannot be stopped).

_orig_input = builtins.input
_DEBUGGERS = frozenset({"pdb", "bdb", "cmd", "code"})


class InputAtTerminal(BaseException):
    """Raised instead of waiting for a line from the terminal."""

    def __init__(self) -> None:
        super().__init__(
            "input() was called with the terminal as standard input (pytest -s): the test "
            "would wait for someone to type, and tests run unattended. The plugin stopped "
            "it here instead. Give the code its text another way, e.g. as an argument.")


def _input(prompt: object = "") -> str:
    __tracebackhide__ = True
    caller = sys._getframe(1).f_globals.get("__name__", "")
    if caller.split(".")[0] not in _DEBUGGERS and _reads_terminal():
        raise InputAtTerminal()
    return _orig_input(prompt)


def _reads_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError, OSError):  # closed, or pytest's stand-in
        return False


# ---------------------------------------------------------------------------------------
# The patch: install for an active test, restore whatever happens.


class Patch:
    """Swaps the instrumented primitives into `threading`, `queue`, `time` and futures.

    Nested installs are counted, so `explore` inside an active test does not undo the
    test's patch. `restore` puts back exactly the objects found at install time.
    """

    def __init__(self, threads_only: bool = False) -> None:
        self._threads_only = threads_only
        self._depth = 0
        self._saved: list[tuple[Any, str, Any]] = []

    @property
    def installed(self) -> bool:
        return self._depth > 0

    def _targets(self) -> list[tuple[Any, str, Any]]:
        if self._threads_only:
            # Leak checks alone: know who started which thread, and see thread exceptions.
            return [
                (os, "_exit", _exit),
                (threading.Thread, "start", _start),
                (futures_base.Future, "set_exception", _set_exception),
                (futures_base.Future, "result", _result),
                (futures_base.Future, "exception", _exception),
            ]
        return [
            (os, "_exit", _exit),
            (builtins, "input", _input),
            (threading, "Lock", Lock),
            (threading, "RLock", RLock),
            (threading, "Condition", Condition),
            (threading, "Semaphore", Semaphore),
            (threading, "BoundedSemaphore", BoundedSemaphore),
            (threading, "Event", Event),
            (threading, "Barrier", Barrier),
            (threading, "_time", rt.monotonic),
            (threading.Thread, "start", _start),
            (threading.Thread, "join", _join),
            (threading.Thread, "is_alive", _is_alive),
            (_thread, "_count", _count),
            (queue, "SimpleQueue", queue._PySimpleQueue),  # type: ignore[attr-defined]
            (queue, "time", rt.monotonic),
            (time, "sleep", rt.sleep),
            (time, "monotonic", rt.monotonic),
            (time, "time", rt.wall_time),
            (time, "perf_counter", rt.perf_counter),
            (futures_thread, "_global_shutdown_lock", _shutdown_lock),
            (futures_thread.ThreadPoolExecutor, "__init__", _executor_init),
            (futures_base.Future, "set_exception", _set_exception),
            (futures_base.Future, "result", _result),
            (futures_base.Future, "exception", _exception),
        ]

    def install(self) -> None:
        self._depth += 1
        if self._depth > 1:
            return
        patch_pid[0] = os.getpid()
        saved = []
        for obj, name, value in self._targets():
            saved.append((obj, name, obj.__dict__[name]))
            setattr(obj, name, value)
        self._saved = saved

    def restore(self) -> None:
        if self._depth == 0:
            return
        self._depth -= 1
        if self._depth > 0:
            return
        for obj, name, value in reversed(self._saved):
            setattr(obj, name, value)
        self._saved = []


_shutdown_lock = Lock()
patch = Patch()
thread_patch = Patch(threads_only=True)
