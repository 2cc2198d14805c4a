"""When a leak is judged, and the rules a test can give for it, end to end through pytester.

Leaks are judged once the test's function-scoped fixtures are torn down, as goleak and
pytest's own cleanup checks do: a fixture that stops every worker in its teardown is how
many suites clean up, and its threads are not leaks. Everything that can hang runs in a
fresh interpreter, bounded by a timeout.
"""

from __future__ import annotations

import pytest
from support import line_of, report_lines, run_isolated

TIMEOUT = 60


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return run_isolated(pytester, *args, timeout=TIMEOUT)


# ---------------------------------------------------------------------------------------
# 1. Leaks are judged after the test's function-scoped fixtures are torn down

# Workers register themselves; a fixture stops them all in its teardown (pykka's
# `ActorRegistry.stop_all()`, a server's `shutdown()`).
_WORKERS = """
    import threading

    import pytest

    registry = []


    class Worker:
        def __init__(self, name):
            self.stopping = threading.Event()
            self.thread = threading.Thread(target=self.run, name=name)
            self.thread.start()
            registry.append(self)

        def run(self):
            self.stopping.wait()

        def stop(self):
            self.stopping.set()


    def stop_all():
        for worker in registry:
            worker.stop()
        for worker in registry:
            worker.thread.join()
        registry.clear()


    @pytest.fixture
    def stop_workers():
        yield
        stop_all()
"""


def test_a_fixture_that_stops_the_tests_workers_in_its_teardown_passes(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_stop_all=_WORKERS + """

    @pytest.mark.threadlesson
    @pytest.mark.usefixtures("stop_workers")
    def test_starts_two_workers():
        Worker("alpha")
        Worker("beta")
        assert all(worker.thread.is_alive() for worker in registry)
    """)
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*threadlesson: leak*")
    result.stdout.no_fnmatch_line("*ThreadlessonStop*")


def test_the_fixtures_teardown_finds_its_threads_still_running(
        pytester: pytest.Pytester) -> None:
    # The plugin must not stop the threads that the teardown is about to stop: the
    # teardown sees them alive, as it would without the plugin.
    pytester.makepyfile(test_alive="""
        import threading

        import pytest


        @pytest.fixture
        def workers():
            started = []
            yield started
            for stop, thread in started:
                assert thread.is_alive(), "the plugin stopped it before teardown"
                stop.set()
                thread.join()


        @pytest.mark.threadlesson
        def test_starts_a_worker(workers):
            stop = threading.Event()
            thread = threading.Thread(target=stop.wait, name="worker")
            thread.start()
            workers.append((stop, thread))
    """)
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*the plugin stopped it before teardown*")


def test_threads_a_fixture_starts_and_stops_itself_are_not_leaks(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_server="""
        import threading

        import pytest


        @pytest.fixture
        def server():
            stop = threading.Event()
            thread = threading.Thread(target=stop.wait, name="server")
            thread.start()
            yield thread
            stop.set()
            thread.join()


        @pytest.mark.threadlesson
        def test_uses_the_server(server):
            assert server.is_alive()
    """)
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*threadlesson: leak*")


def test_the_no_leaked_threads_fixture_judges_after_the_other_fixtures_teardown(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_fixture_first=_WORKERS + """

    def test_asks_for_the_check_first(no_leaked_threads, stop_workers):
        Worker("alpha")


    def test_asks_for_the_check_last(stop_workers, no_leaked_threads):
        Worker("beta")
    """)
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=2)
    result.stdout.no_fnmatch_line("*threadlesson: leak*")


def test_the_leak_check_ini_key_judges_after_teardown_too(pytester: pytest.Pytester) -> None:
    pytester.makeini("""
        [pytest]
        threadlesson_leak_check = true
    """)
    pytester.makepyfile(test_ini_teardown=_WORKERS + """

    @pytest.mark.usefixtures("stop_workers")
    def test_starts_a_worker():
        Worker("alpha")
    """)
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*threadlesson: leak*")


