"""Leaked threads: snapshot, diff, a grace period with retries, and making leaks harmless.

As goleak does for goroutines: the threads alive before a test are remembered; at its end,
any other thread still alive, after waiting (by joining, never sleeping) up to a grace
period, is a leak. A leak is then stopped if it can be: a thread parked in one of our
primitives (or in `time.sleep`, which we make wakeable) is woken with `ThreadlessonStop`;
a thread running Python code gets the same exception raised asynchronously. A thread stuck
in a C call cannot be stopped: if it is not a daemon, the exit guard ends the process
with the session's exit status once pytest has printed its summary, so a leak never keeps
the run from exiting.

Ignore rules (`ignore.py`) name threads a suite means to outlive a test, as goleak's
ignore options do: such a thread is no leak, and is never stopped here. It is then treated
as a module fixture's thread is: left out of later tests' checks, and of the decision that
every thread is blocked.
"""

from __future__ import annotations

import ctypes
import sys
import threading
import weakref
from collections.abc import Collection, Sequence

from . import primitives as prim
from . import runtime as rt
from .ignore import IgnoreRule, accepts, stoppable, suggest
from .naming import LeakedThread, describe_leak

_unstoppable: list[threading.Thread] = []
# Threads an ignore rule accepted: never stopped by us, not even at the session's end.
accepted: weakref.WeakSet[threading.Thread] = weakref.WeakSet()
_exit_status: list[int] = [1]
_guard_registered = False


def snapshot() -> frozenset[threading.Thread]:
    return frozenset(threading.enumerate())


def _candidates(before: Collection[threading.Thread]) -> list[threading.Thread]:
    return [
        t for t in threading.enumerate()
        if t not in before and t is not threading.current_thread()
        and not isinstance(t, threading._DummyThread)
        and t not in prim.foreign and t not in prim.outlives
        and prim.orig_is_alive(t)
    ]


def _names(t: threading.Thread) -> tuple[str, ...]:
    rec = prim.threads.get(t)
    return (t.name, rec.name) if rec is not None and rec.name != t.name else (t.name,)


def find_leaks(before: Collection[threading.Thread], grace: float,
               ignore: Sequence[IgnoreRule] = ()) -> list[threading.Thread]:
    """Threads started since `before` that are still alive after `grace` seconds, but
    those an `ignore` rule accepts (they are left running, and remembered as accepted)."""
    deadline = rt.real_monotonic() + grace
    while True:
        alive: list[threading.Thread] = []
        fine: list[threading.Thread] = []
        for t in _candidates(before):
            (fine if accepts(ignore, t, _names(t)) else alive).append(t)
        remaining = deadline - rt.real_monotonic()
        if not alive or remaining <= 0:
            _accept(fine)
            return alive
        for t in alive:
            prim.orig_join(t, max(0.0, min(remaining, deadline - rt.real_monotonic())))


def _accept(threads: list[threading.Thread]) -> None:
    for t in threads:
        accepted.add(t)
        prim.outlives.add(t)  # no later test's leak either
        rec = prim.threads.get(t)
        with rt.mutex:
            if rec is not None and rec not in rt.outliving:
                # It may yet set, put or release what a later test waits for.
                rt.outliving.append(rec)
        if not t.daemon:
            _register_exit_guard()


def suggestions(threads: list[threading.Thread]) -> list[str]:
    """For each leak, the rule that would accept threads like it (each rule once)."""
    rules: list[str] = []
    for t in threads:
        rule = suggest(t, t.name)
        if rule not in rules:
            rules.append(rule)
    return rules


def describe(threads: list[threading.Thread]) -> list[LeakedThread]:
    out = []
    for t in threads:
        rec = prim.threads.get(t)
        name = rec.name if rec is not None else t.name
        out.append(describe_leak(t, name, rec.start_site if rec is not None else None,
                                 rec.waiting_on if rec is not None else None))
    return out


def async_raise(ident: int, exc: type[BaseException]) -> bool:
    done = ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(exc))
    if done > 1:  # never leave an exception pending on the wrong threads
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), None)
        return False
    return bool(done == 1)


def interrupt(rec: rt.ThreadRec | None, ident: int | None) -> None:
    """Make a thread stop: woken with a pending stop where it waits on one of ours, an
    asynchronous exception where it runs (taken when it next runs Python code)."""
    stop = rt.ThreadlessonStop("stopped by threadlesson: it outlived its test")
    with rt.mutex:
        if rec is not None and rt.interrupt(rec, stop, even_running=True):
            return
    if ident is not None:
        async_raise(ident, rt.ThreadlessonStop)


def stop(threads: list[threading.Thread], wait: float = 1.0) -> list[threading.Thread]:
    """Stop leaked threads as far as possible; returns those still alive."""
    machinery = [t for t in threads if not stoppable(t)]
    give_up(machinery)
    threads = [t for t in threads if stoppable(t)]
    for t in threads:
        interrupt(prim.threads.get(t), t.ident)
    deadline = rt.real_monotonic() + wait
    for t in threads:
        prim.orig_join(t, max(0.0, deadline - rt.real_monotonic()))
    alive = [t for t in threads if prim.orig_is_alive(t)]
    _unstoppable.extend(t for t in alive if not t.daemon)
    _register_exit_guard()
    return alive + [t for t in machinery if prim.orig_is_alive(t)]


def give_up(threads: list[threading.Thread]) -> None:
    """Threads that cannot be stopped now (blocked in a C call, where an asynchronous
    exception would wait, and on 3.11 disturb the next traced thread): they end when the
    call returns, if ever; the process does not wait for them at exit."""
    _unstoppable.extend(t for t in threads if prim.orig_is_alive(t) and not t.daemon)
    _register_exit_guard()


def set_exit_status(status: int) -> None:
    _exit_status[0] = status


def _register_exit_guard() -> None:
    global _guard_registered
    if _guard_registered:
        return
    _guard_registered = True
    try:
        threading._register_atexit(_exit_guard)  # type: ignore[attr-defined]
    except RuntimeError:  # already shutting down
        pass


# How long, at exit, an accepted non-daemon thread may take to end by itself.
EXIT_GRACE = 1.0


def _exit_guard() -> None:
    """At interpreter exit, before Python joins non-daemon threads: never hang on a leak,
    nor on an accepted thread that does not end (a pool's workers do: their own exit hook,
    registered before ours, has already told them to)."""
    deadline = rt.real_monotonic() + EXIT_GRACE
    waiting = [t for t in accepted if not t.daemon]
    for t in waiting:
        prim.orig_join(t, max(0.0, deadline - rt.real_monotonic()))
    if any(prim.orig_is_alive(t) for t in [*_unstoppable, *waiting]):
        sys.stdout.flush()
        sys.stderr.flush()
        prim.orig_os_exit(_exit_status[0])
