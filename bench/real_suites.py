"""Real suites (section 8): open-source test suites of threaded libraries, with and without
the plugin.

For each pinned library: `pip download --no-binary :all: --no-deps NAME==VERSION` into a
cache folder, unpack the sdist, make a venv with pytest-threadlesson installed editable from
this repository plus the library and its test dependencies, then run its tests with
`-p no:threadlesson` (off) and with `-o threadlesson_instrument=true -o
threadlesson_leak_check=true` (on), interleaved, N times each. Reports passed / failed /
errors per variant, the test ids whose outcome differs (with the plugin's message), and the
wall-time ratio on/off (ratio of medians).

    python bench/run.py --sections 8              # rows of section 8 in BENCHMARKS.md
    python bench/real_suites.py [--repeats 3] [--cache DIR] [--suites pykka,fasteners]

The second form prints the same rows and writes nothing but its cache (and `results.json`
in it): BENCHMARKS.md is written by run.py alone. Nothing but PyPI installs is downloaded.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Suite:
    name: str
    version: str
    test_deps: list[str]
    test_path: str  # inside the unpacked sdist
    extra_args: list[str] = field(default_factory=list)


SUITES = [
    Suite("pykka", "4.5.0", ["pytest-mock>=3.14.0"], "tests"),
    Suite("readerwriterlock", "1.0.10", [], "tests"),
    # test_eventlet needs eventlet and child processes; test_process_lock forks processes
    Suite("fasteners", "0.20", ["more-itertools", "diskcache"], "tests",
          ["--ignore=tests/test_eventlet.py"]),
]

CACHE = Path("/tmp/threadlesson-real-suites")

SUITE_TIMEOUT = 1200  # seconds for one run of a suite
VARIANTS = {
    "off": ["-p", "no:threadlesson"],
    "on": ["-o", "threadlesson_instrument=true", "-o", "threadlesson_leak_check=true"],
}


def sh(cmd: list[str], cwd: Path | None = None,
       timeout: float = 900) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, text=True,
                          capture_output=True, timeout=timeout)


def prepare(suite: Suite, cache: Path, base_python: str) -> tuple[Path, Path]:
    """(python of the suite's venv, unpacked sdist folder)."""
    cache.mkdir(parents=True, exist_ok=True)
    sdists = list(cache.glob(f"{suite.name}-{suite.version}.tar.gz"))
    if not sdists:
        r = sh([base_python, "-m", "pip", "download", "-q", "--no-binary", ":all:", "--no-deps",
                "-d", str(cache), f"{suite.name}=={suite.version}"])
        if r.returncode != 0:
            raise RuntimeError(f"pip download {suite.name}: {r.stderr[-500:]}")
        sdists = list(cache.glob(f"{suite.name}-{suite.version}.tar.gz"))
    src = cache / f"{suite.name}-{suite.version}"
    if not src.exists():
        with tarfile.open(sdists[0]) as tar:
            if sys.version_info >= (3, 12):
                tar.extractall(cache, filter="data")
            else:
                tar.extractall(cache)  # a pinned PyPI sdist
    # keyed by the checkout and the test dependencies too: a venv is made once, with this
    # repository's package installed editable
    key = hashlib.sha1(repr((str(REPO), suite.test_deps)).encode()).hexdigest()[:8]
    venv = cache / f"venv-{suite.name}-{suite.version}-{key}"
    if not venv.exists():  # made aside and renamed: an interrupted install is never reused
        building = venv.with_name(venv.name + ".building")
        shutil.rmtree(building, ignore_errors=True)
        sh([base_python, "-m", "venv", str(building)])
        r = sh([str(building / "bin" / "python"), "-m", "pip", "install", "-q", "-e", str(REPO),
                str(src), *suite.test_deps])
        if r.returncode != 0:
            raise RuntimeError(f"pip install {suite.name}: {r.stderr[-800:]}")
        building.rename(venv)
    return venv / "bin" / "python", src


def parse(xml: Path) -> dict[str, tuple[str, str]]:
    """test id -> (outcome, first line of its message); a teardown error beside a pass wins."""
    out: dict[str, tuple[str, str]] = {}
    for case in ET.parse(xml).iter("testcase"):
        tid = f"{case.get('classname')}::{case.get('name')}"
        outcome, msg = "passed", ""
        for tag, name in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
            el = case.find(tag)
            if el is not None:
                outcome = name
                msg = (el.get("message") or "").strip().split("\n")[0][:300]
                break
        if tid in out and out[tid][0] != "passed":
            continue
        out[tid] = (outcome, msg)
    return out


def run_suite(suite: Suite, python: Path, src: Path, repeats: int, tmp: Path,
              log=print) -> dict[str, object]:
    walls: dict[str, list[float]] = {v: [] for v in VARIANTS}
    outcomes: dict[str, dict[str, tuple[str, str]]] = {}
    for i in range(repeats):
        order = list(VARIANTS) if i % 2 == 0 else list(VARIANTS)[::-1]
        for variant in order:
            xml = tmp / f"{suite.name}-{variant}-{i}.xml"
            cmd = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
                   "no:randomly", "-o", "addopts=", f"--junitxml={xml}", *suite.extra_args,
                   *VARIANTS[variant], suite.test_path]
            xml.unlink(missing_ok=True)
            start = time.perf_counter()
            try:
                r = sh(cmd, cwd=src, timeout=SUITE_TIMEOUT)
            except subprocess.TimeoutExpired:
                # A hang is a result (the worst one): say so, and go on to the next suite.
                log(f"  {suite.name} {variant} run {i}: no result after {SUITE_TIMEOUT} s")
                return {"suite": f"{suite.name} {suite.version}", "hung": variant,
                        "repeats": repeats}
            walls[variant].append(time.perf_counter() - start)
            log(f"  {suite.name} {variant} run {i}: {time.perf_counter() - start:.1f} s, "
                f"{r.stdout.strip().splitlines()[-1:] if r.stdout.strip() else r.stderr[-200:]}")
            if not xml.exists():  # pytest never ran: no figure to report
                raise RuntimeError(f"{suite.name} ({variant}) did not run: {r.stderr[-800:]}")
            if i == 0:
                outcomes[variant] = parse(xml)
    counts = {v: {k: sum(1 for o, _ in outcomes[v].values() if o == k)
                  for k in ("passed", "failed", "error", "skipped")} for v in VARIANTS}
    diffs = []
    for tid in sorted(set(outcomes["off"]) | set(outcomes["on"])):
        a = outcomes["off"].get(tid, ("absent", ""))
        b = outcomes["on"].get(tid, ("absent", ""))
        if a[0] != b[0]:
            diffs.append({"test": tid, "off": a[0], "on": b[0], "message": b[1] or a[1]})
    med = {v: statistics.median(w) for v, w in walls.items()}
    return {"suite": f"{suite.name} {suite.version}", "counts": counts, "diffs": diffs,
            "median": med, "ratio": med["on"] / med["off"] if med["off"] else float("nan"),
            "repeats": repeats}


