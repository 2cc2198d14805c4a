"""Counter.increment() never loses a count, however threads interleave."""

import threading

from k03_lost_update import Counter


def test_a_new_counter_is_zero():
    assert Counter().value == 0


def test_increments_from_one_thread_add_up():
    counter = Counter()
    for _ in range(5):
        counter.increment()
    assert counter.value == 5


def test_no_increment_is_lost(contention):
    def scenario():
        counter = Counter()
        threads = [threading.Thread(target=counter.increment) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert counter.value == 3

    contention.explore(scenario)


def test_no_increment_is_lost_when_each_thread_counts_twice(contention):
    def count_twice(counter):
        counter.increment()
        counter.increment()

    def scenario():
        counter = Counter()
        threads = [threading.Thread(target=count_twice, args=(counter,)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert counter.value == 4

    contention.explore(scenario)
