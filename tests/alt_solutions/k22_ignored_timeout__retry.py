"""Alternative solution: keep the timeout, check it, and wait again.

Each time the wait runs out post() reports that the ledger is slow and tries again, so it
never touches the total without the lock, and a stall is visible instead of silent.
"""

from __future__ import annotations

import logging
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
        while not self._lock.acquire(timeout=0.5):
            logging.getLogger(__name__).warning("ledger busy for 0.5 s, still waiting")
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
