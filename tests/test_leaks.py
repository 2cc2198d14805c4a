"""Leaked threads and exceptions in threads, end to end through pytester.

A thread that outlives its test fails the test with a report that names it and points at
the learner's lines; an exception raised in a thread, or left in a future nobody asked,
fails the test that started it; and no leak, however stuck, keeps the session from exiting.
Everything that can hang runs in a fresh interpreter, bounded by a timeout.
"""

from __future__ import annotations

import os
import sysconfig

import pytest
from support import line_of, run_isolated

TIMEOUT = 60


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return run_isolated(pytester, *args, timeout=TIMEOUT)


# ---------------------------------------------------------------------------------------
# What a leak looks like


def test_a_thread_left_waiting_fails_the_test_with_a_report_in_the_learners_terms(
        pytester: pytest.Pytester) -> None:
    path = pytester.makepyfile(test_heartbeat="""
        import threading

        import pytest


        def wait_forever(event):
            event.wait()


        @pytest.mark.threadlesson
        def test_starts_a_heartbeat():
            never = threading.Event()
            worker = threading.Thread(target=wait_forever, args=(never,), name="heartbeat")
            worker.start()
    """)
    started = line_of(path, "worker.start()")
    waiting = line_of(path, "event.wait()")
    created = line_of(path, "never = threading.Event()")
    result = _run(pytester)
    result.assert_outcomes(passed=1, errors=1)  # a leak is judged in teardown
    result.stdout.fnmatch_lines([
        "threadlesson: leak: 1 thread outlived the test",
        f"  'heartbeat' (non-daemon, target wait_forever) started at "
        f"test_heartbeat.py:{started} in test_starts_a_heartbeat",
        f"  now at test_heartbeat.py:{waiting} in wait_forever: event.wait()",
        f"  waiting for Event (test_heartbeat.py:{created})",
    ])
    # The report is in the learner's terms: no path into the plugin or into threading.py.
    report = result.stdout.str().split("threadlesson: leak:", 1)[1]
    assert "pytest_threadlesson" not in report
    assert "threading.py" not in report


def test_a_marker_on_a_class_watches_its_tests_and_no_others(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_classes="""
        import threading

        import pytest


        def leak():
            threading.Thread(target=threading.Event().wait, daemon=True).start()


        @pytest.mark.threadlesson
        class TestWatched:
            def test_leaks(self):
                leak()

            @pytest.mark.parametrize("n", [1, 2])
            def test_leaks_too(self, n):
                leak()


        class TestUnwatched:
            def test_leaks_unseen(self):
                leak()


        def test_leaks_unseen_outside():
            leak()
    """)
    result = _run(pytester)
    # The three watched tests each leak (an error at teardown); the two others pass.
    result.assert_outcomes(passed=5, errors=3)
    result.stdout.fnmatch_lines(["*ERROR at teardown of TestWatched.test_leaks*"])
    assert "TestUnwatched" not in result.stdout.str().split("= ERRORS =", 1)[1]


def test_a_leaked_daemon_thread_fails_the_test_too(pytester: pytest.Pytester) -> None:
    path = pytester.makepyfile(test_daemon="""
        import threading

        import pytest


        @pytest.mark.threadlesson
        def test_starts_a_daemon():
            never = threading.Event()
            threading.Thread(target=never.wait, name="reaper", daemon=True).start()
    """)
    started = line_of(path, ".start()")
    result = _run(pytester)
    result.assert_outcomes(passed=1, errors=1)  # a leak is judged in teardown
    result.stdout.fnmatch_lines([
        "threadlesson: leak: 1 thread outlived the test",
        f"  'reaper' (daemon, target Event.wait) started at test_daemon.py:{started} "
        "in test_starts_a_daemon",
        "  waiting for Event (test_daemon.py:*)",
        "  (daemon=True does not stop a thread: it only stops Python from waiting for it)",
    ])


def test_a_leaked_thread_is_reported_with_the_line_it_is_running(
        pytester: pytest.Pytester) -> None:
    path = pytester.makepyfile(test_spinner="""
        import threading

        import pytest


        def spin(flag):
            while not flag:
                pass


        @pytest.mark.threadlesson
        def test_starts_a_spinner():
            threading.Thread(target=spin, args=([],), name="spinner").start()
    """)
    started = line_of(path, ".start()")
    looping = line_of(path, "while not flag:")
    result = _run(pytester, "--threadlesson-leak-grace=0.1")
    result.assert_outcomes(passed=1, errors=1)  # a leak is judged in teardown
    result.stdout.fnmatch_lines([
        "threadlesson: leak: 1 thread outlived the test",
        f"  'spinner' (non-daemon, target spin) started at test_spinner.py:{started} "
        "in test_starts_a_spinner",
        f"  now at test_spinner.py:{looping} in spin: while not flag:",
    ])


