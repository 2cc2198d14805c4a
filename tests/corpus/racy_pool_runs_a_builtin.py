"""A pool runs a builtin method for each task (`pool.submit(log.append, word)`): the
worker calls it between the future's own steps, with no byte-code of the code under
test. Which task appends first is a race, pool or no pool."""

from concurrent.futures import ThreadPoolExecutor

from corpus import RACY

VERDICT = RACY


def scenario() -> None:
    log: list[str] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        pool.submit(log.append, "ready")
        pool.submit(log.append, "go")
    assert log == ["ready", "go"], f"logged {log}"
