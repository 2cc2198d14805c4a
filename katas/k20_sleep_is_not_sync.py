"""A service that is ready on the developer's laptop, and only there.

`Service` reads its settings on a start-up thread, so that `start()` can return quickly,
and `start()` sleeps a little to let the start-up finish before anyone sends a request.
It always works on the laptop. On a loaded machine, requests fail with "request() before
start-up finished". Make `request()` work after `start()`, however long the start-up
takes.

Lesson: docs/lessons/5-pools-and-lifecycles.md, "Sleep is not synchronisation".
"""

import threading
import time


def _read_settings() -> dict[str, int]:
    time.sleep(0.01)  # stands in for reading a file or asking a settings server
    return {"scale": 2, "offset": 1}


class Service:
    """Answers requests once its start-up (reading its settings) has finished."""

    def __init__(self) -> None:
        self._settings: dict[str, int] | None = None

    def start(self) -> None:
        threading.Thread(target=self._start_up, name="service-start-up").start()
        time.sleep(0.05)  # start-up takes about 10 ms: five times that is plenty

    def request(self, x: int) -> int:
        if self._settings is None:
            raise RuntimeError("request() before start-up finished")
        return x * self._settings["scale"] + self._settings["offset"]

    def _start_up(self) -> None:
        self._settings = _read_settings()
