"""Wrong fix: release the lock only if it is locked.

It silences `release unlocked lock`, the symptom. The thread that timed out still changes
the total without the lock, overwriting the posting in progress, and then releases the
lock that the other thread holds.
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
            if self._lock.locked():
                self._lock.release()

    @property
    def total(self) -> int:
        with self._lock:
            return self._total
