"""Alternative solution: a ThreadPoolExecutor owns the queue, the workers and the shutdown.

Leaving the `with` block waits for every task and joins every worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def process_all(items: list[Any], handle: Callable[[Any], Any], workers: int = 3) -> list[Any]:
    """Call `handle` on every item, in `workers` threads; return the results in any order."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(handle, items))
