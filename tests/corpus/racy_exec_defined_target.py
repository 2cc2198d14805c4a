"""A thread target defined by `exec`'d code: `threading` (library code) calls it, and it
is still user code, because user code compiled it."""

from typing import Any

from corpus import RACY, run_threads

VERDICT = RACY


class Box:
    def __init__(self) -> None:
        self.value = 0


def scenario() -> None:
    namespace: dict[str, Any] = {"box": Box()}
    exec("def add():\n    box.value = box.value + 1\n", namespace)
    run_threads(namespace["add"], namespace["add"])
    assert namespace["box"].value == 2, namespace["box"].value
