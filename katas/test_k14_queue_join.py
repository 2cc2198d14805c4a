"""process_all handles every item in concurrent workers and returns once all are done."""

from __future__ import annotations

import threading

from k14_queue_join import process_all


def square(x):
    return x * x


def test_every_item_is_handled_once():
    results = process_all([1, 2, 3, 4, 5], square)

    assert sorted(results) == [1, 4, 9, 16, 25]


def test_no_items_give_no_results():
    assert process_all([], square) == []


def test_a_single_worker_handles_everything():
    assert sorted(process_all([3, 1, 2], square, workers=1)) == [1, 4, 9]


def test_items_are_handled_side_by_side(contention):
    def scenario():
        # Each handle waits at the barrier for another one: only two handles running
        # at the same time can get through.
        both_running = threading.Barrier(2)

        def handle_together(item):
            both_running.wait()
            return item.upper()

        results = process_all(["a", "b"], handle_together, workers=2)

        assert sorted(results) == ["A", "B"]

    contention.explore(scenario)
