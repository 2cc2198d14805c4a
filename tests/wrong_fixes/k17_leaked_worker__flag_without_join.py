"""Wrong fix: stop() clears a `running` flag and returns without waiting for the thread.

The loop does end, but only after its current sleep: when stop() returns the thread is
still alive, and may still call `beat()` once more.
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

    def _run(self) -> None:
        while self._running:
            self.beat()
            time.sleep(self.interval)
