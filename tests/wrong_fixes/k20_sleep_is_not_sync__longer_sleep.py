"""Wrong fix: sleep longer in start(), a whole second this time.

It fails less often, and every start now costs a second, but a start-up that takes longer
than the guess still fails: a sleep never knows when the other thread is done.
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
        time.sleep(1.0)  # start-up takes about 10 ms: a hundred times that is surely enough

    def request(self, x: int) -> int:
        if self._settings is None:
            raise RuntimeError("request() before start-up finished")
        return x * self._settings["scale"] + self._settings["offset"]

    def _start_up(self) -> None:
        self._settings = _read_settings()
