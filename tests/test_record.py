"""What a run proves (curriculum/progress.py) and what is remembered of it
(curriculum/record.py), on plain data: the rules of truthful progress, without pytest runs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from pytest_threadlesson.curriculum.progress import NOT_JUDGED, RED, SOLVED, Progress
from pytest_threadlesson.curriculum.record import Remembered, clock, merge_records
from pytest_threadlesson.room import room_lines

K03 = "k03_lost_update"


def report(test: str, when: Any, outcome: Any, count: int | None = 4,
           **extra: Any) -> pytest.TestReport:
    if count is not None:
        extra["threadlesson_kata_tests"] = count
    return pytest.TestReport(f"katas/test_{K03}.py::{test}", ("x", 0, test), {}, outcome,
                             None, when, **extra)


def run_test(progress: Progress, test: str, call: str = "passed", count: int | None = 4,
             teardown: str = "passed") -> None:
    for when, outcome in (("setup", "passed"), ("call", call), ("teardown", teardown)):
        progress.record(K03, report(test, when, outcome, count), full=False)


def test_a_kata_is_solved_when_every_test_it_has_passed() -> None:
    progress = Progress()
    for n in range(4):
        run_test(progress, f"test_{n}")
    assert progress.verdict(K03, interrupted=False).state == SOLVED
    assert progress.verdict(K03, interrupted=True).state == NOT_JUDGED


def test_some_of_its_tests_judge_nothing_and_say_so() -> None:
    progress = Progress()
    run_test(progress, "test_0")
    verdict = progress.verdict(K03, interrupted=False)
    assert verdict.state == NOT_JUDGED
    assert verdict.describe() == f"{K03}: 1 of 4 tests run, not judged"


def test_a_skipped_test_a_leak_at_teardown_and_an_unknown_count_are_not_solved() -> None:
    skipped = Progress()
    for n in range(3):
        run_test(skipped, f"test_{n}")
    skipped.record(K03, report("test_3", "setup", "skipped"), full=False)
    skipped.record(K03, report("test_3", "teardown", "passed"), full=False)
    assert skipped.verdict(K03, False).describe() == \
        f"{K03}: 4 of 4 tests run, 1 skipped, not judged"

    leaked = Progress()
    for n in range(4):
        run_test(leaked, f"test_{n}", teardown="failed" if n == 3 else "passed")
    assert leaked.verdict(K03, False).state == RED

    uncounted = Progress()
    for n in range(4):
        run_test(uncounted, f"test_{n}", count=None)
    assert uncounted.verdict(K03, False).reason == "its tests could not be counted"


def test_a_failing_test_is_red_however_little_ran() -> None:
    progress = Progress()
    run_test(progress, "test_0", call="failed")
    assert progress.verdict(K03, interrupted=True).state == RED
    assert progress.red() == [K03]


def test_a_rerun_report_is_not_an_outcome() -> None:
    progress = Progress()
    for n in range(4):
        if n == 0:
            progress.record(K03, report("test_0", "call", "rerun"), full=False)
        run_test(progress, f"test_{n}")
    assert progress.verdict(K03, False).state == SOLVED


def _verdicts(*tests: tuple[str, str]) -> Any:
    progress = Progress()
    for name, call in tests:
        run_test(progress, name, call=call)
    return progress.verdicts(interrupted=False).values()


def test_what_is_remembered_changes_only_where_a_run_judged() -> None:
    solved = Remembered().judged(_verdicts(*((f"t{n}", "passed") for n in range(4))), {},
                                 "2026-12-07T10:00:00")
    assert solved.status == {K03: SOLVED} and solved.now == "k01_join"
    partial = solved.judged(_verdicts(("t0", "passed")), {}, "2026-12-07T10:05:00")
    assert partial.status == {K03: SOLVED}  # not taken back
    assert partial.last_run == "2026-12-07T10:05:00"
    red = partial.judged(_verdicts(("t0", "failed")), {K03: "race"}, "2026-12-07T10:06:00")
    assert red.status == {K03: RED} and red.diagnosis == {K03: "race"}


def test_since_is_when_the_learner_got_to_the_kata_they_are_on() -> None:
    first = Remembered(status={"k01_join": RED}).judged([], {}, "2026-12-07T10:00:00")
    later = first.judged([], {}, "2026-12-07T10:30:00")
    assert later.now == "k01_join" and later.since_now() == "2026-12-07T10:00:00"
    moved = Remembered(status={"k01_join": SOLVED}, on="k01_join",
                       since="2026-12-07T10:00:00").judged([], {}, "2026-12-07T10:40:00")
    assert moved.now == "k02_start_not_run" and moved.since_now() == "2026-12-07T10:40:00"


def test_the_cache_and_a_record_give_back_what_was_kept() -> None:
    kept = Remembered(status={"k01_join": SOLVED, K03: RED}, diagnosis={K03: "race"},
                      hints={K03: 2}, on="k02_start_not_run", since="2026-12-07T10:00:00",
                      last_run="2026-12-07T10:42:00")
    again = Remembered.load(kept.status, kept.hints, kept.run_value())
    assert again == kept
    assert Remembered.from_record(kept.record("pair-3")) == ("pair-3", kept)
    assert Remembered.load({"k01_join": "bogus", 3: []}, "junk", None) == Remembered()
    assert Remembered.from_record({"pair": "x"}) is None


def test_the_progress_line_says_score_kata_state_hint_and_last_run() -> None:
    kept = Remembered(status={"k01_join": SOLVED, "k02_start_not_run": SOLVED,
                              K03: RED, "k21_readers_writer": SOLVED},
                      diagnosis={K03: "race"}, hints={K03: 1},
                      last_run="2026-12-07T10:42:00")
    line = kept.line("pair-3", today=dt.date(2026, 12, 7))
    assert line == ("threadlesson progress: pair-3  2/20 solved (k01-k02)  stretch: k21 solved"
                    "  now: k03_lost_update red (race), hint 1/3  last run 10:42")
    assert clock("2026-12-06T09:00:00", dt.date(2026, 12, 7)) == "2026-12-06 09:00"


def test_pairs_sharing_a_file_keep_each_its_own_record() -> None:
    one = Remembered().record("pair-1")
    two = Remembered().record("pair-2")
    assert merge_records(None, one) == one
    assert merge_records(one, two) == [one, two]
    newer = {**one, "last_run": "2026-12-07T11:00:00"}
    assert merge_records([one, two], newer) == [two, newer]


def test_the_room_puts_the_furthest_pair_first() -> None:
    ahead = Remembered(status={"k01_join": SOLVED}, on="k02_start_not_run",
                       since="2026-12-07T10:10:00")
    behind = Remembered(status={"k01_join": RED}, diagnosis={"k01_join": "race"},
                        on="k01_join", since="2026-12-07T10:00:00")
    lines = room_lines({"b": behind, "a-long-name": ahead}, today=dt.date(2026, 12, 7))
    assert lines == [
        "threadlesson room: 2 pairs",
        "  a-long-name   1/20  on k02_start_not_run since 10:10, not solved yet  last run never",
        "  b             0/20  on k01_join since 10:00, red (race)  last run never",
    ]
