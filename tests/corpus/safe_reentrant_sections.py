"""An RLock taken again by its owner, around a read-modify-write: safe."""

import threading

from corpus import SAFE, run_threads

VERDICT = SAFE


def scenario() -> None:
    lock = threading.RLock()
    box = {"n": 0}

    def bump() -> None:
        with lock:
            with lock:
                box["n"] += 1

    run_threads(bump, bump)
    assert box["n"] == 2, box