# ---------------------------------------------------------------------------------------
# What is not a leak


def test_a_joined_thread_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_joined="""
        import threading

        import pytest


        @pytest.mark.threadlesson
        def test_joins_its_worker():
            go = threading.Event()
            worker = threading.Thread(target=go.wait)
            worker.start()
            go.set()
            worker.join()
            assert not worker.is_alive()
    """)
    result = _run(pytester)
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*threadlesson: leak*")


def test_a_thread_released_as_the_test_returns_passes(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_grace="""
        import threading

        import pytest


        def finish_after_the_test(go):
            go.wait()


        @pytest.mark.threadlesson
        def test_releases_its_worker_and_returns():
            go = threading.Event()
            worker = threading.Thread(target=finish_after_the_test, args=(go,))
            worker.start()
            go.set()
    """)
    result = _run(pytester)
    result.assert_outcomes(passed=1)


def test_a_thread_that_existed_before_the_test_is_not_blamed(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_before="""
        import threading

        import pytest


        @pytest.fixture(scope="module")
        def server():
            stop = threading.Event()
            thread = threading.Thread(target=stop.wait, name="server")
            thread.start()
            yield thread
            stop.set()
            thread.join()


        def test_starts_the_server(server):
            assert server.is_alive()


        @pytest.mark.threadlesson
        def test_uses_the_running_server(server):
            assert server.is_alive()


        def test_the_server_is_still_there(server):
            assert server.is_alive()
    """)
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=3)
    result.stdout.no_fnmatch_line("*threadlesson: leak*")


def test_a_thread_of_a_module_scoped_fixture_is_not_blamed_on_the_test_that_set_it_up(
        pytester: pytest.Pytester) -> None:
    # The fixture's thread is meant to outlive the first test that uses it: it is neither
    # that test's leak, nor something to stop under the feet of the tests that follow.
    pytester.makepyfile(test_module_fixture="""
        import threading

        import pytest

        pytestmark = pytest.mark.threadlesson


        @pytest.fixture(scope="module")
        def server():
            stop = threading.Event()
            thread = threading.Thread(target=stop.wait, name="server")
            thread.start()
            yield thread
            stop.set()
            thread.join()


        def test_first(server):
            assert server.is_alive()


        def test_second(server):
            assert server.is_alive()
    """)
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=2)
    result.stdout.no_fnmatch_line("*threadlesson: leak*")


def test_a_thread_of_an_unchecked_test_is_not_a_leak(pytester: pytest.Pytester) -> None:
    # Installed but inactive: the plugin leaves an unmarked test alone. The next test
    # releases and joins the thread, so the session ends by itself.
    pytester.makepyfile(test_unchecked="""
        import threading

        release = threading.Event()
        workers = []


        def test_leaves_a_thread_running():
            worker = threading.Thread(target=release.wait, name="lingering")
            worker.start()
            workers.append(worker)


        def test_the_thread_was_still_running_and_ends_now():
            (worker,) = workers
            assert worker.is_alive()
            release.set()
            worker.join()
    """)
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=2)
    result.stdout.no_fnmatch_line("*threadlesson: leak*")


# ---------------------------------------------------------------------------------------
# Asking for the check without the marker


_SPINNER = """
    import threading


    def spin(flag):
        while not flag:
            pass


    def start_spinner():
        threading.Thread(target=spin, args=([],), name="spinner").start()
"""


def test_the_no_leaked_threads_fixture_checks_an_unmarked_test(
        pytester: pytest.Pytester) -> None:
    path = pytester.makepyfile(test_fixture=_SPINNER + """

    def test_asks_for_the_check(no_leaked_threads):
        start_spinner()
    """)
    started = line_of(path, ".start()")
    result = _run(pytester, "--threadlesson-leak-grace=0.1")
    result.assert_outcomes(passed=1, errors=1)  # a leak is judged in teardown
    result.stdout.fnmatch_lines([
        "threadlesson: leak: 1 thread outlived the test",
        f"  'spinner' (non-daemon, target spin) started at test_fixture.py:{started} "
        "in start_spinner",
        "  now at test_fixture.py:* in spin: while not flag:",
    ])


