"""The backstop's progress sampler, on real threads: what counts as moving and what not."""

from __future__ import annotations

import _thread
import asyncio
import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from pytest_threadlesson.engine import sampling

SAMPLES = 8
GAP = 0.03  # seconds between samples: what is sampled is time passing, not an ordering
ThreadRunning = Callable[[Callable[[], object]], int]  # the fixture: start it, get its ident


def samples(ident: int) -> list[bool]:
    """Whether the thread moved, at each of SAMPLES samples GAP apart, after one gap to
    settle (a thread found in its last function may still be on its way into the call)."""
    sampler = sampling.ProgressSampler()
    pause = _thread.allocate_lock()
    pause.acquire()
    sampler.sample([ident])
    pause.acquire(True, GAP)
    sampler.sample([ident])
    moved = []
    for _ in range(SAMPLES):
        pause.acquire(True, GAP)
        moved.append(sampler.sample([ident]))
    return moved


def in_function(ident: int, name: str) -> bool:
    frame = sys._current_frames().get(ident)
    return frame is not None and frame.f_code.co_name == name


def wait_until(condition: Callable[[], bool]) -> None:
    done = threading.Event()
    for _ in range(500):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError("the thread never got there")


@pytest.fixture
def thread_running() -> Iterator[ThreadRunning]:
    started: list[threading.Thread] = []

    def start(target: Callable[[], object]) -> int:
        t = threading.Thread(target=target, daemon=True)
        t.start()
        started.append(t)
        assert t.ident is not None
        return t.ident

    yield start
    for t in started:
        t.join(10)


def test_a_thread_blocked_in_a_real_lock_is_not_moving(thread_running: ThreadRunning) -> None:
    lock = _thread.allocate_lock()
    lock.acquire()

    def blocked_in_lock() -> None:
        lock.acquire()

    ident = thread_running(blocked_in_lock)
    wait_until(lambda: in_function(ident, "blocked_in_lock"))
    try:
        assert samples(ident) == [False] * SAMPLES
    finally:
        lock.release()


def test_a_busy_loop_is_not_moving_however_fast_it_runs(
        thread_running: ThreadRunning) -> None:
    stop = [False]

    def spins() -> None:
        while not stop[0]:
            pass

    ident = thread_running(spins)
    wait_until(lambda: in_function(ident, "spins"))
    try:
        assert samples(ident) == [False] * SAMPLES
    finally:
        stop[0] = True


def test_an_event_loop_that_returns_to_select_between_callbacks_is_moving(
        thread_running: ThreadRunning) -> None:
    # Each sample finds the loop in the same select() call: its CPU clock tells it ran.
    stop = threading.Event()

    async def ticks() -> None:
        while not stop.is_set():
            await asyncio.sleep(0.001)

    ident = thread_running(lambda: asyncio.run(ticks()))
    wait_until(lambda: in_function(ident, "select"))
    try:
        moved = samples(ident)
    finally:
        stop.set()
    assert all(moved), moved


def test_the_cpu_clock_is_read_for_a_live_thread_and_none_for_an_ended_one() -> None:
    ident = threading.get_ident()
    assert sampling.cpu_clock(ident) == pytest.approx(
        time.clock_gettime_ns(time.pthread_getcpuclockid(ident)),
        abs=50_000_000)
    t = threading.Thread(target=lambda: None)
    t.start()
    t.join()
    assert t.ident is not None
    assert sampling.cpu_clock(t.ident) is None
