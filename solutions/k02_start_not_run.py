"""Workers that never meet: a Thread subclass and a launcher that runs nothing in parallel.

Solution: initialise the Thread part of the object, then start() every worker and join them.
"""

import threading


class Worker(threading.Thread):
    def __init__(self, barrier: threading.Barrier, log: list[str]) -> None:
        # Thread.__init__ sets up the name, the started/stopped state and the OS thread
        # bookkeeping; without it start() refuses to run (and self.name does not work).
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
    # start() runs run() on a new thread; calling run() directly runs it on the caller's
    # thread, one worker after the other, so the first one waits at the barrier for
    # workers that never arrive. Start them all, then join, so the log is complete.
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return log
