"""Wrong fix: a stop flag, then join with a timeout so that stop() cannot hang.

The join gives up after one second while the thread is still in its `time.sleep(interval)`:
stop() returns and the thread lives on.
"""

import threading
import time
from collections.abc import Callable


class Heartbeat:
    """Call `beat()` every `interval` seconds on a background thread, from `start()` on."""

    def __init__(self, interval: float, beat: Callable[[], None]) -> None:
        self.interval = interval
        self.beat = beat
        self._running = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._running = True
        self._thread = threading.Thread(target=self._run, name="heartbeat")
        self._thread.start()

    def stop(self) -> None:
        self._running = False
        if self._thread is not None:
            self._thread.join(timeout=1.0)

    def _run(self) -> None:
        while self._running:
            self.beat()
            time.sleep(self.interval)
