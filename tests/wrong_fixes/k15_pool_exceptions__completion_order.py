"""Wrong fix: `as_completed`, raising the first failure to *complete*.

A failure reaches the caller now, but which one depends on which read finished first,
not on the order of the paths.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed


def checksum_all(paths: list[str], read: Callable[[str], bytes]) -> dict[str, int]:
    """Return {path: zlib.crc32(read(path))} for every path, reading in parallel."""
    checksums: dict[str, int] = {}
    with ThreadPoolExecutor(max_workers=8) as pool:
        future_to_path = {pool.submit(read, path): path for path in paths}
        for future in as_completed(future_to_path):
            checksums[future_to_path[future]] = zlib.crc32(future.result())
    return checksums
