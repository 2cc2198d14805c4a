"""The plugin's skeleton: options, ini keys, markers, the seed, precedence, validation,
and the promise that every global it patches is the original again after any test.

Quick option and marker checks run in process; anything that instruments a test, explores
or can hang runs in a fresh interpreter, bounded by a timeout.
"""

from __future__ import annotations

import re

import pytest

TIMEOUT = 60

OPTIONS = (
    "--threadlesson-seed",
    "--threadlesson-schedules",
    "--threadlesson-strategy",
    "--threadlesson-leak-grace",
    "--threadlesson-deadlock-timeout",
    "--threadlesson-solutions",
    "--threadlesson-hints",
    "--threadlesson-full",
    "--threadlesson-kata-file",
)
INI_KEYS = (
    "threadlesson_schedules",
    "threadlesson_strategy",
    "threadlesson_instrument",
    "threadlesson_leak_check",
    "threadlesson_leak_grace",
    "threadlesson_deadlock_timeout",
)


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("-p", "no:randomly", *args)


def _run_subprocess(pytester: pytest.Pytester, *args: str,
                    timeout: float = TIMEOUT) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly",
                                         *args, timeout=timeout)


def _header_seed(result: pytest.RunResult) -> int:
    for line in result.outlines:
        found = re.fullmatch(r"threadlesson: seed (\d+) \(replay with "
                             r"--threadlesson-seed=(\d+)\), .*", line)
        if found:
            assert found.group(1) == found.group(2)
            return int(found.group(1))
    raise AssertionError("no threadlesson header:\n" + result.stdout.str())


# ---------------------------------------------------------------------------------------
# Help and markers


def test_help_shows_the_threadlesson_group_with_every_option_and_ini_key(
        pytester: pytest.Pytester) -> None:
    result = _run(pytester, "--help")
    assert result.ret == 0
    text = result.stdout.str()
    group = text.index("threadlesson: concurrency bugs, every time:")
    for option in OPTIONS:
        assert re.search(rf"^  {option}\b", text[group:], re.MULTILINE), option
    for key in INI_KEYS:
        assert re.search(rf"^  {key} \(string\):", text, re.MULTILINE), key
    result.stdout.fnmatch_lines([
        "  --threadlesson-leak-grace=SECONDS",
        "*seconds a thread may take to finish after its test*",
    ])


def test_markers_lists_both_markers_with_a_description(pytester: pytest.Pytester) -> None:
    result = _run(pytester, "--markers")
    assert result.ret == 0
    result.stdout.fnmatch_lines([
        "@pytest.mark.threadlesson: instrument this test's threads:*",
    ])
    result.stdout.fnmatch_lines([
        "@pytest.mark.deadlock_timeout(seconds): backstop for blocking the plugin cannot "
        "see*",
    ])


def test_the_markers_are_known_under_strict_markers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_strict="""
        import pytest


        @pytest.mark.deadlock_timeout(5)
        def test_marked_with_a_timeout():
            pass
    """)
    result = _run(pytester, "--strict-markers")
    result.assert_outcomes(passed=1)


# ---------------------------------------------------------------------------------------
# The session seed


def test_the_header_shows_the_seed_and_how_to_replay_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    result = _run(pytester)
    assert result.ret == 0
    seed = _header_seed(result)
    result.stdout.fnmatch_lines([
        f"threadlesson: seed {seed} (replay with --threadlesson-seed={seed}), "
        "100 schedules per scenario, strategy random",
    ])


def test_a_given_seed_is_the_one_explore_uses(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_seeded="""
        import threading


        def test_explores(contention):
            def scenario():
                def fail():
                    raise ValueError("in the scenario")

                worker = threading.Thread(target=fail)
                worker.start()
                worker.join()

            contention.explore(scenario, schedules=3)
    """)
    result = _run_subprocess(pytester, "--threadlesson-seed=1234")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "threadlesson: seed 1234 (replay with --threadlesson-seed=1234)*",
        "threadlesson: race after 1 schedule (seed 1234)",
        '*replay: * -m pytest "test_seeded.py::test_explores" --threadlesson-seed=1234',
    ])


def test_seed_last_replays_the_previous_sessions_seed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    first = _run(pytester)
    replayed = _run(pytester, "--threadlesson-seed=last")
    assert replayed.ret == 0
    assert _header_seed(replayed) == _header_seed(first)

    _run(pytester, "--threadlesson-seed=4321")
    replayed = _run(pytester, "--threadlesson-seed=last")
    assert _header_seed(replayed) == 4321


