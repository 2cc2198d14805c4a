"""Waking the main thread out of a blocking call the plugin cannot see into.

The backstop stops a stuck test by raising into its threads asynchronously, and CPython
delivers such an exception only when the thread runs Python code again. A main thread
blocked in C (`input()` with `-s`, a socket read, a lock that is not ours) never does, and
the run would hang. A signal gets it out: the blocking system call returns EINTR, CPython
runs the Python-level handler in the main thread, and an exception raised there ends the
call (PEP 475 retries a call only when the handler returns).

The handler is installed once per session, in the main thread, only over a signal nobody
else handles, and put back at the session's end. Between kicks it does nothing.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

# A real-time signal where there is one: nothing else in a test run is likely to use it.
SIGNAL: int | None = (signal.SIGRTMIN + 3 if hasattr(signal, "SIGRTMIN")
                      else getattr(signal, "SIGUSR2", None))


class MainThreadKick:
    def __init__(self) -> None:
        self._previous: Any = None
        self._installed = False
        self._armed: type[BaseException] | None = None

    def install(self) -> None:
        """From the main thread, once: a no-op while nothing is armed."""
        if self._installed or SIGNAL is None:
            return
        if threading.current_thread() is not threading.main_thread():
            return
        try:
            previous = signal.getsignal(SIGNAL)
            if previous not in (signal.SIG_DFL, None):
                return  # someone else's: leave it alone, and go without
            signal.signal(SIGNAL, self._handler)
        except (ValueError, OSError):
            return
        self._previous = previous
        self._installed = True

    def restore(self) -> None:
        if not self._installed or threading.current_thread() is not threading.main_thread():
            return
        self._armed = None
        signal.signal(SIGNAL, self._previous)  # type: ignore[arg-type]
        self._installed = False

    def kick(self, error: type[BaseException]) -> bool:
        """From any thread: make the main thread raise `error` out of the call it is in.
        False when no handler is installed (the caller must find another way)."""
        if not self._installed or SIGNAL is None:
            return False
        self._armed = error
        try:
            signal.pthread_kill(threading.main_thread().ident or 0, SIGNAL)
        except (OSError, ValueError):
            self._armed = None
            return False
        return True

    def disarm(self) -> None:
        self._armed = None

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        # No lock here: the handler runs between two byte-codes of the main thread, which
        # may itself be holding any lock of ours. Under the GIL these two steps are enough.
        error, self._armed = self._armed, None
        if error is not None:
            raise error


main_thread_kick = MainThreadKick()
