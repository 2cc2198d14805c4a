"""Counter.increment_twice: adds 2, never hangs, and nobody sees the value half-way."""

import threading

from k08_reentrant import Counter


def run_together(*targets):
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_increment_twice_adds_two():
    counter = Counter()
    counter.increment_twice()
    assert counter.value == 2


def test_increment_and_increment_twice_add_up():
    counter = Counter()
    counter.increment()
    counter.increment_twice()
    counter.increment()
    assert counter.value == 4


def test_no_reader_ever_sees_half_of_increment_twice(contention):
    def scenario():
        counter = Counter()
        seen = []
        run_together(counter.increment_twice, lambda: seen.append(counter.value))
        assert seen[0] in (0, 2)
        assert counter.value == 2

    contention.explore(scenario)


def test_increments_from_other_threads_are_not_lost(contention):
    def scenario():
        counter = Counter()
        run_together(counter.increment_twice, counter.increment)
        assert counter.value == 3

    contention.explore(scenario)
