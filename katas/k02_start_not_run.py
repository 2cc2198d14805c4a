"""Workers that never meet: a Thread subclass and a launcher that runs nothing in parallel.

Each `Worker` waits at a shared barrier until all n workers have arrived, then writes its
name to the log. `run_workers` was written the way many examples subclass Thread, but
`start()` blew up, so the launcher calls `run()` instead, and now it waits forever. Make
`run_workers(n)` return the names of the n workers that passed the barrier.

Lesson: docs/lessons/1-threads-that-run.md, "start(), not run()".
"""

import threading


class Worker(threading.Thread):
    def __init__(self, barrier: threading.Barrier, log: list[str]) -> None:
        self.barrier = barrier
        self.log = log

    def run(self) -> None:
        self.barrier.wait()  # wait until every worker is here
        self.log.append(self.name)


def run_workers(n: int) -> list[str]:
    barrier = threading.Barrier(n)
    log: list[str] = []
    workers = [Worker(barrier, log) for _ in range(n)]
    for worker in workers:
        # start() raised "RuntimeError: thread.__init__() not called"; run() does the same job.
        worker.run()
    return log
