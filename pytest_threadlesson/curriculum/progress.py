"""A session's kata results, and what they prove.

A kata is solved only when every one of its tests ran in this run and passed: a partial
node id, `-k`, `-x` stopping early, Ctrl-C or a skipped test leave it "not judged", and a
run that judged nothing changes nothing the learner has earned. A failing test is proof
enough that a kata is red, however little of it ran.

How many tests a kata has is counted where its test file is collected (the plugin attaches
the number to each report as `threadlesson_kata_tests`, so that it crosses from an xdist
worker to the controller, which never collects); the reports say which of them ran.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import catalogue as kt

if TYPE_CHECKING:
    import pytest

SOLVED = "solved"
RED = "red"
NOT_JUDGED = "not judged"


@dataclass(frozen=True)
class Verdict:
    """What one run proves about one kata: SOLVED, RED or NOT_JUDGED, and why."""

    kata: str
    state: str
    ran: int  # tests of the kata that ran to their end in this run
    expected: int | None  # tests the kata has (None: unknown here)
    skipped: int = 0
    reason: str = ""  # for NOT_JUDGED: what was missing

    def describe(self) -> str:
        """`k03_lost_update: 1 of 4 tests run, not judged` (for NOT_JUDGED)."""
        of = f" of {self.expected}" if self.expected is not None else ""
        tests = "test" if (self.expected or self.ran) == 1 else "tests"
        skipped = f", {self.skipped} skipped" if self.skipped else ""
        why = f" ({self.reason})" if self.reason else ""
        return f"{self.kata}: {self.ran}{of} {tests} run{skipped}, not judged{why}"


class Progress:
    """This session's kata results; the first red kata in curriculum order is the focus."""

    def __init__(self) -> None:
        self.expected: dict[str, int | None] = {}
        # kata -> test node id -> "running", "passed", "failed" or "skipped"
        self.tests: dict[str, dict[str, str]] = {}
        self.diagnosis: dict[str, str] = {}
        self.focus: str | None = None
        self.hidden: list[pytest.TestReport] = []

    @property
    def status(self) -> dict[str, str]:
        """The katas seen in this run: RED when a test of theirs failed, else "seen"
        (whether one is solved needs the whole run: `verdicts`)."""
        return {kata: RED if "failed" in tests.values() else "seen"
                for kata, tests in self.tests.items()}

    def record(self, kata: str, rep: pytest.TestReport, full: bool) -> None:
        if getattr(rep, "outcome", "") == "rerun":  # pytest-rerunfailures: the test runs again
            return
        tests = self.tests.setdefault(kata, {})
        count: Any = getattr(rep, "threadlesson_kata_tests", None)
        if count is not None or kata not in self.expected:
            known = self.expected.get(kata)
            self.expected[kata] = None if count is None else max(int(count), known or 0)
        now = tests.get(rep.nodeid, "running")
        if rep.failed:
            tests[rep.nodeid] = "failed"
            self._red(kata, rep, full)
        elif now == "failed":
            return
        elif rep.skipped:
            tests[rep.nodeid] = "skipped"
        elif rep.when == "call":
            tests[rep.nodeid] = "called"
        elif rep.when == "teardown" and now == "called":
            tests[rep.nodeid] = "passed"
        elif rep.when == "teardown" and now != "skipped":
            tests[rep.nodeid] = "unfinished"
        else:
            tests.setdefault(rep.nodeid, "running")

    def record_collection_error(self, kata: str, nodeid: str) -> None:
        """The kata's test file did not even load (its kata module missing, say): red."""
        self.tests.setdefault(kata, {})[nodeid] = "failed"
        self.diagnosis.setdefault(kata, "broken")
        if self.focus is None or kt.order_key(kata) < kt.order_key(self.focus):
            self.focus = kata

    def _red(self, kata: str, rep: pytest.TestReport, full: bool) -> None:
        found = dict(rep.user_properties).get("threadlesson_diagnosis")
        if found and kata not in self.diagnosis:
            self.diagnosis[kata] = str(found)
        if self.focus is None or kt.order_key(kata) < kt.order_key(self.focus):
            self.focus = kata
        if not full:
            self.hidden.append(rep)

    def red(self) -> list[str]:
        """The katas a failing test made red in this run, in curriculum order."""
        return sorted((k for k, tests in self.tests.items() if "failed" in tests.values()),
                      key=kt.order_key)

    def verdict(self, kata: str, interrupted: bool) -> Verdict:
        states = list(self.tests.get(kata, {}).values())
        expected = self.expected.get(kata)
        ran = sum(s in ("passed", "failed", "skipped") for s in states)
        skipped = states.count("skipped")
        if "failed" in states:
            return Verdict(kata, RED, ran, expected, skipped)
        if interrupted:
            reason = "the run was interrupted"
        elif expected is None:
            reason = "its tests could not be counted"
        elif skipped:
            reason = ""
        elif states.count("passed") == expected == len(states):
            return Verdict(kata, SOLVED, ran, expected)
        else:
            reason = ""
        return Verdict(kata, NOT_JUDGED, ran, expected, skipped, reason)

    def verdicts(self, interrupted: bool) -> dict[str, Verdict]:
        """What this run proves about each kata it saw, in curriculum order."""
        return {kata: self.verdict(kata, interrupted)
                for kata in sorted(self.tests, key=kt.order_key)}
