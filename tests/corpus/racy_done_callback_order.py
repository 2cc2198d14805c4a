"""Two futures of a pool each get a builtin done-callback (`add_done_callback(
finished.append)`): the worker that completes a future runs its callbacks, two workers
in either order."""

from concurrent.futures import Future, ThreadPoolExecutor

from corpus import RACY

VERDICT = RACY


def scenario() -> None:
    finished: list[Future[int]] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(abs, -1)
        second = pool.submit(abs, -2)
        first.add_done_callback(finished.append)
        second.add_done_callback(finished.append)
    assert finished == [first, second], "the second task's callback ran first"
