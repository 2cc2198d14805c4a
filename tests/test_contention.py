"""Capability 1, contention: races show up, deterministically, and explain themselves.

The engine is tested directly (`Contention(...).explore(scenario)`, no pytest plugin in
the way); the `contention` fixture, its seed handling and its replay command end to end
with `pytester` in a fresh interpreter. The scenarios below are user code on purpose: they
live in this file, so the controlled runtime traces them and may preempt them between
byte-codes, as it would the learner's code.
"""

from __future__ import annotations

import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from support import run_threads

from pytest_threadlesson.defaults import DEFAULT_SCHEDULES
from pytest_threadlesson.engine.contention import (
    Contention,
    ExploreResult,
    ScheduleFailure,
    derive_seed,
)

SEEDS = (1, 7, 42, 2024, 31337)


def explore(scenario: Callable[[], object], *, seed: int, test_id: str = "scenario",
            schedules: int | None = None, strategy: str | None = None) -> ExploreResult:
    """A fresh engine per call: the same (seed, test id) always derives the same schedules."""
    engine = Contention(seed=seed, test_id=test_id)
    return engine.explore(scenario, schedules, strategy=strategy)


def failure_of(scenario: Callable[[], object], *, seed: int, test_id: str = "scenario",
               strategy: str | None = None) -> ScheduleFailure:
    """The ScheduleFailure that exploring `scenario` must raise."""
    with pytest.raises(ScheduleFailure) as info:
        explore(scenario, seed=seed, test_id=test_id, strategy=strategy)
    return info.value


# ---------------------------------------------------------------------------------------
# The code under test: each bug in a broken and a fixed version.


class Counter:
    def __init__(self) -> None:
        self.n = 0

    def increment(self) -> None:
        self.n += 1


class LockedCounter:
    def __init__(self) -> None:
        self.n = 0
        self._lock = threading.Lock()

    def increment(self) -> None:
        with self._lock:
            self.n += 1


def lost_update(counter_type: type[Counter] | type[LockedCounter]) -> Callable[[], None]:
    def scenario() -> None:
        counter = counter_type()
        run_threads(counter.increment, counter.increment, counter.increment)
        assert counter.n == 3

    return scenario


class Account:
    """Check-then-act: the balance is checked, then (maybe much later) debited."""

    def __init__(self, balance: int, *, locked: bool) -> None:
        self.balance = balance
        self._lock = threading.Lock() if locked else None

    def withdraw(self, amount: int) -> None:
        if self._lock is None:
            if self.balance >= amount:
                self.balance -= amount
            return
        with self._lock:
            if self.balance >= amount:
                self.balance -= amount


def check_then_act(*, locked: bool) -> Callable[[], None]:
    def scenario() -> None:
        account = Account(100, locked=locked)
        run_threads(lambda: account.withdraw(80), lambda: account.withdraw(80))
        assert account.balance == 20

    return scenario


class Mailbox:
    def __init__(self) -> None:
        self.data: int | None = None
        self.ready = False


def publication(*, flag_first: bool) -> Callable[[], None]:
    """A writer publishes `data` and raises `ready`; a reader that sees `ready` reads it.

    Broken: the flag goes up before the data is written, so a reader can see `ready` and
    still read nothing.
    """

    def scenario() -> None:
        box = Mailbox()
        seen: list[int | None] = []

        def writer() -> None:
            if flag_first:
                box.ready = True
                box.data = 42
            else:
                box.data = 42
                box.ready = True

        def reader() -> None:
            if box.ready:
                seen.append(box.data)

        run_threads(writer, reader)
        assert seen in ([], [42])

    return scenario


def pop_if_any(*, locked: bool) -> Callable[[], None]:
    def scenario() -> None:
        items = [1]
        popped: list[int] = []
        lock = threading.Lock()

        def take() -> None:
            if locked:
                with lock:
                    if items:
                        popped.append(items.pop())
            elif items:
                popped.append(items.pop())

        run_threads(take, take)
        assert popped == [1]

    return scenario


