"""pytest-threadlesson: make Python concurrency bugs show up every time, explain
themselves, and never hang the run.

Public names: the `contention` and `no_leaked_threads` fixtures (in the plugin), and the
exceptions a test may meet.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine.contention import Contention, ExploreResult, ScheduleFailure
    from .engine.runtime import DeadlockError, ThreadlessonStop


def __getattr__(name: str) -> Any:
    # Loaded on first use: pytest imports this package for every session, and a plugin
    # that is installed but not used must cost nothing measurable.
    if name in ("Contention", "ExploreResult", "ScheduleFailure"):
        from .engine import contention

        return getattr(contention, name)
    if name in ("DeadlockError", "ThreadlessonStop"):
        from .engine import runtime

        return getattr(runtime, name)
    raise AttributeError(f"module 'pytest_threadlesson' has no attribute {name!r}")


__all__ = [
    "Contention",
    "DeadlockError",
    "ExploreResult",
    "ScheduleFailure",
    "ThreadlessonStop",
]
__version__ = "0.1.0"
