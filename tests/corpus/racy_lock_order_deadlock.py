"""Two locks taken in opposite orders: a deadlock in some interleavings."""

import threading

from corpus import RACY, run_threads

VERDICT = RACY
DIAGNOSIS = "deadlock"  # not a race: every thread waits, for ever


def scenario() -> None:
    a = threading.Lock()
    b = threading.Lock()
    done: list[str] = []

    def forward() -> None:
        with a:
            with b:
                done.append("forward")

    def backward() -> None:
        with b:
            with a:
                done.append("backward")

    run_threads(forward, backward)
    assert sorted(done) == ["backward", "forward"], done