def queue_hand_off(*, waits: bool) -> Callable[[], None]:
    """A producer hands two items to two consumers, one each.

    Broken: a consumer peeks with `q.empty()` and then takes with `get_nowait()`: the
    queue can be empty at the peek (the item is not there yet) or by the take (the other
    consumer got it first).
    """

    def scenario() -> None:
        q: queue.Queue[int] = queue.Queue()
        got: list[int] = []

        def producer() -> None:
            q.put(1)
            q.put(2)

        def consumer() -> None:
            if waits:
                got.append(q.get())
            elif not q.empty():
                got.append(q.get_nowait())

        run_threads(producer, consumer, consumer)
        assert sorted(got) == [1, 2]

    return scenario


def pool_map(counter_type: type[Counter] | type[LockedCounter]) -> Callable[[], None]:
    def scenario() -> None:
        counter = counter_type()
        with ThreadPoolExecutor(max_workers=3) as pool:
            list(pool.map(lambda _: counter.increment(), range(6)))
        assert counter.n == 6

    return scenario


def event_ordering(*, waits: bool) -> Callable[[], None]:
    """The waiter may only read `result` once the worker says it is there.

    Broken: the worker's "done" is a bare flag, and the waiter polls it a few times
    instead of waiting on an Event: polling assumes the worker is quick.
    """

    def scenario() -> None:
        done_event = threading.Event()
        state: dict[str, object] = {"done": False, "result": None}
        seen: list[object] = []

        def worker() -> None:
            state["result"] = "computed"
            state["done"] = True
            done_event.set()

        def waiter() -> None:
            if waits:
                done_event.wait()
            else:
                for _ in range(3):
                    if state["done"]:
                        break
            seen.append(state["result"])

        run_threads(worker, waiter)
        assert seen == ["computed"]

    return scenario


BUGS = {
    "lost update": (lost_update(Counter), lost_update(LockedCounter)),
    "check then act": (check_then_act(locked=False), check_then_act(locked=True)),
    "publication order": (publication(flag_first=True), publication(flag_first=False)),
    "pop from an empty list": (pop_if_any(locked=False), pop_if_any(locked=True)),
    "queue hand-off": (queue_hand_off(waits=False), queue_hand_off(waits=True)),
    "thread-pool map": (pool_map(Counter), pool_map(LockedCounter)),
    "event ordering": (event_ordering(waits=False), event_ordering(waits=True)),
}


# ---------------------------------------------------------------------------------------
# 1. Every broken scenario fails, every fixed one passes, under every seed.


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("bug", list(BUGS))
def test_a_broken_scenario_fails_with_a_race(bug: str, seed: int) -> None:
    broken, _ = BUGS[bug]
    failure = failure_of(broken, seed=seed, test_id=bug)
    assert failure.diagnosis == "race", failure.report
    assert failure.report.startswith("threadlesson: race after ")
    assert f"(seed {seed})" in failure.report.splitlines()[0]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("bug", list(BUGS))
def test_the_fixed_scenario_passes(bug: str, seed: int) -> None:
    _, fixed = BUGS[bug]
    result = explore(fixed, seed=seed, test_id=bug)
    assert result.schedules == DEFAULT_SCHEDULES


def test_a_lost_update_report_shows_the_failing_assert_and_the_interleaving() -> None:
    report = failure_of(lost_update(Counter), seed=31337).report
    assert "assert counter.n == 3  ->  " in report
    assert "Thread-1" in report
    assert "test_contention.py:" in report
    assert "self.n += 1" in report
    steps = [line for line in report.splitlines() if "test_contention.py:60" in line]
    # in two threads' columns
    assert len({len(line) - len(line.lstrip("0123456789* ")) for line in steps}) >= 2


def test_the_pool_threads_are_managed_by_the_scheduler() -> None:
    result = explore(pool_map(LockedCounter), seed=5, schedules=10)
    assert 1 <= result.threads_started <= 3


def test_a_sleep_inside_a_scenario_is_virtual_and_costs_no_wall_time() -> None:
    slept: list[float] = []

    def scenario() -> None:
        def nap() -> None:
            before = time.monotonic()
            time.sleep(30)
            slept.append(time.monotonic() - before)

        run_threads(nap, nap)

    start = time.perf_counter()
    result = explore(scenario, seed=3, schedules=5)
    elapsed = time.perf_counter() - start
    assert result.schedules == 5
    assert len(slept) == 10
    assert all(s >= 30 for s in slept)
    assert elapsed < 10  # five schedules of two 30-second naps: 300 s if time were real


