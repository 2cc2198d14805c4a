"""Lazy(factory).get() runs the factory exactly once and hands every caller the same object."""

import threading

from k05_lazy_init import Lazy


def counting_factory(calls):
    def factory():
        calls.append(1)
        return object()

    return factory


def test_nothing_is_built_before_the_first_get():
    calls = []
    Lazy(counting_factory(calls))
    assert calls == []


def test_repeated_gets_return_the_same_object():
    calls = []
    lazy = Lazy(counting_factory(calls))
    assert lazy.get() is lazy.get()
    assert len(calls) == 1


def test_two_first_callers_share_one_build(contention):
    def scenario():
        calls = []
        lazy = Lazy(counting_factory(calls))
        results = []

        def use():
            results.append(lazy.get())

        threads = [threading.Thread(target=use) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(calls) == 1, f"the factory ran {len(calls)} times"
        assert results[0] is results[1], "the callers got different objects"

    contention.explore(scenario)


def test_three_first_callers_share_one_build(contention):
    def scenario():
        calls = []
        lazy = Lazy(counting_factory(calls))
        results = []

        def use():
            results.append(lazy.get())

        threads = [threading.Thread(target=use) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(calls) == 1, f"the factory ran {len(calls)} times"
        assert all(r is results[0] for r in results), "the callers got different objects"
        assert lazy.get() is results[0], "a later caller got a different object"

    contention.explore(scenario)
