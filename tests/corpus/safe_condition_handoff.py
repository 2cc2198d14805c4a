"""A one-slot mailbox guarded by a Condition: the taker waits in a loop for the slot."""

import threading

from corpus import SAFE, run_threads

VERDICT = SAFE


class Mailbox:
    def __init__(self) -> None:
        self._slot: str | None = None
        self._changed = threading.Condition()

    def put(self, item: str) -> None:
        with self._changed:
            self._slot = item
            self._changed.notify_all()

    def take(self) -> str:
        with self._changed:
            while self._slot is None:
                self._changed.wait()
            item, self._slot = self._slot, None
            return item


def scenario() -> None:
    box = Mailbox()
    got: list[str] = []
    run_threads(lambda: got.append(box.take()), lambda: box.put("letter"))
    assert got == ["letter"], got
