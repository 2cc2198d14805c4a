"""`getattr(report, "rows")` from two threads on a `functools.cached_property`: the same
check-then-act as a plain first read (racy_cached_property_first_read), through the
builtin: `getattr` runs the attribute's descriptor, which computes and stores.

Racy from 3.12; up to 3.11 the descriptor holds a lock of its own while it computes."""

from corpus import run_threads
from corpus.racy_cached_property_first_read import VERDICT, Report

__all__ = ["VERDICT", "scenario"]


def scenario() -> None:
    report = Report()
    column = "rows"  # looked up by name, as a report builder would
    seen: list[list[str]] = []
    run_threads(lambda: seen.append(getattr(report, column)),
                lambda: seen.append(getattr(report, column)))
    assert seen[0] is seen[1], "the rows were computed twice: two different lists"
