"""Differential check of `dpor`'s search: on small generated programs, the final states
its runs reach without a bound against those of `systematic` without a bound.

    .venv/bin/python bench/dpor_differential.py [FIRST_SEED] [LAST_SEED] [--budget N]

Each seed makes a program of two or three threads, each two to four operations drawn
from a fixed list (reads and writes of attributes, a list and a dict, sections under
two locks, a try-acquire), and records its final state (the attributes, the list, the
dict) in a set, for every run. `systematic` without a bound runs every interleaving; a
complete `dpor` search reaches every final state it reaches, since equivalent
interleavings end in the same state. A seed prints "ok", "MISSING" with the states
`dpor` never reached (a completeness bug), or why it was skipped (`systematic` did not
end within the budget, or a run failed). No assertion in the programs: a failure is a
crash of the program (an exception in a thread), reported and skipped.

The programs are written to a temporary folder, imported from there as user code.
"""

from __future__ import annotations

import argparse
import importlib
import random
import sys
import tempfile
import textwrap
from pathlib import Path

from pytest_threadlesson.engine.contention import Contention, ScheduleFailure

OPERATIONS = [
    "v = S.x", "S.x = v + 1", "S.y = S.x", "L.append({t})", "v = len(L)", "S.x = {t}",
    "with K1:\n    S.x = S.x + 1", "with K1:\n    v = S.y", "with K2:\n    L.append(S.x)",
    "if K1.acquire(blocking=False):\n    S.y = {t}\n    K1.release()",
    "D[{t}] = S.x", "v = dict(D)", "S.z = v",
]


def program(seed: int) -> str:
    rng = random.Random(seed)
    threads = rng.choice([2, 2, 3])
    bodies = []
    for t in range(threads):
        ops = [rng.choice(OPERATIONS).format(t=t) for _ in range(rng.randint(2, 4))]
        body = "    v = 0\n" + "".join(textwrap.indent(op, "    ") + "\n" for op in ops)
        bodies.append(f"def t{t}():\n{body}")
    targets = ", ".join(f"t{t}" for t in range(threads))
    return f'''import threading


class _State:
    pass


FINAL = set()


def scenario():
    global S, L, D, K1, K2
    S = _State()
    S.x = S.y = S.z = 0
    L = []
    D = {{}}
    K1, K2 = threading.Lock(), threading.Lock()
{textwrap.indent(chr(10).join(bodies), "    ")}
    threads = [threading.Thread(target=f) for f in ({targets},)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    FINAL.add(repr((S.x, S.y, S.z, L, sorted(D.items()))))
'''


def final_states(module_name: str, strategy: str, budget: int) -> tuple[set[object], bool, int]:
    module = importlib.import_module(module_name)
    module.FINAL.clear()
    result = Contention(seed=1, test_id=module_name, shrink_budget=0).explore(
        module.scenario, budget, strategy=strategy, preemptions=None)
    return set(module.FINAL), result.verified, result.schedules


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=int, nargs="?", default=0)
    parser.add_argument("last", type=int, nargs="?", default=20)
    parser.add_argument("--budget", type=int, default=20_000,
                        help="runs of systematic at most; a seed past it is skipped")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="dpor_differential_"))
    sys.path.insert(0, str(folder))
    missing = compared = 0
    for seed in range(args.first, args.last):
        name = f"dpor_differential_{seed}"
        (folder / f"{name}.py").write_text(program(seed))
        try:
            everything, complete, interleavings = final_states(name, "systematic", args.budget)
            reached, verified, runs = final_states(name, "dpor", args.budget)
        except ScheduleFailure as failure:
            print(f"seed {seed}: skipped, a run failed ({failure.diagnosis})", flush=True)
            continue
        if not complete:
            print(f"seed {seed}: skipped, systematic did not end in {args.budget} runs",
                  flush=True)
            continue
        compared += 1
        lost = everything - reached
        missing += bool(lost)
        verdict = f"MISSING {sorted(lost, key=repr)[:3]}" if lost else "ok"
        print(f"seed {seed}: {verdict}; {len(everything)} final states; systematic "
              f"{interleavings} interleavings, dpor {runs} runs (verified: {verified})",
              flush=True)
    print(f"{compared} programs compared, {missing} with final states dpor missed")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
