"""CPython's own conformance tests for its locks, run against our primitives.

`test.lock_tests` (shipped with CPython: on Debian in libpython3.X-testsuite) holds the base
classes that CPython's `Lib/test/test_threading.py` subclasses for `threading`'s own
primitives, each parametrised by a class attribute. Here they are subclassed the same way
with the classes that `threading.Lock`, `threading.RLock`, ... are while the plugin is active,
and run with the plugin active (the module's marker), so every test body, and every thread
lock_tests starts with `_thread.start_new_thread`, uses our primitives and the engine behind
them. Each test first checks that the patch is in place, so none of them can pass by testing
CPython's own classes.

lock_tests differs between Python versions; the file is the installed Python's own.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from pytest_threadlesson import primitives as prim

lock_tests = pytest.importorskip(
    "test.lock_tests", reason="CPython's test suite is not installed (libpython3.X-testsuite)")

pytestmark = pytest.mark.threadlesson

PATCHED = {
    "Lock": prim.Lock,
    "RLock": prim.RLock,
    "Condition": prim.Condition,
    "Semaphore": prim.Semaphore,
    "BoundedSemaphore": prim.BoundedSemaphore,
    "Event": prim.Event,
    "Barrier": prim.Barrier,
}


class _Ours:
    """Every test starts by checking that `threading`'s primitives are ours right now."""

    def setUp(self) -> None:
        for name, ours in PATCHED.items():
            assert getattr(threading, name) is ours, f"threading.{name} is not ours"
        super().setUp()  # type: ignore[misc]


class TestLock(_Ours, lock_tests.LockTests):  # type: ignore[misc]
    locktype = staticmethod(prim.Lock)


class TestRLock(_Ours, lock_tests.RLockTests):  # type: ignore[misc]
    locktype = staticmethod(prim.RLock)


class TestEvent(_Ours, lock_tests.EventTests):  # type: ignore[misc]
    eventtype = staticmethod(prim.Event)


class TestCondition(_Ours, lock_tests.ConditionTests):  # type: ignore[misc]
    condtype = staticmethod(prim.Condition)


class TestSemaphore(_Ours, lock_tests.SemaphoreTests):  # type: ignore[misc]
    semtype = staticmethod(prim.Semaphore)


class TestBoundedSemaphore(_Ours, lock_tests.BoundedSemaphoreTests):  # type: ignore[misc]
    semtype = staticmethod(prim.BoundedSemaphore)


class TestBarrier(_Ours, lock_tests.BarrierTests):  # type: ignore[misc]
    barriertype = staticmethod(prim.Barrier)


def test_every_class_of_lock_tests_is_run() -> None:
    """A base class that a later lock_tests adds must not go untested silently."""
    bases: set[Any] = {base for cls in (TestLock, TestRLock, TestEvent, TestCondition,
                                        TestSemaphore, TestBoundedSemaphore, TestBarrier)
                       for base in cls.__mro__}
    public = {getattr(lock_tests, name) for name in dir(lock_tests)
              if name.endswith("Tests") and not name.startswith("Base")
              and isinstance(getattr(lock_tests, name), type)}
    assert public <= bases