def test_sleeping_longer_is_not_synchronisation() -> None:
    """Virtual time keeps no promise real time does not: a thread may be delayed for
    longer than another one sleeps, so "sleep longer, then read" is still a race."""

    def scenario() -> None:
        order: list[str] = []

        def late() -> None:
            time.sleep(20)
            order.append("late")

        def early() -> None:
            time.sleep(10)
            order.append("early")

        run_threads(late, early)
        assert order == ["early", "late"]

    assert failure_of(scenario, seed=11).diagnosis == "race"


def test_a_timed_wait_expires_in_virtual_time() -> None:
    def scenario() -> None:
        before = time.monotonic()
        assert threading.Event().wait(timeout=600) is False
        assert time.monotonic() - before >= 600

    start = time.perf_counter()
    assert explore(scenario, seed=12, schedules=3).schedules == 3
    assert time.perf_counter() - start < 10


# ---------------------------------------------------------------------------------------
# 2. Determinism


def test_the_same_seed_gives_the_same_report_byte_for_byte() -> None:
    reports = {failure_of(lost_update(Counter), seed=2024, test_id="same").report
               for _ in range(4)}
    assert len(reports) == 1


@pytest.mark.parametrize("bug", list(BUGS))
def test_the_same_seed_gives_the_same_report_for_every_bug(bug: str) -> None:
    broken, _ = BUGS[bug]
    failures = [failure_of(broken, seed=77, test_id=bug) for _ in range(6)]
    assert len({(f.schedule, f.report) for f in failures}) == 1


SCRIPT_HEAD = """
import threading
from concurrent.futures import ThreadPoolExecutor

from pytest_threadlesson.engine.contention import Contention, ScheduleFailure


class Counter:
    def __init__(self):
        self.n = 0

    def increment(self):
        self.n += 1

"""

SCRIPT_TAIL = """

try:
    Contention(seed=31337, test_id="fresh").explore(scenario)
except ScheduleFailure as failure:
    print(failure.schedule)
    print(failure.report)
else:
    print("no failure")
"""

FRESH_SCENARIOS = {
    "threads": """
def scenario():
    counter = Counter()
    threads = [threading.Thread(target=counter.increment) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert counter.n == 3
""",
    "thread pool": """
def scenario():
    counter = Counter()
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda _: counter.increment(), range(6)))
    assert counter.n == 6
""",
}


@pytest.mark.parametrize("kind", list(FRESH_SCENARIOS))
def test_the_same_seed_gives_the_same_report_in_a_fresh_interpreter(
        tmp_path: Path, kind: str) -> None:
    script = tmp_path / "lost_update.py"
    script.write_text(SCRIPT_HEAD + FRESH_SCENARIOS[kind] + SCRIPT_TAIL, encoding="utf-8")
    outputs = [
        subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                       timeout=60, cwd=tmp_path, check=True).stdout
        for _ in range(3)
    ]
    assert "threadlesson: race after " in outputs[0]
    assert outputs[1] == outputs[0]
    assert outputs[2] == outputs[0]


def test_different_seeds_explore_different_schedules() -> None:
    failures = [failure_of(lost_update(Counter), seed=seed, test_id="differ")
                for seed in SEEDS]
    # The seed itself is in the first line; compare what was explored, not the label.
    explored = {(f.schedule, f.report.split("\n", 1)[1]) for f in failures}
    assert len(explored) > 1


def test_an_explicit_seed_is_used_as_is_and_reported() -> None:
    engine = Contention(seed=1, test_id="explicit")
    with pytest.raises(ScheduleFailure) as info:
        engine.explore(lost_update(Counter), seed=987654)
    assert "(seed 987654)" in info.value.report.splitlines()[0]
    other = Contention(seed=2, test_id="elsewhere")
    with pytest.raises(ScheduleFailure) as again:
        other.explore(lost_update(Counter), seed=987654)
    assert again.value.report == info.value.report


# ---------------------------------------------------------------------------------------
# 3. Strategies and the result


@pytest.mark.parametrize("seed", SEEDS)
def test_the_pct_strategy_also_finds_the_lost_update(seed: int) -> None:
    failure = failure_of(lost_update(Counter), seed=seed, strategy="pct")
    assert failure.diagnosis == "race"


def test_the_pct_strategy_passes_the_fixed_counter() -> None:
    result = explore(lost_update(LockedCounter), seed=9, strategy="pct", schedules=30)
    assert result.strategy == "pct"
    assert result.schedules == 30


