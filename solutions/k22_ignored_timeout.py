"""A ledger that gives up waiting, and carries on anyway (solution).

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
        """Add `amount` to the total and write it, with the new total, to the journal.

        Raises TimeoutError, having changed nothing, if the ledger stays busy for half
        a second.
        """
        # `acquire(timeout=...)` does not promise the lock: it returns False when the time
        # runs out, and then this thread does not hold it. Going on regardless means
        # changing the total while another thread is half-way through its own posting
        # (one of the two updates is lost), and then releasing *that* thread's lock.
        # Check the answer: only the thread that got the lock may touch what it guards,
        # and only it may release it. The caller learns about the refusal and can retry.
        if not self._lock.acquire(timeout=0.5):
            raise TimeoutError(f"ledger busy: posting of {amount} not recorded")
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
