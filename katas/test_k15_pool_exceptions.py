"""checksum_all returns every checksum, or raises the exception of the first failing path."""

from __future__ import annotations

import zlib

import pytest
from k15_pool_exceptions import checksum_all

FILES = {
    "notes.txt": b"buy milk",
    "photo.jpg": b"\xff\xd8\xff\xe0",
    "empty.log": b"",
}


def read_file(path):
    try:
        return FILES[path]
    except KeyError:
        raise FileNotFoundError(f"No such file: {path!r}") from None


def test_every_path_gets_its_checksum():
    checksums = checksum_all(list(FILES), read_file)

    assert checksums == {path: zlib.crc32(data) for path, data in FILES.items()}


def test_a_failed_read_reaches_the_caller():
    paths = ["notes.txt", "missing.txt", "photo.jpg"]

    with pytest.raises(FileNotFoundError, match=r"missing\.txt"):
        checksum_all(paths, read_file)


def test_the_first_failing_path_in_input_order_is_raised(contention):
    def read_nothing(path):
        if path == "locked.txt":
            raise PermissionError(f"Permission denied: {path!r}")
        raise FileNotFoundError(f"No such file: {path!r}")

    def scenario():
        # Both reads fail; whichever finishes first, the caller hears about locked.txt.
        with pytest.raises(PermissionError, match=r"locked\.txt"):
            checksum_all(["locked.txt", "missing.txt"], read_nothing)

    contention.explore(scenario)
