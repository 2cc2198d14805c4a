"""Lock holds in the picture of an explored failure (issue 15, "lock holds as bars"): the
timeline of a failing controlled schedule says when each thread held each lock, from the
step that took it to the step that let go of it, over the rows the report shows.

The scenarios live in this file, so the controlled runtime traces them as the learner's
code.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from support import run_threads

from pytest_threadlesson.engine.contention import Contention, ScheduleFailure
from pytest_threadlesson.html_report import render_html
from pytest_threadlesson.interleaving import holds_of
from pytest_threadlesson.timeline import Hold, Timeline


def failure_of(scenario: Callable[[], None], seed: int = 1, **options: object
               ) -> ScheduleFailure:
    with pytest.raises(ScheduleFailure) as info:
        Contention(seed=seed, replay="pytest x", **options).explore(scenario)  # type: ignore[arg-type]
    return info.value


def timeline_of(failure: ScheduleFailure) -> Timeline:
    assert failure.timeline is not None, failure.report
    return failure.timeline


def held_at(timeline: Timeline, lane: int, row: int) -> set[str]:
    return {h.lock for h in timeline.holds if h.lane == lane and h.start <= row
            and (h.end is None or row <= h.end)}


class Counter:
    """Each access under the lock, but the read and the write under two holds of it."""

    def __init__(self) -> None:
        self.value = 0
        self.lock = threading.Lock()

    def __repr__(self) -> str:
        return "Counter()"

    def increment(self) -> None:
        with self.lock:
            seen = self.value
        with self.lock:
            self.value = seen + 1


def two_increments() -> None:
    counter = Counter()
    run_threads(counter.increment, counter.increment)
    assert counter.value == 2


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_each_read_and_write_of_a_race_is_drawn_inside_its_threads_hold_of_the_lock(
        seed: int) -> None:
    failure = failure_of(two_increments, seed=seed)
    assert failure.diagnosis == "race", failure.report
    timeline = timeline_of(failure)
    accesses = [(n, row) for n, row in enumerate(timeline.rows)
                if row.lane != 0 and "Counter.value" in row.note]
    assert len(accesses) >= 4, failure.report  # two reads, two writes
    for n, row in accesses:
        assert held_at(timeline, row.lane, n) == {"Counter().lock"}, (n, timeline.holds)
    # the lock is let go of between a thread's read and its write: two holds, not one
    # that would cover the other thread's accesses
    for lane in {row.lane for _, row in accesses}:
        spells = [h for h in timeline.holds if h.lane == lane]
        assert len(spells) == 2 and all(h.end is not None for h in spells), timeline.holds
    for n, row in accesses:
        others = {lane for lane in range(len(timeline.lanes)) if lane != row.lane}
        assert not any(held_at(timeline, lane, n) for lane in others), (n, timeline.holds)
    # the holds are data for the picture, not words for the terminal
    assert "acquires " not in failure.report and "releases " not in failure.report
    page = render_html([timeline], title="two increments")
    assert page.count('data-lock="Counter().lock"') >= len(accesses)
    assert "holds Counter().lock" in page


class Account:
    def __init__(self, name: str) -> None:
        self.name = name
        self.balance = 10
        self.lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Account({self.name!r})"


def opposite_transfers() -> None:
    """Each thread takes its first lock, and both meet at a barrier before they take the
    second: every schedule deadlocks."""
    alice, bob = Account("alice"), Account("bob")
    both_hold_one = threading.Barrier(2)

    def transfer(src: Account, dst: Account) -> None:
        with src.lock:
            src.balance -= 1
            both_hold_one.wait()
            with dst.lock:
                dst.balance += 1

    run_threads(lambda: transfer(alice, bob), lambda: transfer(bob, alice))


@pytest.mark.parametrize("seed", [1, 2])
def test_a_deadlocked_thread_holds_its_first_lock_to_the_end_of_the_picture(
        seed: int) -> None:
    """Each thread of the cycle holds the lock the other waits for, from its write under
    it (at the latest) to the end: the bar runs on, nobody lets go."""
    failure = failure_of(opposite_transfers, seed=seed)
    assert failure.diagnosis == "deadlock", failure.report
    timeline = timeline_of(failure)
    assert len(timeline.cycle) == 2, failure.report
    for edge in timeline.cycle:
        wrote = [n for n, row in enumerate(timeline.rows)
                 if row.lane == edge.lane and "write Account.balance" in row.note]
        assert wrote, failure.report
        spells = [h for h in timeline.holds if h.lane == edge.lane and h.lock == edge.holds]
        assert len(spells) == 1 and spells[0].end is None, timeline.holds
        assert spells[0].start <= wrote[0], timeline.holds
        assert edge.waits not in held_at(timeline, edge.lane, len(timeline.rows) - 1)
    page = render_html([timeline], title="opposite transfers")
    for lock in ("Account(&#x27;alice&#x27;).lock", "Account(&#x27;bob&#x27;).lock"):
        assert f'data-lock="{lock}"' in page


def test_a_hold_with_no_row_shown_while_it_lasted_is_left_out() -> None:
    """A lock taken and let go of in steps the report does not show (they touched nothing
    shared) gives no bar: no row would carry it."""
    from pytest_threadlesson.engine.outcome import Step
    from pytest_threadlesson.frames import Site

    here = Site(__file__, 1, "f")
    steps = [Step(0, here, (("write", "x", "1"),)),
             Step(1, here, notes=("acquires L",)), Step(1, here, notes=("releases L",)),
             Step(1, here, (("write", "x", "2"),)),
             Step(1, here, notes=("acquires L",)),
             Step(0, here, (("read", "x", "2"),))]
    assert holds_of(steps) == (Hold(1, "L", 2, None),)
