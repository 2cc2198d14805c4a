"""Wrong fix: make the heartbeat a daemon thread.

A daemon thread does not keep the program from exiting, but it still runs after `stop()`:
the thread leaks just the same, and is killed wherever it happens to be at exit.
"""

import threading
import time
from collections.abc import Callable


class Heartbeat:
    """Call `beat()` every `interval` seconds on a background thread, from `start()` on."""

    def __init__(self, interval: float, beat: Callable[[], None]) -> None:
        self.interval = interval
        self.beat = beat
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        # A daemon thread dies with the program.
        self._thread = None

    def _run(self) -> None:
        while True:
            self.beat()
            time.sleep(self.interval)
