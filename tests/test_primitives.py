"""The instrumented primitives, called directly: `threading`'s semantics, helpful reprs,
and a patch that puts back exactly what it found.

No test scope is set up unless a test asks for one (the `scope` fixture): outside a test
the primitives are plain locks, as they are for a lock made at a kata's import time.
Threads here synchronise through the real `threading` primitives, so a bug in ours fails
a test instead of hanging it; `finish` bounds every join for the same reason.
"""

from __future__ import annotations

import _thread
import builtins
import concurrent.futures._base as futures_base
import concurrent.futures.thread as futures_thread
import inspect
import os
import queue
import re
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from pytest_threadlesson.engine import primitives as prim
from pytest_threadlesson.engine import runtime as rt
from pytest_threadlesson.engine import starts
from pytest_threadlesson.engine.contention import ScheduleFailure

LOCK_TYPES = [prim.Lock, prim.RLock]
HERE = os.path.basename(__file__)


def here(offset: int = 0) -> str:
    """`test_primitives.py:LINE` of the line that calls it (or of the one `offset` below)."""
    return f"{HERE}:{sys._getframe(1).f_lineno + offset}"


def in_thread(target: Callable[[], Any], name: str | None = None) -> threading.Thread:
    worker = threading.Thread(target=target, name=name)
    worker.start()
    return worker


def finish(*workers: threading.Thread) -> None:
    """Join, bounded: a primitive that fails to wake a thread fails the test, not the run."""
    for worker in workers:
        worker.join(timeout=10)
        assert not worker.is_alive(), f"{worker.name} is still blocked"


def outcome(call: Callable[[], Any]) -> Any:
    """What a call returns, or the type of what it raises: to compare with `threading`."""
    try:
        return call()
    except Exception as exc:
        return type(exc)


@contextmanager
def held_elsewhere(lock: Any) -> Iterator[None]:
    """A context in which another thread holds `lock` until the block ends."""
    taken, done = threading.Event(), threading.Event()

    def hold() -> None:
        with lock:
            taken.set()
            done.wait()

    worker = in_thread(hold, "holder")
    assert taken.wait(10)
    try:
        yield
    finally:
        done.set()
        finish(worker)


@pytest.fixture
def scope() -> Iterator[rt.Scope]:
    """The calling thread inside a test scope, as the plugin sets one up for a marked test."""
    main = rt.current()
    saved = main.arena
    starts.beginning.clear()  # as the plugin does when a test begins
    test_scope = rt.Scope(main)
    main.arena = test_scope
    try:
        yield test_scope
    finally:
        test_scope.closed = True
        main.arena = saved
        main.pending = None


# ---------------------------------------------------------------------------------------
# Lock and RLock: one behaviour, both types


@pytest.mark.parametrize("lock_type", LOCK_TYPES)
def test_a_lock_is_taken_and_given_back(lock_type: type[prim.Lock]) -> None:
    lock = lock_type()
    assert lock.locked() is False
    assert lock.acquire() is True
    assert lock.locked() is True
    lock.release()
    assert lock.locked() is False


@pytest.mark.parametrize("lock_type", LOCK_TYPES)
def test_a_lock_held_by_another_thread_is_not_taken_without_waiting(
        lock_type: type[prim.Lock]) -> None:
    lock = lock_type()
    results: list[bool] = []

    def try_it() -> None:
        results.append(lock.acquire(blocking=False))
        results.append(lock.acquire(timeout=0.01))

    with held_elsewhere(lock):
        finish(in_thread(try_it))
    assert results == [False, False]
    assert lock.locked() is False


def test_a_lock_held_by_this_thread_is_not_taken_again_without_waiting() -> None:
    lock = prim.Lock()
    with lock:
        assert lock.acquire(blocking=False) is False
        assert lock.acquire(timeout=0.01) is False
        assert lock.locked() is True


def notes(error: BaseException) -> list[str]:
    return list(getattr(error, "__notes__", []))


@pytest.mark.parametrize(("lock_type", "message", "name"), [
    (prim.Lock, "release unlocked lock", "Lock"),
    (prim.RLock, "cannot release un-acquired lock", "RLock"),
])
def test_releasing_a_lock_nobody_holds_raises_cpythons_error_and_says_why(
        lock_type: type[prim.Lock], message: str, name: str) -> None:
    lock = lock_type()
    made = here(-1)
    with pytest.raises(RuntimeError) as raised:
        lock.release()
    assert str(raised.value) == message  # CPython's own words: code matches on them
    assert notes(raised.value)[0].startswith(f"nobody holds this {name} (created at {made})")


