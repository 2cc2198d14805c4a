"""Wrong fix: a "building" flag set before the build, so other callers skip it.

Checking the flag and setting it are two separate steps with nothing holding them
together: two callers can both see the flag down before either raises it.
"""

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

_UNSET = object()


class Lazy(Generic[T]):
    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._value: object = _UNSET
        self._building = False

    def get(self) -> T:
        if not self._building:
            self._building = True
            self._value = self._factory()
        return self._value  # type: ignore[return-value]
