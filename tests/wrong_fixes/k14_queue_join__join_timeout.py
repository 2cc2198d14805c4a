"""Wrong fix: wait for `queue.join()` with a timeout, in a helper thread.

`Queue.join()` takes no timeout, so it runs in a thread that is joined with one. The
call returns, but the sentinel is still never `task_done()`: the helper thread waits in
`queue.join()` forever.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

JOIN_TIMEOUT = 1.0


def process_all(items: list[Any], handle: Callable[[Any], Any], workers: int = 3) -> list[Any]:
    """Call `handle` on every item, in `workers` threads; return the results in any order."""
    tasks: queue.Queue[Any] = queue.Queue()
    results: list[Any] = []

    def work() -> None:
        while True:
            item = tasks.get()
            if item is None:
                tasks.put(None)  # re-queue the sentinel for the other workers
                break
            results.append(handle(item))
            tasks.task_done()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()

    for item in items:
        tasks.put(item)
    tasks.put(None)  # signal completion

    # Queue.join() has no timeout: wait for it in a helper thread that we can give up on.
    joiner = threading.Thread(target=tasks.join, daemon=True)
    joiner.start()
    joiner.join(timeout=JOIN_TIMEOUT)
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    return results
