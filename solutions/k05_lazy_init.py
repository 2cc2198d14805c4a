"""A lazy value that is built twice when two threads ask for it first.

Solution: "is it built yet?" and "build it" happen under one lock.
"""

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

_UNSET = object()


class Lazy(Generic[T]):
    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._value: object = _UNSET
        # One lock per Lazy, made here so that every caller of get() shares it.
        self._lock = threading.Lock()

    def get(self) -> T:
        # The check and the build are one critical section: a second caller waits for
        # the first to finish building, then sees the value and does not build again.
        # (Taking an uncontended lock is cheap; a lock-free fast path that re-checks
        # under the lock is also correct, see tests/alt_solutions.)
        with self._lock:
            if self._value is _UNSET:
                self._value = self._factory()
            return self._value  # type: ignore[return-value]
