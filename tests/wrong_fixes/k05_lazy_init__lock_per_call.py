"""Wrong fix: a fresh lock made on every call to get().

Every caller locks its own private lock, so no caller ever waits for another: the check
and the build are exactly as unprotected as before.
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

    def get(self) -> T:
        with threading.Lock():
            if self._value is _UNSET:
                self._value = self._factory()
            return self._value  # type: ignore[return-value]