def test_an_rlock_is_released_only_by_its_owner() -> None:
    lock = prim.RLock()
    with held_elsewhere(lock):
        with pytest.raises(RuntimeError) as raised:
            lock.release()
        assert lock.locked() is True
    assert str(raised.value) == "cannot release un-acquired lock"
    assert notes(raised.value) == [
        f"{threading.current_thread().name} does not hold this RLock, holder does (acquired "
        f"{HERE}:{held_elsewhere_line()}): only the thread that acquired an RLock can "
        "release it"]


def held_elsewhere_line() -> int:
    """The line where `held_elsewhere`'s thread takes the lock."""
    source, first = inspect.getsourcelines(held_elsewhere.__wrapped__)  # type: ignore[attr-defined]
    return first + next(i for i, line in enumerate(source) if "with lock:" in line)


def until_the_others_block() -> None:
    """Inside `explore`: a timed wait times out only when no other thread can run, so on
    return every other thread of the schedule is blocked (virtual time, no real waiting)."""
    assert threading.Event().wait(60) is False


@pytest.mark.parametrize("kind", ["Lock", "RLock"])
def test_a_locks_statistics_name_its_owner_and_its_waiters(contention: Any, kind: str) -> None:
    def scenario() -> None:
        lock = getattr(threading, kind)()
        made = here(-1)
        idle = lock.statistics()
        assert (idle.locked, idle.owner, idle.count, idle.threads_waiting) == (False, None, 0, ())
        assert idle.created_at == made
        release = threading.Event()

        def hold() -> None:
            with lock:
                release.wait()

        def take() -> None:
            with lock:
                pass

        threads = [threading.Thread(target=hold, name="holder"),
                   threading.Thread(target=take, name="taker")]
        threads[0].start()
        until_the_others_block()
        threads[1].start()
        until_the_others_block()
        busy = lock.statistics()
        assert (busy.locked, busy.owner, busy.count) == (True, "holder", 1)
        assert busy.threads_waiting == ("taker",)
        assert busy.acquired_at is not None and busy.acquired_at.startswith(HERE)
        release.set()
        for t in threads:
            t.join()
        assert lock.statistics().threads_waiting == ()

    contention.explore(scenario, schedules=5)


def test_the_other_primitives_statistics_list_the_threads_waiting_on_them(
        contention: Any) -> None:
    def scenario() -> None:
        # Inside explore these are the instrumented ones, which have statistics().
        condition: Any = threading.Condition(threading.Lock())
        event: Any = threading.Event()
        barrier: Any = threading.Barrier(2)
        semaphore: Any = threading.BoundedSemaphore(1)
        assert condition.statistics().threads_waiting == ()
        assert condition.statistics().lock is not None
        assert (semaphore.statistics().value, semaphore.statistics().initial) == (1, 1)
        semaphore.acquire()

        def notified() -> None:
            with condition:
                condition.wait()

        targets = {"on-condition": notified, "on-event": event.wait,
                   "at-barrier": barrier.wait, "for-permit": semaphore.acquire}
        threads = [threading.Thread(target=t, name=n) for n, t in targets.items()]
        for t in threads:
            t.start()
        until_the_others_block()
        assert condition.statistics().threads_waiting == ("on-condition",)
        assert event.statistics().threads_waiting == ("on-event",)
        assert barrier.statistics().threads_waiting == ("at-barrier",)
        assert semaphore.statistics().threads_waiting == ("for-permit",)
        assert (barrier.statistics().n_waiting, event.statistics().is_set) == (1, False)
        assert semaphore.statistics().value == 0
        with condition:
            condition.notify()
        event.set()
        barrier.wait()
        semaphore.release()
        for t in threads:
            t.join()
        assert event.statistics().is_set is True
        assert event.statistics().threads_waiting == ()

    contention.explore(scenario, schedules=5)


@pytest.mark.parametrize("make", [prim.Condition, threading.Condition],
                         ids=["ours", "threading"])
def test_waiting_or_notifying_without_the_lock_is_refused(make: Callable[[], Any]) -> None:
    condition = make()
    calls = [(condition.wait, "wait"), (condition.notify, "notify"),
             (lambda: condition.wait_for(lambda: False), "wait")]
    for call, name in calls:
        with pytest.raises(RuntimeError) as raised:
            call()
        assert str(raised.value) == f"cannot {name} on un-acquired lock"
        if make is prim.Condition:  # ours also says what to do
            assert notes(raised.value) == [
                f"{name}() needs the condition's lock, held by the calling thread: call it "
                "inside `with condition:`"]


