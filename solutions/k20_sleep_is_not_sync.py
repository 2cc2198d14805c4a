"""Solution. Lesson: docs/lessons/5-pools-and-lifecycles.md, "Sleep is not synchronisation"."""

import threading
import time


def _read_settings() -> dict[str, int]:
    time.sleep(0.01)  # stands in for reading a file or asking a settings server
    return {"scale": 2, "offset": 1}


class Service:
    """Answers requests once its start-up (reading its settings) has finished."""

    def __init__(self) -> None:
        self._settings: dict[str, int] | None = None
        self._started_up = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._start_up, name="service-start-up").start()
        # A sleep only guesses how long start-up takes; the event says when it is done.
        self._started_up.wait()

    def request(self, x: int) -> int:
        if self._settings is None:
            raise RuntimeError("request() before start-up finished")
        return x * self._settings["scale"] + self._settings["offset"]

    def _start_up(self) -> None:
        self._settings = _read_settings()
        # Set last, once everything a request needs is in place.
        self._started_up.set()
