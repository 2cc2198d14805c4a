"""k19: run_jobs re-raises the first failing job's exception, in job order."""

import threading

import pytest
from k19_lost_exception import run_jobs


def succeed():
    pass


def fail_with(error):
    def job():
        raise error

    return job


def test_a_batch_without_failures_returns_normally():
    done = []

    run_jobs([lambda: done.append("a"), lambda: done.append("b")])

    assert sorted(done) == ["a", "b"]


def test_a_failing_job_fails_the_whole_batch():
    with pytest.raises(ValueError, match="disk full"):
        run_jobs([succeed, fail_with(ValueError("disk full")), succeed])


def test_jobs_run_at_the_same_time():
    # Each job waits for the other one to be running: only concurrent jobs can finish.
    both_running = threading.Barrier(2)
    done = []

    def job(name):
        def run():
            both_running.wait()
            done.append(name)

        return run

    run_jobs([job("a"), job("b")])

    assert sorted(done) == ["a", "b"]


def test_the_first_job_in_job_order_wins_even_when_it_fails_last():
    second_job = []
    second_job_started = threading.Event()

    def first():
        second_job_started.wait()
        second_job[0].join()  # the second job has failed and its thread has ended
        raise ValueError("first job")

    def second():
        second_job.append(threading.current_thread())
        second_job_started.set()
        raise KeyError("second job")

    with pytest.raises(ValueError, match="first job"):
        run_jobs([first, second])


def test_a_failing_job_does_not_stop_the_others():
    done = []

    with pytest.raises(ValueError, match="disk full"):
        run_jobs([fail_with(ValueError("disk full")), lambda: done.append("report sent")])

    assert done == ["report sent"]
