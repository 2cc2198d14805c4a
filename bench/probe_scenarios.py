"""Run held-out scenarios under `Contention.explore`, in this process; print JSON lines.

Used by run.py in fresh interpreters:

    python bench/probe_scenarios.py detect SEED [SEED ...]   # broken and fixed, per seed
    python bench/probe_scenarios.py report SEED              # each broken report (determinism)
    python bench/probe_scenarios.py verdict NAME SEED        # one broken scenario, timed
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scenarios import BY_NAME, SCENARIOS

from pytest_threadlesson import Contention, ScheduleFailure

_perf = time.perf_counter


def _explore(name: str, func, seed: int) -> dict:
    contention = Contention(seed=seed, test_id=name)
    start = _perf()
    try:
        result = contention.explore(func)
    except ScheduleFailure as failure:
        return {"failed": True, "diagnosis": failure.diagnosis, "schedule": failure.schedule,
                "seconds": _perf() - start, "report": str(failure)}
    except BaseException as exc:  # anything else is a finding too
        return {"failed": True, "diagnosis": f"!{type(exc).__name__}", "schedule": None,
                "seconds": _perf() - start, "report": f"{type(exc).__name__}: {exc}"}
    return {"failed": False, "diagnosis": None, "schedules": result.schedules,
            "seconds": _perf() - start, "threads": result.threads_started}


def main(argv: list[str]) -> None:
    mode = argv[0]
    if mode == "detect":
        for seed in map(int, argv[1:]):
            for sc in SCENARIOS:
                broken = _explore(sc.name, sc.broken, seed)
                fixed = _explore(sc.name, sc.fixed, seed)
                broken.pop("report", None)
                if fixed.get("report"):
                    fixed["report"] = fixed["report"][:300]
                print(json.dumps({"seed": seed, "scenario": sc.name, "threads": sc.threads,
                                  "broken": broken, "fixed": fixed}), flush=True)
    elif mode == "report":
        seed = int(argv[1])
        for sc in SCENARIOS:
            out = _explore(sc.name, sc.broken, seed)
            digest = hashlib.sha256(out.get("report", "").encode()).hexdigest()
            print(json.dumps({"scenario": sc.name, "sha256": digest,
                              "report": out.get("report", "")}), flush=True)
    elif mode == "verdict":
        sc = BY_NAME[argv[1]]
        out = _explore(sc.name, sc.broken, int(argv[2]))
        out.pop("report", None)
        print(json.dumps(out), flush=True)
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
