"""The pool lends at most `size` connections, and a failing caller never starves the others."""

from __future__ import annotations

import threading

import pytest
from k11_semaphore_pool import ConnectionPool


class QueryError(Exception):
    pass


class Connection:
    """A stand-in for a database connection."""


def test_connections_are_lent_up_to_the_pool_size():
    pool = ConnectionPool(2, Connection)

    with pool.connection() as first, pool.connection() as second:
        assert isinstance(first, Connection)
        assert first is not second

    assert pool.max_in_use == 2


def test_a_failing_block_gives_its_connection_back():
    pool = ConnectionPool(1, Connection)

    with pytest.raises(QueryError):
        with pool.connection():
            raise QueryError("syntax error near SELEC")

    # The only connection must be free again: this must not wait forever.
    with pool.connection() as conn:
        assert isinstance(conn, Connection)
    assert pool.max_in_use == 1


def test_a_failing_caller_does_not_starve_the_others(contention):
    def scenario():
        pool = ConnectionPool(1, Connection)
        served = []

        def failing_caller():
            try:
                with pool.connection():
                    raise QueryError("deadlock detected by the database")
            except QueryError:
                pass

        def good_caller():
            with pool.connection() as conn:
                served.append(conn)

        threads = [threading.Thread(target=failing_caller), threading.Thread(target=good_caller)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with pool.connection() as conn:
            served.append(conn)

        assert len(served) == 2
        assert pool.max_in_use == 1

    contention.explore(scenario)


def test_never_more_than_size_callers_hold_a_connection_at_once(contention):
    def scenario():
        pool = ConnectionPool(2, Connection)
        lock = threading.Lock()
        holding = 0
        most_holding = 0

        def caller():
            nonlocal holding, most_holding
            with pool.connection():
                with lock:
                    holding += 1
                    most_holding = max(most_holding, holding)
                with lock:
                    holding -= 1

        with pool.connection():  # one caller before the rush
            pass
        threads = [threading.Thread(target=caller) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        assert most_holding <= 2
        assert pool.max_in_use <= 2

    contention.explore(scenario)
