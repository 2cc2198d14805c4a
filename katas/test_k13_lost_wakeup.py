"""A gate remembers that it is open, whoever comes first: the opener or the waiters."""

from __future__ import annotations

import threading

from k13_lost_wakeup import Gate


def test_a_gate_opened_before_anyone_waits_lets_everyone_through():
    gate = Gate()
    gate.open()

    assert gate.wait_open() is True
    assert gate.wait_open() is True
    assert gate.wait_open(timeout=60) is True


def test_waiting_at_a_closed_gate_times_out():
    gate = Gate()

    assert gate.wait_open(timeout=0.01) is False


def test_a_waiter_gets_through_whether_it_comes_before_or_after_open(contention):
    def scenario():
        gate = Gate()
        passed = []

        def waiter():
            passed.append(gate.wait_open())

        threads = [threading.Thread(target=waiter), threading.Thread(target=gate.open)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        assert passed == [True]

    contention.explore(scenario)
