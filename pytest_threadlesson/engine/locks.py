"""`threading.Lock` and `threading.RLock`, written from scratch on the kernel (runtime.py),
with `_thread.lock.acquire`'s argument checks and the repr helpers the primitives share."""

from __future__ import annotations

import _thread
import threading
from types import TracebackType
from typing import Any

from ..frames import Site, caller_site
from . import runtime as rt
from .naming import object_name
from .runtime import ThreadRec
from .stats import LockStatistics, explained, names

OrigLock = threading.Lock
OrigRLock = threading.RLock
# The modules whose classes stand in for CPython's: a repr names CPython's type for them.
_OURS = frozenset({__name__, __name__.rpartition(".")[0] + ".conditions"})


def site_suffix(site: Site | None) -> str:
    return f" created at {site.short}" if site is not None else ""


def site_short(site: Site | None) -> str | None:
    return site.short if site is not None else None


def _made(site: Site | None) -> str:
    return f" (created at {site.short})" if site is not None else ""


def repr_name(obj: Any, cpython: str | None = None) -> str:
    """The type's name in a repr: CPython's for ours (`threading.Event`, `_thread.lock`),
    which they stand in for; a subclass's own."""
    cls = type(obj)
    if cls.__module__ in _OURS:
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
        # The `threadlesson_*` attributes are public: naming.py and waits.py read them on
        # any of our primitives; the prefix keeps them clear of a user subclass's names.
        self._locked = False
        self._owner: ThreadRec | None = None
        self._acquired_at: Site | None = None
        self.waiters: list[ThreadRec] = []
        self.threadlesson_created_at = caller_site(2)
        self.threadlesson_serial = rt.next_serial()

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
                raise self._unlocked_error()
            self._release_locked()

    def _unlocked_error(self) -> BaseException:
        return explained(RuntimeError("release unlocked lock"),
                         f"nobody holds this Lock{_made(self.threadlesson_created_at)}: each "
                         "release() must follow an acquire() that returned True")

    def statistics(self) -> LockStatistics:
        """Who holds it (how often, since where) and who waits for it, as names."""
        with rt.mutex:
            owner, acquired, created = self._owner, self._acquired_at, self.threadlesson_created_at
            return LockStatistics(
                locked=self._locked, owner=owner.name if owner is not None else None,
                count=self._count if self._locked else 0,
                acquired_at=acquired.short if acquired is not None else None,
                created_at=created.short if created is not None else None,
                threads_waiting=names(self.waiters))

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
                raise self._unlocked_error()
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
        made = self.threadlesson_created_at
        facts = [site_suffix(made).strip()] if made is not None else []
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
        return (f"<{state} {repr_name(self, self._cpython_name)} object {self._cpython_fields()}"
                f"at {id(self):#x}{self._facts()}>")


class RLock(Lock):
    """`threading.RLock`, instrumented: the owner may take it again; release it as often."""

    _reentrant = True

    def release(self) -> None:
        rt.scheduling_point("release")
        with rt.mutex:
            if not self._locked or self._owner is not rt.current():
                raise self._not_owner_error()
            self._count -= 1
            if self._count == 0:
                self._release_locked()

    def _release_save(self) -> Any:
        with rt.mutex:
            if not self._locked or self._owner is not rt.current():
                raise self._not_owner_error()
            count = self._count
            self._count = 0
            self._release_locked()
        return count

    def _acquire_restore(self, state: Any) -> None:
        self.acquire()
        self._count = state

    def _not_owner_error(self) -> BaseException:
        error = RuntimeError("cannot release un-acquired lock")
        if self._owner is None:
            why = f"nobody holds this RLock{_made(self.threadlesson_created_at)}"
        else:
            since = f" (acquired {self._acquired_at.short})" if self._acquired_at else ""
            why = (f"{rt.current().name} does not hold this RLock, {self._owner.name} "
                   f"does{since}: only the thread that acquired an RLock can release it")
        return explained(error, why)

    def _recursion_count(self) -> int:
        """How often the calling thread holds it (0 if another thread does)."""
        return self._count if self._locked and self._owner is rt.current() else 0

    _cpython_name = "_thread.RLock"

    def _cpython_fields(self) -> str:
        owner = self._owner.ident if self._owner is not None else None
        count = self._count if self._locked else 0
        return f"owner={owner or 0} count={count} "
