"""Our `dpor` against frontrun 0.7.0's DPOR on the held scenarios, broken and fixed (issue 14).

    .venv/bin/python bench/frontrun_compare.py --frontrun-python /work/venv-frontrun/bin/python

For each held scenario of bench/scenarios.py, broken and fixed, and each preemption bound
(`--bounds 2,none`): our `Contention(...).explore(f, strategy="dpor")` on the function as
it is (its main thread starts and joins its threads), and `frontrun.explore(...,
strategy="dpor")` on the same code shape in frontrun's terms (bench/probe_frontrun.py,
`HELD`), each in fresh processes. Broken: interleavings until the first failure and the
time to it; fixed: interleavings until the search ends (ours `verified`, frontrun's
`property_holds is True`) and the time to that verdict. Time is the explore() call only
(not the interpreter's start-up nor imports), the median of `--repeats` processes; the
interleavings are the first process's (both searches are deterministic; a difference
between processes is reported). Ours runs with shrinking off (`shrink_budget=0`: a
failure is replayed once for its report) as frontrun runs with `reproduce_on_failure=0`;
the broken rows also give our time with the default shrinking.

frontrun is never installed in the project's venv: make a venv of its own,

    python3 -m venv /work/venv-frontrun && /work/venv-frontrun/bin/pip install frontrun==0.7.0

and give its python with --frontrun-python. Its probe runs under frontrun's launcher
(frontrun.cli, which sets FRONTRUN_ACTIVE and its LD_PRELOAD I/O library).

Internal: `frontrun_compare.py ours NAME VARIANT BOUND` runs our side once and prints JSON.
`frontrun_compare.py classes NAME fixed 2`: how many of our runs are distinct classes.
`frontrun_compare.py ttff-scenarios random|dpor[:SHRINK_BUDGET] SEED...` and
`ttff-katas random|dpor SEED`: time to the first failure on the broken held scenarios and
katas (JSON lines).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

LAUNCH = "import sys; from frontrun.cli import main; sys.exit(main())"


def ours(name: str, variant: str, bound: str, shrink: int) -> None:
    """Our side, once, in this process: one JSON line."""
    from scenarios import BY_NAME

    from pytest_threadlesson import Contention, ScheduleFailure

    func = getattr(BY_NAME[name], variant)
    contention = Contention(seed=1, test_id=name, schedules=10_000_000, shrink_budget=shrink)
    preemptions = None if bound == "none" else int(bound)
    start = time.perf_counter()
    try:
        result = contention.explore(func, strategy="dpor", preemptions=preemptions)
    except ScheduleFailure as failure:
        out = {"failed": True, "explored": failure.schedule, "diagnosis": str(failure.diagnosis),
               "summary": str(failure).strip().splitlines()[0][:160]}
    except BaseException as exc:
        out = {"failed": True, "explored": None, "diagnosis": f"!{type(exc).__name__}",
               "summary": f"{type(exc).__name__}: {exc}"[:160]}
    else:
        out = {"failed": False, "explored": result.schedules, "verified": result.verified,
               "summary": result.summary}
    out["seconds"] = time.perf_counter() - start
    print(json.dumps(out), flush=True)


def classes(name: str, variant: str, bound: str) -> None:
    """Why ours runs more: of our dpor's runs, how many are distinct classes under our own
    dependency relation (runs equal up to swapping independent adjacent steps: same
    steps per thread, same order of every dependent pair); the rest repeat a class."""
    from scenarios import BY_NAME

    from pytest_threadlesson import Contention
    from pytest_threadlesson.engine.conflict import dependent
    from pytest_threadlesson.engine.strategies import dpor

    seen: set[tuple] = set()
    workers: set[tuple] = set()  # the same, counting only pairs of the started threads
    original = dpor.DporSearch.finished

    def finished(self, run):  # type: ignore[no-untyped-def]
        index: dict[int, int] = {}
        named = []
        for thread, op in run.events:
            index[thread] = index.get(thread, 0) + 1
            named.append(((thread, index[thread]), op))
        pairs = tuple((a, b) for i, (a, x) in enumerate(named) for (b, y) in named[i + 1:]
                      if a[0] != b[0] and dependent(x, y))
        seen.add((tuple(sorted(index.items())), pairs))
        workers.add(tuple(p for p in pairs if p[0][0] and p[1][0]))
        return original(self, run)

    dpor.DporSearch.finished = finished  # type: ignore[method-assign]
    result = Contention(seed=1, test_id=name, schedules=10_000_000, shrink_budget=0).explore(
        getattr(BY_NAME[name], variant), strategy="dpor",
        preemptions=None if bound == "none" else int(bound))
    print(json.dumps({"runs": result.schedules, "classes": len(seen),
                      "worker_orders": len(workers), "summary": result.summary}))


def ttff_scenarios(strategy: str, seeds: list[int]) -> None:
    """Time to the first failure on the broken held scenarios, as run.py section 2 measures
    it (`Contention(seed=s, test_id=name).explore(broken)`, 100 schedules, shrinking on),
    under `strategy`: one JSON line per scenario and seed."""
    from scenarios import SCENARIOS

    from pytest_threadlesson import Contention, ScheduleFailure

    strategy, _, shrink = strategy.partition(":")  # "random:0": shrinking off
    extra = {"shrink_budget": int(shrink)} if shrink else {}
    for seed in seeds:
        for sc in SCENARIOS:
            start = time.perf_counter()
            try:
                Contention(seed=seed, test_id=sc.name, strategy=strategy,
                           **extra).explore(sc.broken)
            except ScheduleFailure as failure:
                out = {"found": True, "schedule": failure.schedule}
            else:
                out = {"found": False, "schedule": None}
            out.update(scenario=sc.name, seed=seed, strategy=strategy,
                       seconds=time.perf_counter() - start)
            print(json.dumps(out), flush=True)


def ttff_katas(strategy: str, seed: int) -> None:
    """One `pytest katas/` (broken) run under `strategy`: per kata, its first failing
    test's duration (JUnit) and the schedule it failed on (its message)."""
    import re
    import tempfile
    import xml.etree.ElementTree as ET

    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "katas.xml"
        subprocess.run([sys.executable, "-m", "pytest", "katas/", "-q", "-p", "no:cacheprovider",
                        f"--junitxml={xml}", f"--threadlesson-seed={seed}",
                        f"--threadlesson-strategy={strategy}"],
                       capture_output=True, text=True, cwd=ROOT, timeout=900)
        seen: set[str] = set()
        for case in ET.parse(xml).getroot().iter("testcase"):
            kata = case.get("classname", "").split(".")[-1].removeprefix("test_")
            problem = case.find("failure")
            if problem is None:
                problem = case.find("error")
            if problem is None or kata in seen:
                continue
            seen.add(kata)
            text = (problem.get("message") or "") + (problem.text or "")
            found = re.search(r"after (\d+) schedules?", text)
            print(json.dumps({"kata": kata, "strategy": strategy, "seed": seed,
                              "test": case.get("name"), "seconds": float(case.get("time", 0)),
                              "schedule": int(found.group(1)) if found else None}), flush=True)


