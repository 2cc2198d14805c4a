"""Alternative solution: let `queue.Queue(maxsize=capacity)` do the waiting.

`queue.Queue` is a bounded buffer already, with its conditions written correctly.
"""

from __future__ import annotations

import queue
from typing import Any


class BoundedBuffer:
    """A FIFO buffer holding at most `capacity` items; `put` and `get` wait when needed."""

    def __init__(self, capacity: int) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=capacity)

    def put(self, item: Any) -> None:
        """Add `item` at the end, waiting while the buffer is full."""
        self._queue.put(item)

    def get(self) -> Any:
        """Remove and return the oldest item, waiting while the buffer is empty."""
        return self._queue.get()

    def __len__(self) -> int:
        return self._queue.qsize()
