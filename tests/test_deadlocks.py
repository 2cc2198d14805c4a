"""Deadlocks, end to end: detected when they form, reported in the learner's terms, and
never a hung session.

Every scenario runs in a fresh pytest (`runpytest_subprocess`, bounded), because a plugin
that misses a deadlock hangs. The backstop is raised to 30 s in most runs, so a report
that arrives in a second or two is the instant detection, not the timeout.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

# The backstop for these runs: far above what an instant report takes.
BACKSTOP = "--threadlesson-deadlock-timeout=30"
INSTANT = 10.0  # seconds: a whole fresh pytest run that reports at once stays under this

HEADER = """
import queue
import threading

import pytest

pytestmark = pytest.mark.threadlesson
"""

ACCOUNTS = HEADER + """

class Account:
    def __init__(self, name):
        self.name = name
        self.lock = threading.Lock()

    def __repr__(self):
        return f"Account({self.name!r})"


def transfer(source, target, everyone_holds_one):
    with source.lock:  # first lock
        everyone_holds_one.wait()
        with target.lock:  # second lock
            pass


def ring(names):
    accounts = [Account(name) for name in names]
    everyone_holds_one = threading.Barrier(len(accounts))
    threads = [
        threading.Thread(
            target=transfer,
            args=(a, accounts[(i + 1) % len(accounts)], everyone_holds_one),
            name=f"{a.name}-pays",
        )
        for i, a in enumerate(accounts)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """pytest in a fresh interpreter, in file order, bounded. Plugins that play no part
    here are left out: each costs start-up time in every run."""
    return pytester.runpytest_subprocess(
        "-p", "no:randomly", "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:cov",
        *args, timeout=60)


def site(path: Path, marker: str) -> str:
    """`FILE:LINE` of the one line of `path` that contains `marker`."""
    lines = [n for n, text in enumerate(path.read_text().splitlines(), 1) if marker in text]
    assert len(lines) == 1, f"{marker!r} is on lines {lines} of {path.name}"
    return f"{path.name}:{lines[0]}"


def thread_block(thread: str, holds: str, acquired: str, waits: str,
                 at: str, source: str) -> re.Pattern[str]:
    """The lines of a deadlock report about one thread: what it holds, what it waits for."""
    return re.compile(
        rf"^  {re.escape(thread)}\s+holds {re.escape(holds)}\s+"
        rf"\(acquired {re.escape(acquired)}\)\n"
        rf"\s+waits\s+{re.escape(waits)}\s+\({re.escape(at)}\)\n"
        rf"\s+{re.escape(source)}$",
        re.MULTILINE,
    )


# ---------------------------------------------------------------------------------------
# Wait-for cycles


def test_a_wait_for_cycle_of_two_threads_is_reported_when_it_closes(
        pytester: pytest.Pytester) -> None:
    path = pytester.makepyfile(test_bank=ACCOUNTS + """

def test_two_transfers_in_opposite_directions():
    ring(["alice", "bob"])
""")
    result = run(pytester, BACKSTOP)

    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "threadlesson: deadlock: threads wait for each other in a cycle" in out
    assert "no progress before the deadlock timeout" not in out
    first, second = site(path, "# first lock"), site(path, "# second lock")
    for thread, holds, waits in [("alice-pays", "alice", "bob"), ("bob-pays", "bob", "alice")]:
        block = thread_block(thread, f"Account({holds!r}).lock", first,
                             f"Account({waits!r}).lock", second,
                             "with target.lock:  # second lock")
        assert block.search(out), f"no report of {thread} in:\n{out}"
    assert result.duration < INSTANT


def test_a_wait_for_cycle_of_three_threads_is_reported_when_it_closes(
        pytester: pytest.Pytester) -> None:
    path = pytester.makepyfile(test_bank=ACCOUNTS + """

def test_three_transfers_around_a_ring():
    ring(["alice", "bob", "carol"])
""")
    result = run(pytester, BACKSTOP)

    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "threadlesson: deadlock: threads wait for each other in a cycle" in out
    first, second = site(path, "# first lock"), site(path, "# second lock")
    for holds, waits in [("alice", "bob"), ("bob", "carol"), ("carol", "alice")]:
        block = thread_block(f"{holds}-pays", f"Account({holds!r}).lock", first,
                             f"Account({waits!r}).lock", second,
                             "with target.lock:  # second lock")
        assert block.search(out), f"no report of {holds}-pays in:\n{out}"
    assert result.duration < INSTANT


def test_taking_a_lock_the_thread_already_holds_fails_at_once(
        pytester: pytest.Pytester) -> None:
    path = pytester.makepyfile(test_twice=HEADER + """

def test_takes_its_own_lock_again():
    lock = threading.Lock()
    lock.acquire()  # first time
    lock.acquire()  # second time
""")
    result = run(pytester, BACKSTOP)

    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "threadlesson: deadlock: a thread waits for a lock it already holds" in out
    assert f"(acquired {site(path, '# first time')})" in out
    assert f"({site(path, '# second time')})" in out
    assert "lock.acquire()  # second time" in out
    assert result.duration < INSTANT


# ---------------------------------------------------------------------------------------
# Every thread waiting for something nobody can give


NOBODY_CAN_GIVE = {
    "an_event_nobody_sets": """
    threading.Event().wait()  # stuck here
""",
    "a_condition_nobody_notifies": """
    condition = threading.Condition()
    with condition:
        condition.wait()  # stuck here
""",
    "a_queue_whose_task_done_never_comes": """
    jobs = queue.Queue()
    jobs.put("job")
    jobs.join()  # stuck here
""",
    "a_barrier_of_three_with_two_parties": """
    barrier = threading.Barrier(3)
    other = threading.Thread(target=barrier.wait, name="other-party")
    other.start()
    barrier.wait()  # stuck here
""",
    "a_join_on_a_blocked_thread": """
    never = threading.Event()
    worker = threading.Thread(target=never.wait, name="blocked-worker")
    worker.start()
    worker.join()  # stuck here
""",
}


@pytest.mark.parametrize("scenario", list(NOBODY_CAN_GIVE))
def test_every_thread_waiting_fails_at_once(pytester: pytest.Pytester, scenario: str) -> None:
    path = pytester.makepyfile(test_stuck=HEADER + f"""

def test_{scenario}():
{NOBODY_CAN_GIVE[scenario].strip(chr(10))}
""")
    result = run(pytester, BACKSTOP)

    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "threadlesson: deadlock: every thread is waiting and none can move" in out
    assert "no progress before the deadlock timeout" not in out
    assert re.search(rf"^\s+MainThread\s+holds nothing\n\s+waits .*"
                     rf"\({re.escape(site(path, '# stuck here'))}\)$", out, re.MULTILINE), out
    assert result.duration < INSTANT


def test_timed_waits_are_not_deadlocks(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_timed=HEADER + """

def test_an_event_wait_with_a_timeout_returns_false():
    assert threading.Event().wait(0.05) is False


def test_a_lock_acquire_with_a_timeout_returns_false():
    lock = threading.Lock()
    with lock:
        assert lock.acquire(timeout=0.05) is False


def test_a_condition_wait_with_a_timeout_returns_false():
    condition = threading.Condition()
    with condition:
        assert condition.wait(0.05) is False


def test_a_thread_in_a_timed_wait_is_not_stuck_with_the_main_thread():
    lock = threading.Lock()
    results = []

    def try_for_a_while():
        results.append(lock.acquire(timeout=0.05))

    with lock:
        worker = threading.Thread(target=try_for_a_while)
        worker.start()
        worker.join()
    assert results == [False]
""")
    result = run(pytester, BACKSTOP)

    result.assert_outcomes(passed=4)


# ---------------------------------------------------------------------------------------
# Lock-order inversions: predicted deadlocks in a run that did not hang

ORDERS = HEADER + """

first = threading.Lock()
second = threading.Lock()


def take(one, other):
    with one:  # takes the outer lock
        with other:  # takes the inner lock
            pass


def one_after_the_other(*orders):
    for one, other in orders:
        worker = threading.Thread(target=take, args=(one, other))
        worker.start()
        worker.join()
"""


def test_a_lock_order_inversion_is_reported_without_a_hang(pytester: pytest.Pytester) -> None:
    path = pytester.makepyfile(test_orders=ORDERS + """

def test_opposite_orders():
    a, b = threading.Lock(), threading.Lock()
    one_after_the_other((a, b), (b, a))
""")
    result = run(pytester, BACKSTOP)

    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "threadlesson: deadlock: lock-order inversion: locks taken in opposite orders" in out
    outer, inner = site(path, "# takes the outer lock"), site(path, "# takes the inner lock")
    took = re.findall(rf"^\s+(Thread-\d) took .* \({re.escape(outer)}\)\n"
                      rf"\s+then .* \({re.escape(inner)}\)$", out, re.MULTILINE)
    # Under CI=true pytest repeats the whole message in the short summary: count each once.
    assert sorted(set(took)) == ["Thread-1", "Thread-2"], out
    assert result.duration < INSTANT


def test_a_consistent_lock_order_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_orders=ORDERS + """

def test_same_order_every_time():
    a, b = threading.Lock(), threading.Lock()
    one_after_the_other((a, b), (a, b), (a, b))
""")
    result = run(pytester, BACKSTOP)

    result.assert_outcomes(passed=1)


