"""A race between C methods: each thread checks `len(slots) < 1` and then appends; the
list is local to the worker (an argument), so the only steps are the calls into C."""

from corpus import RACY, run_threads

VERDICT = RACY


def scenario() -> None:
    slots: list[str] = []

    def claim(taken: list[str], who: str) -> None:
        if len(taken) < 1:
            taken.append(who)

    run_threads(lambda: claim(slots, "a"), lambda: claim(slots, "b"))
    assert len(slots) == 1, slots
