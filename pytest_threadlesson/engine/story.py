"""The story fits what happened: the common wrong fixes, recognised in the trace of the
failing run, each with why it does not work; and the exceptions that are no race.

`wrong_fix(diagnosis, steps)` reads the steps of the run that is reported (a noted run:
`notes.py`): a sleep in the trace, a lock made by the threads during their call (each call
its own), a timed acquire that returned False and was ignored, a timeout that papers over
a deadlock or a lost wake-up. It returns `Story`: what to say, and whether the kata's own
story still holds (after a timed wait, "they wait forever" is not true).

`Stories` hands the story of the last failure of `explore` to the explanation under the
kata's report (`glue/summary.explanation`), which knows only the kata and the diagnosis.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .outcome import Step

_NEW_LOCK = re.compile(r"\b(?:threading\.)?(R?Lock|Semaphore|BoundedSemaphore|Condition)\(")
_TIMED = re.compile(r"\b(acquire|wait|wait_for|get|join|result)\([^)]*"
                    r"(timeout\s*=|blocking\s*=\s*False|\bFalse\b)")


@dataclass(frozen=True)
class Story:
    text: str
    keeps_kata_story: bool = True  # False: the kata's story would tell what did not happen


def _where(step: Step) -> str:
    return f"{step.site.short}: {step.site.source.split('  #')[0].rstrip()}"


def wrong_fix(diagnosis: str, steps: Sequence[Step]) -> Story | None:
    """The wrong fix the trace shows, if any (the first that applies)."""
    if diagnosis in ("deadlock", "hang"):
        timed = next((s for s in steps if _TIMED.search(s.site.source)), None)
        if timed is not None:
            return Story(
                f"The wait at {_where(timed)} has a timeout, so these threads do not wait "
                "forever: each gives up when the timeout expires. But the timeout only hides "
                "the bug: the cycle (or the missed wake-up) is still there, and whatever "
                "the thread does when it gives up (skip the work, go on without the lock "
                "or the notification) is what goes wrong instead. Take the locks in one "
                "order, or signal under the lock, so that nothing needs a timeout.",
                keeps_kata_story=False)
    if diagnosis != "race":
        return None
    for step in steps:
        timed_out = [n for n in step.notes if n.endswith("→ False (timed out)")
                     and not n.startswith("sleep")]
        if timed_out:
            return Story(
                f"{timed_out[0].split(' →')[0]} returned False at {_where(step)}: the lock "
                "was not taken, and the code went on anyway (as if it held it, or skipping "
                "its work without telling anyone). A timed acquire must check what it "
                "returns; False means the protection did not happen.")
    made = [s for s in steps if s.thread != 0 and _NEW_LOCK.search(s.site.source)]
    if made:
        threads = sorted({s.thread for s in made})
        who = "each thread" if len(threads) > 1 else "the thread"
        return Story(
            f"At {_where(made[0])} {who} makes a new lock during the call, so every call "
            "has its own: a lock excludes only the threads that take the same lock object, "
            "and nobody else can see one made there. Nothing is excluded. Make the lock "
            "once, where the shared data is made, and let every thread take that one.")
    slept = next((s for s in steps if any(n.startswith("sleeps ") for n in s.notes)), None)
    if slept is not None:
        return Story(
            f"There is a sleep in this interleaving ({_where(slept)}). A sleep waits for a "
            "while, not for anything: here the other threads had not done their part when "
            "it ended (a slow or descheduled thread is always possible). Wait for the "
            "thing itself: join the thread, or wait on an Event or a Condition.")
    return None


class Stories:
    """The story of the last failure `explore` raised, for the explanation under it."""

    def __init__(self) -> None:
        self.latest: tuple[str, Story] | None = None  # (diagnosis, story)

    def told(self, diagnosis: str, story: Story | None) -> None:
        self.latest = (diagnosis, story) if story is not None else None

    def take(self, diagnosis: str | None) -> Story | None:
        """The story of a failure with `diagnosis`; each is taken once."""
        latest, self.latest = self.latest, None
        if latest is None or latest[0] != diagnosis:
            return None
        return latest[1]


stories = Stories()


# ---------------------------------------------------------------------------------------
# Exceptions that are no race: they happen whatever the interleaving


def not_a_race(exc: BaseException) -> str | None:
    """Why `exc` is its own diagnosis (a sentence), or None when timing may explain it."""
    if isinstance(exc, KeyboardInterrupt):
        return ("KeyboardInterrupt was raised in a thread: it ends only that thread, and "
                "nothing stops the others")
    if isinstance(exc, EOFError) or (isinstance(exc, OSError) and "stdin" in str(exc)):
        return ("the code reads input (input() or sys.stdin): under pytest there is no "
                "terminal to read from, so it fails in every interleaving")
    if isinstance(exc, AttributeError) and "'NoneType'" not in str(exc):
        return ("a name the code uses does not exist (renamed or misspelled?): this fails "
                "in every interleaving, whatever the threads do")
    if isinstance(exc, (NameError, ImportError, NotImplementedError, RecursionError)):
        return f"{type(exc).__name__} fails in every interleaving, whatever the threads do"
    return None
