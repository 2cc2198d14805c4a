"""Held-out scenarios: concurrency bugs written for the benchmark, not for the katas.

Each scenario is a pair of plain functions, `broken` and `fixed`, that start their own
`threading` threads and assert what a correct program guarantees. The plugin never saw
them while it was tuned, so they measure how well `Contention.explore` generalises.
No scenario uses `time.sleep` to synchronise anything (the virtual-sleep pair shows the
bug of doing so and its fix).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass


def _run_all(*targets: Callable[[], object]) -> None:
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


# 1. Lost update on one line -------------------------------------------------------------

class Hits:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    def hit(self) -> None:
        self.count += 1

    def hit_locked(self) -> None:
        with self.lock:
            self.count += 1


def lost_update_broken() -> None:
    hits = Hits()
    _run_all(hits.hit, hits.hit, hits.hit)
    assert hits.count == 3, f"{hits.count} hits counted, 3 made"


def lost_update_fixed() -> None:
    hits = Hits()
    _run_all(hits.hit_locked, hits.hit_locked, hits.hit_locked)
    assert hits.count == 3, f"{hits.count} hits counted, 3 made"


# 2. Check-then-act ----------------------------------------------------------------------

class Wallet:
    def __init__(self, balance: int) -> None:
        self.balance = balance
        self.lock = threading.Lock()

    def spend(self, amount: int) -> bool:
        if self.balance >= amount:
            self.balance -= amount
            return True
        return False

    def spend_locked(self, amount: int) -> bool:
        with self.lock:
            if self.balance >= amount:
                self.balance -= amount
                return True
            return False


def check_then_act_broken() -> None:
    wallet = Wallet(10)
    _run_all(lambda: wallet.spend(10), lambda: wallet.spend(10))
    assert wallet.balance >= 0, f"balance went to {wallet.balance}"


def check_then_act_fixed() -> None:
    wallet = Wallet(10)
    _run_all(lambda: wallet.spend_locked(10), lambda: wallet.spend_locked(10))
    assert wallet.balance >= 0, f"balance went to {wallet.balance}"


# 3. Publication order -------------------------------------------------------------------

class Config:
    def __init__(self) -> None:
        self.ready = False
        self.values: dict[str, int] | None = None


def publication_order_broken() -> None:
    config = Config()
    seen: list[int] = []

    def publish() -> None:
        config.ready = True  # announced before the values are there
        config.values = {"port": 8080}

    def read() -> None:
        if config.ready:
            assert config.values is not None, "ready, but no values yet"
            seen.append(config.values["port"])

    _run_all(publish, read)


def publication_order_fixed() -> None:
    config = Config()
    seen: list[int] = []

    def publish() -> None:
        config.values = {"port": 8080}
        config.ready = True  # announced only once the values are there

    def read() -> None:
        if config.ready:
            assert config.values is not None, "ready, but no values yet"
            seen.append(config.values["port"])

    _run_all(publish, read)


# 4. Pop from an empty list --------------------------------------------------------------

def pop_empty_broken() -> None:
    jobs: list[int] = []
    done: list[int] = []

    def consume() -> None:
        done.append(jobs.pop())  # assumes the producer got there first

    def produce() -> None:
        jobs.append(1)

    _run_all(consume, produce)
    assert done == [1]


def pop_empty_fixed() -> None:
    jobs: list[int] = []
    done: list[int] = []
    cond = threading.Condition()

    def consume() -> None:
        with cond:
            cond.wait_for(lambda: jobs)
            done.append(jobs.pop())

    def produce() -> None:
        with cond:
            jobs.append(1)
            cond.notify()

    _run_all(consume, produce)
    assert done == [1]


# 5. Queue hand-off ----------------------------------------------------------------------

def queue_handoff_broken() -> None:
    q: queue.Queue[int] = queue.Queue()
    got: list[int] = []

    def producer() -> None:
        for item in (1, 2):
            q.put(item)

    def consumer() -> None:
        for _ in range(2):
            got.append(q.get_nowait())  # raises queue.Empty if it is too early

    _run_all(producer, consumer)
    assert got == [1, 2]


def queue_handoff_fixed() -> None:
    q: queue.Queue[int] = queue.Queue()
    got: list[int] = []

    def producer() -> None:
        for item in (1, 2):
            q.put(item)

    def consumer() -> None:
        for _ in range(2):
            got.append(q.get())  # waits for the item

    _run_all(producer, consumer)
    assert got == [1, 2]


# 6. Thread-pool map ---------------------------------------------------------------------

class Tally:
    def __init__(self) -> None:
        self.total = 0
        self.lock = threading.Lock()

    def add(self, x: int) -> None:
        self.total += x

    def add_locked(self, x: int) -> None:
        with self.lock:
            self.total += x


def pool_map_broken() -> None:
    tally = Tally()
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(tally.add, [1, 2, 3]))
    assert tally.total == 6, f"total {tally.total}, expected 6"


def pool_map_fixed() -> None:
    tally = Tally()
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(tally.add_locked, [1, 2, 3]))
    assert tally.total == 6, f"total {tally.total}, expected 6"


# 7. Lock-order deadlock -----------------------------------------------------------------

class Account:
    def __init__(self, name: str) -> None:
        self.name = name
        self.balance = 100
        self.lock = threading.Lock()


def _move(source: Account, target: Account, amount: int) -> None:
    with source.lock:
        with target.lock:
            source.balance -= amount
            target.balance += amount


def _move_ordered(source: Account, target: Account, amount: int) -> None:
    first, second = sorted((source, target), key=lambda a: a.name)
    with first.lock:
        with second.lock:
            source.balance -= amount
            target.balance += amount


def lock_order_broken() -> None:
    a, b = Account("a"), Account("b")
    _run_all(lambda: _move(a, b, 10), lambda: _move(b, a, 5))
    assert (a.balance, b.balance) == (95, 105)


def lock_order_fixed() -> None:
    a, b = Account("a"), Account("b")
    _run_all(lambda: _move_ordered(a, b, 10), lambda: _move_ordered(b, a, 5))
    assert (a.balance, b.balance) == (95, 105)


# 8. Virtual sleep -----------------------------------------------------------------------

class Cache:
    def __init__(self) -> None:
        self.data: dict[str, int] | None = None

    def warm(self) -> None:
        time.sleep(2.0)  # a slow load: 2 s of virtual time, no wall time
        self.data = {"answer": 42}


def virtual_sleep_broken() -> None:
    cache = Cache()
    threading.Thread(target=cache.warm).start()
    time.sleep(5.0)  # "surely 5 s is enough": sleeping is not synchronising
    assert cache.data is not None, "read before the cache was warm"


def virtual_sleep_fixed() -> None:
    cache = Cache()
    loader = threading.Thread(target=cache.warm)
    loader.start()
    time.sleep(5.0)  # still sleeps 5 s of virtual time (costs no wall time) ...
    loader.join()  # ... but it is the join that synchronises
    assert cache.data == {"answer": 42}


@dataclass(frozen=True)
class Scenario:
    name: str
    broken: Callable[[], None]
    fixed: Callable[[], None]
    threads: int  # threads the scenario starts, besides its main


SCENARIOS = (
    Scenario("lost_update", lost_update_broken, lost_update_fixed, 3),
    Scenario("check_then_act", check_then_act_broken, check_then_act_fixed, 2),
    Scenario("publication_order", publication_order_broken, publication_order_fixed, 2),
    Scenario("pop_from_empty_list", pop_empty_broken, pop_empty_fixed, 2),
    Scenario("queue_hand_off", queue_handoff_broken, queue_handoff_fixed, 2),
    Scenario("thread_pool_map", pool_map_broken, pool_map_fixed, 3),
    Scenario("lock_order_deadlock", lock_order_broken, lock_order_fixed, 2),
    Scenario("virtual_sleep", virtual_sleep_broken, virtual_sleep_fixed, 1),
)
BY_NAME = {s.name: s for s in SCENARIOS}
