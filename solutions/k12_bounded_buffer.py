"""A bounded buffer that loses track (solution).

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

    # Two fixes, both needed:
    # - `while`, not `if`: waking up only means "something changed", and another thread
    #   may take the lock first and change it back. Re-check the condition every time.
    # - `notify_all()`, not `notify()`: producers and consumers wait on the same
    #   Condition, so `notify()` may wake a thread of the wrong kind, which goes back to
    #   waiting while the one that could proceed sleeps on: a lost wake-up.

    def put(self, item: Any) -> None:
        """Add `item` at the end, waiting while the buffer is full."""
        with self._changed:
            while len(self._items) >= self._capacity:
                self._changed.wait()
            self._items.append(item)
            self._changed.notify_all()

    def get(self) -> Any:
        """Remove and return the oldest item, waiting while the buffer is empty."""
        with self._changed:
            while not self._items:
                self._changed.wait()
            item = self._items.pop(0)
            self._changed.notify_all()
            return item

    def __len__(self) -> int:
        with self._changed:
            return len(self._items)
