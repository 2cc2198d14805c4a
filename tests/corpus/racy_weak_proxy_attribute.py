"""An attribute written through a `weakref.proxy` while another thread reads it from the
object itself: the proxy's attribute is its referent's."""

import weakref

from corpus import RACY, run_threads

VERDICT = RACY


class Session:
    def __init__(self) -> None:
        self.user = "guest"


def scenario() -> None:
    session = Session()
    handle = weakref.proxy(session)
    seen: list[str] = []

    def log_in() -> None:
        handle.user = "ann"

    def greet() -> None:
        seen.append(session.user)

    run_threads(log_in, greet)
    assert seen == ["ann"], f"greeted before the log-in: {seen}"
