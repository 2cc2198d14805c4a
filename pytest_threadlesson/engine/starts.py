"""Threads started with `_thread.start_new_thread` that have not been seen to begin.

The all-blocked check asks whether some thread other than the parked ones may still act.
A thread that `threading` started is in the engine's records before it runs; one started
with `_thread.start_new_thread` (as CPython's lock_tests starts its threads) is not. Once
it runs, the check finds it among the interpreter's threads. In between, after
`start_new_thread` returned and before the new thread's first bytecode, 3.10 and 3.11 list
no thread for it at all (3.10 files its thread state under the creator's ident), and on a
loaded machine that gap is long enough for every other thread to park: the check saw
"every thread waits" while one was about to begin.

So the plugin wraps `_thread.start_new_thread` for the whole session, from
`pytest_configure` (before test modules are imported and bind the name) until the config's
cleanup. Outside `explore` the wrapper starts the thread exactly as before (same function,
same arguments, same errors, same object in an unraisable report); inside a schedule the
new thread is one of the schedule's, waiting for its turn like a `threading.Thread`
(`threadstart.start_raw_thread`, which hands itself over with `use`: this module
imports no primitives). Outside, it notes the new ident in `beginning`, and the
check treats a noted ident as a thread that may act until it sees it begin. A thread that
begins and ends between two checks stays noted until the next test: then a deadlock is
left to the backstop, never reported falsely.
"""

from __future__ import annotations

import _thread
from collections.abc import Callable
from typing import Any

from . import carets

beginning: set[int] = set()
_saved: list[tuple[str, Any]] = []
_depth = [0]
_original = _thread.start_new_thread
_NAMES = ("start_new_thread", "start_new")  # `start_new`: the old alias, to 3.12


def _as_usual(original: Callable[..., int], function: Callable[..., object],
              args: tuple[Any, ...], kwargs: dict[str, Any] | None = None) -> tuple[int, bool]:
    """Until threadstart is imported no schedule can run: every thread starts as usual."""
    return original(function, args, *(() if kwargs is None else (kwargs,))), False


# How a thread of an explore schedule starts one (`threadstart.start_raw_thread`).
_start_raw: list[Callable[..., tuple[int, bool]]] = [_as_usual]


def use(start_raw_thread: Callable[..., tuple[int, bool]]) -> None:
    """Called once by threadstart: start threads through `start_raw_thread` from now on."""
    _start_raw[0] = start_raw_thread


def start_new_thread(*args: Any, **kwargs: Any) -> int:
    if len(args) in (2, 3) and not kwargs:
        ident, managed = _start_raw[0](_original, *args)
        if managed:
            return ident  # a thread of an explore schedule: the scheduler knows it
    else:
        ident = _original(*args, **kwargs)  # wrong arguments: `_thread`'s own error
    beginning.add(ident)
    return ident


def install() -> None:
    """Counted: a pytest run nested in this one (pytester's) leaves the outer one's wrapper.
    Also for the session: no carets in tracebacks formatted off the main thread."""
    carets.install()
    _depth[0] += 1
    if _depth[0] > 1:
        return
    for name in _NAMES:
        found = _thread.__dict__.get(name)
        if found is _original:
            _saved.append((name, found))
            setattr(_thread, name, start_new_thread)


def restore() -> None:
    carets.restore()
    if _depth[0] == 0:
        return
    _depth[0] -= 1
    if _depth[0] > 0:
        return
    for name, value in _saved:
        setattr(_thread, name, value)
    _saved.clear()
    beginning.clear()