def test_notify_n_wakes_exactly_n_waiters() -> None:
    condition = prim.Condition()
    arrived: list[int] = []
    all_waiting = threading.Event()
    woke = threading.Semaphore(0)

    def wait_once() -> None:
        with condition:
            arrived.append(1)
            if len(arrived) == 3:
                all_waiting.set()
            condition.wait()
        woke.release()

    workers = [in_thread(wait_once) for _ in range(3)]
    assert all_waiting.wait(10)
    with condition:  # the last to arrive holds the lock until it waits: all three wait
        assert ", 3)>" in repr(condition)
        condition.notify(2)
        assert ", 1)>" in repr(condition)
    assert woke.acquire(timeout=10) and woke.acquire(timeout=10)
    # Exactly two went on; the third still waits (its state, not thread liveness, which
    # lags behind while the two finished threads wind down).
    assert not woke.acquire(blocking=False)
    assert ", 1)>" in repr(condition)
    with condition:
        condition.notify_all()
    finish(*workers)
    assert ", 0)>" in repr(condition)


def test_wait_for_returns_the_predicate_once_it_holds() -> None:
    condition = prim.Condition()
    box: list[str] = []
    waiting = threading.Event()
    got: list[Any] = []

    def consume() -> None:
        with condition:
            waiting.set()
            got.append(condition.wait_for(lambda: box[:]))

    worker = in_thread(consume)
    assert waiting.wait(10)
    with condition:
        box.append("parcel")
        condition.notify()
    finish(worker)
    assert got == [["parcel"]]


@pytest.mark.parametrize("make", [prim.Condition, threading.Condition],
                         ids=["ours", "threading"])
def test_timed_condition_waits_give_up(make: Callable[[], Any]) -> None:
    condition = make()
    with condition:
        assert condition.wait(0.01) is False
        assert condition.wait(0) is False
        assert condition.wait_for(lambda: 0, timeout=0.01) == 0
        assert condition.wait_for(lambda: "ready", timeout=0.01) == "ready"
    assert condition.acquire(blocking=False) is True
    condition.release()


def test_a_condition_on_a_plain_lock_waits_and_wakes() -> None:
    condition = prim.Condition(prim.Lock())
    waiting = threading.Event()
    woke: list[bool] = []

    def wait_for_news() -> None:
        with condition:
            waiting.set()
            woke.append(condition.wait())

    worker = in_thread(wait_for_news)
    assert waiting.wait(10)
    with condition:
        condition.notify_all()
    finish(worker)
    assert woke == [True]


# ---------------------------------------------------------------------------------------
# Semaphore, BoundedSemaphore, Event, Barrier


def _semaphore_script(semaphore: Any) -> list[Any]:
    return [
        outcome(semaphore.acquire),
        outcome(semaphore.acquire),
        outcome(lambda: semaphore.acquire(blocking=False)),
        outcome(lambda: semaphore.acquire(timeout=0.01)),
        outcome(lambda: semaphore.acquire(False, 1)),
        outcome(lambda: semaphore.release(2)),
        outcome(lambda: semaphore.acquire(blocking=False)),
        outcome(semaphore.release),
        outcome(semaphore.release),
        outcome(semaphore.__enter__),
        outcome(lambda: semaphore.__exit__(None, None, None)),
    ]


@pytest.mark.parametrize(("ours", "theirs"), [
    (prim.Semaphore, threading.Semaphore),
    (prim.BoundedSemaphore, threading.BoundedSemaphore),
], ids=["Semaphore", "BoundedSemaphore"])
def test_the_semaphores_count_permits_as_threading_does(ours: Callable[[int], Any],
                                                        theirs: Callable[[int], Any]) -> None:
    mine = _semaphore_script(ours(2))
    assert mine == _semaphore_script(theirs(2))
    assert mine[:5] == [True, True, False, False, ValueError]


def test_a_bounded_semaphore_refuses_to_be_released_too_often() -> None:
    semaphore = prim.BoundedSemaphore(1)
    semaphore.acquire()
    semaphore.release()
    with pytest.raises(ValueError, match="released too many times") as raised:
        semaphore.release()
    assert "value=1/1" in repr(semaphore)
    assert notes(raised.value) == ["it started with 1 permit(s) and has them all back: a "
                                   "release() without an acquire() before it"]


