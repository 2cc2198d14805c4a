"""A failure that explains itself (issue 15): the report of a failing schedule, and the
same failure as data (`ScheduleFailure.timeline`) for the HTML picture.

The scenarios are user code on purpose: they live in this file, so the controlled runtime
traces them and may preempt them between byte-codes, as it would the learner's code.
"""

from __future__ import annotations

import threading

import pytest

from pytest_threadlesson.engine.contention import Contention, ScheduleFailure


class Counter:
    def __init__(self) -> None:
        self._value = 0

    def increment(self) -> None:
        value = self._value
        self._value = value + 1

    @property
    def value(self) -> int:
        return self._value


def lost_update() -> None:
    counter = Counter()
    threads = [threading.Thread(target=counter.increment) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert counter.value == 2


def failure_of(scenario: object, seed: int = 1, **options: object) -> ScheduleFailure:
    with pytest.raises(ScheduleFailure) as info:
        Contention(seed=seed, replay="pytest x", **options).explore(scenario)  # type: ignore[arg-type]
    return info.value


def test_a_failing_schedule_carries_its_timeline() -> None:
    failure = failure_of(lost_update)
    timeline = failure.timeline
    assert timeline is not None
    assert timeline.diagnosis == "race"
    assert timeline.lanes[:3] == ("main", "Thread-1", "Thread-2")
    assert timeline.text == failure.report
    assert timeline.rows and {row.lane for row in timeline.rows} >= {1, 2}
    assert any(row.code == "value = self._value" for row in timeline.rows)
    assert timeline.extra["replay"] == "pytest x"
