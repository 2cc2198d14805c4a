"""Two threads print a line each; the test expects them in the order they were started.
`print` writes the stream (`sys.stdout`, or its `file=`): the order of two prints is a
race like any other order of two writes."""

import contextlib
import io

from corpus import RACY, run_threads

VERDICT = RACY


def scenario() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        run_threads(lambda: print("loading"), lambda: print("ready"))
    assert out.getvalue() == "loading\nready\n", f"printed {out.getvalue()!r}"
