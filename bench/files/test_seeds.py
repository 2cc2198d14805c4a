"""Which derived seed does each repetition explore? (bench section 7)

Each test appends the seed `explore` used to the file BENCH_SEEDS_OUT (one line per
call: the worker, the test id, the seed). run.py runs it under pytest-xdist `-n 2` and
pytest-repeat `--count N`.
"""

import os
import threading


def _scenario():
    t = threading.Thread(target=lambda: None)
    t.start()
    t.join()


def _record(request, result):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(os.environ["BENCH_SEEDS_OUT"], "a") as f:
        f.write(f"{worker} {request.node.nodeid} {result.seed}\n")


def test_first(contention, request):
    _record(request, contention.explore(_scenario, schedules=1))


def test_second(contention, request):
    _record(request, contention.explore(_scenario, schedules=1))
