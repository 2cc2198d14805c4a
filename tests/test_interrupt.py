"""Ctrl-C in the middle of a stuck test ends the run promptly, with pytest's summary and
where each of the test's threads was.

The stuck test is one the plugin cannot unblock by itself: its main thread waits (in
`join`, or in one of our locks) for a worker that is blocked in a C call (`os.read` on a
pipe nobody writes), so no wait-for cycle ever closes. The worker is not a daemon, so the
interpreter would wait for it at exit: the exit guard must not let it.

The child says when it is stuck by printing a line; the parent blocks reading that line
(no sleeping), then sends SIGINT. A watchdog kills the child if it never gets there, so
this test cannot hang either.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

STUCK_IN_JOIN = """
import os
import threading

import pytest


@pytest.mark.threadlesson
def test_waits_for_a_worker_stuck_in_a_c_call():
    r, w = os.pipe()
    worker = threading.Thread(target=os.read, args=(r, 1), name="reader")
    worker.start()
    print("STUCK", flush=True)
    worker.join()
"""

STUCK_ON_A_LOCK = """
import os
import threading

import pytest


@pytest.mark.threadlesson
def test_waits_for_a_lock_held_by_a_worker_stuck_in_a_c_call():
    lock = threading.Lock()
    holding = threading.Event()
    r, w = os.pipe()

    def hold_and_read():
        with lock:
            holding.set()
            os.read(r, 1)

    worker = threading.Thread(target=hold_and_read, name="reader")
    worker.start()
    holding.wait()
    print("STUCK", flush=True)
    with lock:
        pass
"""

# pytest in a child whose Ctrl-C raises KeyboardInterrupt whatever it inherited: a shell
# starts a background job with SIGINT ignored, and Python then leaves it ignored (a CI
# script run with `&` made both of these tests wait for the watchdog).
WITH_CTRL_C = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
               "import pytest; sys.exit(pytest.console_main())")

WATCHDOG = 60.0  # seconds before a child that never got stuck, or never ended, is killed


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
@pytest.mark.parametrize(("source", "waits", "reader"), [
    # The worker's target is os.read itself: none of its frames is the learner's code.
    (STUCK_IN_JOIN, "    worker.join()", "now outside your code (a C call?)"),
    (STUCK_ON_A_LOCK, "    with lock:", "os.read(r, 1)"),
], ids=["join", "lock"])
def test_ctrl_c_during_a_stuck_test_ends_the_run_with_a_summary(tmp_path: Path, source: str,
                                                                waits: str, reader: str) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_stuck.py").write_text(source)
    env = dict(os.environ)
    env.pop("PYTEST_ADDOPTS", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # -s: the child's "STUCK" line reaches our pipe; the backstop is far away, so only
    # Ctrl-C can end the test.
    proc = subprocess.Popen(
        [sys.executable, "-c", WITH_CTRL_C, "-p", "no:cacheprovider", "-p", "no:randomly",
         "-s", "-o", "threadlesson_deadlock_timeout=600", "test_stuck.py"],
        cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    watchdog = threading.Timer(WATCHDOG, proc.kill)
    watchdog.start()
    try:
        assert proc.stdout is not None
        seen = []
        for line in proc.stdout:
            seen.append(line)
            if line.rstrip().endswith("STUCK"):  # after pytest's "test_stuck.py "
                break
        assert seen and seen[-1].rstrip().endswith("STUCK"), "".join(seen)
        proc.send_signal(signal.SIGINT)
        rest = proc.stdout.read()
        code = proc.wait()
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    out = "".join(seen) + rest
    assert code == pytest.ExitCode.INTERRUPTED, out  # killed by the watchdog would be -9
    assert "KeyboardInterrupt" in out, out
    assert "no tests ran" in out or "interrupted" in out, out  # pytest's summary line
    # Where each thread was: the learner's lines, not ours.
    where = out.split("where the threads were at Ctrl-C", 1)
    assert len(where) == 2, out
    # SIGINT can land just after the "STUCK" line is printed and before the wait starts:
    # either line is the learner's, and the report must name the one it really was.
    lines = source.splitlines()
    main_at = {lines.index(waits) + 1, lines.index('    print("STUCK", flush=True)') + 1}
    assert any(f"now at test_stuck.py:{n} " in where[1] for n in main_at), out
    assert "  reader " in where[1] and reader in where[1], out
