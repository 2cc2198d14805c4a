"""Wrong fix: add super().__init__() but keep calling run().

The Worker is now a proper Thread, but run() still executes on the caller's thread, one
worker at a time, so the first worker waits at the barrier for the others forever.
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
        worker.run()
    return log
