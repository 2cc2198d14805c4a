"""Wrong fix: a longer timeout, still ignored.

Thirty seconds instead of half a second: the disk stalls for longer than that too (a
timeout is exactly the case where the wait runs out), and then post() carries on without
the lock as before.
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
        self._lock.acquire(timeout=30)  # generous: the journal is never *that* slow
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
