"""A lazy value that is built twice when two threads ask for it first.

`Lazy` wraps an expensive factory (a connection, a parsed config) and builds the value on
the first `get()`. When two threads call `get()` at the same time on a fresh `Lazy`, both
may run the factory, and they end up holding two different objects. Make the factory run
exactly once, with every caller getting that same object.

Lesson: docs/lessons/2-races.md, "Lazy initialisation".
"""

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

_UNSET = object()


class Lazy(Generic[T]):
    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._value: object = _UNSET

    def get(self) -> T:
        if self._value is _UNSET:
            self._value = self._factory()
        return self._value  # type: ignore[return-value]
