"""Locks made before the test, met inside `explore` (issue 12, items 3 and 4).

A lock created at import (this module's, a library's) is the interpreter's own, not one of
the plugin's. Under `explore` only the thread with the baton runs: a thread that blocks in
such a lock while its holder waits for its turn would stop the schedule. The scheduler
takes them cooperatively where it sees the acquire (`with LOCK:`, `LOCK.acquire()`,
`EVENT.wait()` in the code under test), and lets the others run when a thread is blocked
where it cannot see (inside a library). These tests failed before: each scenario was
reported as a hang after the wall limit, and on 3.11 the next `explore` never finished.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, TypedDict

import pytest
from support import run_threads

from pytest_threadlesson.engine.contention import Contention, ExploreResult, ScheduleFailure

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing's from 3.11 on

# Made at import, before any patch: real locks, as a library's module-level locks are.
REAL_LOCK = threading.Lock()
REAL_A = threading.Lock()
REAL_B = threading.Lock()
REAL_RLOCK = threading.RLock()
REAL_SEMAPHORE = threading.BoundedSemaphore(1)
REAL_CONDITION = threading.Condition()
REAL_EVENT = threading.Event()

counts: dict[str, int] = {}


def explore(scenario: Callable[[], object], *, seed: int = 1, schedules: int = 50,
            strategy: str | None = None, wall_limit: float = 10.0) -> ExploreResult:
    engine = Contention(seed=seed, test_id="real-locks", wall_limit=wall_limit)
    return engine.explore(scenario, schedules, strategy=strategy)


class ExploreOptions(TypedDict, total=False):
    """`explore`'s keyword arguments that `failure_of` passes on."""

    seed: int
    schedules: int
    wall_limit: float


def failure_of(scenario: Callable[[], object],
               **kwargs: Unpack[ExploreOptions]) -> ScheduleFailure:
    with pytest.raises(ScheduleFailure) as info:
        explore(scenario, **kwargs)
    return info.value


def twice(bump: Callable[[], None]) -> Callable[[], None]:
    """Two threads bump the shared count once each; the count must be 2."""
    def scenario() -> None:
        counts.clear()
        run_threads(bump, bump)
        assert counts["n"] == 2, counts

    return scenario


def test_the_real_locks_here_are_the_interpreters_own() -> None:
    # The premise of this file: made at import, before the plugin patched anything.
    import _thread

    assert type(REAL_LOCK) is _thread.LockType
    assert type(REAL_RLOCK) is _thread.RLock


# ---------------------------------------------------------------------------------------
# Taken where the scheduler sees it: cooperative, judged, deterministic


def with_real_lock() -> None:
    with REAL_LOCK:
        counts["n"] = counts.get("n", 0) + 1


def test_threads_taking_a_lock_made_at_import_are_judged_not_abandoned() -> None:
    # The reproduction: reported as a hang after the wall limit, before.
    result = explore(twice(with_real_lock), wall_limit=2.0)
    assert result.schedules == 50


def read_under_real_lock_write_outside() -> None:
    with REAL_LOCK:
        seen = counts.get("n", 0)
    counts["n"] = seen + 1


def test_a_race_around_a_real_lock_is_still_found() -> None:
    failure = failure_of(twice(read_under_real_lock_write_outside))
    assert failure.diagnosis == "race", failure.report
    assert "assert counts[\"n\"] == 2" in failure.report


def test_the_same_seed_gives_the_same_report_with_real_locks() -> None:
    reports = {failure_of(twice(read_under_real_lock_write_outside), seed=s).report
               for s in (5, 5, 5)}
    assert len(reports) == 1, reports


def explicit_acquire() -> None:
    REAL_LOCK.acquire()
    try:
        counts["n"] = counts.get("n", 0) + 1
    finally:
        REAL_LOCK.release()


def reentrant() -> None:
    with REAL_RLOCK:
        with REAL_RLOCK:  # the thread's own RLock: taking it again goes through
            counts["n"] = counts.get("n", 0) + 1


def semaphore() -> None:
    with REAL_SEMAPHORE:
        counts["n"] = counts.get("n", 0) + 1


def condition_as_a_lock() -> None:
    with REAL_CONDITION:
        counts["n"] = counts.get("n", 0) + 1


class Account:
    """A lock reached through an attribute chain, as `self._lock` in a library class."""

    def __init__(self, lock: threading.Lock) -> None:
        self._lock = lock


ACCOUNT = Account(REAL_LOCK)


