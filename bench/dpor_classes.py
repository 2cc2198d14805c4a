"""How many runs `dpor` needs for one scenario, and how many of them are distinct classes.

    .venv/bin/python bench/dpor_classes.py MODULE:FUNCTION [--budget N] [--bound K|none]
        [--path DIR ...] [--steps RUN] [--races RUNS]

MODULE is imported with the `--path` folders first on `sys.path` (e.g. `--path bench` for
bench/scenarios.py, `--path tests` for the corpus, `--path solutions --path katas` for
a kata's code). It prints `ExploreResult.summary` (or the failure's first line), the
runs, and the distinct classes among them: two runs are one class when every step has the
same thread, number and vector clock (`dpor.races`' clocks), so "runs - classes" is what
optimal DPOR would save. `--steps R` lists run R's steps (thread, where, footprint);
`--races R` counts the races of the first R runs by where their two steps are.

The observation hooks wrap the search's own methods; this file's code is compiled under a
name in the standard library's folder so that the tracer does not treat it as the code
under test (it would be preempted and traced itself).
"""

from __future__ import annotations

import os
import sys
import threading

_HOOKS = r'''
import collections, importlib, os, sys, time
from pytest_threadlesson.engine.contention import Contention
from pytest_threadlesson.engine.strategies import dpor as D

runs = []
_observe, _choose, _finished = D.Dpor.observe, D.Dpor.choose, D.DporSearch.finished


def observe(self, thread, kind, frame):
    _observe(self, thread, kind, frame)
    if kind == "opcode" and frame is not None:
        where = (f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}:"
                 f"{frame.f_code.co_name}")
    elif kind in ("assert", "opcode"):
        return  # part of the current step; or the oracle's "opcode" without a frame
    else:
        where = kind
    self.__dict__.setdefault("at", {})[thread] = where


def choose(self, runnable, current, kind):
    chosen = _choose(self, runnable, current, kind)
    self.__dict__.setdefault("wheres", []).append(
        self.__dict__.get("at", {}).pop(chosen, "(thread start)"))
    return chosen


def finished(self, run):
    runs.append(run)
    return _finished(self, run)


def main(target, budget, bound, show, race_runs):
    D.Dpor.observe, D.Dpor.choose, D.DporSearch.finished = observe, choose, finished
    module, name = target.split(":")
    scenario = getattr(importlib.import_module(module), name)
    start = time.perf_counter()
    try:
        result = Contention(seed=1, test_id=target, schedules=budget, strategy="dpor",
                            shrink_budget=0).explore(scenario, preemptions=bound)
        verdict = result.summary
    except AssertionError as failure:
        verdict = "failed: " + str(failure).splitlines()[0]
    seconds = time.perf_counter() - start
    classes = set()
    for run in runs:
        _, clocks, local = D.races(run.events, run.born)
        classes.add(frozenset((run.events[i][0], local[i], tuple(clocks[i]))
                              for i in range(len(run.events))))
    print(f"{target}: {verdict}")
    print(f"runs {len(runs)}, distinct classes {len(classes)}, {seconds:.2f} s")
    if show is not None and show < len(runs):
        run = runs[show]
        for i, ((thread, op), where) in enumerate(zip(run.events, run.wheres)):
            print(f"{i:4} t{thread} {where:40} {op}")
    if race_runs:
        counted = collections.Counter()
        for run in runs[:race_runs]:
            found, _, _ = D.races(run.events, run.born)
            for j, k in found:
                counted[(run.wheres[j], run.wheres[k])] += 1
        for (first, second), n in counted.most_common(20):
            print(f"{n:6}  {first}  ->  {second}")
'''


def _arguments(argv: list[str]) -> tuple[str, int, int | None, int | None, int, list[str]]:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", help="MODULE:FUNCTION, the scenario")
    parser.add_argument("--budget", type=int, default=100_000)
    parser.add_argument("--bound", default="2", help="preemption bound, or none")
    parser.add_argument("--path", action="append", default=[])
    parser.add_argument("--steps", type=int, default=None, help="list this run's steps")
    parser.add_argument("--races", type=int, default=0, help="count the races of N runs")
    args = parser.parse_args(argv)
    bound = None if args.bound == "none" else int(args.bound)
    return args.target, args.budget, bound, args.steps, args.races, args.path


def main(argv: list[str]) -> None:
    target, budget, bound, steps, races, paths = _arguments(argv)
    sys.path[:0] = [os.path.abspath(p) for p in paths]
    hidden = os.path.join(os.path.dirname(threading.__file__), "_threadlesson_dpor_classes.py")
    hooks: dict[str, object] = {"__name__": "_threadlesson_dpor_classes"}
    exec(compile(_HOOKS, hidden, "exec"), hooks)
    hooks["main"](target, budget, bound, steps, races)  # type: ignore[operator]


if __name__ == "__main__":
    main(sys.argv[1:])