def test_a_thread_still_alive_after_teardown_fails_the_test_with_the_usual_report(
        pytester: pytest.Pytester) -> None:
    path = pytester.makepyfile(test_forgotten=_WORKERS + """

    def wait_forever(event):
        event.wait()


    @pytest.mark.threadlesson
    @pytest.mark.usefixtures("stop_workers")
    def test_starts_a_worker_and_a_stray_thread():
        Worker("alpha")
        never = threading.Event()
        threading.Thread(target=wait_forever, args=(never,), name="stray").start()
    """)
    started = line_of(path, 'name="stray").start()')
    waiting = line_of(path, "    event.wait()")
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([
        "*::test_starts_a_worker_and_a_stray_thread ERROR*",
        "threadlesson: leak: 1 thread outlived the test",
        f"  'stray' (non-daemon, target wait_forever) started at "
        f"test_forgotten.py:{started} in test_starts_a_worker_and_a_stray_thread",
        f"  now at test_forgotten.py:{waiting} in wait_forever: event.wait()",
        "  waiting for Event (test_forgotten.py:*)",
    ])
    # Only the thread nobody stopped is reported: the fixture stopped 'alpha' itself.
    report = result.stdout.str().split("threadlesson: leak:", 1)[1]
    assert "'alpha'" not in report


def test_a_thread_a_fixture_starts_and_never_stops_fails_the_test(
        pytester: pytest.Pytester) -> None:
    path = pytester.makepyfile(test_fixture_leak="""
        import threading

        import pytest


        @pytest.fixture
        def heartbeat():
            never = threading.Event()
            thread = threading.Thread(target=never.wait, name="heartbeat", daemon=True)
            thread.start()
            yield thread


        @pytest.mark.threadlesson
        def test_uses_the_heartbeat(heartbeat):
            assert heartbeat.is_alive()
    """)
    started = line_of(path, "thread.start()")
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([
        "threadlesson: leak: 1 thread outlived the test",
        f"  'heartbeat' (daemon, target Event.wait) started at "
        f"test_fixture_leak.py:{started} in heartbeat",
    ])


def test_an_exception_a_worker_raises_as_teardown_stops_it_fails_the_test(
        pytester: pytest.Pytester) -> None:
    # The threads now run until teardown: what goes wrong in them then is the test's too.
    pytester.makepyfile(test_late_exception="""
        import threading

        import pytest


        @pytest.fixture
        def worker():
            stop = threading.Event()

            def run():
                stop.wait()
                raise RuntimeError("failed while stopping")

            thread = threading.Thread(target=run, name="worker")
            thread.start()
            yield
            stop.set()
            thread.join()


        @pytest.mark.threadlesson
        def test_uses_the_worker(worker):
            pass
    """)
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([
        "threadlesson: lost-exception: an exception in thread 'worker'*",
        "  RuntimeError: failed while stopping",
    ])
    result.stdout.no_fnmatch_line("*threadlesson: leak*")


def test_a_teardown_that_waits_forever_on_a_thread_is_ended_by_the_backstop(
        pytester: pytest.Pytester) -> None:
    # Threads now live through teardown, so the backstop watches teardown as well: a join
    # on a thread that never ends must not hang the session.
    pytester.makepyfile(test_stuck_teardown="""
        import threading

        import pytest


        def spin(flag):
            while not flag:
                pass


        @pytest.fixture
        def spinner():
            thread = threading.Thread(target=spin, args=([],), name="spinner")
            thread.start()
            yield
            thread.join()


        @pytest.mark.threadlesson
        @pytest.mark.deadlock_timeout(1)
        def test_uses_the_spinner(spinner):
            pass


        def test_runs_after():
            pass
    """)
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*test_runs_after PASSED*"])
    result.stdout.fnmatch_lines([
        "*ERROR at teardown of test_uses_the_spinner*",
        "threadlesson: no progress before the deadlock timeout: every thread, where it is now",
        "             waits  thread 'spinner' to finish   (test_stuck_teardown.py:*)",
        "  spinner    holds nothing",
        "             now at test_stuck_teardown.py:* in spin: while not flag:",
    ])


