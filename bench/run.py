"""The benchmark suite of pytest-threadlesson: one command, one table.

    python bench/run.py                      # the full run on the default Pythons
    python bench/run.py --quick              # everything with small numbers, a few minutes
    python bench/run.py --seeds 100 --other-seeds 30 --scenario-seeds 100 --repeats 5

Prints one table and writes it, with the machine, the Python versions, the date and the
exact command, to BENCHMARKS.md at the root of the repository. Every figure is a share, a
ratio, a rate or a median of repeated whole-process runs, and says its N. Nothing here
asserts on time: the machine is shared and noisy.

Sections (see bench/README.md): 1 detection per kata, 2 held-out scenarios, 3 frontrun side
by side, 4 deadlocks, 5 overhead, 6 soak, 7 scale (xdist + repeat), 9 shrinking
(bench/shrinking.py; run alone: `python bench/run.py --sections 9 --pythons 3.11 --seeds 5
--repeats 5 --output BENCHMARKS-shrinking.md`).

The first Python of --pythons runs every section; the others run sections 1 and 2 (kata
detection and held-out scenarios), after all the sections of the first. A Python
"3.X" is the venv with the package installed: the repository's .venv when its version
matches, else /tmp/venv-3.X.*, else the CI's .ci-venv-3.X.

frontrun (section 3) is optional and never installed into the project's venv: put it in
a venv of its own (`python3 -m venv /tmp/venv-frontrun && /tmp/venv-frontrun/bin/pip
install frontrun`), or pass --frontrun-venv; without it section 3 says it was skipped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import glob
import json
import os
import platform
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
FILES = BENCH / "files"
OUTPUT = REPO / "BENCHMARKS.md"

# The diagnosis each broken kata must produce: CURRICULUM.md, as copied into
# tests/test_curriculum.py (copied again here, so that the benchmark proves the same thing).
EXPECTED = {
    "k01_join": "race",
    "k02_start_not_run": "deadlock",
    "k03_lost_update": "race",
    "k04_check_then_act": "race",
    "k05_lazy_init": "race",
    "k06_wrong_lock": "race",
    "k07_dict_iteration": "race",
    "k08_reentrant": "deadlock",
    "k09_lock_ordering": "deadlock",
    "k10_dining_philosophers": "deadlock",
    "k11_semaphore_pool": "deadlock",
    "k12_bounded_buffer": "race",
    "k13_lost_wakeup": "deadlock",
    "k14_queue_join": "deadlock",
    "k15_pool_exceptions": "lost-exception",
    "k16_pool_starvation": "deadlock",
    "k17_leaked_worker": "leak",
    "k18_daemon_shutdown": "race",
    "k19_lost_exception": "lost-exception",
    "k20_sleep_is_not_sync": "race",
    "k21_readers_writer": "race",  # stretch
    "k22_ignored_timeout": "race",  # stretch
}
KATA_RUN_TIMEOUT = 600.0  # a whole `pytest katas/` that takes longer counts as a hang
SOAK_SEED = 11


# ---------------------------------------------------------------------------------------
# Processes


@dataclass
class Run:
    rc: int | None
    out: str
    err: str
    seconds: float
    timed_out: bool
    cpu: float | None = None  # user + sys of the child, when measured alone


# Bytecode of every measured process is cached here (set by main to the bench's temporary
# folder), as an installed package's is: no process pays for compiling pytest and the
# plugin again, and nothing is written into the repository.
PYCACHE: list[Path] = []


def clean_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTHONPATH", "FRONTRUN_ACTIVE",
                 "LD_PRELOAD", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    if PYCACHE:
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE[0])
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def run(cmd: list[str], *, cwd: Path = REPO, timeout: float = 600.0,
        env: dict[str, str] | None = None, measure_cpu: bool = False) -> Run:
    """One whole process, bounded. `measure_cpu` only when no other child runs meanwhile."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN) if measure_cpu else None
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env or clean_env(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)  # this run's own process group: the process we started
        out, err = proc.communicate()
        timed_out = True
    seconds = time.perf_counter() - start
    cpu = None
    if before is not None:
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(proc.returncode, out, err, seconds, timed_out, cpu)


def pytest_cmd(python: str, *args: str) -> list[str]:
    return [python, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", *args]


# ---------------------------------------------------------------------------------------
# Pythons


def debian_python(venv: Path) -> Path | None:
    """For a venv made inside the Debian root (CI's 3.14 and 3.15, whose python exists only
    there): a script that runs that python through `.ci/in-debian`, which keeps the current
    folder when it is in the repository or /tmp (where the bench works)."""
    python = venv / "bin" / "python"
    if not python.is_symlink() or python.exists():
        return None  # not a venv, or a python this machine runs itself
    in_debian = REPO / ".ci" / "in-debian"
    wrapper = venv / "bin" / "python-in-debian"
    wrapper.write_text(f"#!/bin/sh\nexec {shlex.quote(str(in_debian))} "
                       f"{shlex.quote(str(python))} \"$@\"\n")
    wrapper.chmod(0o755)
    return wrapper


def resolve_python(version: str) -> str | None:
    """The python of a venv for CPython `version` ("3.11") with the package installed."""
    candidates = [REPO / ".venv" / "bin" / "python"]
    candidates += [Path(p) / "bin" / "python" for p in sorted(glob.glob(f"/tmp/venv-{version}.*"))]
    ci_venv = REPO / f".ci-venv-{version}"
    candidates.append(debian_python(ci_venv) or ci_venv / "bin" / "python")
    for python in candidates:
        if not python.exists():
            continue
        probe = run([str(python), "-c", "import sys, pytest_threadlesson; "
                     "print('%d.%d' % sys.version_info[:2])"], timeout=60)
        if probe.rc == 0 and probe.out.strip() == version:
            return str(python)
    return None


def python_version(python: str) -> str:
    r = run([python, "-c", "import sys, pytest; print(sys.version.split()[0], pytest.__version__)"],
            timeout=60)
    ver, pytest_ver = r.out.split()
    return f"CPython {ver} (pytest {pytest_ver})"


# ---------------------------------------------------------------------------------------
# Stats and the table


def median(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}% ({part}/{whole})" if whole else "n/a"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def secs(seconds: float) -> str:
    return f"{seconds:.2f} s"


@dataclass
class Row:
    section: str
    measure: str
    result: str
    goal: str = ""
    n: str = ""
    met: bool | None = None


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)

    def add(self, *args: object, **kwargs: object) -> None:
        self.rows.append(Row(*args, **kwargs))  # type: ignore[arg-type]

    def set_section(self, section: str, rows: list[Row]) -> None:
        """Put `rows` in place of the section's rows so far (a section measured in parts)."""
        first = next((i for i, r in enumerate(self.rows) if r.section == section), None)
        if first is None:
            first = sum(1 for r in self.rows if r.section < section)
        self.rows = [r for r in self.rows if r.section != section]
        self.rows[first:first] = rows

    def table(self) -> str:
        head = "| # | measure | result | goal | N, method |\n|---|---|---|---|---|"
        lines = [head]
        for r in self.rows:
            goal = r.goal
            if r.met is not None and goal:
                goal += " (met)" if r.met else " (**missed**)"
            cells = [r.section, r.measure, r.result, goal, r.n]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Katas (sections 1 and 6)


