"""k18: after close() every recorded event is in the file and the writer thread has ended."""

import itertools
import subprocess
import sys
import threading

import k18_daemon_shutdown
from k18_daemon_shutdown import AuditLog

# Runs in a fresh interpreter: load the very file this test imported, record, close, exit.
SCRIPT = """
import importlib.util, sys

module_file, log_path, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
spec = importlib.util.spec_from_file_location("k18_daemon_shutdown", module_file)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)

log = module.AuditLog(log_path)
for n in range(count):
    log.record(f"event {n}")
log.close()
"""


def lines_of(path):
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def test_close_returns_once_every_event_is_written_and_the_writer_has_ended(contention, tmp_path):
    numbers = itertools.count()  # each schedule its own file

    def scenario():
        log_path = tmp_path / f"audit-{next(numbers)}.log"
        threads_before = threading.active_count()
        log = AuditLog(log_path)
        log.record("login alice")
        log.record("logout alice")
        log.close()
        assert lines_of(log_path) == ["login alice", "logout alice"]
        assert threading.active_count() == threads_before

    contention.explore(scenario)


def test_every_event_reaches_the_file_when_the_program_exits_after_close(tmp_path):
    log_path = tmp_path / "audit.log"
    count = 2000

    subprocess.run(
        [sys.executable, "-c", SCRIPT, k18_daemon_shutdown.__file__, str(log_path), str(count)],
        check=True,
        timeout=60,
    )

    assert lines_of(log_path) == [f"event {n}" for n in range(count)]