# ---------------------------------------------------------------------------------------
# 2. A test may say that it drops failing futures on purpose

_DROPS = """
    from concurrent.futures import ThreadPoolExecutor

    import pytest


    def fail_on_purpose(n):
        raise ValueError(f"job {n} fails on purpose")


    def submit_and_forget():
        with ThreadPoolExecutor(max_workers=2) as pool:
            for n in range(3):
                pool.submit(fail_on_purpose, n)
"""


def test_the_dropped_future_report_says_how_to_mean_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_drops=_DROPS + """

    @pytest.mark.threadlesson
    def test_submits_and_forgets():
        submit_and_forget()
    """)
    result = _run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "threadlesson: lost-exception: a Future's exception was never retrieved",
        "  in pool-worker-*: ValueError: job * fails on purpose",
        "  (nobody called result() or exception() on its future)",
        "  to say the test means it: @pytest.mark.threadlesson(dropped_exceptions_ok=True)",
    ])


def test_a_test_that_drops_failing_futures_on_purpose_passes_when_it_says_so(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_drops=_DROPS + """

    @pytest.mark.threadlesson(dropped_exceptions_ok=True)
    def test_submits_and_forgets_on_purpose():
        submit_and_forget()


    @pytest.mark.threadlesson
    def test_the_next_test_keeps_the_rule():
        submit_and_forget()
    """)
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*::test_submits_and_forgets_on_purpose PASSED*",
        "*::test_the_next_test_keeps_the_rule FAILED*",
    ])


def test_dropped_exceptions_ok_on_a_modules_pytestmark_covers_its_tests(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_drops=_DROPS + """

    pytestmark = pytest.mark.threadlesson(dropped_exceptions_ok=True)


    def test_submits_and_forgets_on_purpose():
        submit_and_forget()
    """)
    result = _run(pytester)
    result.assert_outcomes(passed=1)


def test_dropped_exceptions_ok_holds_inside_explore_too(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_explore_drops=_DROPS + """

    @pytest.mark.threadlesson(dropped_exceptions_ok=True)
    def test_explores_on_purpose(contention):
        contention.explore(submit_and_forget, schedules=3)


    def test_explores_and_forgets(contention):
        contention.explore(submit_and_forget, schedules=3)
    """)
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*::test_explores_on_purpose PASSED*",
        "*::test_explores_and_forgets FAILED*",
    ])
    result.stdout.fnmatch_lines([
        "*to say the test means it: @pytest.mark.threadlesson(dropped_exceptions_ok=True)",
    ])


def test_dropped_exceptions_ok_does_not_hide_an_exception_raised_in_a_plain_thread(
        pytester: pytest.Pytester) -> None:
    # The keyword is about futures nobody asked; an exception that ends a thread is lost
    # whatever the test means.
    pytester.makepyfile(test_thread_raises="""
        import threading

        import pytest


        def parse():
            raise ValueError("not a number: 'x'")


        @pytest.mark.threadlesson(dropped_exceptions_ok=True)
        def test_parses_in_a_thread():
            worker = threading.Thread(target=parse)
            worker.start()
            worker.join()
    """)
    result = _run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["threadlesson: lost-exception: an exception in thread*"])


