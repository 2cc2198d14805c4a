"""ReadWriteLock: readers share it, a writer is always alone, and nobody is left waiting."""

from __future__ import annotations

import threading

import pytest
from k21_readers_writer import ReadWriteLock


class Occupancy:
    """Who is inside the lock right now; it complains the moment a writer has company.

    Its own counts are guarded by a plain Lock, so that the witness itself never races.
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self.readers = 0
        self.writers = 0

    def reader_enters(self) -> None:
        with self._guard:
            assert self.writers == 0, "a reader came in while a writer was inside"
            self.readers += 1

    def reader_leaves(self) -> None:
        with self._guard:
            assert self.writers == 0, "a writer came in while a reader was inside"
            self.readers -= 1

    def writer_enters(self) -> None:
        with self._guard:
            assert self.readers == 0, f"a writer came in while {self.readers} reader(s) were inside"
            assert self.writers == 0, "a writer came in while another writer was inside"
            self.writers += 1

    def writer_leaves(self) -> None:
        with self._guard:
            assert self.readers == 0, f"{self.readers} reader(s) came in while a writer was inside"
            assert self.writers == 1, "a second writer came in while a writer was inside"
            self.writers -= 1


def run_together(*targets):
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_one_thread_can_read_then_write_then_read():
    rw = ReadWriteLock()
    prices = {"apple": 1}

    with rw.read():
        assert prices["apple"] == 1
    with rw.write():
        prices["apple"] = 2
    with rw.read():
        assert prices["apple"] == 2


def test_a_block_that_raises_still_lets_the_next_one_in():
    rw = ReadWriteLock()

    with pytest.raises(KeyError):
        with rw.write():
            raise KeyError("pear")
    with pytest.raises(KeyError):
        with rw.read():
            raise KeyError("pear")

    # Neither failed block may keep the lock: this must not wait forever.
    with rw.write():
        pass


def test_two_readers_can_read_at_the_same_time(contention):
    def scenario():
        rw = ReadWriteLock()
        both_inside = threading.Barrier(2)

        def reader():
            with rw.read():
                both_inside.wait()  # returns only once the other reader is inside too

        readers = [threading.Thread(target=reader) for _ in range(2)]
        with rw.write():  # the readers arrive while a write is going on
            for thread in readers:
                thread.start()
        for thread in readers:
            thread.join()

    contention.explore(scenario)


def test_no_reader_is_inside_while_a_writer_is(contention):
    def scenario():
        rw = ReadWriteLock()
        inside = Occupancy()

        def reader():
            with rw.read():
                inside.reader_enters()
                inside.reader_leaves()

        def writer():
            with rw.write():
                inside.writer_enters()
                inside.writer_leaves()

        run_together(reader, writer, reader)

    contention.explore(scenario)


def test_writers_exclude_each_other(contention):
    def scenario():
        rw = ReadWriteLock()
        inside = Occupancy()

        def reader():
            with rw.read():
                inside.reader_enters()
                inside.reader_leaves()

        def writer():
            with rw.write():
                inside.writer_enters()
                inside.writer_leaves()

        run_together(writer, reader, writer)

    contention.explore(scenario)


def test_a_reader_never_sees_half_a_write(contention):
    def scenario():
        rw = ReadWriteLock()
        prices = {"apple": 1, "pear": 1, "plum": 1}
        seen = []

        def reprice():
            with rw.write():
                for fruit in prices:
                    prices[fruit] = 2

        def look():
            with rw.read():
                seen.append(sorted({prices[fruit] for fruit in prices}))

        run_together(look, reprice)
        for found in seen:
            assert len(found) == 1, f"a reader saw prices {found}: half a write"

    contention.explore(scenario)
