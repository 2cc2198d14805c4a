"""A heartbeat that keeps beating after it was stopped.

A `Heartbeat` calls `beat()` every `interval` seconds on a background thread, so that a
supervisor can tell the service is alive. `stop()` is supposed to end it, but the thread
goes on beating after `stop()`, after the test, after everything: nothing can stop it.
Make `stop()` end the thread and return only once it has ended, promptly, even when the
interval is a minute long.

Lesson: docs/lessons/5-pools-and-lifecycles.md, "Stopping a worker".
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
        self._thread = threading.Thread(target=self._run, name="heartbeat")
        self._thread.start()

    def stop(self) -> None:
        # The beat thread goes away with the program; nothing to clean up here.
        self._thread = None

    def _run(self) -> None:
        while True:
            self.beat()
            time.sleep(self.interval)
