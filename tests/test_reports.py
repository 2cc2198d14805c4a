"""A failure that explains itself (issue 15): the shortest failing interleaving (shrunk),
one column per thread with what each step did to shared state, the conflict named, the
story that fits what happened, and the same failure as data (`ScheduleFailure.timeline`)
for the HTML picture.

The scenarios are user code on purpose: they live in this file (or in the katas and wrong
fixes they load), so the controlled runtime traces them, as it would the learner's code.
"""

from __future__ import annotations

import importlib.util
import io
import re
import sys
import threading
import time
import types
from collections.abc import Callable
from pathlib import Path

import pytest
from support import run_threads

from pytest_threadlesson.diagnosis import Diagnosis
from pytest_threadlesson.engine.contention import Contention, ScheduleFailure, run_schedule
from pytest_threadlesson.engine.shrink import Guided, Plan, plan_preemptions
from pytest_threadlesson.engine.strategies.replay import Replay
from pytest_threadlesson.glue.summary import explanation
from pytest_threadlesson.html_report import render_html

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^  +(\d+)([* ]) ")


def load(path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(f"reports_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


K03 = load(ROOT / "katas" / "k03_lost_update.py")


def lost_update(counter_type: Callable[[], object], threads: int = 3) -> Callable[[], None]:
    def scenario() -> None:
        counter = counter_type()
        run_threads(*[counter.increment for _ in range(threads)])  # type: ignore[attr-defined]
        assert counter.value == threads  # type: ignore[attr-defined]

    return scenario


def failure_of(scenario: Callable[[], None], seed: int = 1, **options: object
               ) -> ScheduleFailure:
    with pytest.raises(ScheduleFailure) as info:
        Contention(seed=seed, replay="pytest x", **options).explore(scenario)  # type: ignore[arg-type]
    return info.value


def rows(report: str) -> list[tuple[str, str]]:
    """(the row's lines, the star) of each step of a report."""
    lines = report.splitlines()
    out: list[tuple[str, str]] = []
    for i, line in enumerate(lines):
        match = ROW.match(line)
        if match and not line.strip().startswith("("):
            block = [line]
            for after in lines[i + 1:]:
                if not after.startswith("        ") or ROW.match(after):
                    break
                block.append(after)
            out.append(("\n".join(block), match.group(2)))
    return out


def column(row: str) -> int:
    first = row.splitlines()[0]
    return len(first) - len(first[8:].lstrip()) if len(first) > 8 else 0


# ---------------------------------------------------------------------------------------
# 1. Shrinking, and the k03 report it gives


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_k03s_report_is_at_most_8_steps_with_read_read_write_write_in_two_columns(
        seed: int) -> None:
    failure = failure_of(lost_update(K03.Counter), seed=seed)
    assert failure.diagnosis == "race", failure.report
    shown = rows(failure.report)
    # one lost increment: at most 8 steps; each more lost one needs a read and a write more
    assert 4 <= len(shown) <= 8 + 2 * (lost(failure.report) - 1), failure.report
    conflict = [row for row, star in shown if star == "*"]
    kinds = [("read" if "read Counter._value" in row else "write") for row in conflict]
    assert kinds == ["read", "read", "write", "write"], failure.report
    assert len({column(row) for row in conflict}) == 2, failure.report
    assert re.search(r"Thread-\d and Thread-\d both read Counter._value = \d before either "
                     "wrote it back", failure.report), failure.report


def counts_twice(counter_type: Callable[[], object]) -> Callable[[], None]:
    """The kata's second test: two threads, each increments twice."""
    def count_twice(counter: object) -> None:
        counter.increment()  # type: ignore[attr-defined]
        counter.increment()  # type: ignore[attr-defined]

    def scenario() -> None:
        counter = counter_type()
        run_threads(*[lambda: count_twice(counter) for _ in range(2)])
        assert counter.value == 4  # type: ignore[attr-defined]

    return scenario


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6, 7, 8])
def test_k03s_report_when_each_thread_counts_twice_is_at_most_8_steps(seed: int) -> None:
    """Two threads, two increments each: the lost one's read/read/write/write in two
    columns, the other increments one row each, the scenario's starts and joins one row
    (not split by the threads' steps), a `+=` split by a switch to a step that touched
    nothing shared one row. At most 8 rows for one lost increment."""
    failure = failure_of(counts_twice(K03.Counter), seed=seed)
    assert failure.diagnosis == "race", failure.report
    shown = rows(failure.report)
    found = re.search(r"->  (\d) == 4", failure.report)
    assert found is not None, failure.report
    assert 4 <= len(shown) <= 8 + 2 * (3 - int(found.group(1))), failure.report
    assert failure.timeline is not None and len(failure.timeline.rows) == len(shown)
    conflict = [row for row, star in shown if star == "*"]
    kinds = [("read" if "read Counter._value" in row else "write") for row in conflict]
    assert kinds == ["read", "read", "write", "write"], failure.report
    assert len({column(row) for row in conflict}) == 2, failure.report
    main = [row for row, _ in shown if row.split()[1] == "main:"]
    assert len(main) == 2, failure.report  # starts and waits; the check


