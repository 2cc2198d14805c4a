"""A bounded buffer gives each item to one consumer, in order, and never exceeds its capacity."""

from __future__ import annotations

import threading

from k12_bounded_buffer import BoundedBuffer


def test_items_come_out_in_the_order_they_went_in():
    buffer = BoundedBuffer(3)
    for item in ("a", "b", "c"):
        buffer.put(item)
    assert len(buffer) == 3

    assert [buffer.get(), buffer.get(), buffer.get()] == ["a", "b", "c"]
    assert len(buffer) == 0


def test_two_consumers_each_get_a_different_item(contention):
    def scenario():
        buffer = BoundedBuffer(1)
        received = []

        def producer():
            buffer.put("first")
            buffer.put("second")

        def consumer():
            received.append(buffer.get())

        threads = [
            threading.Thread(target=consumer),
            threading.Thread(target=consumer),
            threading.Thread(target=producer),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        assert sorted(received) == ["first", "second"]
        assert len(buffer) == 0

    contention.explore(scenario)


def test_a_full_buffer_never_holds_more_than_its_capacity(contention):
    def scenario():
        buffer = BoundedBuffer(1)
        received = []

        def producer(*items):
            for item in items:
                buffer.put(item)
                assert len(buffer) <= 1, "the buffer holds more than its capacity"

        def consumer():
            for _ in range(3):
                received.append(buffer.get())

        threads = [
            threading.Thread(target=producer, args=("a1", "a2")),
            threading.Thread(target=producer, args=("b1",)),
            threading.Thread(target=consumer),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        assert sorted(received) == ["a1", "a2", "b1"]
        assert received.index("a1") < received.index("a2")

    contention.explore(scenario)