def test_an_unknown_keyword_of_the_marker_is_a_usage_error_for_that_test_only(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_typo=_DROPS + """

    @pytest.mark.threadlesson(dropped_exception_ok=True)
    def test_has_a_typo():
        submit_and_forget()


    def test_runs_anyway():
        pass
    """, test_other="""
        import pytest


        @pytest.mark.threadlesson
        def test_in_another_file():
            pass
    """)
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines([
        "*test_typo.py::test_has_a_typo ERROR*",
    ])
    result.stdout.fnmatch_lines([
        "*threadlesson: @pytest.mark.threadlesson on test_typo.py::test_has_a_typo: "
        "unknown keyword 'dropped_exception_ok' (did you mean 'dropped_exceptions_ok'?)*",
        "*the keywords are: dropped_exceptions_ok=True*",
    ])
    result.stdout.no_fnmatch_line("*never retrieved*")


@pytest.mark.parametrize(("mark", "expected"), [
    ('threadlesson(dropped_exceptions_ok="yes")', "dropped_exceptions_ok must be True or False"),
    ("threadlesson(True)", "takes keywords only"),
])
def test_a_bad_value_of_the_marker_is_a_usage_error_for_that_test(
        pytester: pytest.Pytester, mark: str, expected: str) -> None:
    pytester.makepyfile(test_bad=f"""
        import pytest


        @pytest.mark.{mark}
        def test_bad_mark():
            pass


        def test_runs_anyway():
            pass
    """)
    result = _run(pytester)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([f"*threadlesson: @pytest.mark.threadlesson on *{expected}*"])


# ---------------------------------------------------------------------------------------
# 3. Threads meant to outlive a test: ignore rules, as goleak's IgnoreTopFunction

# A pool made at import: its workers start in the first test that submits to it, and are
# meant to serve every test after it.
_POOL = """
    from concurrent.futures import ThreadPoolExecutor

    import pytest

    POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shared-pool")


    def double(n):
        return 2 * n
"""

_POOL_TESTS = """

    def test_first_submit_starts_the_worker():
        assert POOL.submit(double, 2).result() == 4


    def test_the_worker_still_serves_the_next_test():
        assert POOL.submit(double, 3).result() == 6
"""


def test_a_module_level_pool_started_lazily_is_a_leak_by_default(
        pytester: pytest.Pytester) -> None:
    # (Only the first test: the plugin stops the leaked worker, so a test after it would
    # wait for a pool with no worker left.)
    pytester.makepyfile(test_pool=_POOL + """
    pytestmark = pytest.mark.threadlesson
    """ + _POOL_TESTS.split("\n\n\n    def test_the_worker_still")[0])
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([
        "*::test_first_submit_starts_the_worker ERROR*",
        "threadlesson: leak: 1 thread outlived the test",
        "  'shared-pool_0' (non-daemon, target _worker) started at test_pool.py:* "
        "in test_first_submit_starts_the_worker",
        "  to accept threads like this one: "
        '@pytest.mark.threadlesson(leak_ignore=["target:concurrent.futures.thread._worker"])',
        "  (or for every test, in the ini file: "
        "threadlesson_leak_ignore = target:concurrent.futures.thread._worker)",
    ])


def test_a_leak_ignore_rule_on_the_marker_accepts_the_pool_and_leaves_it_running(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_pool=_POOL + """
    pytestmark = pytest.mark.threadlesson(
        leak_ignore=["target:concurrent.futures.thread._worker"])
    """ + _POOL_TESTS)
    result = _run(pytester, "-v")
    # The second test gets its answer from the same worker: the plugin did not stop it.
    result.assert_outcomes(passed=2)
    result.stdout.no_fnmatch_line("*threadlesson: leak*")


def test_the_rule_a_leak_report_suggests_accepts_the_thread_when_pasted(
        pytester: pytest.Pytester) -> None:
    source = """
        import threading

        import pytest

        stop = threading.Event()


        def keep_the_cache_warm():
            stop.wait()


        @MARK
        def test_starts_the_warmer():
            threading.Thread(target=keep_the_cache_warm, name="warmer", daemon=True).start()
    """
    pytester.makepyfile(test_warm=source.replace("@MARK", "@pytest.mark.threadlesson"))
    result = _run(pytester)
    result.assert_outcomes(passed=1, errors=1)
    marker = [line.split("to accept threads like this one: ", 1)[1]
              for line in report_lines(result) if "to accept threads like this one: " in line]
    assert marker == ['@pytest.mark.threadlesson(leak_ignore=["target:test_warm.'
                      'keep_the_cache_warm"])'], result.outlines
    pytester.makepyfile(test_warm=source.replace("@MARK", marker[0]))
    result = _run(pytester)
    result.assert_outcomes(passed=1)


