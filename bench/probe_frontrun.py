"""The frontrun side of the side-by-side comparison (run.py section 3).

frontrun (https://pypi.org/project/frontrun/) is a deterministic scheduler for Python. It
is not a dependency of this project: install it into a venv of its own, and run this file
through its launcher, which sets the environment frontrun.explore() requires:

    python3 -m venv /tmp/venv-frontrun && /tmp/venv-frontrun/bin/pip install frontrun
    /tmp/venv-frontrun/bin/frontrun python bench/probe_frontrun.py lost_update dpor 1

Prints one JSON line: the verdict and the seconds the first explore() of the process took.
The scenarios are the same code shapes as bench/scenarios.py, in frontrun's terms:
`setup` makes the shared state, `workers` are the threads, `invariant` is the assert.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import frontrun

_perf = time.perf_counter


class Hits:  # lost update on one line (bench/scenarios.py: lost_update)
    def __init__(self) -> None:
        self.count = 0

    def hit(self) -> None:
        self.count += 1


class Accounts:  # lock-order deadlock (bench/scenarios.py: lock_order_deadlock)
    def __init__(self) -> None:
        self.a_lock, self.b_lock = threading.Lock(), threading.Lock()
        self.a, self.b = 100, 100


def a_to_b(s: Accounts) -> None:
    with s.a_lock:
        with s.b_lock:
            s.a -= 10
            s.b += 10


def b_to_a(s: Accounts) -> None:
    with s.b_lock:
        with s.a_lock:
            s.b -= 5
            s.a += 5


class Tally:  # threads started by the code under test (a pool, or plain threads)
    def __init__(self) -> None:
        self.total = 0

    def add(self, x: int) -> None:
        self.total += x


def pool_map(s: Tally) -> None:  # bench/scenarios.py: thread_pool_map
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(s.add, [1, 2, 3]))


def own_threads(s: Tally) -> None:  # the code under test starts its own threads
    threads = [threading.Thread(target=s.add, args=(x,)) for x in (1, 2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


CASES = {
    "lost_update": dict(setup=Hits, workers=[Hits.hit] * 3,
                        invariant=lambda s: s.count == 3),
    "lock_order_deadlock": dict(setup=Accounts, workers=[a_to_b, b_to_a],
                                invariant=lambda s: (s.a, s.b) == (95, 105)),
    "thread_pool_map": dict(setup=Tally, workers=[pool_map],
                            invariant=lambda s: s.total == 6),
    "own_threads": dict(setup=Tally, workers=[own_threads],
                        invariant=lambda s: s.total == 6),
}


def main(name: str, strategy: str, seed: int) -> None:
    extra: dict = {"reproduce_on_failure": 0, "total_timeout": 60.0}
    if strategy == "random":
        extra.update(seed=seed, max_attempts=100)
    start = _perf()
    result = frontrun.explore(strategy=strategy, **CASES[name], **extra)
    seconds = _perf() - start
    text = str(result.explanation or "")
    print(json.dumps({
        "failed": not result.property_holds,
        "kind": getattr(result, "failure_kind", None) if not result.property_holds else None,
        "explored": result.num_explored,
        "seconds": seconds,
        "first_line": text.splitlines()[0] if text else "",
    }), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