def attribute_chain() -> None:
    with ACCOUNT._lock:
        counts["n"] = counts.get("n", 0) + 1


@pytest.mark.parametrize("bump", [explicit_acquire, reentrant, semaphore, condition_as_a_lock,
                                  attribute_chain], ids=lambda f: f.__name__)
def test_each_kind_of_real_lock_is_taken_cooperatively(bump: Callable[[], None]) -> None:
    assert explore(twice(bump), schedules=30, wall_limit=2.0).schedules == 30
    assert not REAL_LOCK.locked()


def test_a_real_event_is_waited_for_cooperatively() -> None:
    def scenario() -> None:
        REAL_EVENT.clear()
        box: list[int] = []

        def consumer() -> None:
            REAL_EVENT.wait()
            assert box == [1]

        def producer() -> None:
            box.append(1)
            REAL_EVENT.set()

        run_threads(consumer, producer)

    try:
        assert explore(scenario, schedules=30, wall_limit=2.0).schedules == 30
    finally:
        REAL_EVENT.clear()


def test_the_systematic_strategy_verifies_a_counter_under_a_real_lock() -> None:
    result = explore(twice(with_real_lock), schedules=5000, strategy="systematic",
                     wall_limit=2.0)
    assert result.verified, result.summary


def a_then_b() -> None:
    with REAL_A:
        with REAL_B:
            pass


def b_then_a() -> None:
    with REAL_B:
        with REAL_A:
            pass


def test_real_locks_taken_in_opposite_orders_are_a_deadlock_not_a_hang() -> None:
    failure = failure_of(lambda: run_threads(a_then_b, b_then_a), wall_limit=5.0)
    assert failure.diagnosis == "deadlock", failure.report
    assert "REAL_A" in failure.report and "REAL_B" in failure.report, failure.report
    # The schedule unwound: nothing of it holds the locks now.
    assert not REAL_A.locked() and not REAL_B.locked()


# ---------------------------------------------------------------------------------------
# Taken inside a library, where the scheduler does not look


LIBRARY = '''
import threading

LOCK = threading.Lock()


def locked_call(fn):
    with LOCK:
        return fn()


def take():
    with LOCK:
        pass
'''


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """A module in a `site-packages` folder: library code, not traced by the scheduler."""
    site = tmp_path / "site-packages"
    site.mkdir()
    (site / "threadlesson_reallib.py").write_text(textwrap.dedent(LIBRARY))
    monkeypatch.syspath_prepend(str(site))
    module = importlib.import_module("threadlesson_reallib")
    try:
        yield module
    finally:
        sys.modules.pop("threadlesson_reallib", None)


def test_a_lock_taken_inside_a_library_does_not_stop_the_schedule(library: ModuleType) -> None:
    def bump() -> None:
        library.locked_call(lambda: counts.__setitem__("n", counts.get("n", 0) + 1))

    assert explore(twice(bump), schedules=20, wall_limit=2.0).schedules == 20
    assert not library.LOCK.locked()


def test_a_race_around_a_library_lock_is_still_found(library: ModuleType) -> None:
    def bump() -> None:
        seen = library.locked_call(lambda: counts.get("n", 0))
        counts["n"] = seen + 1

    failure = failure_of(twice(bump), wall_limit=2.0)
    assert failure.diagnosis == "race", failure.report


def trivial() -> None:
    box: list[int] = []
    run_threads(lambda: box.append(1), lambda: box.append(2))
    assert sorted(box) == [1, 2]


@pytest.mark.timeout(120)
def test_an_abandoned_schedule_leaves_nothing_that_stops_the_next_explore(
        library: ModuleType) -> None:
    before = set(threading.enumerate())
    library.LOCK.acquire()  # held by the test itself: the scenario's thread waits for good
    try:
        failure = failure_of(lambda: run_threads(library.take), schedules=3, wall_limit=1.0)
        assert failure.diagnosis == "hang", failure.report
        assert "outside the scheduler's view" in failure.report
        assert "threadlesson_reallib.py:13 (take)" in failure.report, failure.report
        # The thread is still blocked in the library's lock: the next explore runs anyway
        # (on 3.11 it spun at its first instruction, for good).
        assert explore(trivial, schedules=20).schedules == 20
        assert explore(twice(with_real_lock), schedules=20).schedules == 20
    finally:
        library.LOCK.release()
    # Once the lock is free, the abandoned thread ends by itself.
    for t in set(threading.enumerate()) - before:
        t.join(10)
        assert not t.is_alive(), t