@dataclass(frozen=True)
class Case:
    kata: str
    name: str
    passed: bool
    diagnosis: str | None


def parse_junit(xml: Path) -> list[Case]:
    cases = []
    for case in ET.parse(xml).getroot().iter("testcase"):
        kata = case.get("classname", "").split(".")[-1].removeprefix("test_")
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        cases.append(Case(kata, case.get("name", "?"),
                          problem is None and case.find("skipped") is None,
                          props.get("threadlesson_diagnosis")))
    return cases


@dataclass
class KataRun:
    python: str
    seed: int
    solutions: bool
    run: Run
    cases: list[Case] | None

    @property
    def crashed(self) -> bool:
        text = self.run.out + self.run.err
        return (not self.run.timed_out) and (
            self.cases is None or "INTERNALERROR" in text
            or self.run.rc not in ((0, 1) if self.solutions else (1,)))


def run_katas(python: str, seed: int, solutions: bool, tmp: Path, tag: str,
              *, measure_cpu: bool = False) -> KataRun:
    xml = tmp / f"{tag}-{'sol' if solutions else 'red'}-{seed}.xml"
    args = ["katas/", "-q", f"--junitxml={xml}", f"--threadlesson-seed={seed}"]
    if solutions:
        args.append("--threadlesson-solutions")
    r = run(pytest_cmd(python, *args), timeout=KATA_RUN_TIMEOUT, measure_cpu=measure_cpu)
    cases = parse_junit(xml) if xml.exists() and not r.timed_out else None
    if xml.exists():
        xml.unlink()
    return KataRun(python, seed, solutions, r, cases)


def by_kata(cases: list[Case]) -> dict[str, list[Case]]:
    found: dict[str, list[Case]] = defaultdict(list)
    for c in cases:
        found[c.kata].append(c)
    return found


@dataclass
class Detection:
    """Section 1 so far: one Python's runs can come in later than another's."""

    seeds: dict[str, list[int]] = field(default_factory=dict)
    red_ok: dict[str, Counter[str]] = field(default_factory=dict)
    green_ok: dict[str, Counter[str]] = field(default_factory=dict)
    wrong: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    bad_runs: list[str] = field(default_factory=list)
    runs: int = 0
    timing: list[Row] = field(default_factory=list)


def detection(report: Report, det: Detection, pythons: dict[str, str],
              seeds: dict[str, list[int]], tmp: Path, progress: Callable[[str], None]) -> None:
    jobs = [(ver, seed, sol) for ver in pythons for seed in seeds[ver] for sol in (False, True)]
    progress(f"1. detection on {', '.join(pythons)}: {len(jobs)} runs of pytest katas/, "
             "two at a time")
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(
            lambda job: run_katas(pythons[job[0]], job[1], job[2], tmp, job[0].replace(".", "")),
            jobs))
    det.runs += len(jobs)
    for ver in pythons:
        det.seeds[ver] = seeds[ver]
        det.red_ok[ver] = Counter()
        det.green_ok[ver] = Counter()
    for job, kr in zip(jobs, results, strict=True):
        ver, seed, sol = job
        if kr.cases is None or kr.crashed:
            what = "hang" if kr.run.timed_out else f"exit {kr.run.rc}"
            det.bad_runs.append(f"{ver} seed {seed} {'solutions' if sol else 'katas'}: {what}"
                                f" {(kr.run.out + kr.run.err)[-300:]!r}")
        grouped = by_kata(kr.cases or [])
        for kata in EXPECTED:
            cases = grouped.get(kata, [])
            if sol:
                if cases and all(c.passed for c in cases):
                    det.green_ok[ver][kata] += 1
                else:
                    failing = [c.name for c in cases if not c.passed] or ["no test ran"]
                    det.wrong[kata].append(f"{ver} seed {seed}: solution fails {failing[0]}")
            else:
                failed = [c for c in cases if not c.passed]
                diagnoses = {c.diagnosis for c in failed}
                if failed and EXPECTED[kata] in diagnoses:
                    det.red_ok[ver][kata] += 1
                else:
                    got = ", ".join(sorted(map(str, diagnoses))) if failed else "green"
                    det.wrong[kata].append(f"{ver} seed {seed}: {got}")
    detection_rows(report, det)


