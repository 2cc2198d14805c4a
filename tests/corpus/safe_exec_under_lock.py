"""An `exec`'d update under a lock: compiled at run time and still safe."""

import threading

from corpus import SAFE, run_threads

VERDICT = SAFE


class Box:
    def __init__(self) -> None:
        self.value = 0


def scenario() -> None:
    box = Box()
    lock = threading.Lock()

    def add() -> None:
        exec("with lock:\n    s.value = s.value + 1\n", {"s": box, "lock": lock})

    run_threads(add, add)
    assert box.value == 2, box.value