def test_a_semaphore_wakes_a_thread_waiting_for_a_permit() -> None:
    semaphore = prim.Semaphore(0)
    waiting = threading.Event()
    got: list[bool] = []

    def take() -> None:
        waiting.set()
        got.append(semaphore.acquire())

    worker = in_thread(take)
    assert waiting.wait(10)
    semaphore.release()
    finish(worker)
    assert got == [True]


@pytest.mark.parametrize("make", [prim.Event, threading.Event], ids=["ours", "threading"])
def test_an_event_is_set_cleared_and_waited_for(make: Callable[[], Any]) -> None:
    event = make()
    assert event.is_set() is False
    assert event.wait(0.01) is False
    event.set()
    assert event.is_set() is True
    assert event.wait() is True
    assert event.wait(0.01) is True
    event.clear()
    assert event.is_set() is False
    assert event.wait(0) is False


def test_an_event_wakes_every_thread_waiting_for_it() -> None:
    event = prim.Event()
    results: list[bool] = []
    workers = [in_thread(lambda: results.append(event.wait())) for _ in range(3)]
    event.set()
    finish(*workers)
    assert results == [True, True, True]


@pytest.mark.parametrize("make", [prim.Barrier, threading.Barrier], ids=["ours", "threading"])
def test_a_barrier_gives_each_party_its_own_index(make: Callable[..., Any]) -> None:
    actions: list[str] = []
    barrier = make(3, action=lambda: actions.append("all here"))
    indices: list[int] = []
    workers = [in_thread(lambda: indices.append(barrier.wait())) for _ in range(2)]
    indices.append(barrier.wait())
    finish(*workers)
    assert sorted(indices) == [0, 1, 2]
    assert actions == ["all here"]
    assert barrier.broken is False
    assert barrier.n_waiting == 0


@pytest.mark.parametrize("make", [prim.Barrier, threading.Barrier], ids=["ours", "threading"])
def test_an_aborted_barrier_is_broken_for_everyone(make: Callable[..., Any]) -> None:
    barrier = make(2)
    waiting = threading.Event()
    errors: list[type[BaseException]] = []

    def wait_at_barrier() -> None:
        waiting.set()
        try:
            barrier.wait()
        except threading.BrokenBarrierError as exc:
            errors.append(type(exc))

    worker = in_thread(wait_at_barrier)
    assert waiting.wait(10)
    barrier.abort()
    finish(worker)
    assert errors == [threading.BrokenBarrierError]
    assert barrier.broken is True
    with pytest.raises(threading.BrokenBarrierError):
        barrier.wait()
    barrier.reset()
    assert barrier.broken is False


@pytest.mark.parametrize("make", [prim.Barrier, threading.Barrier], ids=["ours", "threading"])
def test_a_barrier_wait_that_times_out_breaks_it(make: Callable[..., Any]) -> None:
    barrier = make(2)
    with pytest.raises(threading.BrokenBarrierError):
        barrier.wait(timeout=0.01)
    assert barrier.broken is True
    timed = make(2, timeout=0.01)
    with pytest.raises(threading.BrokenBarrierError):
        timed.wait()
    assert timed.broken is True


# ---------------------------------------------------------------------------------------
# Reprs: state, owner, where the object was made


def test_a_lock_repr_tells_its_state_owner_and_birthplace() -> None:
    lock, made = prim.Lock(), here()
    at = f"at {id(lock):#x}"
    assert repr(lock) == f"<unlocked _thread.lock object {at}: created at {made}>"
    taken = here(+1)
    lock.acquire()
    try:
        name = threading.current_thread().name
        assert repr(lock) == (f"<locked _thread.lock object {at}: created at {made}, "
                              f"held by {name} (acquired {taken})>")
    finally:
        lock.release()
    assert repr(lock) == f"<unlocked _thread.lock object {at}: created at {made}>"


def test_an_rlock_repr_tells_its_owner_and_count_as_cpython_does() -> None:
    lock, made = prim.RLock(), here()
    at = f"at {id(lock):#x}"
    assert repr(lock) == f"<unlocked _thread.RLock object owner=0 count=0 {at}: created at {made}>"
    taken = here(+1)
    lock.acquire()
    lock.acquire()
    try:
        name = threading.current_thread().name
        assert repr(lock) == (f"<locked _thread.RLock object owner={threading.get_ident()} "
                              f"count=2 {at}: created at {made}, held by {name} "
                              f"(acquired {taken})>")
    finally:
        lock.release()
        lock.release()
    assert repr(lock) == f"<unlocked _thread.RLock object owner=0 count=0 {at}: created at {made}>"