PHILOSOPHERS = HEADER + """

def dine(seats, philosophers=5):
    forks = [threading.Lock() for _ in range(philosophers)]
    waiter = threading.Semaphore(seats)

    def eat(i):
        with waiter:
            with forks[i]:
                with forks[(i + 1) % philosophers]:
                    pass

    for i in range(philosophers):
        philosopher = threading.Thread(target=eat, args=(i,))
        philosopher.start()
        philosopher.join()
"""


def test_a_waiter_who_seats_one_philosopher_too_few_is_not_an_inversion(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_dinner=PHILOSOPHERS + """

def test_the_waiter_keeps_one_seat_empty():
    dine(seats=4)
""")
    result = run(pytester, BACKSTOP)

    result.assert_outcomes(passed=1)


def test_a_waiter_who_seats_every_philosopher_is_still_an_inversion(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_dinner=PHILOSOPHERS + """

def test_the_waiter_seats_everyone():
    dine(seats=5)
""")
    result = run(pytester, BACKSTOP)

    result.assert_outcomes(failed=1)
    assert "lock-order inversion" in result.stdout.str()


def test_a_start_signal_on_a_semaphore_does_not_hide_an_inversion(
        pytester: pytest.Pytester) -> None:
    # A permit taken from a Semaphore(0) that another thread released is a signal, not a
    # seat at a table: it bounds nothing, so it cannot make a cycle impossible.
    pytester.makepyfile(test_signal=HEADER + """

def test_workers_told_to_go_take_locks_in_opposite_orders():
    a, b = threading.Lock(), threading.Lock()
    go = threading.Semaphore(0)

    def worker(one, other):
        go.acquire()
        with one:
            with other:
                pass

    for one, other in [(a, b), (b, a)]:
        w = threading.Thread(target=worker, args=(one, other))
        w.start()
        go.release()
        w.join()
""")
    result = run(pytester, BACKSTOP)

    result.assert_outcomes(failed=1)
    assert "lock-order inversion" in result.stdout.str()


