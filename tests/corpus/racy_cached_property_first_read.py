"""Two threads read a `functools.cached_property` for the first time at once: both may
find nothing cached and compute it, each keeping its own result. The standard library's
descriptor looks in the instance's dict, calls the function, then stores the result: a
check-then-act around a call into the code under test, whose body here has no shared
byte-code at all (the start of a callback inside an unfinished call is a step).

Racy from 3.12. Up to 3.11 the descriptor holds a lock of its own (made with the class,
outside the test) while it computes, so the program is safe there and must be verified."""

import functools
import sys

from corpus import RACY, SAFE, run_threads

VERDICT = RACY if sys.version_info >= (3, 12) else SAFE


class Report:
    @functools.cached_property
    def rows(self) -> list[str]:
        return ["total"]


def scenario() -> None:
    report = Report()
    seen: list[list[str]] = []
    run_threads(lambda: seen.append(report.rows), lambda: seen.append(report.rows))
    assert seen[0] is seen[1], "the rows were computed twice: two different lists"
