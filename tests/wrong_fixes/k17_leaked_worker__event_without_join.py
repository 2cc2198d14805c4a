"""Wrong fix: an Event the loop checks and waits on, but stop() does not join the thread.

The thread now ends promptly, yet stop() returns before it has: for a moment it is still
running, and a beat already under way can still happen after stop().
"""

import threading
from collections.abc import Callable


class Heartbeat:
    """Call `beat()` every `interval` seconds on a background thread, from `start()` on."""

    def __init__(self, interval: float, beat: Callable[[], None]) -> None:
        self.interval = interval
        self.beat = beat
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="heartbeat")
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self.beat()
            self._stopping.wait(self.interval)
