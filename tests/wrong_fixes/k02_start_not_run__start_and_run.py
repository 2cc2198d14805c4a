"""Wrong fix: call start() and keep the run() call as well, "to be sure it runs".

start() already calls run() on the new thread; the extra run() executes the worker a
second time, on the caller's thread, and waits at the barrier with no partners.
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
        worker.run()
    for worker in workers:
        worker.join()
    return log
