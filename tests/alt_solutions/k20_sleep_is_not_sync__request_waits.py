"""Alternative solution: start() returns at once, and request() waits for the start-up."""

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

    def request(self, x: int) -> int:
        # The first requests wait for the start-up; later ones find the event already set.
        self._started_up.wait()
        if self._settings is None:
            raise RuntimeError("request() before start-up finished")
        return x * self._settings["scale"] + self._settings["offset"]

    def _start_up(self) -> None:
        self._settings = _read_settings()
        self._started_up.set()