def _run(cmd: list[str], limit: float) -> dict | None:
    """One process; its last JSON line, None if it ran past `limit` seconds."""
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return None
    lines = [x for x in done.stdout.splitlines() if x.startswith("{")]
    if not lines:
        return {"error": (done.stderr or done.stdout).strip()[-400:]}
    return json.loads(lines[-1])


def measure(cmd: list[str], repeats: int, limit: float) -> dict:
    """`repeats` processes of `cmd` (fewer when one is slow): first result + median time."""
    runs: list[dict] = []
    for _ in range(repeats):
        got = _run(cmd, limit)
        if got is None:
            return {"timeout": limit}
        if "error" in got:
            return got
        runs.append(got)
        if got["seconds"] > 10:  # slow enough that one process says it
            break
    first = dict(runs[0])
    first["seconds"] = statistics.median(r["seconds"] for r in runs)
    first["n"] = len(runs)
    counts = {r.get("explored") for r in runs}
    if len(counts) > 1:
        first["explored_varied"] = sorted(counts, key=str)
    return first


def check_frontrun(python: Path) -> str:
    if not python.exists():
        raise SystemExit(
            f"frontrun venv not found: {python} does not exist.\n"
            "Make one outside the repository and give its python:\n"
            "    python3 -m venv /work/venv-frontrun && "
            "/work/venv-frontrun/bin/pip install frontrun==0.7.0\n"
            "    python bench/frontrun_compare.py --frontrun-python /work/venv-frontrun/bin/python")
    done = subprocess.run([str(python), "-c", "import frontrun.cli; from importlib.metadata "
                           "import version; print(version('frontrun'))"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{python} cannot import frontrun:\n{done.stderr.strip()[-600:]}\n"
                         f"install it there: {python.parent}/pip install frontrun==0.7.0")
    return done.stdout.strip()


def _verdict(side: dict, variant: str, tool: str) -> tuple[str, bool | None]:
    """A short verdict, and whether it is right (a racy version found, a safe one passed)."""
    if "timeout" in side:
        return f"no verdict in {side['timeout']:.0f} s", None
    if "error" in side:
        return "error: " + side["error"].splitlines()[-1][:80], None
    if tool == "ours":
        if side["failed"]:
            return f"failed ({side['diagnosis']})", variant == "broken"
        return ("verified" if side.get("verified") else "not verified"), \
            variant == "fixed" and bool(side.get("verified"))
    holds = side["holds"]
    if holds is False:
        return "failed", variant == "broken"
    if holds is None:
        return "inconclusive", False
    cut = " (total_timeout cut it)" if side.get("cut") else ""
    return "passed" + cut, variant == "fixed" and not side.get("cut")


def _num(side: dict, key: str) -> float | None:
    return side.get(key) if "timeout" not in side and "error" not in side else None


def _secs(seconds: float | None, side: dict) -> str:
    return "-" if seconds is None else f"{seconds:.3f} (n={side.get('n')})"


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "n/a"
    return f"{a / b:.2f}"


def main(argv: list[str]) -> int:
    if argv[:1] == ["ttff-scenarios"]:
        ttff_scenarios(argv[1], [int(x) for x in argv[2:]])
        return 0
    if argv[:1] == ["ttff-katas"]:
        ttff_katas(argv[1], int(argv[2]))
        return 0
    if argv[:1] == ["classes"]:
        classes(argv[1], argv[2], argv[3])
        return 0
    if argv[:1] == ["ours"]:
        ours(argv[1], argv[2], argv[3], int(argv[4]) if len(argv) > 4 else 0)
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frontrun-python", type=Path, required=True,
                        help="the python of a venv with frontrun installed")
    parser.add_argument("--bounds", default="2,none",
                        help="preemption bounds, comma-separated; `none`: unbounded")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--limit", type=float, default=120.0,
                        help="seconds per process (frontrun's total_timeout is this - 10)")
    parser.add_argument("--scenarios", default="", help="names, comma-separated (default all)")
    parser.add_argument("--json", type=Path, help="write the raw results here too")
    parser.add_argument("--table-from", type=Path,
                        help="print the table of a --json file written before, and stop")
    args = parser.parse_args(argv)
    if args.table_from:
        print(table(json.loads(args.table_from.read_text()), "0.7.0"))
        return 0
    version = check_frontrun(args.frontrun_python)

    from probe_frontrun import HELD, NOT_EXPRESSIBLE
    from scenarios import SCENARIOS

    wanted = [s.name for s in SCENARIOS if not args.scenarios
              or s.name in args.scenarios.split(",")]
    held, notes = HELD, NOT_EXPRESSIBLE
    rows: list[dict] = []
    print(f"frontrun {version}; ours: {sys.executable}", file=sys.stderr)
    for bound in args.bounds.split(","):
        for name in wanted:
            for variant in ("broken", "fixed"):
                row = {"scenario": name, "variant": variant, "bound": bound}
                row["ours"] = measure([sys.executable, __file__, "ours", name, variant, bound],
                                      args.repeats, args.limit)
                if variant == "broken":
                    row["ours_shrunk"] = measure(
                        [sys.executable, __file__, "ours", name, variant, bound, "60"],
                        1, args.limit)
                why = notes.get(f"{name}:{variant}") or notes.get(name)
                if why or name not in held:
                    row["frontrun"] = {"not_expressible": why or "no translation"}
                else:
                    row["frontrun"] = measure(
                        [str(args.frontrun_python), "-c", LAUNCH, str(args.frontrun_python),
                         str(BENCH / "probe_frontrun.py"), "compare", name, variant, bound,
                         str(max(args.limit - 10, 1))], args.repeats, args.limit)
                rows.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    print(table(rows, version))
    return 0