def test_an_rlock_repr_shows_its_owner_whatever_its_owner_is_called() -> None:
    lock = prim.RLock()
    seen: list[str] = []

    def hold() -> None:
        lock.acquire()
        seen.append(repr(lock))
        lock.release()

    worker = threading.Thread(target=hold, name="<worker>")
    worker.start()
    finish(worker)
    assert f"owner={worker.ident} count=1 at " in seen[0]
    assert "held by <worker> (acquired " in seen[0]


@pytest.mark.parametrize(("lock_type", "pattern"), [
    (prim.Lock, "<{} .* object (.*)?at .*>"),
    (prim.RLock, "<{} .* object (.*)?at .*>"),
])
def test_a_lock_repr_keeps_the_shape_that_cpython_tests_match(
        lock_type: type[prim.Lock], pattern: str) -> None:
    lock = lock_type()
    assert re.search(pattern.format("unlocked"), repr(lock))
    with lock:
        assert re.search(pattern.format("locked"), repr(lock))


def test_the_other_primitives_tell_their_state_and_birthplace() -> None:
    condition, c_made = prim.Condition(), here()
    semaphore, s_made = prim.Semaphore(2), here()
    bounded, b_made = prim.BoundedSemaphore(2), here()
    event, e_made = prim.Event(), here()
    barrier, r_made = prim.Barrier(3), here()

    def at(obj: Any) -> str:
        return f"at {id(obj):#x}"

    assert repr(condition) == (f"<Condition(<unlocked _thread.RLock object owner=0 count=0 "
                               f"{at(condition._lock)}: created at {c_made}>, 0)>")
    semaphore.acquire()
    assert repr(semaphore) == f"<threading.Semaphore {at(semaphore)} created at {s_made}: value=1>"
    bounded.acquire()
    assert repr(bounded) == (f"<threading.BoundedSemaphore {at(bounded)} created at {b_made}: "
                             "value=1/2>")
    assert repr(event) == f"<threading.Event {at(event)} created at {e_made}: unset>"
    event.set()
    assert repr(event) == f"<threading.Event {at(event)} created at {e_made}: set>"
    assert repr(barrier) == f"<threading.Barrier {at(barrier)} created at {r_made}: waiters=0/3>"
    barrier.abort()
    assert repr(barrier) == f"<threading.Barrier {at(barrier)} created at {r_made}: broken>"
    semaphore.release()
    bounded.release()


# ---------------------------------------------------------------------------------------
# The kernel in a test scope


def test_taking_a_lock_this_thread_holds_fails_at_once_in_a_test(scope: rt.Scope) -> None:
    lock = prim.Lock()
    lock.acquire()
    try:
        with pytest.raises(rt.DeadlockError) as caught:
            lock.acquire()
        assert caught.value.report.kind == "self"
        assert scope.deadlock is caught.value.report
        assert "a thread waits for a lock it already holds" in str(caught.value)
    finally:
        lock.release()
    assert rt.current().held == []


def test_a_timed_acquire_of_a_held_lock_in_a_test_is_not_a_deadlock(scope: rt.Scope) -> None:
    lock = prim.Lock()
    with lock:
        assert lock.acquire(timeout=0.01) is False
    assert scope.deadlock is None
    assert lock.locked() is False


def test_an_rlock_taken_again_by_its_owner_in_a_test_is_not_a_deadlock(
        scope: rt.Scope) -> None:
    lock = prim.RLock()
    with lock, lock:
        assert lock.locked() is True
    assert scope.deadlock is None
    assert rt.current().held == []


class _Signal:
    """Releases a raw lock when it is collected: kept in a thread's thread-local storage,
    it tells that CPython cleared that storage, which it does when the thread ends."""

    def __init__(self, gone: Any) -> None:
        self.gone = gone

    def __del__(self) -> None:
        self.gone.release()


def test_a_thread_threading_does_not_know_has_a_record_while_it_runs() -> None:
    # `_thread.start_new_thread`, as CPython's lock_tests starts its threads: asking
    # `threading.current_thread()` there would make a `_DummyThread`, whose Event is ours
    # under the patch, whose lock would ask for the thread's record again, without end.
    seen: list[Any] = []
    gone = _thread.allocate_lock()
    gone.acquire()

    def foreign() -> None:
        with prim.Lock():
            rec = rt.current()
            seen.append((rec.name, rt.foreign_threads.get(_thread.get_ident()) is rec,
                         _thread.get_ident()))
        prim.Event().set()
        threading.current_thread()  # makes a _DummyThread, on our primitives
        rt.tls.signal = _Signal(gone)

    prim.patch.install()
    try:
        _thread.start_new_thread(foreign, ())
        assert gone.acquire(True, 10), "the foreign thread did not end"
    finally:
        prim.patch.restore()
    name, registered, ident = seen[0]
    assert name.startswith("_thread-")
    assert registered
    assert ident not in rt.foreign_threads