def detection_rows(report: Report, det: Detection) -> None:
    vers = list(det.seeds)
    rows = []
    for kata, diag in EXPECTED.items():
        cells = []
        ok = True
        for v in vers:
            n = len(det.seeds[v])
            r, g = det.red_ok[v][kata], det.green_ok[v][kata]
            ok = ok and r == n and g == n
            cells.append(f"{v}: {100 * r / n:.0f}% / {100 * g / n:.0f}%")
        rows.append(Row("1", f"{kata}: broken fails with `{diag}` / solution passes",
                        " · ".join(cells), "100% / 100%", "seeds per Python: see the row "
                        "'all katas'", ok))
    total = sum(len(det.seeds[v]) for v in vers) * len(EXPECTED)
    total_red = sum(det.red_ok[v][k] for v in vers for k in EXPECTED)
    total_green = sum(det.green_ok[v][k] for v in vers for k in EXPECTED)
    ns = ", ".join(f"{v}: N={len(det.seeds[v])} seeds ({det.seeds[v][0]}..{det.seeds[v][-1]})"
                   for v in vers)
    rows.append(Row("1", "all katas: (kata, seed) pairs detected / solutions green",
                    f"{pct(total_red, total)} / {pct(total_green, total)}", "100% / 100%", ns,
                    total_red == total and total_green == total))
    rows.append(Row("1", "kata runs that crashed or hung", str(len(det.bad_runs)), "0",
                    f"{det.runs} whole runs", not det.bad_runs))
    rows += det.timing
    report.set_section("1", rows)
    report.findings = [f for f in report.findings if not f.startswith(("kata ", "bad kata"))]
    for kata, items in det.wrong.items():
        report.findings.append(f"kata {kata}: {len(items)} miss(es): " + "; ".join(items[:6])
                               + (" ..." if len(items) > 6 else ""))
    report.findings.extend(f"bad kata run: {b}" for b in det.bad_runs)


def kata_timing(report: Report, det: Detection, python: str, ver: str, repeats: int,
                tmp: Path, progress: Callable[[str], None]) -> None:
    progress(f"1. wall time: {repeats} sequential runs each of pytest katas/ (red, solutions)")
    red_t, green_t, red_cpu, green_cpu = [], [], [], []
    for i in range(repeats):
        for sol, wall, cpu in ((False, red_t, red_cpu), (True, green_t, green_cpu)):
            kr = run_katas(python, 31337 + i, sol, tmp, "time", measure_cpu=True)
            wall.append(kr.run.seconds)
            cpu.append(kr.run.cpu or 0.0)
    det.timing = [
        Row("1", f"wall time of `pytest katas/` (all red), {ver}",
            f"median {secs(median(red_t))} (CPU {secs(median(red_cpu))})", "",
            f"N={repeats} sequential whole-process runs, seeds 31337..{31337 + repeats - 1}"),
        Row("1", f"wall time of the solutions run, {ver}",
            f"median {secs(median(green_t))} (CPU {secs(median(green_cpu))}); "
            f"red/solutions {median(red_t) / median(green_t):.2f}", "",
            f"N={repeats} sequential whole-process runs"),
    ]
    detection_rows(report, det)


# ---------------------------------------------------------------------------------------
# Section 2: held-out scenarios


SCENARIO_NAMES = ("lost_update", "check_then_act", "publication_order", "pop_from_empty_list",
                  "queue_hand_off", "thread_pool_map", "lock_order_deadlock", "virtual_sleep")


@dataclass
class Scenarios:
    """Section 2 so far, per Python: the other Pythons' runs come in at the end."""

    records: dict[str, list[dict]] = field(default_factory=dict)
    determinism: dict[str, dict[str, int]] = field(default_factory=dict)
    determinism_runs: int = 0
    findings: list[str] = field(default_factory=list)


def scenarios(report: Report, acc: Scenarios, ver: str, python: str, seeds: list[int],
              determinism_runs: int, progress: Callable[[str], None]) -> None:
    progress(f"2. held-out scenarios on {ver}: {len(seeds)} seeds, two processes")
    halves = [seeds[0::2], seeds[1::2]]
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda part: run(
            [python, str(BENCH / "probe_scenarios.py"), "detect", *map(str, part)],
            timeout=3600), [h for h in halves if h]))
    records = []
    for r in runs:
        if r.rc != 0 or r.timed_out:
            acc.findings.append(f"scenario probe failed on {ver} (rc {r.rc}): {r.err[-800:]}")
        records += [json.loads(line) for line in r.out.splitlines() if line.startswith("{")]
    acc.records[ver] = records
    for x in records:
        if not x["broken"]["failed"]:
            acc.findings.append(f"scenario {x['scenario']} broken passed on {ver} under seed "
                                f"{x['seed']}: no failure in {x['broken']['schedules']} "
                                "schedules")
        if x["fixed"]["failed"]:
            acc.findings.append(f"scenario {x['scenario']} fixed fails on {ver} under seed "
                                f"{x['seed']}: {x['fixed'].get('report', '')[:200]}")

    progress(f"2. determinism on {ver}: {determinism_runs} fresh processes, seed 31337")
    digests: list[dict[str, str]] = []
    texts: list[dict[str, str]] = []
    for _ in range(determinism_runs):
        r = run([python, str(BENCH / "probe_scenarios.py"), "report", "31337"], timeout=600)
        recs = [json.loads(line) for line in r.out.splitlines() if line.startswith("{")]
        digests.append({x["scenario"]: x["sha256"] for x in recs})
        texts.append({x["scenario"]: x["report"] for x in recs})
    first = digests[0] if digests else {}
    for i, d in enumerate(digests[1:], 1):
        for name, digest in d.items():
            if digest != first.get(name):
                diff = [ln for ln in difflib.unified_diff(
                    texts[0][name].splitlines(), texts[i][name].splitlines(), lineterm="",
                    n=0) if ln[:1] in "+-" and ln[:3] not in ("+++", "---")]
                acc.findings.append(f"determinism on {ver}: {name}, process {i + 1} differs "
                                    f"from process 1: " + " / ".join(diff[:6])[:600])
    acc.determinism[ver] = {
        name: sum(1 for d in digests if name in first and d.get(name) == first[name])
        for name in SCENARIO_NAMES}
    acc.determinism_runs = determinism_runs
    scenario_rows(report, acc)