def test_the_leak_check_ini_key_checks_every_test(pytester: pytest.Pytester) -> None:
    pytester.makeini("""
        [pytest]
        threadlesson_leak_check = true
        threadlesson_leak_grace = 0.1
    """)
    pytester.makepyfile(test_ini=_SPINNER + """

    def test_leaks():
        start_spinner()


    def test_does_not_leak():
        worker = threading.Thread(target=spin, args=([True],))
        worker.start()
        worker.join()
    """)
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=2, errors=1)  # a leak is judged in teardown
    result.stdout.fnmatch_lines([
        "test_ini.py::test_leaks PASSED*",
        "test_ini.py::test_leaks ERROR*",
        "test_ini.py::test_does_not_leak PASSED*",
        "*threadlesson: leak: 1 thread outlived the test",
        "  'spinner' (non-daemon, target spin) started at test_ini.py:* in start_spinner",
    ])


# ---------------------------------------------------------------------------------------
# The grace period


_LINGERER = """
    import threading

    import pytest


    def linger():
        threading.Event().wait(0.3)  # ends on its own, well after the test body


    @pytest.mark.threadlesson
    def test_leaves_a_short_lived_thread():
        threading.Thread(target=linger, name="lingerer").start()
"""


def test_a_short_lived_thread_passes_with_the_default_grace(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_linger=_LINGERER)
    result = _run(pytester)
    result.assert_outcomes(passed=1)


def test_the_leak_grace_option_sets_how_long_a_thread_may_take_to_end(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_linger=_LINGERER)
    result = _run(pytester, "--threadlesson-leak-grace=0")
    result.assert_outcomes(passed=1, errors=1)  # a leak is judged in teardown
    result.stdout.fnmatch_lines([
        "threadlesson: leak: 1 thread outlived the test",
        "  'lingerer' (non-daemon, target linger) started at test_linger.py:* "
        "in test_leaves_a_short_lived_thread",
    ])


def test_the_leak_grace_ini_key_sets_how_long_a_thread_may_take_to_end(
        pytester: pytest.Pytester) -> None:
    pytester.makeini("""
        [pytest]
        threadlesson_leak_grace = 0
    """)
    pytester.makepyfile(test_linger=_LINGERER)
    result = _run(pytester)
    result.assert_outcomes(passed=1, errors=1)  # a leak is judged in teardown
    result.stdout.fnmatch_lines(["threadlesson: leak: 1 thread outlived the test"])


# ---------------------------------------------------------------------------------------
# Leaks never keep the session from exiting


def test_a_leaked_thread_stuck_in_a_c_call_does_not_hang_the_exit(
        pytester: pytest.Pytester) -> None:
    # A lock made at import time is the real one: a thread blocked on it is stuck in C,
    # where no exception can reach it, and it is not a daemon.
    pytester.makepyfile(test_stuck="""
        import threading

        import pytest

        never_released = threading.Lock()
        never_released.acquire()


        @pytest.mark.threadlesson
        def test_leaves_a_stuck_thread():
            threading.Thread(target=never_released.acquire, name="stuck").start()


        def test_runs_after_the_leak():
            pass
    """)
    result = _run(pytester, "--threadlesson-leak-grace=0.1", "-v")
    assert result.ret == 1
    result.assert_outcomes(passed=2, errors=1)  # a leak is judged in teardown
    result.stdout.fnmatch_lines([
        "test_stuck.py::test_leaves_a_stuck_thread ERROR*",
        "test_stuck.py::test_runs_after_the_leak PASSED*",
        "  'stuck' (non-daemon, target *acquire*) started at test_stuck.py:* "
        "in test_leaves_a_stuck_thread",
        "*= 2 passed, 1 error in *",
    ])


def test_a_leaked_busy_thread_does_not_hang_the_exit(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_busy="""
        import threading

        import pytest


        def count_forever():
            n = 0
            while True:
                n += 1


        @pytest.mark.threadlesson
        def test_leaves_a_busy_thread():
            threading.Thread(target=count_forever, name="counter").start()
    """)
    result = _run(pytester, "--threadlesson-leak-grace=0.1")
    assert result.ret == 1
    result.assert_outcomes(passed=1, errors=1)  # a leak is judged in teardown
    result.stdout.fnmatch_lines([
        "  'counter' (non-daemon, target count_forever) started at test_busy.py:* "
        "in test_leaves_a_busy_thread",
        "*= 1 passed, 1 error in *",
    ])


# ---------------------------------------------------------------------------------------
# Exceptions in threads


