"""Checksums with holes in them (solution).

Lesson: docs/lessons/5-pools-and-lifecycles.md, "Futures: results and exceptions".
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor


def checksum_all(paths: list[str], read: Callable[[str], bytes]) -> dict[str, int]:
    """Return {path: zlib.crc32(read(path))} for every path, reading in parallel."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = {path: pool.submit(read, path) for path in paths}

    # A task's exception is kept in its Future, and `result()` is how it gets out.
    # Leaving the with-block waited for every read; asking the futures in input order
    # (not completion order) makes the first failing path the one that raises.
    return {path: zlib.crc32(future.result()) for path, future in futures.items()}