def scenario_rows(report: Report, acc: Scenarios) -> None:
    vers = list(acc.records)
    main = vers[0]
    rows = []
    for name in SCENARIO_NAMES:
        cells, ok, n_text = [], True, []
        for v in vers:
            recs = [x for x in acc.records[v] if x["scenario"] == name]
            n = len(recs)
            red = sum(1 for x in recs if x["broken"]["failed"])
            green = sum(1 for x in recs if not x["fixed"]["failed"])
            ok = ok and n > 0 and red == n and green == n
            cells.append(f"{v}: {pct(red, n)} / {pct(green, n)}")
            n_text.append(f"{v}: N={n}")
        main_red = [x for x in acc.records[main] if x["scenario"] == name and x["broken"]["failed"]]
        diag = Counter(x["broken"]["diagnosis"] for x in main_red)
        first_sched = median(x["broken"]["schedule"] for x in main_red if x["broken"]["schedule"])
        first_time = median(x["broken"]["seconds"] for x in main_red)
        rows.append(Row(
            "2", f"{name}: broken raises ScheduleFailure / fixed passes",
            " · ".join(cells) + f"; on {main}: diagnosis "
            + ", ".join(f"{d} {c}" for d, c in diag.most_common())
            + f", first failure at median schedule {first_sched:g}, {ms(first_time)}",
            "100% / 100%", ", ".join(n_text) + " seeds, 100 schedules per explore", ok))
    rate_cells = []
    for v in vers:
        rates = [x["fixed"]["schedules"] / x["fixed"]["seconds"] for x in acc.records[v]
                 if x["scenario"] == "lost_update" and not x["fixed"]["failed"]]
        rate_cells.append(f"{v}: median {median(rates):.0f}/s (min {min(rates, default=0):.0f}, "
                          f"max {max(rates, default=0):.0f}, N={len(rates)})")
    rows.append(Row("2", "schedules per second, 3-thread scenario (lost_update, fixed)",
                    " · ".join(rate_cells), "", "explores of 100 schedules, in-process"))
    runs = acc.determinism_runs
    det_cells, det_ok = [], True
    for v, counts in acc.determinism.items():
        worst = min(counts.values(), default=0)
        det_ok = det_ok and worst == runs
        detail = ", ".join(f"{k} {c}" for k, c in counts.items() if c != runs)
        det_cells.append(f"{v}: {worst}/{runs} for every scenario" if not detail
                         else f"{v}: worst {worst}/{runs} ({detail})")
    rows.append(Row("2", "determinism: same seed, byte-identical failure report",
                    " · ".join(det_cells), f"{runs}/{runs}",
                    f"N={runs} fresh processes x 8 scenarios per Python, first explore of "
                    "each process included", det_ok))
    report.set_section("2", rows)
    report.findings = [f for f in report.findings if f not in acc.findings]
    report.findings.extend(acc.findings)


# ---------------------------------------------------------------------------------------
# Section 3: frontrun side by side


def find_frontrun(venv: Path, create: bool, progress: Callable[[str], None]) -> Path | None:
    launcher = venv / "bin" / "frontrun"
    if launcher.exists():
        return launcher
    if not create:
        return None
    progress(f"3. creating {venv} with pip install frontrun")
    py = sys.executable if sys.version_info[:2] >= (3, 10) else "python3"
    made = run([py, "-m", "venv", str(venv)], timeout=300)
    if made.rc == 0:
        run([str(venv / "bin" / "pip"), "install", "-q", "frontrun"], timeout=900)
    return launcher if launcher.exists() else None


