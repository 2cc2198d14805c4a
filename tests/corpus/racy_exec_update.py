"""Lost update inside `exec` (issue 14's second case): code compiled at run time by user
code is user code, whatever its file name (`<string>`)."""

from corpus import RACY, run_threads

VERDICT = RACY


class Box:
    def __init__(self) -> None:
        self.value = 0


def scenario() -> None:
    box = Box()

    def add() -> None:
        exec("s.value = s.value + 1", {"s": box})

    run_threads(add, add)
    assert box.value == 2, box.value
