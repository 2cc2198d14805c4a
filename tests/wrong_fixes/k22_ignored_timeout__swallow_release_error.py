"""Wrong fix: catch the RuntimeError from release() and carry on.

The error was the only sign that post() had run without the lock; swallowing it leaves
the lost update in place and hides it.
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
            try:
                self._lock.release()
            except RuntimeError:
                pass  # released already: nothing to do

    @property
    def total(self) -> int:
        with self._lock:
            return self._total