def test_seed_last_without_a_previous_session_is_a_clear_error(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    result = _run(pytester, "--threadlesson-seed=last")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        "*threadlesson: --threadlesson-seed=last, but no previous session left a seed "
        "in pytest's cache",
    ])


# ---------------------------------------------------------------------------------------
# Validation: a bad value stops the run and says where it came from


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("threadlesson_schedules", "abc", "a whole number of at least 1"),
    ("threadlesson_schedules", "0", "a whole number of at least 1"),
    ("threadlesson_leak_grace", "-1", "a number of seconds, 0 or more"),
    ("threadlesson_deadlock_timeout", "soon", "a number of seconds, 0 or more"),
    ("threadlesson_instrument", "maybe", "true or false"),
    ("threadlesson_leak_check", "sometimes", "true or false"),
    ("threadlesson_strategy", "nope", "one of random, pct, systematic, dpor"),
])
def test_a_bad_ini_value_is_an_error_naming_the_key_and_the_file(
        pytester: pytest.Pytester, key: str, value: str, expected: str) -> None:
    pytester.makeini(f"[pytest]\n{key} = {value}\n")
    pytester.makepyfile("def test_nothing(): pass")
    result = _run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        f"*threadlesson: {key} in tox.ini is '{value}': expected {expected}",
    ])
    result.stdout.no_fnmatch_line("*passed*")


def test_a_bad_value_in_pyproject_names_pyproject(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml("""
        [tool.pytest.ini_options]
        threadlesson_schedules = "many"
    """)
    pytester.makepyfile("def test_nothing(): pass")
    result = _run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        "*threadlesson: threadlesson_schedules in pyproject.toml is 'many': "
        "expected a whole number of at least 1",
    ])


@pytest.mark.parametrize(("option", "value", "expected"), [
    ("--threadlesson-schedules", "abc", "a whole number of at least 1"),
    ("--threadlesson-schedules", "0", "a whole number of at least 1"),
    ("--threadlesson-strategy", "nope", "one of random, pct, systematic, dpor"),
    ("--threadlesson-leak-grace", "-1", "a number of seconds, 0 or more"),
    ("--threadlesson-deadlock-timeout", "nan", "a number of seconds, 0 or more"),
    ("--threadlesson-seed", "abc", "a whole number, 'random' or 'last'"),
])
def test_a_bad_command_line_value_is_an_error_naming_the_option(
        pytester: pytest.Pytester, option: str, value: str, expected: str) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    result = _run(pytester, f"{option}={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        f"*threadlesson: {option} (command line) is '{value}': expected {expected}",
    ])


# ---------------------------------------------------------------------------------------
# Precedence: marker > command line > ini > default


def test_ini_values_replace_the_defaults(pytester: pytest.Pytester) -> None:
    pytester.makeini("""
        [pytest]
        threadlesson_schedules = 7
        threadlesson_strategy = pct
    """)
    pytester.makepyfile("def test_nothing(): pass")
    result = _run(pytester)
    assert result.ret == 0
    result.stdout.fnmatch_lines(["threadlesson: seed *, 7 schedules per scenario, strategy pct"])


def test_the_command_line_beats_the_ini_file(pytester: pytest.Pytester) -> None:
    pytester.makeini("""
        [pytest]
        threadlesson_schedules = 7
        threadlesson_strategy = pct
    """)
    pytester.makepyfile("def test_nothing(): pass")
    result = _run(pytester, "--threadlesson-schedules=3", "--threadlesson-strategy=random")
    assert result.ret == 0
    result.stdout.fnmatch_lines([
        "threadlesson: seed *, 3 schedules per scenario, strategy random",
    ])


_BUSY = """
    import pytest


    def spin():
        flag = []
        while not flag:  # a busy loop: no primitive, nothing the detector can see
            pass


    @pytest.mark.threadlesson
    {marker}
    def test_spins():
        spin()
"""


