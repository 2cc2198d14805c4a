"""The only read of the shared state is inside an `assert` in a thread: a middle state."""

from corpus import RACY, run_threads

VERDICT = RACY


class Phase:
    def __init__(self) -> None:
        self.value = 0


def scenario() -> None:
    phase = Phase()

    def advance() -> None:
        phase.value = 1
        phase.value = 2

    def check() -> None:
        assert phase.value != 1, "saw the phase between its two steps"

    run_threads(advance, check)
