"""Wrong fix: daemon workers with no sentinel, and nobody joins them.

`queue.join()` returns now, but the workers are still blocked in `get()` when
`process_all` returns, and stay there for the life of the program.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any


def process_all(items: list[Any], handle: Callable[[Any], Any], workers: int = 3) -> list[Any]:
    """Call `handle` on every item, in `workers` threads; return the results in any order."""
    tasks: queue.Queue[Any] = queue.Queue()
    results: list[Any] = []

    def work() -> None:
        while True:
            item = tasks.get()
            results.append(handle(item))
            tasks.task_done()

    # Daemon threads die with the program, so there is nothing to stop or join.
    for _ in range(workers):
        threading.Thread(target=work, daemon=True).start()

    for item in items:
        tasks.put(item)

    tasks.join()  # wait for all tasks to be processed
    return results