def test_the_deadlock_timeout_option_beats_the_ini_key(pytester: pytest.Pytester) -> None:
    # With the ini's 30 seconds the run would outlive the subprocess timeout.
    pytester.makeini("[pytest]\nthreadlesson_deadlock_timeout = 30\n")
    pytester.makepyfile(test_busy=_BUSY.format(marker=""))
    result = _run_subprocess(pytester, "--threadlesson-deadlock-timeout=0.3", timeout=15)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "threadlesson: no progress before the deadlock timeout: every thread, where it is now",
        "*now at test_busy.py:* in spin: while not flag:*",
    ])


def test_the_deadlock_timeout_marker_beats_the_command_line_and_the_ini_key(
        pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nthreadlesson_deadlock_timeout = 30\n")
    pytester.makepyfile(test_busy=_BUSY.format(marker="@pytest.mark.deadlock_timeout(0.3)"))
    result = _run_subprocess(pytester, "--threadlesson-deadlock-timeout=30", timeout=15)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "threadlesson: no progress before the deadlock timeout: every thread, where it is now",
    ])


def test_a_bad_deadlock_timeout_marker_is_an_error_naming_the_test(
        pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nthreadlesson_deadlock_timeout = 30\n")
    pytester.makepyfile(test_marker="""
        import pytest


        @pytest.mark.threadlesson
        @pytest.mark.deadlock_timeout("soon")
        def test_badly_marked():
            pass
    """)
    result = _run_subprocess(pytester)
    assert result.ret != 0
    # A usage error, before any test runs: pytest prints it on stderr.
    pytest.LineMatcher(result.stdout.lines + result.stderr.lines).fnmatch_lines([
        "*threadlesson: deadlock_timeout marker on test_marker.py::test_badly_marked is "
        "'soon': expected a number of seconds, 0 or more",
    ])


# ---------------------------------------------------------------------------------------
# Every patched global is the original again, whatever the test did


_PRISTINE = """
    import concurrent.futures._base as futures_base
    import concurrent.futures.thread as futures_thread
    import gc
    import queue
    import sys
    import threading
    import time

    import pytest


    def current():
        return {
            "threading.Lock": threading.Lock,
            "threading.RLock": threading.RLock,
            "threading.Condition": threading.Condition,
            "threading.Semaphore": threading.Semaphore,
            "threading.BoundedSemaphore": threading.BoundedSemaphore,
            "threading.Event": threading.Event,
            "threading.Barrier": threading.Barrier,
            "threading._time": threading._time,
            "threading.Thread.start": threading.Thread.start,
            "threading.Thread.join": threading.Thread.join,
            "threading.Thread.is_alive": threading.Thread.is_alive,
            "queue.SimpleQueue": queue.SimpleQueue,
            "queue.time": queue.time,
            "time.sleep": time.sleep,
            "time.monotonic": time.monotonic,
            "time.time": time.time,
            "time.perf_counter": time.perf_counter,
            "Future.set_exception": futures_base.Future.set_exception,
            "Future.result": futures_base.Future.result,
            "Future.exception": futures_base.Future.exception,
            "futures.thread._global_shutdown_lock": futures_thread._global_shutdown_lock,
        }


    # Captured while the module is imported: before any test runs, so before any patch.
    ORIGINALS = current()
    SWITCH_INTERVAL = sys.getswitchinterval()


    def check_pristine():
        now = current()
        changed = [name for name, value in ORIGINALS.items() if now[name] is not value]
        assert changed == [], f"still patched: {changed}"
        assert sys.getswitchinterval() == SWITCH_INTERVAL
        assert gc.isenabled()


    @pytest.mark.threadlesson
    def test_marked_passes():
        lock = threading.Lock()
        with lock:
            pass
        assert threading.Lock is not ORIGINALS["threading.Lock"]  # the patch was there


    def test_pristine_after_a_passing_marked_test():
        check_pristine()


    @pytest.mark.threadlesson
    def test_marked_fails():
        assert threading.Lock is ORIGINALS["threading.Lock"]


    def test_pristine_after_a_failing_marked_test():
        check_pristine()


    @pytest.fixture
    def broken():
        raise RuntimeError("the fixture cannot set up")


    @pytest.mark.threadlesson
    def test_marked_errors(broken):
        pass


    def test_pristine_after_an_erroring_marked_test():
        check_pristine()


    @pytest.mark.threadlesson
    def test_marked_deadlocks():
        lock = threading.Lock()
        lock.acquire()
        lock.acquire()


    def test_pristine_after_a_deadlocked_marked_test():
        check_pristine()


    def test_explore_fails(contention):
        def scenario():
            lock = threading.Lock()

            def work():
                with lock:
                    time.sleep(1)  # virtual time: exercises the sleep patch
                    raise ValueError("in the scenario")

            worker = threading.Thread(target=work)
            worker.start()
            worker.join()

        contention.explore(scenario, schedules=3)


    def test_pristine_after_a_failing_explore():
        check_pristine()


    def test_leak_check_fails(no_leaked_threads):
        def fail():
            raise ValueError("in a thread")

        worker = threading.Thread(target=fail)
        worker.start()
        worker.join()


    def test_pristine_after_a_failing_leak_checked_test():
        check_pristine()
"""


def test_every_patched_global_is_the_original_again_after_any_test(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_pristine=_PRISTINE)
    result = _run_subprocess(pytester, "-v")
    result.stdout.fnmatch_lines([
        "test_pristine.py::test_marked_passes PASSED*",
        "test_pristine.py::test_pristine_after_a_passing_marked_test PASSED*",
        "test_pristine.py::test_marked_fails FAILED*",
        "test_pristine.py::test_pristine_after_a_failing_marked_test PASSED*",
        "test_pristine.py::test_marked_errors ERROR*",
        "test_pristine.py::test_pristine_after_an_erroring_marked_test PASSED*",
        "test_pristine.py::test_marked_deadlocks FAILED*",
        "test_pristine.py::test_pristine_after_a_deadlocked_marked_test PASSED*",
        "test_pristine.py::test_explore_fails FAILED*",
        "test_pristine.py::test_pristine_after_a_failing_explore PASSED*",
        "test_pristine.py::test_leak_check_fails FAILED*",
        "test_pristine.py::test_pristine_after_a_failing_leak_checked_test PASSED*",
    ])
    result.assert_outcomes(passed=7, failed=4, errors=1)
    # Each failure is the one we meant, not an accident of a half-restored patch.
    result.stdout.fnmatch_lines([
        "*threadlesson: deadlock: a thread waits for a lock it already holds*",
    ])
    result.stdout.fnmatch_lines(["*threadlesson: race after 1 schedule (seed *)*"])
    result.stdout.fnmatch_lines(["*threadlesson: lost-exception: an exception in thread*"])
    result.stdout.fnmatch_lines(["*RuntimeError: the fixture cannot set up*"])


def test_installed_but_inactive_the_plugin_changes_nothing_for_an_unmarked_test(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inactive="""
        import _queue
        import _thread
        import concurrent.futures._base as futures_base
        import queue
        import sys
        import threading
        import time


        def test_threading_is_the_standard_librarys():
            assert type(threading.Lock()) is _thread.LockType
            assert type(threading.RLock()) is threading._CRLock
            for name in ("Condition", "Semaphore", "BoundedSemaphore", "Event", "Barrier"):
                assert getattr(threading, name).__module__ == "threading", name
            for name in ("start", "join", "is_alive"):
                assert getattr(threading.Thread, name).__module__ == "threading", name
            assert type(threading.Event()._cond) is threading.Condition
            assert queue.SimpleQueue is _queue.SimpleQueue
            for name in ("sleep", "monotonic", "time", "perf_counter"):
                assert getattr(time, name).__module__ == "time", name
            assert threading._time is time.monotonic
            for name in ("set_exception", "result", "exception"):
                method = getattr(futures_base.Future, name)
                assert method.__module__ == "concurrent.futures._base", name
            assert sys.getswitchinterval() == 0.005


        def test_a_thread_of_an_unmarked_test_is_an_ordinary_thread():
            worker = threading.Thread(target=lambda: None)
            worker.start()
            worker.join()
            assert type(worker._started).__module__ == "threading"
            assert "run" not in vars(worker)
    """)
    result = _run_subprocess(pytester, "-v")
    result.stdout.fnmatch_lines(["threadlesson: seed *"])  # installed
    result.assert_outcomes(passed=2)


def test_p_no_threadlesson_switches_the_plugin_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_off="""
        def test_explores(contention):
            pass
    """)
    result = _run(pytester, "-p", "no:threadlesson")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'contention' not found*"])
    result.stdout.no_fnmatch_line("threadlesson: seed *")

    result = _run(pytester, "-p", "no:threadlesson", "--threadlesson-seed=1")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unrecognized arguments: --threadlesson-seed=1*"])