def lost(report: str) -> int:
    """How many increments of 3 the report's failure lost (`->  2 == 3`: one)."""
    found = re.search(r"->  (\d) == 3", report)
    assert found is not None, report
    return 3 - int(found.group(1))


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_shrinking_leaves_one_preemption_per_lost_increment(seed: int) -> None:
    """Each lost increment needs one switch between a read and its write (the same
    message: a report of `1 == 3` is not shrunk into one of `2 == 3`). One lost: exactly
    one preemption is left; two: the search within its budget may leave one more."""
    failure = failure_of(lost_update(K03.Counter), seed=seed)
    shrunk = failure.shrunk
    assert shrunk is not None
    after, needed = shrunk.preemptions_after, lost(failure.report)
    assert after == plan_preemptions(failure.choices)
    assert needed <= after <= (1 if needed == 1 else needed + 1), failure.report
    assert shrunk.preemptions_before >= shrunk.preemptions_after
    assert 1 <= shrunk.runs <= Contention(seed=1).shrink_budget


def test_the_same_seed_gives_the_same_shrunk_report_byte_for_byte() -> None:
    first = failure_of(lost_update(K03.Counter), seed=7).report
    assert failure_of(lost_update(K03.Counter), seed=7).report == first


def test_replaying_the_shrunk_choices_gives_the_shrunk_report() -> None:
    scenario = lost_update(K03.Counter)
    failure = failure_of(scenario, seed=4)
    engine = Contention(seed=4, replay="pytest x")
    again = engine.failure(run_schedule(scenario, Replay(failure.choices)), failure.schedule)
    assert again is not None and again.report == failure.report


def test_without_a_shrinking_budget_the_report_is_the_schedule_found_with_its_notes() -> None:
    failure = failure_of(lost_update(K03.Counter), seed=2, shrink_budget=0)
    shrunk = failure.shrunk
    assert shrunk is not None and shrunk.runs == 0
    assert plan_preemptions(failure.choices) == shrunk.preemptions_before > 1
    assert "read Counter._value" in failure.report


def test_a_plan_the_program_does_not_take_answers_plainly() -> None:
    """A plan's preemption keyed to a place the program never reaches changes nothing:
    the run is the plain one (no preemption, the lowest thread first), and it passes."""
    plan = Plan((((1, ("nowhere.py", 1, "f", 0), 0), 2),))
    outcome = run_schedule(lost_update(K03.Counter), Guided(plan))
    assert not outcome.failures


# ---------------------------------------------------------------------------------------
# 2. What each step did: notes, waits, width, the timeline


def test_a_timed_acquire_that_returned_false_is_in_the_trace() -> None:
    class Guarded:
        def __init__(self) -> None:
            self.lock = threading.Lock()
            self.done = 0

        def work(self) -> None:
            if self.lock.acquire(timeout=1):
                self.done += 1
                # holds on to the lock: the other worker's wait times out

    def scenario() -> None:
        guarded = Guarded()
        run_threads(guarded.work, guarded.work)
        assert guarded.done == 2

    failure = failure_of(scenario)
    assert "acquire(timeout=1) → False (timed out)" in failure.report, failure.report
    assert failure.story is not None and "returned False" in failure.story.text


def test_a_wait_on_a_condition_is_noted() -> None:
    class Gate:
        def __init__(self) -> None:
            self._cond = threading.Condition()
            self.open = False

        def wait_open(self) -> None:
            with self._cond:
                self._cond.wait(timeout=5)

        def let_through(self) -> None:
            with self._cond:
                self.open = True
                self._cond.notify()

    def scenario() -> None:
        gate = Gate()
        run_threads(gate.let_through, gate.wait_open)
        raise AssertionError("look at the trace")

    failure = failure_of(scenario)
    assert "wait on Gate._cond (no notify pending)" in failure.report, failure.report


