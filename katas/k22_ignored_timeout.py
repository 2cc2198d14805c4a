"""A ledger that gives up waiting, and carries on anyway.

`Ledger` keeps the running total of the day's postings and writes each posting, with
the new total, to a journal file. So that one stuck journal write cannot freeze every
payment thread, `post()` waits at most half a second for the ledger's lock. Then the
journal's disk stalled one afternoon: payments still went through, the total no longer
added up, and the log filled with `RuntimeError: release unlocked lock`. Fix `post()` so
that a posting is never lost or half-applied: it is either recorded in full, or the
caller gets a `TimeoutError` and knows it was not.

Lesson: docs/lessons/3-locks-that-bite-back.md, "Timeouts: when acquire says False".
"""

from __future__ import annotations

import threading
from typing import TextIO


class Ledger:
    """A running total of postings, each also written to `journal` (any text file)."""

    def __init__(self, journal: TextIO | None = None) -> None:
        self._journal = journal
        self._total = 0
        self._lock = threading.Lock()  # guards _total and the journal

    def post(self, amount: int) -> None:
        """Add `amount` to the total and write it, with the new total, to the journal."""
        self._lock.acquire(timeout=0.5)  # never let a stuck journal freeze every caller
        try:
            new_total = self._total + amount
            if self._journal is not None:
                self._journal.write(f"{amount:+d} = {new_total}\n")
            self._total = new_total
        finally:
            self._lock.release()

    @property
    def total(self) -> int:
        with self._lock:
            return self._total
