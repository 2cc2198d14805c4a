"""Two threads whose target is a builtin method (`Thread(target=log.append, args=...)`):
each runs `log.append` between its start and its end, with no byte-code of the code
under test in between. Which appends first is a race all the same."""

import threading

from corpus import RACY

VERDICT = RACY


def scenario() -> None:
    log: list[str] = []
    threads = [threading.Thread(target=log.append, args=(word,)) for word in ("ready", "go")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert log == ["ready", "go"], f"logged {log}"
