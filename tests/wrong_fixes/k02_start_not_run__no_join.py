"""Wrong fix: start() the workers but return without joining them.

The log is read while the workers may still be waiting at the barrier.
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
    barrier = threading.Barrier(n)
    log: list[str] = []
    workers = [Worker(barrier, log) for _ in range(n)]
    for worker in workers:
        worker.start()
    return log
