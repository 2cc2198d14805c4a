"""Ten tests that deadlock for sure (bench section 4); copied into a temporary folder.

Each test: two threads each take their first lock, meet at a barrier, then take the
other's lock. Each thread stamps `time.perf_counter()` just before it blocks on the second
lock; the test stamps the moment the `DeadlockError` reaches it (its `join`). With
BENCH_DEADLOCK_OUT set, the stamps go to that file, one JSON line per test. The threads are
daemons, so that the run under pytest-timeout alone (which cannot unblock them) can exit.
"""

import json
import os
import threading
import time

import pytest

from pytest_threadlesson import DeadlockError

_perf = time.perf_counter  # bound at import: the real clock
OUT = os.environ.get("BENCH_DEADLOCK_OUT")

pytestmark = pytest.mark.threadlesson


@pytest.mark.parametrize("i", range(10))
def test_opposite_transfers_deadlock(i):
    first, second = threading.Lock(), threading.Lock()
    both_hold_one = threading.Barrier(2)
    blocked, caught = [], []

    def transfer(mine, theirs):
        with mine:
            both_hold_one.wait()
            blocked.append(_perf())
            try:
                theirs.acquire()
            except DeadlockError:
                caught.append(_perf())
                raise
            theirs.release()

    threads = [threading.Thread(target=transfer, args=(first, second), daemon=True),
               threading.Thread(target=transfer, args=(second, first), daemon=True)]
    for t in threads:
        t.start()
    error = None  # the DeadlockError that reached the test's own join, if it did
    failed_at = None
    try:
        for t in threads:
            t.join()
    except DeadlockError as exc:
        error, failed_at = exc, _perf()
        for t in threads:
            try:
                t.join()  # both workers have stamped their DeadlockError: the record is whole
            except DeadlockError:
                pass
    # Written also when both workers ended (by their DeadlockError) before the join woke:
    # the plugin fails the test all the same, from the deadlock it recorded.
    if OUT:
        with open(OUT, "a") as f:
            f.write(json.dumps({"blocked": blocked, "caught": caught,
                                "test_failed": failed_at}) + "\n")
    if error is not None:
        raise error