K17 = load(ROOT / "katas" / "k17_leaked_worker.py")


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_worker_that_sleeps_again_and_again_is_one_row_with_its_count(seed: int) -> None:
    """k17's heartbeat goes on sleeping 60 s and beating after the test is over: its loop
    is one row, "sleeps 60 s; N times in a row", not a row (or a line) per sleep."""
    def scenario() -> None:
        heartbeat = K17.Heartbeat(60.0, lambda: None)
        heartbeat.start()
        started = time.monotonic()
        heartbeat.stop()
        assert time.monotonic() - started < 60.0

    failure = failure_of(scenario, seed=seed)
    assert failure.diagnosis in ("race", "leak"), failure.report
    shown = rows(failure.report)
    assert len(shown) <= 6, failure.report
    # once, or twice when the scenario's own step came between two stretches of it
    assert 1 <= failure.report.count("sleeps 60 s") <= 2, failure.report
    again = re.findall(r"sleeps 60 s; (\d+) times in a row", failure.report)
    assert again and max(int(n) for n in again) > 2, failure.report


K07 = load(ROOT / "katas" / "k07_dict_iteration.py")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_scenarios_loop_between_its_writes_is_not_a_row_of_its_own(seed: int) -> None:
    """k07's scenario registers four services in a loop before it starts its threads:
    its writes are rows, the loop's own steps between them ("main: 2 steps") are not."""
    def scenario() -> None:
        registry = K07.Registry()
        for name in ("db", "queue", "search", "cache"):
            registry.register(name, "v1")
        snapshots: list[dict[str, str]] = []

        def upgrade() -> None:
            registry.register("db", "v2")
            registry.register("cache", "v2")

        run_threads(lambda: snapshots.append(registry.snapshot()), upgrade)
        for snapshot in snapshots:
            assert (snapshot["db"], snapshot["cache"]) != ("v1", "v2"), snapshot

    failure = failure_of(scenario, seed=seed)
    assert failure.diagnosis == "race", failure.report
    shown = [row for row, _ in rows(failure.report)]
    writes = [n for n, row in enumerate(shown)
              if row.split()[1] == "main:" and "write Registry._items" in row]
    assert len(writes) >= 4, failure.report
    between = shown[writes[0]:writes[-1]]
    assert not any(re.search(r"main: \S+  \d+ steps$", row.splitlines()[0])
                   for row in between), failure.report


def test_a_long_line_wraps_within_100_columns_at_a_space() -> None:
    class Totals:
        def __init__(self) -> None:
            self.total_of_everything_counted_so_far = 0

        def increment(self) -> None:
            value = self.total_of_everything_counted_so_far  # read it once, then add
            self.total_of_everything_counted_so_far = value + 1 + 0 * len("some padding")

        @property
        def value(self) -> int:
            return self.total_of_everything_counted_so_far

    failure = failure_of(lost_update(Totals))
    assert failure.diagnosis == "race", failure.report
    steps = failure.report.split("\n\n")[2]
    assert all(len(line) <= 100 for line in steps.splitlines()), steps
    assert "write Totals.total_of_everything_counted_so_far ← 1" in steps
    assert "value + 1 + 0 *" in steps  # the code is shown whole, wrapped at spaces


def test_the_timeline_holds_the_rows_the_report_shows_with_the_conflict_marked() -> None:
    failure = failure_of(lost_update(K03.Counter, threads=2), seed=3)
    timeline = failure.timeline
    assert timeline is not None
    assert timeline.diagnosis == "race" and timeline.text == failure.report
    assert timeline.lanes == ("main", "Thread-1", "Thread-2")
    assert timeline.headline in failure.report
    assert "both read Counter._value" in timeline.headline
    marked = [row for row in timeline.rows if row.conflict]
    assert [row.note.split()[0] for row in marked] == ["read", "read", "write", "write"]
    assert {row.lane for row in marked} == {1, 2}
    assert len(timeline.rows) == len(rows(failure.report))
    assert timeline.rows[0].collapsed > 1 and timeline.rows[0].code.startswith("starts 2")
    assert timeline.extra["replay"] == "pytest x"


# ---------------------------------------------------------------------------------------
# 3. The story fits what happened


class Renamed:
    def __init__(self) -> None:
        self._value = 0

    def increment(self) -> None:
        self.incremnt_by(1)  # type: ignore[attr-defined]

    @property
    def value(self) -> int:
        return self._value


class Interrupted(Renamed):
    def increment(self) -> None:
        raise KeyboardInterrupt


class Asking(Renamed):
    def increment(self) -> None:
        self._value += int(input("by how much? "))


