"""The one way the engine stops a thread (`free.interrupt`), and its three users: a
declared deadlock, the backstop and the leak check."""

from __future__ import annotations

import os
import threading

import pytest

from pytest_threadlesson.engine import leaks
from pytest_threadlesson.engine import runtime as rt
from pytest_threadlesson.engine.waits import DeadlockReport


class _Gate:
    """A stand-in for one of our primitives: something a thread can wait on."""

    def __init__(self) -> None:
        self._waiters: list[rt.ThreadRec] = []

    @property
    def waiters(self) -> list[rt.ThreadRec]:
        return self._waiters

    def owners(self) -> list[rt.ThreadRec]:
        return []

    def describe(self) -> str:
        return "a gate"


def _parked(name: str) -> rt.ThreadRec:
    rec = rt.ThreadRec(name)
    rec.waiting_on = _Gate()
    return rec


def test_a_parked_thread_is_woken_with_the_exception() -> None:
    rec = _parked("worker")
    stop = rt.ThreadlessonStop("stop")
    with rt.mutex:
        assert rt.interrupt(rec, stop) is True
    assert rec.pending is stop
    assert rec.token  # its baton was released: the wait returns and raises
    assert rec.baton.acquire(False)


def test_a_running_thread_is_left_to_the_caller_unless_asked() -> None:
    rec = rt.ThreadRec("worker")
    with rt.mutex:
        assert rt.interrupt(rec, rt.ThreadlessonStop("stop")) is False
    assert rec.pending is None and not rec.token
    stop = rt.ThreadlessonStop("stop")
    with rt.mutex:
        assert rt.interrupt(rec, stop, even_running=True) is False
    assert rec.pending is stop  # raised at its next wait or scheduling point
    assert not rec.token


def test_a_finished_thread_is_not_touched() -> None:
    rec = _parked("worker")
    rec.finished = True
    with rt.mutex:
        assert rt.interrupt(rec, rt.ThreadlessonStop("stop"), even_running=True) is False
    assert rec.pending is None and not rec.token


def test_a_declared_deadlock_wakes_every_other_parked_thread_of_the_scope() -> None:
    main = rt.current()
    scope = rt.Scope(main, detect=True)
    parked, running = _parked("a"), rt.ThreadRec("b")
    scope.threads.extend([parked, running])
    report = DeadlockReport.all_blocked([])
    with rt.mutex:
        error = scope.declare(report)
    assert error.report is report
    assert isinstance(parked.pending, rt.DeadlockError) and parked.pending.report is report
    assert running.pending is None  # running: it meets the deadlock at its next wait


def test_the_leak_check_stops_a_parked_thread_without_an_asynchronous_exception(
        monkeypatch: pytest.MonkeyPatch) -> None:
    raised: list[int] = []

    def async_raise(ident: int, exc: type[BaseException]) -> bool:
        raised.append(ident)
        return True

    monkeypatch.setattr(leaks, "async_raise", async_raise)
    rec = _parked("worker")
    leaks.interrupt(rec, 12345)
    assert isinstance(rec.pending, rt.ThreadlessonStop) and raised == []
    running = rt.ThreadRec("runner")
    leaks.interrupt(running, 12345)
    assert isinstance(running.pending, rt.ThreadlessonStop) and raised == [12345]
    leaks.interrupt(None, threading.get_ident() + 1)  # a thread we have no record of
    assert raised == [12345, threading.get_ident() + 1]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_fork_child_can_take_the_engines_mutex_another_thread_held() -> None:
    """A child forked while the backstop (or any thread) is inside the engine's mutex
    must not inherit it held: its first lock of ours would wait for ever."""
    inside, leave = threading.Event(), threading.Event()

    def hold() -> None:
        with rt.mutex:
            inside.set()
            leave.wait()

    holder = threading.Thread(target=hold)
    holder.start()
    inside.wait()
    try:
        pid = os.fork()
        if pid == 0:  # the child: one thread, a copy of the memory
            os._exit(0 if rt.mutex.acquire(True, 5) else 1)
        _, status = os.waitpid(pid, 0)
    finally:
        leave.set()
        holder.join()
    assert os.waitstatus_to_exitcode(status) == 0