def frontrun_side(report: Report, python: str, launcher: Path | None, trials: int,
                  progress: Callable[[str], None]) -> None:
    if launcher is None:
        report.add("3", "frontrun side by side", "skipped: frontrun is not installed", "",
                   "python3 -m venv /tmp/venv-frontrun && /tmp/venv-frontrun/bin/pip "
                   "install frontrun, then run again (or --frontrun-venv PATH)")
        return
    progress(f"3. frontrun: {trials} trials per tool and scenario, fresh processes")
    fr_env = clean_env()
    for name in ("lost_update", "lock_order_deadlock"):
        ours, ours_wall, ours_ok = [], [], 0
        theirs: dict[str, list[float]] = {"dpor": [], "random": []}
        theirs_wall: dict[str, list[float]] = {"dpor": [], "random": []}
        theirs_ok: Counter[str] = Counter()
        for trial in range(1, trials + 1):
            r = run([python, str(BENCH / "probe_scenarios.py"), "verdict", name, str(trial)],
                    timeout=300)
            data = _json_line(r.out)
            if data:
                ours.append(data["seconds"])
                ours_ok += bool(data["failed"])
            ours_wall.append(r.seconds)
            for strategy in ("dpor", "random"):
                r = run([str(launcher), "python", str(BENCH / "probe_frontrun.py"), name,
                         strategy, str(trial)], timeout=300, env=fr_env)
                data = _json_line(r.out)
                if data:
                    theirs[strategy].append(data["seconds"])
                    theirs_ok[strategy] += bool(data["failed"])
                else:
                    report.findings.append(f"frontrun {name} {strategy}: {r.err[-300:]}")
                theirs_wall[strategy].append(r.seconds)
        mo, md, mr = median(ours), median(theirs["dpor"]), median(theirs["random"])
        report.add("3", f"{name}: time to verdict, ours vs frontrun (dpor / random)",
                   f"ours {ms(mo)} (found {ours_ok}/{trials}); frontrun dpor {ms(md)} "
                   f"(found {theirs_ok['dpor']}/{trials}), random {ms(mr)} "
                   f"(found {theirs_ok['random']}/{trials}); ratio ours/frontrun: "
                   f"{mo / md:.2f} (dpor), {mo / mr:.2f} (random)", "",
                   f"N={trials} fresh processes per tool; median of the first explore() of "
                   "each process, frontrun with reproduce_on_failure=0")
        report.add("3", f"{name}: whole-process wall time, ours vs frontrun dpor",
                   f"ours {secs(median(ours_wall))}, frontrun {secs(median(theirs_wall['dpor']))}"
                   f"; ratio {median(ours_wall) / median(theirs_wall['dpor']):.2f}", "",
                   f"N={trials}; frontrun through its `frontrun python` launcher")
    # What frontrun cannot express: threads that the code under test starts itself.
    for name, what in (("thread_pool_map", "a ThreadPoolExecutor inside the code under test"),
                       ("own_threads", "threads started by the code under test")):
        verdicts = []
        for strategy in ("dpor", "random"):
            r = run([str(launcher), "python", str(BENCH / "probe_frontrun.py"), name,
                     strategy, "1"], timeout=300, env=fr_env)
            data = _json_line(r.out)
            verdicts.append(f"{strategy}: " + (
                "error" if not data else
                f"{'found the race' if data['failed'] else 'bug missed (invariant holds)'} "
                f"after {data['explored']} interleaving(s)"))
        ours_name = "thread_pool_map" if name == "thread_pool_map" else "lost_update"
        report.add("3", f"frontrun on {what} (lost update inside)", "; ".join(verdicts),
                   "", f"1 run each; frontrun only schedules its own `workers`; ours: see "
                   f"row 2 `{ours_name}`")