@pytest.mark.parametrize(("counter", "word"), [
    (Renamed, "renamed or misspelled"),
    (Interrupted, "KeyboardInterrupt was raised in a thread"),
    (Asking, "reads input"),
], ids=["renamed-method", "keyboard-interrupt", "input"])
def test_an_exception_no_interleaving_explains_is_no_race(
        counter: type[Renamed], word: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    failure = failure_of(lost_update(counter))
    assert failure.diagnosis == "exception", failure.report
    assert word in " ".join(failure.report.split())
    assert "race" not in failure.report
    assert 'test_reports.py", line' in failure.report  # its traceback, in this file
    text = explanation("k03_lost_update", failure.diagnosis)
    assert "an exception that is no race" in text
    assert "Two threads read the same old value" not in text  # not k03's story


def test_a_race_keeps_the_katas_story() -> None:
    failure = failure_of(lost_update(K03.Counter))
    assert failure.story is None
    assert "Two threads read the same old value" in explanation("k03_lost_update", Diagnosis.RACE)


def wrong_fix(name: str) -> types.ModuleType:
    return load(ROOT / "tests" / "wrong_fixes" / f"{name}.py")


def test_a_lock_made_during_the_call_is_named_as_the_wrong_fix() -> None:
    fix = wrong_fix("k03_lost_update__lock_per_call")
    failure = failure_of(lost_update(fix.Counter))
    assert failure.diagnosis == "race"
    text = " ".join(explanation("k03_lost_update", Diagnosis.RACE).split())
    assert "makes a new lock during the call, so every call has its own" in text
    assert "with threading.Lock():" in text
    assert "Two threads read the same old value" in text  # still a lost update


def test_a_sleep_in_the_trace_is_named_as_the_wrong_fix() -> None:
    fix = wrong_fix("k01_join__sleep")

    def scenario() -> None:
        assert fix.squares_in_parallel([1, 2, 3]) == [1, 4, 9]

    failure = failure_of(scenario)
    assert "sleeps 0.1 s" in failure.report
    text = " ".join(explanation("k01_join", failure.diagnosis).split())
    assert "There is a sleep in this interleaving (k01_join__sleep.py:21: time.sleep(0.1))" \
        in text
    assert "A sleep waits for a while, not for anything" in text


def test_a_timeout_that_papers_over_a_deadlock_is_not_told_forever() -> None:
    fix = wrong_fix("k09_lock_ordering__timeout_gives_up")

    def scenario() -> None:
        alice, bob = fix.Account("alice", 100), fix.Account("bob", 100)
        run_threads(lambda: fix.transfer(alice, bob, 10), lambda: fix.transfer(bob, alice, 5))
        assert (alice.balance, bob.balance) == (95, 105)

    failure = failure_of(scenario)
    assert failure.diagnosis == "deadlock", failure.report
    text = " ".join(explanation("k09_lock_ordering", failure.diagnosis).split())
    assert "has a timeout, so these threads do not wait forever" in text
    assert "dst.lock.acquire(timeout=0.1)" in text
    assert "forever." not in text and "none of them can ever move again" not in text


def test_a_story_is_told_once_and_only_for_its_own_diagnosis() -> None:
    failure_of(lost_update(wrong_fix("k03_lost_update__lock_per_call").Counter))
    assert "new lock" not in explanation("k03_lost_update", Diagnosis.DEADLOCK)
    assert "new lock" not in explanation("k03_lost_update", Diagnosis.RACE)  # taken already


# ---------------------------------------------------------------------------------------
# The picture's data for explore's deadlocks: the cycle, as free mode's pages have it


class Account:
    def __init__(self, name: str) -> None:
        self.name = name
        self.lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Account({self.name!r})"


def opposite_transfers() -> None:
    alice, bob = Account("alice"), Account("bob")

    def transfer(src: Account, dst: Account) -> None:
        with src.lock:
            with dst.lock:
                pass

    run_threads(lambda: transfer(alice, bob), lambda: transfer(bob, alice))


def test_an_explored_deadlock_or_inversion_carries_its_cycle_for_the_picture() -> None:
    failure = failure_of(opposite_transfers, schedules=200)
    assert failure.diagnosis == Diagnosis.DEADLOCK
    assert failure.timeline is not None
    cycle = failure.timeline.cycle
    assert len(cycle) == 2  # a deadlock (two threads) or an inversion (its two orders)
    held = {edge.holds for edge in cycle}
    assert held == {edge.waits for edge in cycle}  # each waits for what the other holds
    assert all("alice" in lock or "bob" in lock for lock in held)
    lanes = failure.timeline.lanes
    assert all(0 <= edge.lane < len(lanes) for edge in cycle)
    page = render_html(failure.timeline, title="test_transfers")
    assert '<figure class="cycle">' in page  # the page draws it as a cycle
