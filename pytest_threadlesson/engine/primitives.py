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

They live by job in locks.py, conditions.py, threadstart.py, futures.py and patch.py;
this module is their facade: the names the rest of the plugin reads as `prim.X`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import threadstart as _threadstart
from .conditions import (
    Barrier,
    BoundedSemaphore,
    Condition,
    Event,
    OrigBarrier,
    OrigCondition,
    OrigEvent,
    RawEvent,
    Semaphore,
)
from .futures import unretrieved
from .locks import Lock, OrigLock, OrigRLock, RLock
from .patch import ExitCalled, InputAtTerminal, Patch, orig_os_exit, patch, thread_patch
from .threadstart import (
    foreign,
    orig_is_alive,
    orig_join,
    orig_start,
    outlives,
    start_raw_thread,
    thread_body,
    thread_is_alive,
    thread_join,
    thread_start,
    threads,
    wait_os_exit,
)

if TYPE_CHECKING:
    start_count: int  # threadstart's, read through `__getattr__` below
else:
    def __getattr__(name: str) -> Any:
        # `start_count` is rebound at every start: read it where it lives, never a copy.
        if name == "start_count":
            return _threadstart.start_count
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Barrier",
    "BoundedSemaphore",
    "Condition",
    "Event",
    "ExitCalled",
    "InputAtTerminal",
    "Lock",
    "OrigBarrier",
    "OrigCondition",
    "OrigEvent",
    "OrigLock",
    "OrigRLock",
    "Patch",
    "RLock",
    "RawEvent",
    "Semaphore",
    "foreign",
    "orig_is_alive",
    "orig_join",
    "orig_os_exit",
    "orig_start",
    "outlives",
    "patch",
    "start_count",
    "start_raw_thread",
    "thread_body",
    "thread_is_alive",
    "thread_join",
    "thread_patch",
    "thread_start",
    "threads",
    "unretrieved",
    "wait_os_exit",
]
