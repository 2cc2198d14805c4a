"""Publication through an Event: the writer fills the record, then sets the event; the
reader waits for it before reading."""

import threading

from corpus import SAFE, run_threads

VERDICT = SAFE


def scenario() -> None:
    record: dict[str, int] = {}
    ready = threading.Event()
    seen: list[int] = []

    def publish() -> None:
        record["x"] = 1
        record["y"] = 2
        ready.set()

    def read() -> None:
        ready.wait()
        seen.append(record["x"] + record["y"])

    run_threads(read, publish)
    assert seen == [3], seen
