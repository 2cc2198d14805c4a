"""`threading.Condition`, written on our locks, and the primitives CPython builds on a
Condition: `Semaphore`, `BoundedSemaphore`, `Event` and `Barrier`; also thread start-up's
own raw `_started` event."""

from __future__ import annotations

import _thread
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from ..frames import caller_site
from . import runtime as rt
from .locks import Lock, RLock, repr_name, site_short, site_suffix
from .naming import describe_wait
from .runtime import ThreadRec
from .stats import (
    BarrierStatistics,
    ConditionStatistics,
    EventStatistics,
    SemaphoreStatistics,
    explained,
    names,
)

OrigCondition = threading.Condition
OrigEvent = threading.Event
OrigBarrier = threading.Barrier


class _Waiter:
    """One thread's place in a Condition's queue: signalled by notify."""

    __slots__ = ("condition", "signalled", "thread", "waiters")

    def __init__(self, condition: Condition, thread: ThreadRec | None = None) -> None:
        self.condition = condition
        self.signalled = False
        self.thread = thread  # the thread that waits in this place (None: only a name)
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
        self.threadlesson_created_at = caller_site(2)
        self.threadlesson_described_by: Any = None

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

    def _not_owned_error(self, call: str) -> BaseException:
        return explained(RuntimeError(f"cannot {call} on un-acquired lock"),
                         f"{call}() needs the condition's lock, held by the calling thread: "
                         f"call it inside `with condition:`")

    def statistics(self) -> ConditionStatistics:
        """The threads waiting for a notify, and its lock's statistics."""
        lock = self._lock.statistics() if isinstance(self._lock, Lock) else None
        with rt.mutex:
            waiting = names(w.thread for w in self._waiters)
        created = site_short(self.threadlesson_created_at)
        return ConditionStatistics(waiting, lock, created)

    def wait(self, timeout: float | None = None) -> bool:
        if not self._is_owned():
            raise self._not_owned_error("wait")
        site = caller_site(2)
        waiter = _Waiter(self, rt.current())
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
            raise self._not_owned_error("notify")
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
        self._cond.threadlesson_described_by = self
        self._value = value
        self.threadlesson_created_at = caller_site(2)
        self.threadlesson_capacity = value
        self.threadlesson_signal = False

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
                self.threadlesson_signal = True  # released by another thread: a signal

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

    def statistics(self) -> SemaphoreStatistics:
        """Permits left, and the threads waiting for one."""
        waiting = self._cond.statistics().threads_waiting
        created = site_short(self.threadlesson_created_at)
        return SemaphoreStatistics(self._value, getattr(self, "_initial_value", None),
                                   created, waiting)

    def __repr__(self) -> str:
        return (f"<{repr_name(self)} at {id(self):#x}{site_suffix(self.threadlesson_created_at)}: "
                f"value={self._value}>")


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
                raise explained(
                    ValueError("Semaphore released too many times"),
                    f"it started with {self._initial_value} permit(s) and has them all "
                    "back: a release() without an acquire() before it")
            self._value += n
            self._cond.notify(n)
        self._released(n)

    def __repr__(self) -> str:
        return (f"<{repr_name(self)} at {id(self):#x}{site_suffix(self.threadlesson_created_at)}: "
                f"value={self._value}/{self._initial_value}>")


class Event(OrigEvent):
    """`threading.Event` on instrumented parts."""

    def __init__(self) -> None:
        super().__init__()
        self._cond = Condition(Lock())
        self._cond.threadlesson_described_by = self
        self.threadlesson_created_at = caller_site(2)

    def statistics(self) -> EventStatistics:
        """Set or not, and the threads waiting for it to be set."""
        waiting = self._cond.statistics().threads_waiting
        created = site_short(self.threadlesson_created_at)
        return EventStatistics(self.is_set(), created, waiting)

    def __repr__(self) -> str:
        state = "set" if self.is_set() else "unset"
        made = site_suffix(self.threadlesson_created_at)
        return f"<{repr_name(self)} at {id(self):#x}{made}: {state}>"


class Barrier(OrigBarrier):
    """`threading.Barrier` on instrumented parts."""

    def __init__(self, parties: int, action: Callable[[], None] | None = None,
                 timeout: float | None = None) -> None:
        super().__init__(parties, action, timeout)
        self._cond = Condition(Lock())
        self._cond.threadlesson_described_by = self
        self.threadlesson_created_at = caller_site(2)

    def statistics(self) -> BarrierStatistics:
        """How many of its parties wait at it now, by name, and whether it is broken."""
        waiting = self._cond.statistics().threads_waiting
        created = site_short(self.threadlesson_created_at)
        return BarrierStatistics(self.parties, self.n_waiting, self.broken, created, waiting)

    def __repr__(self) -> str:
        state = "broken" if self.broken else f"waiters={self.n_waiting}/{self.parties}"
        made = site_suffix(self.threadlesson_created_at)
        return f"<{repr_name(self)} at {id(self):#x}{made}: {state}>"


class RawEvent:
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
