"""Wrong fix: ask every future for its result, and swallow the failures.

Every exception is retrieved now, and then thrown away: the result is still partial.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor


def checksum_all(paths: list[str], read: Callable[[str], bytes]) -> dict[str, int]:
    """Return {path: zlib.crc32(read(path))} for every path, reading in parallel."""
    checksums: dict[str, int] = {}
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = {path: pool.submit(read, path) for path in paths}
    for path, future in futures.items():
        try:
            checksums[path] = zlib.crc32(future.result())
        except:  # noqa: E722
            pass
    return checksums
