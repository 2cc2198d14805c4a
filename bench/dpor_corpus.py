"""dpor vs systematic on tests/corpus: schedules, verdict, time (issue 14 part 3/4).

Run: .venv/bin/python bench/dpor_corpus.py [name-filter]
"""

from __future__ import annotations

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

from corpus import programs  # noqa: E402

from pytest_threadlesson.engine.contention import Contention, ScheduleFailure  # noqa: E402


def run(program: object, strategy: str, preemptions: int | None) -> str:
    engine = Contention(seed=1, test_id=program.__name__, shrink_budget=0)  # type: ignore[attr-defined]
    start = time.perf_counter()
    try:
        result = engine.explore(program.scenario, 20_000, strategy=strategy,  # type: ignore[attr-defined]
                                preemptions=preemptions)
        verdict = ("verified" if result.verified else "passed") + f" {result.schedules}"
    except ScheduleFailure as failure:
        verdict = f"FAILED at {failure.schedule}"
    return f"{verdict} ({time.perf_counter() - start:.2f} s)"


def main() -> None:
    wanted = sys.argv[1] if len(sys.argv) > 1 else ""
    for program in programs():
        name = program.__name__.rsplit(".", 1)[-1]
        if wanted not in name:
            continue
        cells = [run(program, "dpor", None), run(program, "dpor", 2),
                 run(program, "systematic", 2)]
        print(f"{name:40} {program.VERDICT:5} dpor: {cells[0]:28} dpor/2: {cells[1]:28} "
              f"systematic/2: {cells[2]}", flush=True)


if __name__ == "__main__":
    main()
