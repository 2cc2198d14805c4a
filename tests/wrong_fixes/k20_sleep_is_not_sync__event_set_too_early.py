"""Wrong fix: start() waits for an event, but the start-up thread sets it as it begins.

The event says "the start-up thread is running", not "the start-up has finished": start()
returns while the settings are still being read.
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
        self._started = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._start_up, name="service-start-up").start()
        self._started.wait()

    def request(self, x: int) -> int:
        if self._settings is None:
            raise RuntimeError("request() before start-up finished")
        return x * self._settings["scale"] + self._settings["offset"]

    def _start_up(self) -> None:
        self._started.set()
        self._settings = _read_settings()