def torn_read(*, reader_locks: bool) -> Callable[[], None]:
    """A mover shifts a unit from one dict entry to another under a lock; a reader adds
    them up. Broken: the reader takes no lock, and can see the unit twice. The dict comes in
    as an argument, so the reader's two subscripts are the only shared accesses between
    which the mover can run."""

    def scenario() -> None:
        lock = threading.Lock()
        totals: list[int] = []

        def mover(entries: dict[str, int]) -> None:
            with lock:
                entries.update(a=0, b=1)  # one call: no reader can see it half done

        def reader(entries: dict[str, int]) -> None:
            if reader_locks:
                with lock:
                    totals.append(entries["a"] + entries["b"])
            else:
                totals.append(entries["a"] + entries["b"])

        entries = {"a": 1, "b": 0}
        threads = [threading.Thread(target=f, args=(entries,)) for f in (reader, mover)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert totals == [1]

    return scenario


def test_the_systematic_strategy_finds_a_torn_read_of_two_dict_entries() -> None:
    # On 3.14 a subscript is a BINARY_OP, no longer a BINARY_SUBSCR: were it not a
    # scheduling point, this search would run out of interleavings and call the broken
    # reader verified.
    # Every non-local byte-code is a point now (docs/scheduling-points.md), so the search
    # needs more than the default 100 schedules to reach the reader's two subscripts (3.14:
    # more of the scenario's own byte-codes come first).
    with pytest.raises(ScheduleFailure) as info:
        explore(torn_read(reader_locks=False), seed=1, strategy="systematic", schedules=5000)
    assert info.value.diagnosis == "race", info.value.report


def test_the_systematic_strategy_verifies_the_locked_reader() -> None:
    result = explore(torn_read(reader_locks=True), seed=1, strategy="systematic",
                     schedules=5000)
    assert result.verified, result.summary
    assert result.summary.startswith("verified: all "), result.summary


def retrieved_failure() -> None:
    """A job fails and its caller asks for the failure, waiting for it in result()."""
    from concurrent.futures import ThreadPoolExecutor

    def parse() -> int:
        raise ValueError("not a number: 'x'")

    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(parse)
        with pytest.raises(ValueError, match="not a number"):
            future.result()


@pytest.mark.parametrize("seed", SEEDS)
def test_a_failure_retrieved_while_it_is_being_set_is_retrieved(seed: int) -> None:
    # The caller waiting in result() may return before the worker's set_exception does:
    # it must still count as retrieved, in every interleaving (before the fix, one where the
    # caller ran first reported "a Future's exception was never retrieved").
    result = explore(retrieved_failure, seed=seed, test_id="retrieved")
    assert result.schedules == DEFAULT_SCHEDULES


def test_an_unknown_strategy_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown strategy 'chaos'"):
        explore(lost_update(LockedCounter), seed=1, strategy="chaos")


def test_zero_schedules_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        explore(lost_update(LockedCounter), seed=1, schedules=0)


def test_explore_counts_its_schedules_and_the_threads_started() -> None:
    result = explore(lost_update(LockedCounter), seed=123, test_id="counted", schedules=17)
    assert result == ExploreResult(schedules=17, threads_started=3, strategy="random",
                                   seed=derive_seed(123, "counted"))


def test_a_scenario_without_threads_starts_none() -> None:
    result = explore(lambda: None, seed=4, schedules=3)
    assert (result.schedules, result.threads_started) == (3, 0)


def test_explore_needs_a_function() -> None:
    with pytest.raises(TypeError, match="needs a function"):
        Contention(seed=1).explore(42)  # type: ignore[arg-type]  # not a function, on purpose


def test_the_session_seed_derives_a_different_seed_per_test() -> None:
    assert derive_seed(5, "a") == derive_seed(5, "a")
    assert derive_seed(5, "a") != derive_seed(5, "b")
    assert derive_seed(5, "a") != derive_seed(6, "a")


# ---------------------------------------------------------------------------------------
# 4. Deadlocks and hangs inside explore


class Named:
    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.lock = threading.Lock()
        self.balance = 100

    def __repr__(self) -> str:
        return f"Named({self.owner!r})"


def transfer(src: Named, dst: Named, amount: int) -> None:
    with src.lock:
        with dst.lock:
            src.balance -= amount
            dst.balance += amount


def test_locks_taken_in_opposite_orders_are_reported_as_a_deadlock() -> None:
    def scenario() -> None:
        alice, bob = Named("alice"), Named("bob")
        run_threads(lambda: transfer(alice, bob, 10), lambda: transfer(bob, alice, 10))

    failure = failure_of(scenario, seed=31337)
    assert failure.diagnosis == "deadlock", failure.report
    assert failure.report.startswith("threadlesson: deadlock after ")
    assert "Named('alice').lock" in failure.report
    assert "Named('bob').lock" in failure.report


def test_a_deadlock_in_explore_leaves_threading_pristine() -> None:
    originals = (threading.Lock, threading.Thread.start, time.sleep, time.monotonic)

    def scenario() -> None:
        alice, bob = Named("alice"), Named("bob")
        run_threads(lambda: transfer(alice, bob, 10), lambda: transfer(bob, alice, 10))

    failure_of(scenario, seed=8)
    assert (threading.Lock, threading.Thread.start, time.sleep, time.monotonic) == originals


def test_a_thread_spinning_on_a_flag_nobody_sets_is_reported_as_a_hang() -> None:
    def scenario() -> None:
        state = {"go": False}

        def spinner() -> None:
            while not state["go"]:
                pass

        run_threads(spinner)

    start = time.perf_counter()
    failure = failure_of(scenario, seed=99)
    elapsed = time.perf_counter() - start
    assert failure.diagnosis == "hang", failure.report
    assert failure.schedule == 1
    assert elapsed < 10


# ---------------------------------------------------------------------------------------
# 6. Stress mode: real threads


def test_stress_runs_the_target_threads_times_calls_times() -> None:
    lock = threading.Lock()
    calls = [0]

    def target() -> None:
        with lock:
            calls[0] += 1

    Contention(seed=1).stress(target, threads=4, calls=200)
    assert calls[0] == 800


def test_stress_restores_the_switch_interval() -> None:
    saved = sys.getswitchinterval()
    sys.setswitchinterval(0.0123)
    try:
        Contention(seed=1).stress(lambda: None, threads=2, calls=10)
        assert sys.getswitchinterval() == pytest.approx(0.0123)
    finally:
        sys.setswitchinterval(saved)


def test_an_exception_in_a_stress_target_is_raised() -> None:
    saved = sys.getswitchinterval()
    lock = threading.Lock()
    calls = [0]

    def target() -> None:
        with lock:
            calls[0] += 1
            if calls[0] == 50:
                raise KeyError("the fiftieth call")

    with pytest.raises(KeyError, match="the fiftieth call"):
        Contention(seed=1).stress(target, threads=4, calls=200)
    assert sys.getswitchinterval() == saved


def test_stress_refuses_no_threads() -> None:
    with pytest.raises(ValueError, match="at least one thread"):
        Contention(seed=1).stress(lambda: None, threads=0, calls=10)


# ---------------------------------------------------------------------------------------
# 5. The `contention` fixture, end to end


LOST_UPDATE_TEST = '''
import threading


class Counter:
    def __init__(self):
        self.n = 0

    def increment(self):
        self.n += 1


def test_x(contention):
    def scenario():
        counter = Counter()
        threads = [threading.Thread(target=counter.increment) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert counter.n == 3

    contention.explore(scenario)
'''

PASSING_TEST = '''
import threading


class Counter:
    def __init__(self):
        self.n = 0
        self.lock = threading.Lock()

    def increment(self):
        with self.lock:
            self.n += 1


def test_x(contention):
    def scenario():
        counter = Counter()
        threads = [threading.Thread(target=counter.increment) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert counter.n == 2

    result = contention.explore(scenario)
    print(f"RESULT schedules={result.schedules} seed={result.seed}")
'''

RACE_LINE = re.compile(r"threadlesson: race after (\d+) schedules? \(seed (\d+)\)")


def report_block(output: str) -> str:
    """The threadlesson report: from its first line to its replay line."""
    start = output.index("threadlesson: race after ")
    end = output.index("\n", output.index("replay: ", start))
    return output[start:end]


def test_a_failing_explore_prints_its_seed_trace_and_replay_command(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_race=LOST_UPDATE_TEST)
    result = pytester.runpytest_subprocess("--threadlesson-seed=4242", timeout=60)
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    race = RACE_LINE.search(out)
    assert race is not None, out
    assert race.group(2) == "4242"
    result.stdout.fnmatch_lines([
        "*threadlesson: race after * (seed 4242)",
        "*assert counter.n == 3  ->  *",
        "*Thread-* and Thread-* both read Counter.n = * before either wrote it back",
        "*step  Thread-1 * Thread-2 * Thread-3",
        "*test_race.py:*self.n += 1*",
        "*read Counter.n → *",
        '*replay: * -m pytest "test_race.py::test_x" --threadlesson-seed=4242',
    ])


def test_the_replay_command_reproduces_the_report(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_race=LOST_UPDATE_TEST)
    first = pytester.runpytest_subprocess(timeout=60)
    first.assert_outcomes(failed=1)
    block = report_block(first.stdout.str())
    replay = re.search(r'replay: \S+ -m pytest "([^"]+)" (--threadlesson-seed=\d+)', block)
    assert replay is not None, block
    again = pytester.runpytest_subprocess(replay.group(1), replay.group(2), timeout=60)
    again.assert_outcomes(failed=1)
    assert report_block(again.stdout.str()) == block


def test_the_session_seed_is_in_the_header(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_race=PASSING_TEST)
    result = pytester.runpytest_subprocess("--threadlesson-seed=555", timeout=60)
    result.stdout.fnmatch_lines(
        ["threadlesson: seed 555 (replay with --threadlesson-seed=555)*"])


def test_the_schedules_option_limits_the_schedules(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_ok=PASSING_TEST)
    result = pytester.runpytest_subprocess("-s", "--threadlesson-schedules=1", timeout=60)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*RESULT schedules=1 seed=*"])


def test_each_repetition_explores_fresh_schedules(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_ok=PASSING_TEST)
    result = pytester.runpytest_subprocess("-s", "--count=3",
                                           "--threadlesson-seed=77",
                                           "--threadlesson-schedules=2", timeout=60)
    result.assert_outcomes(passed=3)
    seeds = re.findall(r"RESULT schedules=2 seed=(\d+)", result.stdout.str())
    assert len(seeds) == 3
    assert len(set(seeds)) == 3


def test_each_repetition_of_a_race_fails_with_its_own_replay(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_race=LOST_UPDATE_TEST)
    result = pytester.runpytest_subprocess("--count=3",
                                           "--threadlesson-seed=77", timeout=60)
    result.assert_outcomes(failed=3)
    out = result.stdout.str()
    for n in (1, 2, 3):
        assert f' -m pytest "test_race.py::test_x[{n}-3]" --threadlesson-seed=77 ' \
               "--count=3" in out


MANY_TESTS = LOST_UPDATE_TEST + '''

def test_y(contention):
    test_x(contention)


def test_z(contention):
    test_x(contention)


def test_w(contention):
    test_x(contention)
'''


def race_lines(output: str) -> list[str]:
    return sorted(m.group(0) for m in RACE_LINE.finditer(output))


def test_xdist_workers_explore_the_same_schedules(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_race=MANY_TESTS)
    plain = pytester.runpytest_subprocess("--threadlesson-seed=31337", timeout=60)
    plain.assert_outcomes(failed=4)
    spread = pytester.runpytest_subprocess("-n", "2",
                                           "--threadlesson-seed=31337", timeout=60)
    spread.assert_outcomes(failed=4)
    plain_reports = sorted(report_block(part) for part in
                           plain.stdout.str().split("_ test_")[1:])
    spread_reports = sorted(report_block(part) for part in
                            spread.stdout.str().split("_ test_")[1:])
    assert len(plain_reports) == 4
    assert spread_reports == plain_reports
    assert race_lines(spread.stdout.str()) == race_lines(plain.stdout.str())


def test_explored_schedules_are_not_kept_in_memory() -> None:
    # Every schedule's run, steps and frames must be garbage once explore returns, passed
    # or failed: a session with many explore calls must not grow with each of them.
    import gc

    from pytest_threadlesson.engine import runtime as rt

    def runs_alive() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects() if isinstance(o, rt.ControlledRun))

    before = runs_alive()
    for seed in SEEDS[:3]:
        explore(lost_update(LockedCounter), seed=seed, test_id="memory")
        explore(pool_map(LockedCounter), seed=seed, test_id="memory")
        failure_of(lost_update(Counter), seed=seed, test_id="memory")
    assert runs_alive() <= before
