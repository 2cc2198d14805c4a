"""A failing schedule is shrunk and noted even when code it runs was last run untraced.

On 3.12 and later, code that ran with nobody tracing (the test calling a helper before
`explore`, pytest's assertion message calling a `__repr__`, a report naming an object)
gives no opcode events on its next traced run unless the tracer re-arms them: the run
that found the failure saw fewer scheduling points there than its replays, each replay
diverged, and the report was neither shrunk nor noted (issue 15: "the first schedule of a
process sometimes cannot be replayed").

The scenarios live in this file, so the controlled runtime traces them as the learner's
code.
"""

from __future__ import annotations

import pytest
from support import run_threads

from pytest_threadlesson.engine.contention import Contention, ScheduleFailure


class Tally:
    def __init__(self) -> None:
        self.n = 0

    def add(self) -> None:
        self.n += 1


def describe(tally: Tally) -> str:
    """Runs only when the check fails: in the failing runs, never in the passing ones."""
    words = ["the tally", "is", str(tally.n)]
    return " ".join(words)


def two_adds() -> None:
    tally = Tally()
    run_threads(tally.add, tally.add)
    assert tally.n == 2, describe(tally)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_failure_in_code_last_run_untraced_is_shrunk_and_noted(seed: int) -> None:
    describe(Tally())  # untraced, as a test or a report would run it
    with pytest.raises(ScheduleFailure) as info:
        Contention(seed=seed, replay="pytest x").explore(two_adds)
    failure = info.value
    assert failure.diagnosis == "race", failure.report
    assert failure.shrunk is not None, failure.report  # its replays did not diverge
    assert failure.shrunk.runs >= 1
    assert "read Tally.n" in failure.report and "write Tally.n" in failure.report
