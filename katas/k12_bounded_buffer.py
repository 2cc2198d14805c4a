"""A bounded buffer that loses track.

Producers `put` items into a buffer of fixed capacity and consumers `get` them out, in
order, each waiting while the buffer is full or empty. With one producer and one consumer
it works; add a second consumer and, now and then, one of them crashes on an empty list,
the buffer overflows, or everyone ends up waiting. Fix `BoundedBuffer` so that any
number of producers and consumers can share it.

Lesson: docs/lessons/4-coordination.md, "Condition variables and the while-loop rule".
"""

from __future__ import annotations

import threading
from typing import Any


class BoundedBuffer:
    """A FIFO buffer holding at most `capacity` items; `put` and `get` wait when needed."""

    def __init__(self, capacity: int) -> None:
        self._items: list[Any] = []
        self._capacity = capacity
        self._changed = threading.Condition()

    def put(self, item: Any) -> None:
        """Add `item` at the end, waiting while the buffer is full."""
        with self._changed:
            if len(self._items) >= self._capacity:
                self._changed.wait()  # wait for a consumer to make room
            self._items.append(item)
            self._changed.notify()  # wake a waiting consumer

    def get(self) -> Any:
        """Remove and return the oldest item, waiting while the buffer is empty."""
        with self._changed:
            if not self._items:
                self._changed.wait()  # wait for a producer to add an item
            item = self._items.pop(0)
            self._changed.notify()  # wake a waiting producer
            return item

    def __len__(self) -> int:
        with self._changed:
            return len(self._items)
