"""Wrong fix: check the result, but give up silently.

No more unguarded update and no more `release unlocked lock`, but a posting that timed
out is simply dropped while the caller believes it went through.
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
        if not self._lock.acquire(timeout=0.5):
            return  # the ledger is busy: skip this posting rather than freeze
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