def table(rows: list[dict], version: str) -> str:
    out = [f"ours (pytest-threadlesson dpor) vs frontrun {version} (DPOR); time: explore() "
           "call, median of the processes (n); ratio = ours / frontrun", "",
           "| scenario | version | bound | ours: verdict | ours: interleavings | ours: s "
           "| frontrun: verdict | frontrun: interleavings | frontrun: s "
           "| ratio interleavings | ratio time | ours summary |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        mine, theirs = row["ours"], row["frontrun"]
        v_ours, ok_ours = _verdict(mine, row["variant"], "ours")
        if "not_expressible" in theirs:
            v_fr, ok_fr, n_fr, s_fr = "not expressible", None, None, None
        else:
            v_fr, ok_fr = _verdict(theirs, row["variant"], "frontrun")
            n_fr, s_fr = _num(theirs, "explored"), _num(theirs, "seconds")
        n_ours, s_ours = _num(mine, "explored"), _num(mine, "seconds")
        mark = {True: " (right)", False: " (WRONG)", None: ""}
        summary = mine.get("summary", "")
        if row["variant"] == "broken" and "seconds" in row.get("ours_shrunk", {}):
            summary += f"; with shrinking: {row['ours_shrunk']['seconds']:.3f} s"
        out.append(
            f"| {row['scenario']} | {row['variant']} | {row['bound']} | {v_ours}{mark[ok_ours]} "
            f"| {n_ours if n_ours is not None else '-'} "
            f"| {_secs(s_ours, mine)} "
            f"| {v_fr}{mark[ok_fr]} | {n_fr if n_fr is not None else '-'} "
            f"| {_secs(s_fr, theirs)} "
            f"| {_ratio(n_ours, n_fr)} | {_ratio(s_ours, s_fr)} | {summary} |")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
