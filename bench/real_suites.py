"""Real suites (section 8): open-source test suites of threaded libraries, with and without
the plugin.

For each pinned library: `pip download --no-binary :all: --no-deps NAME==VERSION` into a
cache folder, unpack the sdist, make a venv with pytest-threadlesson installed editable from
this repository plus the library and its test dependencies, then run its tests with
`-p no:threadlesson` (off) and with `-o threadlesson_instrument=true -o
threadlesson_leak_check=true` (on), interleaved, N times each. Reports passed / failed /
errors per variant, the test ids whose outcome differs (with the plugin's message), and the
wall-time ratio on/off (ratio of medians).

    python bench/real_suites.py [--repeats 3] [--cache DIR] [--suites pykka,fasteners]

writes its table into BENCHMARKS.md under "## Section 8: real suites" (that section only);
`python bench/run.py --sections 8` runs the same through run.py. Nothing but PyPI installs is
downloaded.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "BENCHMARKS.md"
HEADING = "## Section 8: real suites"


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
    Suite("fasteners", "0.20", ["more-itertools"], "tests",
          ["--ignore=tests/test_eventlet.py"]),
]

VARIANTS = {
    "off": ["-p", "no:threadlesson"],
    "on": ["-o", "threadlesson_instrument=true", "-o", "threadlesson_leak_check=true"],
}


def sh(cmd: list[str], cwd: Path | None = None, timeout: float = 900) -> subprocess.CompletedProcess[str]:
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
            tar.extractall(cache, filter="data") if sys.version_info >= (3, 12) \
                else tar.extractall(cache)  # noqa: S202 (a PyPI sdist we pinned)
    venv = cache / f"venv-{suite.name}-{suite.version}"
    python = venv / "bin" / "python"
    if not python.exists():
        sh([base_python, "-m", "venv", str(venv)])
        r = sh([str(python), "-m", "pip", "install", "-q", "-e", str(REPO),
                str(src), *suite.test_deps])
        if r.returncode != 0:
            raise RuntimeError(f"pip install {suite.name}: {r.stderr[-800:]}")
    return python, src


def parse(xml: Path) -> dict[str, tuple[str, str]]:
    """test id -> (outcome, message)."""
    out: dict[str, tuple[str, str]] = {}
    if not xml.exists():
        return out
    for case in ET.parse(xml).iter("testcase"):
        tid = f"{case.get('classname')}::{case.get('name')}"
        outcome, msg = "passed", ""
        for tag in ("failure", "error", "skipped"):
            el = case.find(tag)
            if el is not None:
                outcome = {"failure": "failed", "error": "error", "skipped": "skipped"}[tag]
                msg = (el.get("message") or "").strip().splitlines()[0][:300] if el.get("message") else ""
                if outcome in ("failed", "error") and outcome in out.get(tid, ("",))[0]:
                    pass
                break
        if tid in out and out[tid][0] != "passed":
            continue  # a teardown error beside a pass: keep the worst
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
            start = time.perf_counter()
            r = sh(cmd, cwd=src, timeout=1200)
            walls[variant].append(time.perf_counter() - start)
            log(f"  {suite.name} {variant} run {i}: {time.perf_counter() - start:.1f} s, "
                f"{r.stdout.strip().splitlines()[-1:] if r.stdout.strip() else r.stderr[-200:]}")
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


def table(results: list[dict[str, object]], command: str) -> str:
    lines = [HEADING, "", f"Command: `{command}`; date "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
             "off = `-p no:threadlesson`, on = `-o threadlesson_instrument=true -o "
             "threadlesson_leak_check=true`; counts from the first run of each variant, "
             "time = median of N whole-process runs, variants interleaved.", "",
             "| suite | off: passed/failed/errors/skipped | on: passed/failed/errors/skipped "
             "| differing tests | median wall off / on | ratio on/off (goal <= 1.5) | N |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        c = r["counts"]
        fmt = lambda v: "/".join(str(c[v][k]) for k in ("passed", "failed", "error", "skipped"))  # noqa: E731
        med = r["median"]
        ratio = r["ratio"]
        lines.append(f"| {r['suite']} | {fmt('off')} | {fmt('on')} | {len(r['diffs'])} | "
                     f"{med['off']:.2f} s / {med['on']:.2f} s | {ratio:.2f}"
                     f"{' (met)' if ratio <= 1.5 else ' (**missed**)'} | {r['repeats']} |")
    lines += ["", "Differing tests (off -> on, the plugin's message):", ""]
    for r in results:
        for d in r["diffs"]:
            msg = re.sub(r"\s+", " ", d["message"]).replace("|", "\\|")
            lines.append(f"- {r['suite']}: `{d['test']}`: {d['off']} -> {d['on']}: {msg}")
    return "\n".join(lines) + "\n"


def write_section(text: str, output: Path = OUTPUT) -> None:
    """Replace (or append) this section only; the rest of the file is left as it is."""
    old = output.read_text() if output.exists() else ""
    start = old.find(HEADING)
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        nxt = old.find("\n## ", start + len(HEADING))
        new = old[:start] + text + (old[nxt + 1:] if nxt >= 0 else "")
    output.write_text(new)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--cache", type=Path, default=Path("/tmp/threadlesson-real-suites"))
    p.add_argument("--suites", default=",".join(s.name for s in SUITES))
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--output", type=Path, default=OUTPUT)
    args = p.parse_args(argv)
    wanted = {s.strip() for s in args.suites.split(",")}
    results = []
    tmp = args.cache / "junit"
    tmp.mkdir(parents=True, exist_ok=True)
    for suite in SUITES:
        if suite.name not in wanted:
            continue
        print(f"{suite.name} {suite.version}: preparing", file=sys.stderr, flush=True)
        python, src = prepare(suite, args.cache, args.python)
        results.append(run_suite(suite, python, src, args.repeats, tmp,
                                 log=lambda m: print(m, file=sys.stderr, flush=True)))
    command = "python bench/real_suites.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = table(results, command.strip())
    write_section(text, args.output)
    (args.cache / "results.json").write_text(json.dumps(results, indent=1))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
