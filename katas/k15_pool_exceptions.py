"""Checksums with holes in them.

`checksum_all` reads a batch of files in a thread pool and returns the CRC-32 of each.
When a file cannot be read, nobody finds out: the result is simply missing an entry, and
the backup that trusted it is missing a file. Fix it so that a failed read reaches the
caller: `checksum_all` raises the exception of the first failing path, in input order.

Lesson: docs/lessons/5-pools-and-lifecycles.md, "Futures: results and exceptions".
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor


def checksum_all(paths: list[str], read: Callable[[str], bytes]) -> dict[str, int]:
    """Return {path: zlib.crc32(read(path))} for every path, reading in parallel."""
    checksums: dict[str, int] = {}

    def checksum(path: str) -> None:
        checksums[path] = zlib.crc32(read(path))

    with ThreadPoolExecutor(max_workers=8) as pool:
        for path in paths:
            pool.submit(checksum, path)
    return checksums
