"""run_workers(n) runs n Worker threads at once and returns the names of all n."""

import threading

import pytest
from k02_start_not_run import run_workers


@pytest.mark.parametrize("n", [2, 3])
def test_every_worker_passes_the_barrier(contention, n):
    def scenario():
        names = run_workers(n)
        assert len(names) == n, f"expected {n} names, got {names}"

    result = contention.explore(scenario)
    assert result.threads_started >= n, "each worker runs on its own thread"


def test_each_worker_logs_its_own_thread_name(contention):
    def scenario():
        names = run_workers(3)
        assert len(set(names)) == 3, f"expected three different names, got {names}"
        assert threading.current_thread().name not in names, "the caller is not a worker"

    contention.explore(scenario)
