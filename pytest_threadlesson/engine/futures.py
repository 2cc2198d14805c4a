"""Futures: an exception set on a future that nobody retrieved is an exception lost; and
`ThreadPoolExecutor`'s threads in the order they started."""

from __future__ import annotations

import concurrent.futures
import concurrent.futures._base as futures_base
import concurrent.futures.thread as futures_thread
from typing import Any

from . import runtime as rt
from .locks import Lock


class _InsertionOrderedSet(dict[Any, None]):
    """The set API `ThreadPoolExecutor` uses for its threads, in insertion order: a plain
    set of threads iterates in memory-address order, so `shutdown()` would join them in
    an order (and make scheduling choices) that changes from run to run."""

    def add(self, item: Any) -> None:
        self[item] = None

    def discard(self, item: Any) -> None:
        self.pop(item, None)


_orig_executor_init = futures_thread.ThreadPoolExecutor.__init__


def executor_init(self: Any, *args: Any, **kwargs: Any) -> None:
    _orig_executor_init(self, *args, **kwargs)
    self._threads = _InsertionOrderedSet.fromkeys(self._threads)

_orig_set_exception = futures_base.Future.set_exception
_orig_result = futures_base.Future.result
_orig_exception = futures_base.Future.exception


class _Outcome:
    """A future's exception, and whether anybody asked for it."""

    __slots__ = ("exc", "retrieved", "thread")

    def __init__(self, thread: str, exc: BaseException) -> None:
        self.thread = thread
        self.exc = exc
        self.retrieved = False


def future_set_exception(self: concurrent.futures.Future[Any],
                         exception: BaseException | None) -> None:
    rec = rt.tls.rec
    kept = None if rec is None else rec.arena.futures
    if kept is None or exception is None or isinstance(
            exception, (rt.DeadlockError, rt.ThreadlessonStop)):
        _orig_set_exception(self, exception)
        return
    # The outcome is in place before the original wakes a thread waiting in result(): that
    # thread marks it retrieved on its way out, whichever thread runs first.
    before = getattr(self, "_threadlesson_outcome", None)
    outcome = _Outcome(rec.name, exception)  # type: ignore[union-attr]
    self._threadlesson_outcome = outcome  # type: ignore[attr-defined]
    try:
        _orig_set_exception(self, exception)
    except BaseException:
        self._threadlesson_outcome = before  # type: ignore[attr-defined]  # already done
        raise
    kept.append(outcome)


def future_result(self: concurrent.futures.Future[Any], timeout: float | None = None) -> Any:
    try:
        return _orig_result(self, timeout)
    finally:
        _retrieved(self)  # after the wait: the exception may have been set during it


def future_exception(self: concurrent.futures.Future[Any],
               timeout: float | None = None) -> BaseException | None:
    try:
        return _orig_exception(self, timeout)
    finally:
        _retrieved(self)


def _retrieved(future: concurrent.futures.Future[Any]) -> None:
    outcome = getattr(future, "_threadlesson_outcome", None)
    if outcome is not None:
        outcome.retrieved = True




def unretrieved(owner: Any) -> list[tuple[str, BaseException]]:
    """Exceptions set on futures that nobody asked for, as asyncio reports them.

    Code that retrieved one failure and stopped (fail fast: `for f in futures:
    f.result()`) handled failures; the others it skipped are not lost. Only when no
    failing future was ever looked at did every failure vanish.
    """
    outcomes: list[_Outcome] = getattr(owner, "futures", [])
    if any(o.retrieved for o in outcomes):
        return []
    return [(o.thread, o.exc) for o in outcomes]


# `ThreadPoolExecutor`'s global shutdown lock while the patch is installed: one of ours.
shutdown_lock = Lock()
