"""Lost update through a subscript: `hits[page] += 1` on a shared dict."""

from corpus import RACY, run_threads

VERDICT = RACY


def scenario() -> None:
    hits = {"home": 0}

    def visit() -> None:
        hits["home"] += 1

    run_threads(visit, visit)
    assert hits["home"] == 2, hits
