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

The same tests run again inside `contention.explore`, each test method (with its setUp and
tearDown) as a scenario under several seeded schedules: there lock_tests' own threads are
threads of the schedule, and its sleeps and timeouts are virtual time. A few of them
assume that a thread reaches a point within a real-time bound ("one thread is late" by
sleeping longer than the others' timeout); a schedule may delay any thread for as long as
it likes (a sleep guarantees nothing), so those few are not run there.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from pytest_threadlesson.engine import primitives as prim

# CPython's test package ships no type information: its classes are Any here.
lock_tests: Any = pytest.importorskip(
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
        # The unittest.TestCase this is mixed into is lock_tests' (Any): object has no setUp.
        super().setUp()  # type: ignore[misc]


# Each lock_tests base is Any, which strict mypy refuses to subclass (disallow_subclassing_any,
# a [misc] error): the ignores below are that, and only that.
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


# ---------------------------------------------------------------------------------------
# Inside explore

CLASSES = (TestLock, TestRLock, TestEvent, TestCondition, TestSemaphore,
           TestBoundedSemaphore, TestBarrier)

# Tests that assume a thread gets somewhere within a real-time bound: under explore, where
# any thread may be delayed for any virtual time, they fail by their own assumption.
TIMING_DEPENDENT = {
    # a thread sleeps 1 s "late"; the others' 0.5 s timeouts must fire first
    "TestBarrier.test_timeout",
    # a thread polls until the others wait, inside the barrier's 2 s default timeout
    "TestBarrier.test_abort_and_reset",
    "TestBarrier.test_reset",
    # 10 passes of 5 threads, polled for with a 30 s time limit
    "TestBarrier.test_barrier_10",
}
if sys.version_info < (3, 11):
    # 3.10's version: a thread sleeps 1 s "later than the default timeout of 0.3s"
    TIMING_DEPENDENT.add("TestBarrier.test_default_timeout")
SCHEDULES = 5
# One seed for every run: these tests check the primitives, not the session's seed; a
# schedule that only some session seeds reach would make CI red at random.
SEED = 20261204


def _cases() -> Iterator[Any]:
    for cls in CLASSES:
        for name in sorted(n for n in dir(cls) if n.startswith("test_")):
            case_id = f"{cls.__name__}.{name}"
            marks = [pytest.mark.skip(reason="timing-dependent: " + case_id)] \
                if case_id in TIMING_DEPENDENT else []
            yield pytest.param(cls, name, id=case_id, marks=marks)


@pytest.mark.parametrize(("cls", "name"), list(_cases()))
def test_lock_tests_inside_explore(contention: Any, cls: type, name: str) -> None:
    def scenario() -> None:
        case = cls(name)
        case.setUp()
        try:
            getattr(case, name)()
        finally:
            case.tearDown()

    result = contention.explore(scenario, schedules=SCHEDULES, seed=SEED)
    assert result.schedules == SCHEDULES  # every schedule ran, and passed


def test_the_timing_dependent_ones_are_tests_of_this_lock_tests() -> None:
    """An exception that names no test of the installed lock_tests excuses nothing."""
    known = {f"{cls.__name__}.{n}" for cls in CLASSES for n in dir(cls)
             if n.startswith("test_")}
    assert TIMING_DEPENDENT <= known
