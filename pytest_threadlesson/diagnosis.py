"""What went wrong, as a closed set of names instead of bare strings.

A diagnosis is what a failing test is told it did wrong. It is public: it is
`ScheduleFailure.diagnosis`, the JUnit property `threadlesson_diagnosis`, and the last column
of CURRICULUM.md's kata tables. The members are `str` subclasses, so `Diagnosis.RACE == "race"`
and a diagnosis prints and serialises as the plain word a user reads in the report.
"""

from __future__ import annotations

import enum


class Diagnosis(str, enum.Enum):
    RACE = "race"  # an invariant failed under some interleaving
    # a wait-for cycle, every thread waiting, or two locks taken in both orders (a
    # deadlock waiting to happen)
    DEADLOCK = "deadlock"
    HANG = "hang"  # no progress before the deadlock timeout, or threads that ran and never ended
    LEAK = "leak"  # a thread outlived its test or its scenario
    LOST_EXCEPTION = "lost-exception"  # an exception in a thread or Future nobody looked at
    BROKEN = "broken"  # the code cannot run at all (a signature error): no interleaving to show
    # an exception no interleaving explains (a renamed method, input(), a KeyboardInterrupt
    # raised in a thread): it happens whatever the threads do
    EXCEPTION = "exception"

    def __str__(self) -> str:
        return self.value