def rows(results: list[dict[str, object]]) -> list[tuple[str, str, str, str, bool]]:
    """(measure, result, goal, N, met) per suite: one row of run.py's section 8 each."""
    out = []
    for r in results:
        if "hung" in r:
            out.append((f"{r['suite']}: outcome per test without / with the plugin "
                        "(instrument + leak check)",
                        f"hung {'with' if r['hung'] == 'on' else 'without'} the plugin: no "
                        f"result after {SUITE_TIMEOUT} s", "same outcomes; ratio on/off <= 1.5",
                        f"N={r['repeats']} interleaved whole-process runs", False))
            continue
        off, on = (", ".join(f"{r['counts'][v][k]} {k}"
                             for k in ("passed", "failed", "error", "skipped"))
                   for v in ("off", "on"))
        med, ratio = r["median"], r["ratio"]
        out.append((f"{r['suite']}: outcome per test (its worst phase) without / with the "
                    "plugin (instrument + leak check)",
                    f"off: {off}; on: {on}; {len(r['diffs'])} differ; "
                    f"wall {med['off']:.2f} s / {med['on']:.2f} s = {ratio:.2f}",
                    "same outcomes; ratio on/off <= 1.5",
                    f"N={r['repeats']} interleaved whole-process runs (median); counts from run 1",
                    not r["diffs"] and ratio <= 1.5))
    return out


def differences(results: list[dict[str, object]]) -> list[str]:
    """One line per test whose outcome differs with the plugin, with the plugin's message."""
    return [f"{r['suite']}: `{d['test']}`: {d['off']} -> {d['on']}: "
            + re.sub(r"\s+", " ", d["message"]).replace("|", "\\|")
            for r in results for d in r.get("diffs", [])]


def measure(names: set[str], repeats: int, cache: Path, python: str,
            log=print) -> list[dict[str, object]]:
    """Prepare and run each wanted suite; `results.json` in `cache` keeps the raw figures."""
    results = []
    tmp = cache / "junit"
    tmp.mkdir(parents=True, exist_ok=True)
    for suite in SUITES:
        if suite.name not in names:
            continue
        log(f"{suite.name} {suite.version}: preparing")
        suite_python, src = prepare(suite, cache, python)
        results.append(run_suite(suite, suite_python, src, repeats, tmp, log))
    (cache / "results.json").write_text(json.dumps(results, indent=1))
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--cache", type=Path, default=CACHE)
    p.add_argument("--suites", default=",".join(s.name for s in SUITES))
    p.add_argument("--python", default=sys.executable)
    args = p.parse_args(argv)
    results = measure({s.strip() for s in args.suites.split(",")}, args.repeats, args.cache,
                      args.python, log=lambda m: print(m, file=sys.stderr, flush=True))
    for measure_, result, goal, n, met in rows(results):
        print(f"{measure_}: {result} (goal {goal}: {'met' if met else 'missed'}; {n})")
    for line in differences(results):
        print(f"- {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
