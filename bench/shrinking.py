"""Bench section 9: shrinking (issue 15). For each broken kata, the report of each failing
`explore` before and after shrinking (preemptions, steps, rows shown), and the cost of
shrinking: whole `pytest katas/` runs with the default budget against runs with none
(budget 0: the schedule found, replayed once for its notes), interleaved.

    python bench/run.py --sections 9 --pythons 3.11 --seeds 5 --repeats 5 \\
        --output BENCHMARKS-shrinking.md
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
DEFAULT_BUDGET = 60


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):g}" if values else "-"


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values):.0f}" if values else "-"


def shrinking_section(report: Any, python: str, seeds: list[int], repeats: int, tmp: Path,
                      progress: Callable[[str], None], *, run: Callable[..., Any],
                      pytest_cmd: Callable[..., list[str]],
                      clean_env: Callable[..., dict[str, str]],
                      row: Callable[..., Any]) -> None:
    records: dict[int, list[dict[str, Any]]] = {0: [], DEFAULT_BUDGET: []}
    times: dict[int, list[float]] = {0: [], DEFAULT_BUDGET: []}
    runs_done = 0
    # interleaved: budget 0 and the default one after the other, seed by seed, repeat by
    # repeat, so that the machine's load disturbs both alike
    for rep in range(max(repeats, 1)):
        for seed in seeds:
            for budget in (0, DEFAULT_BUDGET):
                out = tmp / f"shrink-{budget}-{seed}-{rep}.jsonl"
                out.unlink(missing_ok=True)
                env = clean_env(PYTHONPATH=str(BENCH), SHRINK_PROBE_BUDGET=str(budget),
                                SHRINK_PROBE_OUT=str(out))
                result = run(pytest_cmd(python, "katas", "-q", "-p", "shrink_probe",
                                        f"--threadlesson-seed={seed}"), env=env)
                runs_done += 1
                times[budget].append(result.seconds)
                if rep == 0 and out.exists():
                    records[budget] += [json.loads(line) for line in out.read_text().splitlines()]
        progress(f"section 9: round {rep + 1} of {max(repeats, 1)} done")
    by_kata: dict[str, dict[int, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for budget, found in records.items():
        for rec in found:
            kata = rec["test"].split("test_", 1)[1].split(".py", 1)[0]
            by_kata[kata][budget].append(rec)
    rows = []
    for kata in sorted(by_kata):
        # an exception, a hang or code that does not run is not shrunk (no `shrunk`)
        before = [r for r in by_kata[kata][0] if r["preemptions_before"] is not None]
        after = [r for r in by_kata[kata][DEFAULT_BUDGET] if r["preemptions_after"] is not None]
        if not after:
            continue
        pre_b = [r["preemptions_before"] for r in after]
        pre_a = [r["preemptions_after"] for r in after]
        rows_b = [r["rows"] for r in before]
        rows_a = [r["rows"] for r in after]
        steps_b = [r["steps_before"] for r in after]
        steps_a = [r["steps_after"] for r in after]
        cost = [r["runs"] for r in after]
        ms = [1000 * r["seconds"] for r in after if r.get("seconds") is not None]
        ms_0 = [1000 * r["seconds"] for r in before if r.get("seconds") is not None]
        diagnoses = sorted({r["diagnosis"] for r in after})
        rows.append(row("9", f"{kata}: report before / after shrinking",
                        f"preemptions median {_median(pre_b)} / {_median(pre_a)} "
                        f"(max {max(pre_b)} / {max(pre_a)}); rows shown median "
                        f"{_median(rows_b)} / {_median(rows_a)} (max {max(rows_b or [0])} / "
                        f"{max(rows_a)}); steps run median {_median(steps_b)} / "
                        f"{_median(steps_a)}; shrinking runs median {_median(cost)} "
                        f"(max {max(cost)}), time median {_ms(ms)} ms (max "
                        f"{max(ms) if ms else 0:.0f}) against {_ms(ms_0)} ms for the "
                        "noted replay alone", "",
                        f"N={len(after)} failing explores ({', '.join(diagnoses)}), "
                        f"seeds {seeds[0]}..{seeds[-1]}"))
    k03 = [r["rows"] for r in by_kata.get("k03_lost_update", {}).get(DEFAULT_BUDGET, [])
           if r["preemptions_after"] is not None]
    if k03:
        rows.append(row("9", "k03_lost_update: rows shown after shrinking",
                        f"max {max(k03)}, median {_median(k03)}", "<= 8",
                        f"N={len(k03)} failing explores", met=max(k03) <= 8))
    with_, without = times[DEFAULT_BUDGET], times[0]
    if with_ and without:
        ratio = statistics.median(with_) / statistics.median(without)
        rows.append(row("9", "wall time of `pytest katas/` (all red), shrinking (budget "
                        f"{DEFAULT_BUDGET}) / none (budget 0)",
                        f"median {statistics.median(with_):.2f} s / "
                        f"{statistics.median(without):.2f} s = {ratio:.2f}", "",
                        f"N={len(with_)} / {len(without)} whole-process runs, interleaved, "
                        f"seeds {seeds[0]}..{seeds[-1]}"))
    report.set_section("9", rows)
    report.notes.append(
        "Section 9 (shrinking) runs `pytest katas/` with bench/shrink_probe.py, which sets "
        "the shrinking budget (0: none; the schedule found is replayed once for its notes) "
        "and records each failing explore: preemptions before/after (a switch away from a "
        "thread that could go on), rows the report shows (timeline rows), steps the "
        "schedule ran (a stretch of one line by one thread) before/after, the runs "
        "shrinking took, and its time: from the failing schedule found to the failure "
        "reported (shrinking runs and the noted replay), against the noted replay alone "
        "(budget 0). Free-mode failures (no explore) are not counted.")
