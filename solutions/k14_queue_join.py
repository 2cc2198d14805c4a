"""A work queue that never says it is done (solution).

Lesson: docs/lessons/4-coordination.md, "Queues, task_done and join".
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

_STOP = object()  # not None: None could be a real item


def process_all(items: list[Any], handle: Callable[[Any], Any], workers: int = 3) -> list[Any]:
    """Call `handle` on every item, in `workers` threads; return the results in any order."""
    tasks: queue.Queue[Any] = queue.Queue()
    results: list[Any] = []

    # `queue.join()` waits until every `put()` has been matched by a `task_done()`, and a
    # sentinel is a `put()` like any other. So: one sentinel per worker (nobody re-queues
    # one), and `task_done()` in a `finally` after *every* `get()`, sentinel included.
    def work() -> None:
        while True:
            item = tasks.get()
            try:
                if item is _STOP:
                    return
                results.append(handle(item))
            finally:
                tasks.task_done()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()

    for item in items:
        tasks.put(item)
    for _ in threads:
        tasks.put(_STOP)

    tasks.join()
    for thread in threads:
        thread.join()
    return results
