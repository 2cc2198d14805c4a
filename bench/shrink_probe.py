"""A pytest plugin for bench section 9 (shrinking): `-p shrink_probe` with this folder on
PYTHONPATH. It sets every `Contention`'s shrinking budget to $SHRINK_PROBE_BUDGET (0: the
report is the schedule found, replayed once for its notes) and writes a JSON line per
failing `explore` to $SHRINK_PROBE_OUT: the kata test, its diagnosis, the preemptions and
steps before and after shrinking, the rows the report shows, the runs it cost, and the
seconds from the failure found to the failure reported (shrinking and the noted replay;
with budget 0, the noted replay alone)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Generator
from typing import Any

import pytest

from pytest_threadlesson.engine import contention

_BUDGET = int(os.environ.get("SHRINK_PROBE_BUDGET", "60"))
_init = contention.Contention.__init__


def _with_budget(self: contention.Contention, *args: Any, **kwargs: Any) -> None:
    _init(self, *args, **kwargs)
    self.shrink_budget = _BUDGET


contention.Contention.__init__ = _with_budget  # type: ignore[method-assign]
_shrunk = contention.Contention._shrunk


def _timed(self: contention.Contention, *args: Any, **kwargs: Any) -> Any:
    started = time.perf_counter()
    failure = _shrunk(self, *args, **kwargs)
    failure.probe_seconds = time.perf_counter() - started
    return failure


contention.Contention._shrunk = _timed  # type: ignore[method-assign]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item,
                              call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    rep = yield
    failure = call.excinfo.value if call.excinfo is not None else None
    if isinstance(failure, contention.ScheduleFailure) and failure.timeline is not None:
        shrunk = failure.shrunk
        record = {
            "test": item.nodeid, "diagnosis": str(failure.diagnosis),
            "rows": len(failure.timeline.rows),
            "lines": len(failure.report.splitlines()),
            "preemptions_before": shrunk.preemptions_before if shrunk else None,
            "preemptions_after": shrunk.preemptions_after if shrunk else None,
            "steps_before": shrunk.steps_before if shrunk else None,
            "steps_after": shrunk.steps_after if shrunk else None,
            "runs": shrunk.runs if shrunk else 0,
            "seconds": getattr(failure, "probe_seconds", None),
        }
        with open(os.environ["SHRINK_PROBE_OUT"], "a") as out:
            out.write(json.dumps(record) + "\n")
    return rep
