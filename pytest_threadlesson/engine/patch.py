"""The patch: swaps the instrumented primitives into `threading`, `queue`, `time` and the
futures for an active test, and restores whatever it found; with it, the stand-ins for
`os._exit` and `input()`, which would end or stall the whole run."""

from __future__ import annotations

import _thread
import builtins
import concurrent.futures._base as futures_base
import concurrent.futures.thread as futures_thread
import os
import queue
import sys
import threading
import time
from typing import Any

from . import runtime as rt
from .conditions import Barrier, BoundedSemaphore, Condition, Event, Semaphore
from .futures import (
    executor_init,
    future_exception,
    future_result,
    future_set_exception,
    shutdown_lock,
)
from .locks import Lock, RLock
from .threadstart import thread_count, thread_is_alive, thread_join, thread_start

# os._exit: in a test it would end the whole run at once, with no summary and whatever
# status it was given (often 0, as if every test had passed).

orig_os_exit = os._exit


class ExitCalled(BaseException):
    """Raised instead of ending the process: a BaseException, so `except Exception` in the
    learner's code does not swallow it, and not a SystemExit, which `threading` drops
    silently when a thread raises it."""

    def __init__(self, status: object) -> None:
        super().__init__(
            f"os._exit({status!r}) was called: it ends the whole pytest process at once "
            f"(no other test runs, no summary, exit status {status!r}, so a red run could "
            "look green). The plugin stopped it here instead. A test, and every thread it "
            "starts, should finish by returning or raising.")


def _exit(status: int) -> None:
    __tracebackhide__ = True
    if os.getpid() != patch_pid[0]:
        orig_os_exit(status)  # a forked child (multiprocessing's, say) ends as it means to
    raise ExitCalled(status)


patch_pid = [os.getpid()]  # the process the patch was installed in


# input() at a terminal, with -s: the test would wait for someone to type, and a thread the
# scheduler runs would hold the whole run up (a thread blocked in a read cannot be stopped).

_orig_input = builtins.input
_DEBUGGERS = frozenset({"pdb", "bdb", "cmd", "code"})


class InputAtTerminal(BaseException):
    """Raised instead of waiting for a line from the terminal."""

    def __init__(self) -> None:
        super().__init__(
            "input() was called with the terminal as standard input (pytest -s): the test "
            "would wait for someone to type, and tests run unattended. The plugin stopped "
            "it here instead. Give the code its text another way, e.g. as an argument.")


def _input(prompt: object = "") -> str:
    __tracebackhide__ = True
    caller = sys._getframe(1).f_globals.get("__name__", "")
    if caller.split(".")[0] not in _DEBUGGERS and _reads_terminal():
        raise InputAtTerminal()
    return _orig_input(prompt)


def _reads_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError, OSError):  # closed, or pytest's stand-in
        return False


# ---------------------------------------------------------------------------------------
# The patch: install for an active test, restore whatever happens.


class Patch:
    """Swaps the instrumented primitives into `threading`, `queue`, `time` and futures.

    Nested installs are counted, so `explore` inside an active test does not undo the
    test's patch. `restore` puts back exactly the objects found at install time.
    """

    def __init__(self, threads_only: bool = False) -> None:
        self._threads_only = threads_only
        self._depth = 0
        self._saved: list[tuple[Any, str, Any]] = []

    @property
    def installed(self) -> bool:
        return self._depth > 0

    def _targets(self) -> list[tuple[Any, str, Any]]:
        if self._threads_only:
            # Leak checks alone: know who started which thread, and see thread exceptions.
            return [
                (os, "_exit", _exit),
                (threading.Thread, "start", thread_start),
                (futures_base.Future, "set_exception", future_set_exception),
                (futures_base.Future, "result", future_result),
                (futures_base.Future, "exception", future_exception),
            ]
        return [
            (os, "_exit", _exit),
            (builtins, "input", _input),
            (threading, "Lock", Lock),
            (threading, "RLock", RLock),
            (threading, "Condition", Condition),
            (threading, "Semaphore", Semaphore),
            (threading, "BoundedSemaphore", BoundedSemaphore),
            (threading, "Event", Event),
            (threading, "Barrier", Barrier),
            (threading, "_time", rt.monotonic),
            (threading.Thread, "start", thread_start),
            (threading.Thread, "join", thread_join),
            (threading.Thread, "is_alive", thread_is_alive),
            (_thread, "_count", thread_count),
            (queue, "SimpleQueue", queue._PySimpleQueue),  # type: ignore[attr-defined]
            (queue, "time", rt.monotonic),
            (time, "sleep", rt.sleep),
            (time, "monotonic", rt.monotonic),
            (time, "time", rt.wall_time),
            (time, "perf_counter", rt.perf_counter),
            (futures_thread, "_global_shutdown_lock", shutdown_lock),
            (futures_thread.ThreadPoolExecutor, "__init__", executor_init),
            (futures_base.Future, "set_exception", future_set_exception),
            (futures_base.Future, "result", future_result),
            (futures_base.Future, "exception", future_exception),
        ]

    def install(self) -> None:
        self._depth += 1
        if self._depth > 1:
            return
        patch_pid[0] = os.getpid()
        saved = []
        for obj, name, value in self._targets():
            saved.append((obj, name, obj.__dict__[name]))
            setattr(obj, name, value)
        self._saved = saved

    def restore(self) -> None:
        if self._depth == 0:
            return
        self._depth -= 1
        if self._depth > 0:
            return
        for obj, name, value in reversed(self._saved):
            setattr(obj, name, value)
        self._saved = []


patch = Patch()
thread_patch = Patch(threads_only=True)
