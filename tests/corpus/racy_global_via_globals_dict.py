"""A module global written through `globals()` (kept in a variable) while another thread
reads it by name: `namespace["READY"]` and `READY` are one place."""

from corpus import RACY, run_threads

VERDICT = RACY
READY = False


def scenario() -> None:
    global READY
    READY = False
    namespace = globals()
    seen: list[bool] = []

    def announce() -> None:
        namespace["READY"] = True

    def look() -> None:
        seen.append(READY)

    run_threads(announce, look)
    assert seen == [True], f"looked before the announcement: {seen}"