def test_waiting_for_a_lock_a_running_foreign_thread_holds_is_not_a_deadlock(
        scope: rt.Scope) -> None:
    lock = prim.Lock()
    taken = _thread.allocate_lock()
    taken.acquire()

    def foreign() -> None:
        lock.acquire()
        taken.release()
        prim.Event().wait(0.2)  # running, for all the engine knows: it may release
        lock.release()

    _thread.start_new_thread(foreign, ())
    assert taken.acquire(True, 10)
    assert lock.acquire() is True  # untimed: the only thread of the test, waiting
    lock.release()
    assert scope.deadlock is None


def test_waiting_for_a_foreign_thread_that_has_not_touched_a_primitive_is_not_a_deadlock(
        scope: rt.Scope) -> None:
    # CPython 3.10's lock_tests starts its threads with `_thread.start_new_thread` and
    # at once waits at a barrier with them: the engine has no record of them yet.
    event = prim.Event()
    running, idle = _thread.allocate_lock(), _thread.allocate_lock()
    running.acquire()
    idle.acquire()

    def foreign() -> None:
        running.release()
        idle.acquire(True, 0.2)  # a while in C, unknown to the engine; then it sets
        event.set()

    _thread.start_new_thread(foreign, ())
    assert running.acquire(True, 10)
    assert event.wait() is True
    assert scope.deadlock is None


def test_a_thread_started_that_has_not_begun_yet_may_still_act(scope: rt.Scope) -> None:
    # Between `_thread.start_new_thread` returning and the new thread's first bytecode,
    # 3.10 and 3.11 list no thread for it: on a loaded machine lock_tests' barrier saw
    # "every thread waits" while one was about to begin (CI, 3.10). An ident no thread
    # has, noted as started, is that gap held open.
    ghost = max(sys._current_exceptions()) + 1
    assert not rt.others_may_act(scope)
    starts.beginning.add(ghost)
    try:
        assert rt.others_may_act(scope)
    finally:
        starts.beginning.discard(ghost)
    assert not rt.others_may_act(scope)


def test_a_started_thread_is_noted_until_it_is_seen_to_begin(scope: rt.Scope) -> None:
    assert _thread.start_new_thread is starts.start_new_thread  # the session's wrapper
    running, done = _thread.allocate_lock(), _thread.allocate_lock()
    running.acquire()
    done.acquire()

    def foreign() -> None:
        running.release()
        done.acquire()

    ident = _thread.start_new_thread(foreign, ())
    try:
        assert ident in starts.beginning
        assert running.acquire(True, 10)
        assert rt.others_may_act(scope)  # it runs, unknown to the engine
        assert ident not in starts.beginning  # seen: from now on, like any running thread
    finally:
        done.release()


def test_a_start_new_thread_thread_inside_explore_is_a_thread_of_the_schedule(
        contention: Any) -> None:
    names: list[str] = []

    def scenario() -> None:
        done = threading.Event()

        def worker() -> None:
            names.append(rt.current().name)
            done.set()

        ident = _thread.start_new_thread(worker, ())
        assert ident not in starts.beginning  # the scheduler knows it
        assert done.wait(5)

    assert contention.explore(scenario, schedules=3).schedules == 3
    assert names == ["_thread-1"] * 3  # named by its place in the schedule


def test_a_lost_update_between_start_new_thread_threads_is_found(contention: Any) -> None:
    def scenario() -> None:
        box = {"n": 0}
        finished = threading.Semaphore(0)

        def add() -> None:
            n = box["n"]
            box["n"] = n + 1
            finished.release()

        for _ in range(2):
            _thread.start_new_thread(add, ())
        for _ in range(2):
            finished.acquire()
        assert box["n"] == 2

    with pytest.raises(ScheduleFailure) as failed:
        contention.explore(scenario, schedules=100)
    assert "_thread-1" in failed.value.report and "_thread-2" in failed.value.report


def outcome_of(call: Callable[[], object]) -> object:
    try:
        return call()
    except Exception as exc:  # what the call raises is the outcome compared
        return repr(exc)