def test_a_leak_ignore_name_rule_in_the_ini_file_accepts_the_pool(
        pytester: pytest.Pytester) -> None:
    pytester.makeini("""
        [pytest]
        threadlesson_leak_ignore =
            name:shared-pool_*
            name:nothing-else
    """)
    pytester.makepyfile(test_pool=_POOL + """
    pytestmark = pytest.mark.threadlesson
    """ + _POOL_TESTS)
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=2)
    result.stdout.no_fnmatch_line("*threadlesson: leak*")


def test_a_stack_rule_accepts_a_thread_by_a_function_on_its_current_stack(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_stack="""
        import threading

        import pytest

        stop = threading.Event()


        def serve_forever():
            stop.wait()


        def run(main):
            main()


        @pytest.mark.threadlesson(leak_ignore=["stack:test_stack.serve_*"])
        def test_serves():
            threading.Thread(target=run, args=(serve_forever,), daemon=True).start()


        @pytest.mark.threadlesson(leak_ignore=["stack:test_stack.serve_*"])
        def test_another_thread_is_still_a_leak():
            never = threading.Event()
            threading.Thread(target=run, args=(never.wait,), name="other",
                             daemon=True).start()
    """)
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines([
        "*::test_serves PASSED*",
        "*::test_another_thread_is_still_a_leak ERROR*",
    ])
    result.stdout.fnmatch_lines([
        "threadlesson: leak: 1 thread outlived the test",
        "  'other' (daemon, target run) started at test_stack.py:*",
    ])


def test_a_rule_that_matches_nothing_leaves_the_default_strict(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_strict="""
        import threading

        import pytest


        @pytest.mark.threadlesson(leak_ignore=["target:elsewhere.*", "name:warmer"])
        def test_starts_a_stray_thread():
            never = threading.Event()
            threading.Thread(target=never.wait, name="stray", daemon=True).start()
    """)
    result = _run(pytester)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["  'stray' (daemon, target Event.wait) started at *"])


def test_a_rule_without_a_known_prefix_on_the_marker_is_an_error_for_that_test(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_bad_rule="""
        import pytest


        @pytest.mark.threadlesson(leak_ignore=["mypkg.pool._worker"])
        def test_bad_rule():
            pass


        def test_runs_anyway():
            pass
    """)
    result = _run(pytester)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([
        "threadlesson: @pytest.mark.threadlesson on test_bad_rule.py::test_bad_rule: "
        "leak_ignore rule 'mypkg.pool._worker' is not one of:",
        "  target:GLOB  *",
        "  name:GLOB  *",
        "  stack:GLOB  *",
    ])


def test_leak_ignore_must_be_a_list_of_rules(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_not_a_list="""
        import pytest


        @pytest.mark.threadlesson(leak_ignore=[42])
        def test_bad_rules():
            pass
    """)
    result = _run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*leak_ignore must be a list of rules such as*"])


def test_a_rule_without_a_known_prefix_in_the_ini_file_stops_the_run_saying_where(
        pytester: pytest.Pytester) -> None:
    pytester.makeini("""
        [pytest]
        threadlesson_leak_ignore = shared-pool_*
    """)
    pytester.makepyfile(test_any="""
        def test_any():
            pass
    """)
    result = _run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        "*threadlesson: threadlesson_leak_ignore in tox.ini: rule 'shared-pool_*' is not "
        "one of:*",
        "*target:GLOB*",
    ])
