"""Wrong fix: check without the lock, then lock only around the build.

Two callers can both see "not built yet" before either takes the lock; the lock then
only makes them build one after the other, and the factory still runs twice.
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
        self._lock = threading.Lock()

    def get(self) -> T:
        if self._value is _UNSET:
            with self._lock:
                self._value = self._factory()
        return self._value  # type: ignore[return-value]