def test_a_nan_timeout_inside_explore_does_what_cpython_does_and_never_hangs(
        contention: Any) -> None:
    # Inside explore a NaN deadline never came: Event.wait(nan) spun for ever (3.14's
    # lock_tests has test_nan_timeout). CPython's own answer is the expected one: False to
    # 3.13, ValueError from 3.14; time.sleep(nan) is a ValueError everywhere.
    nan = float("nan")
    assert threading.Event is not prim.Event  # outside the test's patch: CPython's
    expected = (outcome_of(lambda: threading.Event().wait(nan)),
                outcome_of(lambda: time.sleep(nan)))
    seen: list[object] = []

    def scenario() -> None:
        assert threading.Event is prim.Event
        seen.append((outcome_of(lambda: threading.Event().wait(nan)),
                     outcome_of(lambda: time.sleep(nan))))

    contention.explore(scenario, schedules=2)
    assert seen == [expected, expected]


def test_the_start_new_thread_wrapper_changes_nothing_the_caller_sees() -> None:
    with pytest.raises(TypeError) as ours:
        # A list where a tuple belongs, on purpose: the TypeError is what is compared.
        _thread.start_new_thread(print, [])  # type: ignore[call-overload]
    with pytest.raises(TypeError) as theirs:
        starts._original(print, [])  # type: ignore[call-overload]
    assert str(ours.value) == str(theirs.value)

    def fails(a: int, *, b: int) -> None:
        raise ValueError(a + b)

    def report_of(start: Any) -> list[Any]:
        """What sys.unraisablehook hears of the thread's exception (the object and the
        message differ between versions: 3.13 names the function in the message)."""
        reported: list[Any] = []
        hooked = _thread.allocate_lock()
        hooked.acquire()

        def hook(args: Any) -> None:
            reported.append((args.object, args.exc_type, str(args.exc_value), args.err_msg))
            hooked.release()

        saved = sys.unraisablehook
        sys.unraisablehook = hook
        try:
            start(fails, (1,), {"b": 2})
            assert hooked.acquire(True, 10), "the thread's exception was not reported"
        finally:
            sys.unraisablehook = saved
        return reported

    assert _thread.start_new_thread is starts.start_new_thread
    ours_reported = report_of(_thread.start_new_thread)
    assert ours_reported == report_of(starts._original)
    assert ours_reported[0][1:3] == (ValueError, "3")


