"""Wrong fix: the barrier "hangs", so make it a barrier of one and keep run().

Nothing waits any more, but nothing runs in parallel either: every worker runs on the
caller's thread, one after the other.
"""

import threading


class Worker(threading.Thread):
    def __init__(self, barrier: threading.Barrier, log: list[str]) -> None:
        super().__init__()
        self.barrier = barrier
        self.log = log

    def run(self) -> None:
        self.barrier.wait()  # wait until every worker is here
        self.log.append(self.name)


def run_workers(n: int) -> list[str]:
    barrier = threading.Barrier(1)
    log: list[str] = []
    workers = [Worker(barrier, log) for _ in range(n)]
    for worker in workers:
        worker.run()
    return log
