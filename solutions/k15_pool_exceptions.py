"""Checksums with holes in them (solution).

Tutorial: Thread Pools > Using ThreadPoolExecutor.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor


def checksum_all(paths: list[str], read: Callable[[str], bytes]) -> dict[str, int]:
    """Return {path: zlib.crc32(read(path))} for every path, reading in parallel."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = {path: pool.submit(read, path) for path in paths}

    # A task's exception is kept in its Future, and `result()` or `exception()` is the
    # only way it gets out. Leaving the with-block waited for every read; now ask every
    # Future, in input order (not completion order), so that no failure goes unseen and
    # the first failing path is the one reported.
    errors = [future.exception() for future in futures.values()]
    for error in errors:
        if error is not None:
            raise error
    return {path: zlib.crc32(future.result()) for path, future in futures.items()}
