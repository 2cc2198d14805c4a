"""Wrong fix: a stop flag and a join, but the loop still sleeps with `time.sleep(interval)`.

The thread does end, and stop() waits for it, but only after the current sleep is over:
with a one-minute interval, stop() takes up to a minute.
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
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while self._running:
            self.beat()
            time.sleep(self.interval)
