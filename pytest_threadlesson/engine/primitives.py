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
    Semaphore,
    _OrigBarrier,
    _OrigCondition,
    _OrigEvent,
    _RawEvent,
)
from .futures import unretrieved
from .locks import Lock, RLock, _OrigLock, _OrigRLock
from .patch import ExitCalled, InputAtTerminal, Patch, _orig_os_exit, patch, thread_patch
from .threadstart import (
    _is_alive,
    _join,
    _orig_is_alive,
    _orig_join,
    _orig_start,
    _start,
    _thread_body,
    foreign,
    outlives,
    start_raw_thread,
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
    "Patch",
    "RLock",
    "Semaphore",
    "_OrigBarrier",
    "_OrigCondition",
    "_OrigEvent",
    "_OrigLock",
    "_OrigRLock",
    "_RawEvent",
    "_is_alive",
    "_join",
    "_orig_is_alive",
    "_orig_join",
    "_orig_os_exit",
    "_orig_start",
    "_start",
    "_thread_body",
    "foreign",
    "outlives",
    "patch",
    "start_count",
    "start_raw_thread",
    "thread_patch",
    "threads",
    "unretrieved",
    "wait_os_exit",
]