def _json_line(text: str) -> dict | None:
    for line in reversed(text.splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


# ---------------------------------------------------------------------------------------
# Section 4: deadlocks


def _bare_dir(tmp: Path, name: str, files: Iterable[Path]) -> Path:
    folder = tmp / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pytest.ini").write_text("[pytest]\n")
    for f in files:
        shutil.copy(f, folder / f.name)
    return folder


def deadlocks(report: Report, python: str, runs_in_a_row: int, timeout_repeats: int,
              tmp: Path, progress: Callable[[str], None]) -> None:
    folder = _bare_dir(tmp, "deadlocks", [FILES / "test_ten_deadlocks.py"])
    stamps = tmp / "deadlock-stamps.jsonl"
    env = clean_env(BENCH_DEADLOCK_OUT=str(stamps))
    progress(f"4. ten deadlocking tests: {runs_in_a_row} runs in a row")
    walls, hangs, odd = [], 0, []
    for i in range(runs_in_a_row):
        r = run(pytest_cmd(python, "test_ten_deadlocks.py", "-q"), cwd=folder, timeout=60,
                env=env)
        if r.timed_out:
            hangs += 1
            continue
        walls.append(r.seconds)
        if r.rc != 1 or "10 failed" not in r.out or "INTERNALERROR" in r.out + r.err:
            odd.append(f"run {i}: exit {r.rc}: {r.out.strip().splitlines()[-1:]}")
    delays, to_test = [], []
    for line in stamps.read_text().splitlines() if stamps.exists() else []:
        rec = json.loads(line)
        if rec["blocked"] and rec["caught"]:
            closed = max(rec["blocked"])
            delays.append(min(rec["caught"]) - closed)
            if rec["test_failed"] is not None:
                to_test.append(rec["test_failed"] - closed)
    delays.sort()
    p90 = delays[int(0.9 * (len(delays) - 1))] if delays else float("nan")
    report.add("4", "delay from the cycle closing to DeadlockError in a blocked thread",
               f"median {ms(median(delays))}, p90 {ms(p90)}, max {ms(max(delays, default=0))}",
               "< 100 ms (median)", f"N={len(delays)} deadlocks ({runs_in_a_row} runs x 10 "
               "tests); perf_counter stamped just before the blocking acquire",
               median(delays) < 0.1)
    report.add("4", "delay from the cycle closing to the test's join failing",
               f"median {ms(median(to_test))}", "", f"N={len(to_test)}")
    progress(f"4. the same file under pytest-timeout alone: {timeout_repeats} runs")
    tw = []
    for _ in range(timeout_repeats):
        r = run(pytest_cmd(python, "test_ten_deadlocks.py", "-q", "--timeout=1",
                           "-p", "no:threadlesson"), cwd=folder, timeout=120)
        if not r.timed_out:
            tw.append(r.seconds)
        else:
            report.findings.append("the pytest-timeout run of the ten deadlocks hung")
    ours = median(walls)
    report.add("4", "wall time of a file with ten deadlocking tests",
               f"median {secs(ours)}", "< 3 s", f"N={len(walls)} whole-process runs",
               ours < 3.0)
    report.add("4", "the same file: ours / pytest-timeout alone (--timeout=1 -p no:threadlesson)",
               f"{secs(ours)} / {secs(median(tw))} = {ours / median(tw):.2f}", "",
               f"N={len(walls)} / N={len(tw)} whole-process runs (medians)")
    report.add("4", "hangs in runs of the ten-deadlock file in a row",
               f"{hangs}/{runs_in_a_row}" + (f"; other odd runs: {len(odd)}" if odd else ""),
               "0", f"N={runs_in_a_row}, each bounded by a 60 s subprocess timeout",
               hangs == 0 and not odd)
    report.findings.extend(f"deadlock file: {o}" for o in odd)


# ---------------------------------------------------------------------------------------
# Section 5: overhead


def overhead(report: Report, python: str, repeats: int, tmp: Path,
             progress: Callable[[str], None]) -> None:
    folder = _bare_dir(tmp, "overhead", [])
    for f in range(20):
        body = ["# generated by bench/run.py: 100 small tests", ""]
        for t in range(100):
            n = f * 100 + t
            body += [f"def test_{n}():", f"    assert {n} * 2 == {n} + {n}", ""]
        (folder / f"test_gen_{f:02d}.py").write_text("\n".join(body))
    variants = {
        "off (-p no:threadlesson)": ["-p", "no:threadlesson"],
        "installed, inactive": [],
        "leak checking (-o threadlesson_leak_check=true)": ["-o", "threadlesson_leak_check=true"],
    }
    progress(f"5. overhead: 2,000 tests x 3 variants x {repeats} runs, interleaved")
    wall: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    names = list(variants)
    for name in names:  # warm the caches: bytecode of every variant, file system
        run(pytest_cmd(python, "-q", *variants[name]), cwd=folder, timeout=600)
    for i in range(repeats):
        order = names[i % 3:] + names[:i % 3]  # rotate, so no variant always runs first
        for name in order:
            r = run(pytest_cmd(python, "-q", *variants[name]), cwd=folder, timeout=600,
                    measure_cpu=True)
            if r.rc != 0 or "2000 passed" not in r.out:
                report.findings.append(f"overhead run {name}: exit {r.rc}: "
                                       f"{r.out.strip().splitlines()[-1:]}")
            wall[name].append(r.seconds)
            cpu[name].append(r.cpu or 0.0)
    base_w, base_c = median(wall[names[0]]), median(cpu[names[0]])
    report.add("5", "baseline: 2,000 small tests with the plugin off",
               f"median {secs(base_w)} wall, {secs(base_c)} CPU", "",
               f"N={repeats} whole-process runs")
    for name, goal in ((names[1], 1.02), (names[2], 1.15)):
        rw, rc = median(wall[name]) / base_w, median(cpu[name]) / base_c
        report.add("5", f"{name} / off", f"{rw:.3f} wall, {rc:.3f} CPU", f"<= {goal}",
                   f"N={repeats} runs per variant, ratio of medians, variants interleaved",
                   rw <= goal)


# ---------------------------------------------------------------------------------------
# Section 6: soak


def verdict(cases: list[Case]) -> dict[str, tuple]:
    return {kata: tuple(sorted((c.name, c.passed, c.diagnosis or "") for c in cs))
            for kata, cs in by_kata(cases).items()}


def soak(report: Report, python: str, runs: int, tmp: Path,
         progress: Callable[[str], None]) -> None:
    progress(f"6. soak: {runs} runs of pytest katas/ with seed {SOAK_SEED}, two at a time")
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(
            lambda i: run_katas(python, SOAK_SEED, False, tmp, f"soak{i}"), range(runs)))
    hangs = sum(1 for kr in results if kr.run.timed_out)
    crashes = [i for i, kr in enumerate(results) if kr.crashed]
    # Each kata is compared with its own first appearance: a kata file added to katas/
    # while the soak runs (the repository is a live work tree) is new, not a changed verdict.
    first: dict[str, tuple] = {}
    appeared: dict[str, int] = {}
    changed = []
    for i, kr in enumerate(results):
        if kr.cases is None:
            continue
        now = verdict(kr.cases)
        for kata, v in now.items():
            if kata not in first:
                first[kata] = v
                if i > 0:
                    appeared[kata] = i
        diff = sorted(k for k in now if first[k] != now[k])
        if diff:
            changed.append(f"run {i}: {', '.join(diff)}")
    for kata, i in appeared.items():
        report.findings.append(f"soak: {kata} first appeared in run {i} (added to katas/ "
                               "during the soak); compared from there on")
    report.add("6", "soak of all broken katas: hangs / crashes / changed verdicts",
               f"{hangs} / {len(crashes)} / {len(changed)}", "0 / 0 / 0",
               f"N={runs} fresh processes, seed {SOAK_SEED}, 2 at a time, each bounded by "
               f"{KATA_RUN_TIMEOUT:.0f} s; verdict = every test's outcome and diagnosis",
               hangs == 0 and not crashes and not changed)
    report.add("6", "soak: median wall time of one run (2 runs at a time)",
               f"{secs(median(kr.run.seconds for kr in results))}", "", f"N={runs}")
    for i in crashes:
        r = results[i].run
        report.findings.append(f"soak run {i} crashed: exit {r.rc}: {(r.out + r.err)[-400:]}")
    report.findings.extend(f"soak changed verdict: {c}" for c in changed[:10])


# ---------------------------------------------------------------------------------------
# Section 7: scale (xdist + repeat)


def scale(report: Report, python: str, count: int, tmp: Path,
          progress: Callable[[str], None]) -> None:
    folder = _bare_dir(tmp, "scale", [FILES / "test_seeds.py"])
    progress(f"7. scale: -n 2 --count {count}")

    def seeds_of(*args: str) -> list[tuple[str, str, str]] | str:
        out = tmp / "seeds.txt"
        if out.exists():
            out.unlink()
        r = run(pytest_cmd(python, "test_seeds.py", "-q", *args), cwd=folder, timeout=600,
                env=clean_env(BENCH_SEEDS_OUT=str(out)))
        if r.rc != 0 or not out.exists():
            return f"exit {r.rc}: {(r.out + r.err)[-300:]}"
        return [tuple(line.split()) for line in out.read_text().splitlines()]  # type: ignore

    first = seeds_of("-n", "2", f"--count={count}", "--threadlesson-seed=7")
    again = seeds_of("-n", "2", f"--count={count}", "--threadlesson-seed=7")
    serial = seeds_of(f"--count={count}", "--threadlesson-seed=7")
    if isinstance(first, str) or isinstance(again, str) or isinstance(serial, str):
        report.add("7", "xdist -n 2 + repeat --count", "run failed", "", "")
        report.findings.append(f"scale run failed: {first if isinstance(first, str) else ''}"
                               f"{again if isinstance(again, str) else ''}"
                               f"{serial if isinstance(serial, str) else ''}")
        return
    distinct = len({s for _, _, s in first})
    workers = sorted({w for w, _, _ in first})
    report.add("7", f"-n 2 --count {count}: distinct derived seeds / explore calls",
               f"{distinct} / {len(first)} (workers: {', '.join(workers)})",
               "all distinct", f"2 tests x {count} repetitions, session seed 7",
               distinct == len(first) == 2 * count)
    same = sorted((n, s) for _, n, s in first) == sorted((n, s) for _, n, s in again)
    serial_same = sorted((n, s) for _, n, s in first) == sorted((n, s) for _, n, s in serial)
    report.add("7", "same session seed again: same seed per test id (xdist twice; "
               "xdist vs no xdist)", f"{'yes' if same else 'NO'}; {'yes' if serial_same else 'NO'}",
               "yes; yes", f"{len(first)} explore calls per run", same and serial_same)