# ---------------------------------------------------------------------------------------
# Recovery: the session goes on


def test_after_a_deadlocked_test_the_next_one_runs_and_the_session_ends(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_bank=ACCOUNTS + """

def test_deadlocks():
    ring(["alice", "bob"])


def test_runs_next_with_no_thread_left():
    assert [t.name for t in threading.enumerate()] == ["MainThread"]
""")
    pytester.makepyfile(test_then="""
import threading


def test_runs_uninstrumented_with_threading_restored():
    assert threading.Lock().__class__.__module__ == "_thread"
    assert threading.Event.__module__ == "threading"
""")
    result = run(pytester, BACKSTOP, "test_bank.py", "test_then.py")

    result.assert_outcomes(failed=1, passed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*= 1 failed, 2 passed in *"])
    assert "outlived the test" not in result.stdout.str()
    assert result.duration < INSTANT


def test_a_lock_left_held_by_a_deadlocked_test_does_not_hide_the_next_tests_inversion(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_twice=ORDERS + """

def test_takes_its_own_lock_again():
    lock = threading.Lock()
    lock.acquire()
    lock.acquire()


def test_takes_two_locks_in_both_orders():
    a, b = threading.Lock(), threading.Lock()
    take(a, b)
    take(b, a)
""")
    result = run(pytester, BACKSTOP)

    result.assert_outcomes(failed=2)
    out = result.stdout.str()
    assert "a thread waits for a lock it already holds" in out
    assert "lock-order inversion" in out


def test_a_deadlock_report_names_only_the_locks_of_its_own_test(
        pytester: pytest.Pytester) -> None:
    path = pytester.makepyfile(test_twice=HEADER + """

def test_takes_its_own_lock_again():
    lock = threading.Lock()  # the first test's lock
    lock.acquire()
    lock.acquire()


def test_waits_for_an_event_nobody_sets():
    threading.Event().wait()
""")
    result = run(pytester, BACKSTOP)

    result.assert_outcomes(failed=2)
    out = result.stdout.str()
    second = out[out.index("_ test_waits_for_an_event_nobody_sets _"):]
    second = second.split("short test summary info")[0]  # CI=true repeats messages there
    assert "every thread is waiting" in second
    assert re.search(r"^\s+MainThread\s+holds nothing$", second, re.MULTILINE), second
    assert site(path, "# the first test's lock") not in second


# ---------------------------------------------------------------------------------------
# The backstop: blocking the plugin cannot see

SPINNER = HEADER + """

def spin_until_told():
    told = {"stop": False}

    def spin():
        while not told["stop"]:  # spins here
            pass

    spinner = threading.Thread(target=spin, name="spinner")
    spinner.start()
    spinner.join()
"""


def test_the_deadlock_timeout_marker_stops_a_busy_loop_and_the_run_goes_on(
        pytester: pytest.Pytester) -> None:
    path = pytester.makepyfile(test_spin=SPINNER + """

@pytest.mark.deadlock_timeout(0.5)
def test_spins_forever():
    spin_until_told()


def test_runs_next():
    assert True
""")
    result = run(pytester, BACKSTOP)

    result.assert_outcomes(failed=1, passed=1)
    out = result.stdout.str()
    assert "threadlesson: no progress before the deadlock timeout" in out
    assert re.search(rf"^\s+spinner\s+holds nothing\n\s+now at "
                     rf"{re.escape(site(path, '# spins here'))} in ", out, re.MULTILINE), out
    assert result.duration < INSTANT


def test_the_deadlock_timeout_ini_key_stops_a_busy_loop(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nthreadlesson_deadlock_timeout = 0.5\n")
    path = pytester.makepyfile(test_spin=SPINNER + """

def test_spins_forever():
    spin_until_told()


def test_runs_next():
    assert True
""")
    result = run(pytester)

    result.assert_outcomes(failed=1, passed=1)
    out = result.stdout.str()
    assert "threadlesson: no progress before the deadlock timeout" in out
    assert f"now at {site(path, '# spins here')} in " in out
    assert result.duration < INSTANT


BUSY_ON_REAL_LOCKS = HEADER + """
import _thread
import time

REAL = _thread.allocate_lock()  # a lock threading did not make: the plugin cannot see it


@pytest.mark.deadlock_timeout(0.3)
def test_works_for_much_longer_than_the_timeout():
    counter = [0]

    def work():
        for _ in range(600):
            with REAL:
                counter[0] += 1
            time.sleep(0.0025)  # the workload: small steps, as real polling code does

    workers = [threading.Thread(target=work) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert counter[0] == 2400
"""


def test_a_long_busy_test_on_real_locks_is_not_stopped_by_the_backstop(
        pytester: pytest.Pytester) -> None:
    # Its threads take a lock the plugin cannot see and sleep in small steps, for several
    # times the deadlock timeout: they move all the time, so the backstop must not fire.
    pytester.makepyfile(test_busy=BUSY_ON_REAL_LOCKS)
    result = run(pytester)

    out = result.stdout.str()
    assert "no progress before the deadlock timeout" not in out, out
    result.assert_outcomes(passed=1)


def test_an_event_loop_that_keeps_working_is_not_stopped_by_the_backstop(
        pytester: pytest.Pytester) -> None:
    # An asyncio loop spends its time in select() and returns to the same call between
    # its callbacks: every sample finds it at the same place. It works all the same (its
    # CPU clock moves), so the backstop must not fire. Seen on a real readers-writer
    # library's asyncio tests.
    pytester.makepyfile(test_loop=HEADER + """
import asyncio


@pytest.mark.deadlock_timeout(0.3)
def test_tasks_run_for_much_longer_than_the_timeout():
    async def worker(done):
        for _ in range(400):
            await asyncio.sleep(0.003)
        done.append(1)

    async def main():
        done = []
        await asyncio.gather(*(worker(done) for _ in range(4)))
        return len(done)

    assert asyncio.run(main()) == 4
""")
    result = run(pytester)

    out = result.stdout.str()
    assert "no progress before the deadlock timeout" not in out, out
    result.assert_outcomes(passed=1)


def test_a_thread_stuck_in_a_call_we_cannot_see_is_stopped_and_the_report_says_so(
        pytester: pytest.Pytester) -> None:
    path = pytester.makepyfile(test_stuck_in_c=HEADER + """
import _thread

REAL = _thread.allocate_lock()


@pytest.mark.deadlock_timeout(0.5)
def test_waits_on_a_real_lock_forever():
    REAL.acquire()

    def take():
        REAL.acquire()  # stuck here

    # A daemon: an async exception cannot reach a thread blocked in C, so it stays.
    stuck = threading.Thread(target=take, name="taker", daemon=True)
    stuck.start()
    stuck.join()


def test_runs_next():
    assert True
""")
    result = run(pytester)

    # The taker outlives the test, blocked where nothing can reach it: a leak, at teardown.
    result.assert_outcomes(failed=1, passed=1, errors=1)
    out = result.stdout.str()
    assert "threadlesson: no progress before the deadlock timeout" in out
    # (3.10's code objects have no qualified name: the function is just "take" there)
    assert re.search(rf"^\s+taker\s+holds nothing\n\s+now at "
                     rf"{re.escape(site(path, '# stuck here'))} in "
                     r"(test_waits_on_a_real_lock_forever\.<locals>\.)?take: ", out,
                     re.MULTILINE), out
    assert re.search(r"^\s+inside a call the plugin cannot see into \(C code, a lock not "
                     r"made by threading, I/O\): it could not tell whether it is blocked "
                     r"or slow$", out, re.MULTILINE), out
    assert result.duration < INSTANT


def test_a_main_thread_stuck_in_a_call_we_cannot_see_is_stopped_and_the_run_goes_on(
        pytester: pytest.Pytester) -> None:
    # An asynchronous exception never reaches a thread blocked in C; for the main thread a
    # signal interrupts the call. Before, this run hung until pytester's timeout.
    path = pytester.makepyfile(test_main_in_c=HEADER + """
import _thread

REAL = _thread.allocate_lock()
REAL.acquire()


@pytest.mark.deadlock_timeout(0.5)
def test_takes_a_real_lock_nobody_releases():
    REAL.acquire()  # stuck here


def test_runs_next():
    assert True
""")
    result = run(pytester)

    result.assert_outcomes(failed=1, passed=1)
    out = result.stdout.str()
    assert "threadlesson: no progress before the deadlock timeout" in out
    assert re.search(rf"^\s+MainThread\s+holds nothing\n\s+now at "
                     rf"{re.escape(site(path, '# stuck here'))} in "
                     r"test_takes_a_real_lock_nobody_releases: ", out, re.MULTILINE), out
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_learner_at_a_breakpoint_is_not_stopped_by_the_backstop(
        pytester: pytest.Pytester) -> None:
    # At a pdb prompt nothing moves for as long as the learner reads: not a hang. The
    # debugger command below blocks for a second, twice the deadlock timeout.
    pytester.makepyfile(test_debugging=HEADER + """
@pytest.mark.deadlock_timeout(0.5)
def test_stops_at_a_breakpoint():
    value = 41
    breakpoint()
    assert value + 1 == 42
""")
    commands = b"\n".join([
        b"import _thread; pause = _thread.allocate_lock(); pause.acquire()",
        b"pause.acquire(True, 1.0)",
        b"p 'still debugging'",
        b"c",
    ]) + b"\n"
    result = pytester.run(sys.executable, "-m", "pytest", "-s", "-p", "no:randomly",
                          "-p", "no:cacheprovider", "-p", "no:xdist", stdin=commands,
                          timeout=60)
    out = result.stdout.str()
    assert "'still debugging'" in out, out
    assert "no progress before the deadlock timeout" not in out, out
    result.assert_outcomes(passed=1)


# ---------------------------------------------------------------------------------------
# With pytest-timeout as the outermost guard

TIMEOUT_BACKSTOP = 5.0


@pytest.mark.parametrize("method", ["signal", "thread"])
def test_a_wait_for_cycle_is_reported_at_once_under_pytest_timeout(
        pytester: pytest.Pytester, method: str) -> None:
    pytester.makepyfile(test_bank=ACCOUNTS + """

def test_deadlocks():
    ring(["alice", "bob"])


def test_runs_next():
    assert True
""")
    result = run(pytester, "--timeout=30", f"--timeout-method={method}",
                 f"--threadlesson-deadlock-timeout={TIMEOUT_BACKSTOP:g}")

    result.assert_outcomes(failed=1, passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    out = result.stdout.str()
    assert "threadlesson: deadlock: threads wait for each other in a cycle" in out
    assert "+ Timeout +" not in out
    assert result.duration < TIMEOUT_BACKSTOP


@pytest.mark.parametrize("method", ["signal", "thread"])
def test_every_thread_waiting_is_reported_at_once_under_pytest_timeout(
        pytester: pytest.Pytester, method: str) -> None:
    pytester.makepyfile(test_stuck=HEADER + """

def test_waits_for_an_event_nobody_sets():
    threading.Event().wait()


def test_runs_next():
    assert True
""")
    result = run(pytester, "--timeout=30", f"--timeout-method={method}",
                 f"--threadlesson-deadlock-timeout={TIMEOUT_BACKSTOP:g}")

    out = result.stdout.str()
    assert "threadlesson: deadlock: every thread is waiting and none can move" in out
    assert "no progress before the deadlock timeout" not in out
    result.assert_outcomes(failed=1, passed=1)
    assert result.duration < TIMEOUT_BACKSTOP
