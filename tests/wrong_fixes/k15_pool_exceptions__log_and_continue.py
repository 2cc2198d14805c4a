"""Wrong fix: catch the failure in the task and log it.

The failure is written to a log now, but the caller still gets a partial result and no
exception.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)


def checksum_all(paths: list[str], read: Callable[[str], bytes]) -> dict[str, int]:
    """Return {path: zlib.crc32(read(path))} for every path, reading in parallel."""
    checksums: dict[str, int] = {}

    def checksum(path: str) -> None:
        try:
            checksums[path] = zlib.crc32(read(path))
        except OSError:
            log.exception("could not read %s", path)

    with ThreadPoolExecutor(max_workers=8) as pool:
        for path in paths:
            pool.submit(checksum, path)
    return checksums