def test_an_exception_in_a_thread_fails_the_test_that_started_it(
        pytester: pytest.Pytester) -> None:
    path = pytester.makepyfile(test_raises="""
        import threading

        import pytest


        def parse():
            raise ValueError("not a number: 'x'")


        @pytest.mark.threadlesson
        def test_parses_in_a_thread():
            worker = threading.Thread(target=parse)
            worker.start()
            worker.join()


        def test_the_next_test_is_not_blamed():
            pass
    """)
    started = line_of(path, "worker.start()")
    raised = line_of(path, "raise ValueError")
    result = _run(pytester, "-v")
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines([
        "test_raises.py::test_parses_in_a_thread FAILED*",
        "test_raises.py::test_the_next_test_is_not_blamed PASSED*",
        "threadlesson: lost-exception: an exception in thread 'Thread-1' "
        f"(started at test_raises.py:{started}) that the caller never saw",
        f'  *File "*test_raises.py", line {raised}, in parse',
        "  *raise ValueError(\"not a number: 'x'\")",
        "  ValueError: not a number: 'x'",
    ])


def test_a_future_exception_never_retrieved_fails_the_test(
        pytester: pytest.Pytester) -> None:
    path = pytester.makepyfile(test_pool="""
        from concurrent.futures import ThreadPoolExecutor

        import pytest


        def parse():
            raise ValueError("not a number: 'x'")


        @pytest.mark.threadlesson
        def test_submits_and_forgets():
            with ThreadPoolExecutor(max_workers=2) as pool:
                pool.submit(parse)
    """)
    raised = line_of(path, "raise ValueError")
    result = _run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*exception was never retrieved*",
        "  in pool-worker-1: ValueError: not a number: 'x'",
        f"    raised at test_pool.py:{raised} in parse: raise ValueError(*",
    ])


def test_a_future_exception_that_is_retrieved_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_pool="""
        from concurrent.futures import ThreadPoolExecutor

        import pytest


        def parse():
            raise ValueError("not a number: 'x'")


        @pytest.mark.threadlesson
        def test_submits_and_checks():
            with ThreadPoolExecutor(max_workers=2) as pool:
                future = pool.submit(parse)
                with pytest.raises(ValueError, match="not a number"):
                    future.result()
    """)
    result = _run(pytester)
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*never retrieved*")


def test_pytest_timeouts_timer_thread_is_not_the_tests_leak(pytester: pytest.Pytester) -> None:
    # `--timeout-method=thread` starts a timer thread per test. Started from the console
    # script (`.venv/bin/pytest`, which is not in site-packages), the timer was blamed on
    # the test: "leak: 1 thread outlived the test ... started at pytest:6 in <module>".
    pytester.makepyfile(test_plain="""
import threading

import pytest


@pytest.mark.threadlesson
def test_joins_its_thread():
    t = threading.Thread(target=lambda: None)
    t.start()
    t.join()
""")
    script = os.path.join(sysconfig.get_path("scripts"), "pytest")
    result = pytester.run(script, "-p", "no:randomly", "-p", "no:cacheprovider",
                          "--timeout=60", "--timeout-method=thread", timeout=120)
    assert "outlived the test" not in result.stdout.str(), result.stdout.str()
    result.assert_outcomes(passed=1)


def test_a_leaked_multiprocessing_pool_is_reported_and_left_working(
        pytester: pytest.Pytester) -> None:
    """A pool's handler threads serve its clean-up: stopped half-way, a process pool's
    finalizer waited for ever in pytest's main thread (fasteners' suite hung). They are
    reported and left running, so the pool still works and closes."""
    pytester.makepyfile(test_pool="""
        from multiprocessing.pool import ThreadPool

        import pytest

        pools = []


        @pytest.mark.threadlesson
        def test_leaves_its_pool_open():
            pools.append(ThreadPool(2))
            assert pools[0].map(abs, [-1, -2]) == [1, 2]


        @pytest.mark.deadlock_timeout(5)
        def test_the_pool_still_works():
            assert pools[0].map(abs, [-3]) == [3]
            pools[0].close()
            pools[0].join()
    """)
    result = _run(pytester, "-p", "no:randomly")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines([
        "threadlesson: leak: * threads outlived the test",
        "*target Pool._handle_workers*",
        "  (a multiprocessing pool's or queue's threads are left running: stopping them "
        "would hang its clean-up; close the pool in the test, `with Pool() as pool:` or "
        "pool.close() and pool.join())",
    ])