# ---------------------------------------------------------------------------------------
# The machine, and BENCHMARKS.md


def machine() -> list[str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return [f"nproc {os.cpu_count()}, {model}", f"{platform.system()} {platform.release()}",
            f"load average at the end: {load}"]


def git_state() -> str:
    head = run(["git", "rev-parse", "--short", "HEAD"], timeout=30).out.strip()
    # The table this run is writing does not count as a change to what is measured.
    own = os.path.relpath(OUTPUT, REPO)
    dirty = [line for line in run(["git", "status", "--porcelain"], timeout=30).out.splitlines()
             if line.strip() and line[3:].strip() != own]
    if not dirty:
        return head
    return f"{head} plus {len(dirty)} uncommitted path(s): " + ", ".join(d[3:] for d in dirty[:5])


def real_suites_section(report: Report, python: str, repeats: int,
                        progress: Callable[[str], None]) -> None:
    """Section 8: third-party suites with and without the plugin (bench/real_suites.py)."""
    import real_suites

    results = real_suites.measure({s.name for s in real_suites.SUITES}, repeats,
                                  real_suites.CACHE, python, progress)
    for measure, result, goal, n, met in real_suites.rows(results):
        report.add("8", measure, result, goal, n, met)
    report.findings += [f"section 8: {line}" for line in real_suites.differences(results)]


def write(report: Report, header: list[str], pending: list[str]) -> str:
    table = report.table()
    parts = ["# Benchmarks", "", "Produced by `bench/run.py` (see `bench/README.md`); do not "
             "edit by hand.", ""]
    parts += [f"- {h}" for h in header]
    if pending:
        parts += ["", f"**Incomplete: still running or not run: {', '.join(pending)}.**"]
    parts += ["", table, ""]
    if report.notes:
        parts += ["## Notes", ""] + [f"- {n}" for n in report.notes] + [""]
    if report.findings:
        parts += ["## Findings (misses, failures, crashes)", ""]
        parts += [f"- {f}" for f in report.findings] + [""]
    text = "\n".join(parts)
    OUTPUT.write_text(text)
    return table


NOTES = [
    "Goals are checked against medians or shares, never asserted on a single timing: the "
    "machine is shared (2 cores) and noisy.",
    "Section 1 counts a broken kata as detected under a seed when at least one of its tests "
    "fails and the JUnit property `threadlesson_diagnosis` of a failing test is the one "
    "CURRICULUM.md names; a solution passes when every test of the kata passes. The "
    "detection runs go two at a time; the wall-time runs one at a time.",
    "Section 2 runs `Contention(seed=s, test_id=name).explore(...)` outside pytest, default "
    "100 schedules, strategy random; 'first failure' is `ScheduleFailure.schedule` and the "
    "time of that explore call (the first call of the process included in one seed).",
    "Section 4 threads are daemons in the test file, so that the pytest-timeout run, which "
    "cannot unblock them, can exit at the end of the session.",
    "Section 5 also reports CPU time (user+sys of the child), which the neighbours' load "
    "disturbs less than wall time; every variant is run once before the measured runs.",
    "Every measured process runs from cached bytecode (PYTHONPYCACHEPREFIX in the bench's "
    "temporary folder), as an installed package does; nothing is written into the "
    "repository. The first process of each Python pays for compiling.",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=20,
                        help="session seeds for sections 1 and 2 on the first Python (20)")
    parser.add_argument("--other-seeds", type=int, default=None,
                        help="seeds for section 1 on the other Pythons (default: --seeds)")
    parser.add_argument("--scenario-seeds", type=int, default=None,
                        help="seeds for section 2 on every Python (default: --seeds); it is "
                             "cheap: 100 fits")
    parser.add_argument("--repeats", type=int, default=5,
                        help="repeated whole-process runs for timings (5)")
    parser.add_argument("--pythons", default="3.11,3.10,3.12,3.13,3.14,3.15",
                        help="comma-separated CPython versions; the first runs every section, "
                             "the others sections 1 and 2 (3.11,3.10,3.12,3.13,3.14,3.15)")
    parser.add_argument("--soak", type=int, default=50, help="soak runs (50)")
    parser.add_argument("--deadlock-runs", type=int, default=50,
                        help="runs of the ten-deadlock file in a row (50)")
    parser.add_argument("--determinism", type=int, default=20,
                        help="fresh processes for the determinism check (20)")
    parser.add_argument("--count", type=int, default=50,
                        help="pytest-repeat --count for section 7 (50)")
    parser.add_argument("--frontrun-venv", type=Path, default=Path("/tmp/venv-frontrun"))
    parser.add_argument("--no-create-frontrun", action="store_true",
                        help="do not try to create the frontrun venv with pip")
    parser.add_argument("--sections", default="1,2,3,4,5,6,7",
                        help="which sections to run (1,2,3,4,5,6,7; 8, the real suites, "
                             "only when asked: it downloads their sdists from PyPI)")
    parser.add_argument("--output", type=Path, default=None,
                        help="where to write the table (default: BENCHMARKS.md); a partial "
                             "re-run (--sections 5) can go beside the full table")
    parser.add_argument("--quick", action="store_true",
                        help="small numbers: 5 seeds (2 on the other Pythons), 3 repeats, 5 soak "
                             "runs, 5 deadlock runs, 5 determinism processes, --count 5")
    args = parser.parse_args(argv)
    global OUTPUT
    if args.output is not None:
        OUTPUT = args.output.resolve()
    if args.quick:
        args.seeds, args.repeats, args.soak, args.deadlock_runs = 5, 3, 5, 5
        args.determinism, args.count = 5, 5
        args.other_seeds = min(args.other_seeds or 2, 2)
    other_seeds = args.other_seeds if args.other_seeds is not None else args.seeds
    sections = {s.strip() for s in args.sections.split(",")}
    started = time.perf_counter()

    def progress(msg: str) -> None:
        print(f"[{time.perf_counter() - started:7.0f} s] {msg}", file=sys.stderr, flush=True)

    wanted = [v.strip() for v in args.pythons.split(",") if v.strip()]
    pythons: dict[str, str] = {}
    missing = []
    for ver in wanted:
        found = resolve_python(ver)
        if found:
            pythons[ver] = found
        else:
            missing.append(ver)
    if not pythons:
        print(f"no venv with pytest-threadlesson for {args.pythons}", file=sys.stderr)
        return 2
    main_ver = next(iter(pythons))
    main_py = pythons[main_ver]
    seeds = {v: list(range(1, (args.seeds if v == main_ver else other_seeds) + 1))
             for v in pythons}
    command = shlex.join(["python", os.path.relpath(__file__, Path.cwd()), *sys.argv[1:]]) \
        if argv is None else "run.main(" + repr(argv) + ")"
    header = [f"Command: `{command}` (from {Path.cwd()})",
              f"Date: {dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
              "Machine: " + "; ".join(machine()),
              "Pythons: " + "; ".join(f"{v}: {python_version(p)} at {p}"
                                      for v, p in pythons.items()),
              f"Sections 3-7 ran on {main_ver}; sections 1 and 2 on " + ", ".join(pythons),
              f"Repository: {git_state()}"]
    if missing:
        header.append("No venv with the package for: " + ", ".join(missing) + " (left out)")
    report = Report(notes=list(NOTES))
    if args.quick:
        report.notes.insert(0, "QUICK RUN: small N everywhere; a check of the script, not a "
                               "measurement.")
    # Section 1 on the first Python comes first, on the other Pythons last: the table for
    # the first Python is complete as early as possible.
    order = [s for s in "123456789" if s in sections]
    if "1" in sections:
        order += [f"1:{v}" for v in pythons if v != main_ver]  # one at a time: written as done
    if "2" in sections:
        order += [f"2:{v}" for v in pythons if v != main_ver]
    det = Detection()
    scen = Scenarios()
    scenario_seeds = list(range(1, (args.scenario_seeds or args.seeds) + 1))
    with tempfile.TemporaryDirectory(prefix="threadlesson-bench-") as tmpdir:
        tmp = Path(tmpdir)
        PYCACHE[:] = [tmp / "pycache"]
        for i, s in enumerate(order):
            report.notes.append(f"Section {s.replace(':', ' on ')} "
                                f"started at {dt.datetime.now(dt.timezone.utc):%H:%M:%S} "
                                f"UTC on {git_state()}")
            if s == "1":
                detection(report, det, {main_ver: main_py}, seeds, tmp, progress)
                kata_timing(report, det, main_py, main_ver, args.repeats, tmp, progress)
            elif s.startswith("1:"):
                detection(report, det, {s[2:]: pythons[s[2:]]}, seeds, tmp, progress)
            elif s == "2":
                scenarios(report, scen, main_ver, main_py, scenario_seeds, args.determinism,
                          progress)
            elif s.startswith("2:"):
                scenarios(report, scen, s[2:], pythons[s[2:]], scenario_seeds,
                          args.determinism, progress)
            elif s == "3":
                launcher = find_frontrun(args.frontrun_venv, not args.no_create_frontrun,
                                         progress)
                frontrun_side(report, main_py, launcher, args.repeats, progress)
            elif s == "4":
                deadlocks(report, main_py, args.deadlock_runs, args.repeats, tmp, progress)
            elif s == "5":
                overhead(report, main_py, max(args.repeats, 3) * 2, tmp, progress)
            elif s == "6":
                soak(report, main_py, args.soak, tmp, progress)
            elif s == "7":
                scale(report, main_py, args.count, tmp, progress)
            elif s == "8":
                real_suites_section(report, main_py, args.repeats, progress)
            elif s == "9":
                from shrinking import shrinking_section

                shrinking_section(report, main_py, seeds[main_ver], args.repeats, tmp,
                                  progress, run=run, pytest_cmd=pytest_cmd,
                                  clean_env=clean_env, row=Row)
            header_now = [*header, f"Run time so far: "
                          f"{(time.perf_counter() - started) / 60:.1f} min"]
            pending = [f"section {x.replace(':', ' on ')}" for x in order[i + 1:]]
            write(report, header_now, pending)
    header[2] = "Machine: " + "; ".join(machine())
    header.append(f"Run time: {(time.perf_counter() - started) / 60:.1f} min")
    table = write(report, header, [])
    print("\n".join(header))
    print()
    print(table)
    if report.findings:
        print("\nFindings:\n" + "\n".join(f"- {f}" for f in report.findings))
    print(f"\nwritten to {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
