"""Solution. Lesson: docs/lessons/5-pools-and-lifecycles.md, "Stopping a worker"."""

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
        # Ask the thread to end, then wait until it has: the caller may rely on no beat
        # coming after stop() returns, and nothing is left running behind its back.
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        # Event.wait(interval) is a sleep that stop() can cut short: time.sleep(interval)
        # would make stop() wait out the rest of the interval.
        while not self._stopping.is_set():
            self.beat()
            self._stopping.wait(self.interval)
