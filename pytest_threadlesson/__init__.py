"""pytest-threadlesson: make Python concurrency bugs show up every time, explain
themselves, and never hang the run.

Public names: the `contention` and `no_leaked_threads` fixtures (in the plugin), and the
exceptions a test may meet.
"""

from .contention import Contention, ExploreResult, ScheduleFailure
from .runtime import DeadlockError, ThreadlessonStop

__all__ = [
    "Contention",
    "DeadlockError",
    "ExploreResult",
    "ScheduleFailure",
    "ThreadlessonStop",
]
__version__ = "0.1.0"
