"""A pytest plugin for benchmarks: what each `dpor` search of a test run did.

    PYTHONPATH=bench .venv/bin/python -m pytest katas/ --threadlesson-solutions \
        --threadlesson-strategy=dpor --threadlesson-schedules=100000 -q -p dpor_stats

At the end it prints, per search (the test that ran it): its bound, the runs of a
search without a bound that was given up (`tried`), whether it verified, its runs, and
the distinct classes among them (two runs are one class when every step has the same
thread, number and vector clock, as bench/dpor_classes.py counts them). Compare two
commits by the run counts: they do not depend on the machine's speed.

The hook is compiled under a name in the standard library's folder, so that the tracer
does not take it for the code under test (bench/dpor_classes.py does the same).
"""

from __future__ import annotations

import os
import sys
import threading

_HOOK = r'''
import os
from pytest_threadlesson.engine.strategies import dpor as D

searches = []
_finished = D.DporSearch.finished


def finished(self, run):
    mine = self.__dict__.get("_stats")
    if mine is None:
        mine = self.__dict__["_stats"] = {
            "test": os.environ.get("PYTEST_CURRENT_TEST", "?"), "runs": 0, "classes": set()}
        searches.append((self, mine))
    mine["runs"] += 1
    _, clocks, local = D.races(run.events, run.born)
    mine["classes"].add(frozenset((run.events[i][0], local[i], tuple(clocks[i]))
                                  for i in range(len(run.events))))
    return _finished(self, run)


def install():
    D.DporSearch.finished = finished


def lines():
    for search, mine in searches:
        yield (f"{mine['test']}: bound={search.bound} tried={search.tried} "
               f"verified={search.verified} runs={mine['runs']} "
               f"classes={len(mine['classes'])}")
'''

_hook: dict[str, object] = {"__name__": "_threadlesson_dpor_stats"}


def pytest_configure(config: object) -> None:
    hidden = os.path.join(os.path.dirname(threading.__file__), "_threadlesson_dpor_stats.py")
    exec(compile(_HOOK, hidden, "exec"), _hook)
    _hook["install"]()  # type: ignore[operator]


def pytest_unconfigure(config: object) -> None:
    lines = _hook.get("lines")
    if lines is None:
        return
    for line in lines():  # type: ignore[operator]
        print(f"dpor_stats {line}", file=sys.stderr)
