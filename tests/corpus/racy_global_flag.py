"""Check-then-act on a module global flag: `if not STARTED: STARTED = True` lets two
threads start the engine."""

from corpus import RACY, run_threads

VERDICT = RACY
STARTED = False
STARTS: list[str] = []


def start(who: str) -> None:
    global STARTED
    if not STARTED:
        STARTED = True
        STARTS.append(who)


def scenario() -> None:
    global STARTED
    STARTED = False
    STARTS.clear()
    run_threads(lambda: start("a"), lambda: start("b"))
    assert len(STARTS) == 1, STARTS
