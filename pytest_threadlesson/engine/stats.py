"""What a primitive can tell about itself right now: `statistics()` of every instrumented
lock, condition, semaphore, event and barrier (as trio's primitives do), and the plain-speech
note added to a misuse error.

Threads are named, not handed out: a statistics object is for reading and printing, and
holding a record of another thread would keep it alive.

A misuse error keeps CPython's exact type and message (code and CPython's own tests match
them), and says what went wrong in a learner's words as a PEP 678 note, which tracebacks
print under the message (3.11 and later; on 3.10 the note is kept on the exception only).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .threads import ThreadRec


@dataclass(frozen=True)
class LockStatistics:
    """A `Lock` or `RLock`: held or not, by whom (`count` times, for an RLock), since where,
    and the threads waiting to take it."""

    locked: bool
    owner: str | None
    count: int
    acquired_at: str | None
    created_at: str | None
    threads_waiting: tuple[str, ...]


@dataclass(frozen=True)
class ConditionStatistics:
    """A `Condition`: the threads waiting for a notify, and its lock's statistics (None for a
    lock of another kind)."""

    threads_waiting: tuple[str, ...]
    lock: LockStatistics | None
    created_at: str | None


@dataclass(frozen=True)
class SemaphoreStatistics:
    """A `Semaphore` (`initial` set for a `BoundedSemaphore`): permits left, and the threads
    waiting for one."""

    value: int
    initial: int | None
    created_at: str | None
    threads_waiting: tuple[str, ...]


@dataclass(frozen=True)
class EventStatistics:
    is_set: bool
    created_at: str | None
    threads_waiting: tuple[str, ...]


@dataclass(frozen=True)
class BarrierStatistics:
    parties: int
    n_waiting: int
    broken: bool
    created_at: str | None
    threads_waiting: tuple[str, ...]


def names(threads: Iterable[ThreadRec | None]) -> tuple[str, ...]:
    return tuple(t.name for t in threads if t is not None)


def explained(exc: BaseException, note: str) -> BaseException:
    """`exc` with `note` attached (PEP 678), for `raise explained(RuntimeError(...), ...)`."""
    add_note = getattr(exc, "add_note", None)
    if add_note is not None:
        add_note(note)
    else:  # 3.10: no add_note, but the attribute is where 3.11's tracebacks look
        exc.__notes__ = [*getattr(exc, "__notes__", ()), note]  # type: ignore[attr-defined]
    return exc
