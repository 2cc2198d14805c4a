"""Alternative solution: double-checked locking.

Once the value is built, get() returns it without touching the lock. Only a caller that
saw no value takes the lock, and it checks again under the lock, because another thread
may have built the value while this one was waiting.
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
        # Safe without the lock: _value is published by a single assignment, after the
        # factory has returned, so a reader sees either _UNSET or the finished object.
        value = self._value
        if value is _UNSET:
            with self._lock:
                value = self._value
                if value is _UNSET:
                    value = self._factory()
                    self._value = value
        return value  # type: ignore[return-value]
