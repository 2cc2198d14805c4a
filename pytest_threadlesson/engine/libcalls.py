"""Which library calls reach a scheduling point of ours before they touch anything shared
(`footprint.py` asks): our primitives' methods, the standard queue's and
concurrent.futures' (when their objects were made under the scheduler, so that their
locks are ours). The step that calls one touches nothing by itself; the lock's own points
carry the dependency. Also the few library properties and functions that touch less
than anything: a thread's name, `current_thread()`. docs/dpor.md says why each is safe."""

from __future__ import annotations

import inspect
import sys
import threading
from typing import Any

# Our primitives' methods whose first step is the primitive's own scheduling point (their
# code before it touches nothing shared): the step that calls them touches nothing; the
# primitive's points carry the dependency ("s", its lock).
POINT_FIRST = {
    "pytest_threadlesson.engine.locks": {"Lock.acquire", "Lock.release", "Lock.__enter__",
                                         "Lock.__exit__", "RLock.release"},
    "pytest_threadlesson.engine.conditions": {
        "Semaphore.acquire", "Semaphore.release", "Semaphore.__enter__",
        "Semaphore.__exit__", "BoundedSemaphore.release"},
    # the standard queue: each method starts with `with self.<condition or mutex>:`, which
    # are ours when the queue was made under the scheduler (FIRST_LOCK, footprint.py)
    "queue": {"Queue.get", "Queue.put", "Queue.get_nowait", "Queue.put_nowait",
              "Queue.task_done", "Queue.join", "Queue.qsize", "Queue.empty", "Queue.full"},
    # concurrent.futures: a future's methods start with `with self._condition:` (its
    # callbacks run after, as traced user code); an executor's submit and shutdown with
    # `with self._shutdown_lock:` (a worker's queue and semaphore are ours too), and
    # leaving a `with` on an executor is its shutdown. Not `map`: it reads its iterables.
    "concurrent.futures._base": {
        "Future.result", "Future.exception", "Future.done", "Future.cancel",
        "Future.cancelled", "Future.running", "Future.add_done_callback",
        "Future.set_result", "Future.set_exception", "Future.set_running_or_notify_cancel",
        "Executor.__enter__", "Executor.__exit__"},
    "concurrent.futures.thread": {"ThreadPoolExecutor.submit", "ThreadPoolExecutor.shutdown"},
}
# The lock each of those modules' objects takes first: they are ours (with points) only
# when the object was made under the scheduler.
FIRST_LOCK = {"queue": "mutex", "concurrent.futures._base": "_condition",
               "concurrent.futures.thread": "_shutdown_lock"}

# Library properties whose getter reads one attribute of its object and runs nothing else
# (`Thread.name` returns `self._name`, `Thread.daemon` `self._daemonic`): reading one reads
# that attribute. Their setters stay writes of the whole object (they check state first).
GETS_ONE = {threading.Thread.__dict__["name"]: "_name",
            threading.Thread.__dict__["daemon"]: "_daemonic"}

# Functions that tell the calling thread about itself: `current_thread()` looks up its own
# entry in the registry of running threads, which no other thread changes while it runs.
OWN_THREAD = tuple(getattr(threading, name) for name in
                   ("current_thread", "main_thread", "get_ident", "get_native_id")
                   if hasattr(threading, name))


def executor_class(cls: type) -> type | None:
    """`concurrent.futures.ThreadPoolExecutor` when `cls` is it or a subclass (loaded)."""
    module = sys.modules.get("concurrent.futures.thread")
    base = getattr(module, "ThreadPoolExecutor", None)
    return base if isinstance(base, type) and issubclass(cls, base) else None


def fresh_executor(cls: Any) -> bool:
    """An executor class whose with statement is Executor's: entering returns the new
    executor, leaving it is `shutdown`, which starts with its own (new, ours) lock."""
    if not isinstance(cls, type) or executor_class(cls) is None:
        return False
    found = (inspect.getattr_static(cls, name, None)
             for name in ("__enter__", "__exit__", "shutdown"))
    names = {f"{getattr(f, '__module__', '')}.{getattr(f, '__qualname__', '')}" for f in found}
    return names == {"concurrent.futures._base.Executor.__enter__",
                     "concurrent.futures._base.Executor.__exit__",
                     "concurrent.futures.thread.ThreadPoolExecutor.shutdown"}
