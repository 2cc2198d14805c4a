"""Two threads print a line each to one log (`print(..., file=log)`); the test expects the
lines in the order the threads were started."""

import io

from corpus import RACY, run_threads

VERDICT = RACY


def scenario() -> None:
    log = io.StringIO()
    run_threads(lambda: print("loading", file=log), lambda: print("ready", file=log))
    assert log.getvalue() == "loading\nready\n", f"logged {log.getvalue()!r}"
