"""`is_alive()` asked right after `start()`: whether the worker has already finished
depends on how far it got, so the answer is a race with the worker's end."""

import threading

from corpus import RACY

VERDICT = RACY


def scenario() -> None:
    results: list[int] = []
    worker = threading.Thread(target=lambda: results.append(1))
    worker.start()
    still_running = worker.is_alive()
    worker.join()
    assert still_running, "the worker had already finished when is_alive() was asked"