def test_the_start_new_thread_wrapper_is_put_back_when_the_run_ends(tmp_path: Any) -> None:
    (tmp_path / "test_one.py").write_text(
        "import _thread\n"
        "def test_wrapped():\n"
        "    assert _thread.start_new_thread.__module__ == 'pytest_threadlesson.engine.starts'\n")
    child = textwrap.dedent(f"""
        import _thread, pytest
        before = _thread.start_new_thread, _thread.__dict__.get("start_new")
        code = pytest.main(["-q", "-p", "pytest_threadlesson", "-p", "no:cacheprovider",
                            {str(tmp_path / "test_one.py")!r}])
        assert code == 0, code
        after = _thread.start_new_thread, _thread.__dict__.get("start_new")
        assert after == before, (before, after)
        """)
    done = subprocess.run([sys.executable, "-c", child], timeout=60, cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


# ---------------------------------------------------------------------------------------
# The patch

PATCHED = [
    (threading, "Lock"), (threading, "RLock"), (threading, "Condition"),
    (threading, "Semaphore"), (threading, "BoundedSemaphore"), (threading, "Event"),
    (threading, "Barrier"), (threading, "_time"),
    (threading.Thread, "start"), (threading.Thread, "join"), (threading.Thread, "is_alive"),
    (queue, "SimpleQueue"), (queue, "time"),
    (time, "sleep"), (time, "monotonic"), (time, "time"), (time, "perf_counter"),
    (futures_thread, "_global_shutdown_lock"),
    (futures_base.Future, "set_exception"), (futures_base.Future, "result"),
    (futures_base.Future, "exception"),
    (os, "_exit"), (builtins, "input"),
]


def _originals() -> list[Any]:
    return [vars(owner)[name] for owner, name in PATCHED]


def _same(before: list[Any], after: list[Any]) -> list[str]:
    """The names whose object is not the very one it was."""
    return [f"{getattr(owner, '__name__', owner)}.{name}"
            for (owner, name), a, b in zip(PATCHED, before, after, strict=True) if a is not b]


def test_restoring_the_patch_puts_back_the_exact_original_objects() -> None:
    before = _originals()
    patch = prim.Patch()
    patch.install()
    try:
        assert patch.installed is True
        # The patch rebinds threading.Lock at run time, which its static type cannot know.
        assert threading.Lock is prim.Lock  # type: ignore[comparison-overlap]
        assert threading.Event is prim.Event
        assert time.sleep is rt.sleep
        assert sorted(_same(before, _originals())) == sorted(
            f"{getattr(owner, '__name__', owner)}.{name}" for owner, name in PATCHED)
    finally:
        patch.restore()
    assert _same(before, _originals()) == []
    assert patch.installed is False
    # threading.Lock is the lock factory before 3.13 and the lock type from 3.13 on.
    assert threading.Lock is (_thread.LockType if sys.version_info >= (3, 13)
                              else _thread.allocate_lock)


def test_nested_installs_need_as_many_restores() -> None:
    before = _originals()
    patch = prim.Patch()
    patch.install()
    patch.install()
    try:
        patch.restore()
        assert patch.installed is True
        # The patch rebinds threading.Lock at run time, which its static type cannot know.
        assert threading.Lock is prim.Lock  # type: ignore[comparison-overlap]
        assert threading.Thread.join is prim.thread_join
    finally:
        patch.restore()
    assert patch.installed is False
    assert _same(before, _originals()) == []
    patch.restore()  # one too many: nothing to undo, nothing undone
    assert _same(before, _originals()) == []


def test_the_thread_only_patch_leaves_the_locks_alone() -> None:
    before = _originals()
    patch = prim.Patch(threads_only=True)
    patch.install()
    try:
        assert threading.Thread.start is prim.thread_start
        assert threading.Lock is before[0]
        assert time.sleep is before[PATCHED.index((time, "sleep"))]
    finally:
        patch.restore()
    assert _same(before, _originals()) == []


def test_a_thread_started_under_the_patch_in_a_test_is_joined_and_ends(
        scope: rt.Scope) -> None:
    patch = prim.Patch()
    patch.install()
    try:
        results: list[str] = []
        worker = threading.Thread(target=lambda: results.append("ran"), name="worker")
        worker.start()
        worker.join()
        assert worker.is_alive() is False
        assert results == ["ran"]
        assert [rec.name for rec in scope.threads] == [rt.current().name, "worker"]
        assert all(rec.finished for rec in scope.threads[1:])
    finally:
        patch.restore()
    assert scope.deadlock is None


# ---------------------------------------------------------------------------------------
# What would end or stall the whole run


def test_os_exit_under_the_patch_raises_in_the_test_instead_of_ending_the_process() -> None:
    prim.patch.install()
    try:
        with pytest.raises(prim.ExitCalled, match=r"os\._exit\(0\) was called"):
            os._exit(0)
    finally:
        prim.patch.restore()
    assert os._exit is prim.orig_os_exit


def test_os_exit_in_a_forked_child_under_the_patch_ends_the_child() -> None:
    # In a fresh interpreter: this one may have threads (pytest-xdist, other tests), and
    # fork() in a threaded process warns on 3.12+ (an error here, with filterwarnings).
    child = textwrap.dedent("""
        import os
        from pytest_threadlesson.engine import primitives as prim
        prim.patch.install()
        try:
            pid = os.fork()
            if pid == 0:
                os._exit(7)
            _, status = os.waitpid(pid, 0)
        finally:
            prim.patch.restore()
        raise SystemExit(os.waitstatus_to_exitcode(status))
        """)
    done = subprocess.run([sys.executable, "-W", "error", "-c", child], timeout=60,
                          capture_output=True, text=True)
    assert done.returncode == 7, done.stderr


class _Terminal:
    """A stand-in for a terminal as standard input, with one line typed."""

    def isatty(self) -> bool:
        return True

    def readline(self) -> str:
        return "typed\n"


def test_input_from_a_terminal_under_the_patch_raises_at_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", _Terminal())
    prim.patch.install()
    try:
        with pytest.raises(prim.InputAtTerminal, match=r"input\(\) was called with the "
                                                       r"terminal as standard input"):
            input("go? ")
    finally:
        prim.patch.restore()


def test_input_from_a_debugger_or_a_non_terminal_is_read_as_usual(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", _Terminal())
    prim.patch.install()
    try:
        # pdb (through cmd) reads its commands with input(): a learner's breakpoint() works.
        as_pdb = {"__name__": "pdb", "__builtins__": builtins}
        exec("line = input('(Pdb) ')", as_pdb)
        assert as_pdb["line"] == "typed"
        monkeypatch.setattr(_Terminal, "isatty", lambda self: False)
        assert input() == "typed"
    finally:
        prim.patch.restore()
