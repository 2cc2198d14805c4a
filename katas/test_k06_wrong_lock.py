"""Inventory: concurrent adds and removes never lose an update or sell an item twice."""

import threading

from k06_wrong_lock import Inventory


def run_together(*targets):
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_remove_refuses_more_than_is_in_stock():
    inventory = Inventory()
    inventory.add("apple", 2)

    assert inventory.remove("apple", 3) is False
    assert inventory.count("apple") == 2
    assert inventory.remove("apple", 2) is True
    assert inventory.count("apple") == 0


def test_adds_from_two_threads_are_all_counted(contention):
    def scenario():
        inventory = Inventory()
        run_together(
            lambda: inventory.add("apple", 2),
            lambda: inventory.add("apple", 3),
        )
        assert inventory.count("apple") == 5

    contention.explore(scenario)


def test_the_last_item_cannot_be_sold_twice(contention):
    def scenario():
        inventory = Inventory()
        inventory.add("apple", 1)
        sold = []
        run_together(
            lambda: sold.append(inventory.remove("apple", 1)),
            lambda: sold.append(inventory.remove("apple", 1)),
        )
        assert sorted(sold) == [False, True]
        assert inventory.count("apple") == 0

    contention.explore(scenario)


def test_adding_and_removing_at_once_keeps_the_count_right(contention):
    def scenario():
        inventory = Inventory()
        inventory.add("apple", 5)
        sold = []
        run_together(
            lambda: inventory.add("apple", 2),
            lambda: sold.append(inventory.remove("apple", 3)),
        )
        assert sold == [True]
        assert inventory.count("apple") == 4

    contention.explore(scenario)
