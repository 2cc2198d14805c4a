"""The frontrun side of the side-by-side comparison (run.py section 3).

frontrun (https://pypi.org/project/frontrun/) is a deterministic scheduler for Python. It
is not a dependency of this project: install it into a venv of its own, and run this file
through its launcher, which sets the environment frontrun.explore() requires:

    python3 -m venv /tmp/venv-frontrun && /tmp/venv-frontrun/bin/pip install frontrun
    /tmp/venv-frontrun/bin/frontrun python bench/probe_frontrun.py lost_update dpor 1

Prints one JSON line: the verdict and the seconds the first explore() of the process took.
The scenarios are the same code shapes as bench/scenarios.py, in frontrun's terms:
`setup` makes the shared state, `workers` are the threads, `invariant` is the assert.

bench/frontrun_compare.py (issue 14) uses the second form, one held scenario of
bench/scenarios.py, broken or fixed, translated into frontrun's terms (HELD below):

    frontrun python bench/probe_frontrun.py compare lost_update fixed 2 60

(preemption bound 2, or `none`; 60: frontrun's total_timeout in seconds). It prints one
JSON line: verdict (`property_holds`), interleavings (`num_explored`), seconds.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

# the same accounts and moves as the held scenario (this file's folder is on sys.path)
from scenarios import Account, _move, _move_ordered

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


# The held scenarios of bench/scenarios.py in frontrun's terms. There, each scenario's
# main thread starts its threads and joins them, then asserts; here frontrun starts the
# `workers` (each gets the state `setup` made) and checks `invariant` once they are done.
# An exception in a worker (publication_order's reader's assert, pop from an empty list,
# queue.Empty) escapes frontrun.explore() uncounted, so `compare` keeps it in the state
# and the invariant fails on it. Not expressible: see NOT_EXPRESSIBLE.

class Counter:  # lost_update
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()


def hit(s: Counter) -> None:
    s.count += 1


def hit_locked(s: Counter) -> None:
    with s.lock:
        s.count += 1


class Wallet:  # check_then_act
    def __init__(self) -> None:
        self.balance = 10
        self.lock = threading.Lock()


def spend(s: Wallet) -> None:
    if s.balance >= 10:
        s.balance -= 10


def spend_locked(s: Wallet) -> None:
    with s.lock:
        if s.balance >= 10:
            s.balance -= 10


class Config:  # publication_order
    def __init__(self) -> None:
        self.ready = False
        self.values: dict[str, int] | None = None
        self.seen: list[int] = []


def publish_early(s: Config) -> None:
    s.ready = True  # announced before the values are there
    s.values = {"port": 8080}


def publish_late(s: Config) -> None:
    s.values = {"port": 8080}
    s.ready = True


def read_config(s: Config) -> None:
    if s.ready:
        assert s.values is not None, "ready, but no values yet"
        s.seen.append(s.values["port"])


class Jobs:  # pop_from_empty_list
    def __init__(self) -> None:
        self.jobs: list[int] = []
        self.done: list[int] = []
        self.cond = threading.Condition()


def consume(s: Jobs) -> None:
    s.done.append(s.jobs.pop())  # assumes the producer got there first


def produce(s: Jobs) -> None:
    s.jobs.append(1)


def consume_waiting(s: Jobs) -> None:
    with s.cond:
        s.cond.wait_for(lambda: s.jobs)
        s.done.append(s.jobs.pop())


def produce_notifying(s: Jobs) -> None:
    with s.cond:
        s.jobs.append(1)
        s.cond.notify()


class Handoff:  # queue_hand_off
    def __init__(self) -> None:
        self.q: queue.Queue[int] = queue.Queue()
        self.got: list[int] = []


def put_two(s: Handoff) -> None:
    for item in (1, 2):
        s.q.put(item)


def get_two_nowait(s: Handoff) -> None:
    for _ in range(2):
        s.got.append(s.q.get_nowait())  # raises queue.Empty if it is too early


def get_two(s: Handoff) -> None:
    for _ in range(2):
        s.got.append(s.q.get())


class Pair:  # lock_order_deadlock
    def __init__(self) -> None:
        self.a, self.b = Account("a"), Account("b")



class Cache:  # virtual_sleep (broken only)
    def __init__(self) -> None:
        self.data: dict[str, int] | None = None


def warm(s: Cache) -> None:
    time.sleep(2.0)  # frontrun's patch_sleep makes it a zero-time yield
    s.data = {"answer": 42}


def sleep_then_read(s: Cache) -> None:
    time.sleep(5.0)
    assert s.data is not None, "read before the cache was warm"


HELD = {
    "lost_update": dict(
        setup=Counter, invariant=lambda s: s.count == 3,
        broken=[hit] * 3, fixed=[hit_locked] * 3),
    "check_then_act": dict(
        setup=Wallet, invariant=lambda s: s.balance >= 0,
        broken=[spend, spend], fixed=[spend_locked, spend_locked]),
    "publication_order": dict(
        setup=Config, invariant=lambda s: True,
        broken=[publish_early, read_config], fixed=[publish_late, read_config]),
    "pop_from_empty_list": dict(
        setup=Jobs, invariant=lambda s: s.done == [1],
        broken=[consume, produce], fixed=[consume_waiting, produce_notifying]),
    "queue_hand_off": dict(
        setup=Handoff, invariant=lambda s: s.got == [1, 2],
        broken=[put_two, get_two_nowait], fixed=[put_two, get_two]),
    "lock_order_deadlock": dict(
        setup=Pair, invariant=lambda s: (s.a.balance, s.b.balance) == (95, 105),
        broken=[lambda s: _move(s.a, s.b, 10), lambda s: _move(s.b, s.a, 5)],
        fixed=[lambda s: _move_ordered(s.a, s.b, 10), lambda s: _move_ordered(s.b, s.a, 5)]),
    "virtual_sleep": dict(
        setup=Cache, invariant=lambda s: True,
        broken=[warm, sleep_then_read], fixed=None),
}

NOT_EXPRESSIBLE = {
    "thread_pool_map": "the pool's threads are started by the code under test; frontrun "
                       "schedules only its own `workers` (one worker running the pool map: "
                       "bug missed, see CASES['thread_pool_map'])",
    "virtual_sleep:fixed": "the fix is the reader joining the loader thread it started; "
                           "frontrun's workers cannot join one another, and a thread a worker "
                           "starts is not scheduled",
}


def _noting(worker):  # an exception in a worker is kept in the state for the invariant
    def run(s) -> None:
        try:
            worker(s)
        except Exception as exc:
            s.errors.append(f"{type(exc).__name__}: {exc}")
    return run


def _setup(make):
    def setup():
        s = make()
        s.errors = []
        return s
    return setup


def compare(name: str, variant: str, bound: str, limit: float) -> None:
    import frontrun  # here: bench/frontrun_compare.py imports HELD, without frontrun

    case = HELD[name]
    workers = [_noting(w) for w in case[variant]]
    invariant = case["invariant"]
    start = _perf()
    result = frontrun.explore(
        setup=_setup(case["setup"]), workers=workers,
        invariant=lambda s: not s.errors and invariant(s), strategy="dpor",
        preemption_bound=None if bound == "none" else int(bound),
        reproduce_on_failure=0, total_timeout=limit)
    seconds = _perf() - start
    text = str(result.explanation or "")
    print(json.dumps({
        "holds": result.property_holds,
        "explored": result.num_explored,
        "seconds": seconds,
        "cut": seconds >= limit,  # total_timeout ran out: a pass then covers less
        "exhausted": result.exhausted,
        "inconclusive": result.inconclusive_reason,
        "first_line": text.splitlines()[0] if text else "",
    }), flush=True)


def main(name: str, strategy: str, seed: int) -> None:
    import frontrun

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
    if sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]))
    else:
        main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
