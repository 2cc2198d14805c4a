"""A learner's favourite plugins keep working beside ours: same verdicts, no hang, no noise.

Each run is a real `pytest` on the repository's katas in a fresh interpreter, bounded by
a timeout, read back through its JUnit XML: broken katas must be red with the diagnosis
CURRICULUM.md names, solutions green.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from support import REPO, run_pytest

# One kata per diagnosis (and the pool kata, whose threads the code under test starts).
KATAS = {
    "k03_lost_update": "race",
    "k09_lock_ordering": "deadlock",
    "k14_queue_join": "deadlock",
    "k15_pool_exceptions": "lost-exception",
    "k17_leaked_worker": "leak",
}
FILES = [f"katas/test_{kata}.py" for kata in KATAS]

PLUGINS = {
    "xdist": ["-n", "2"],
    "randomly": ["-p", "randomly"],
    "repeat": ["--count", "3"],
    "timeout-signal": ["--timeout", "60", "--timeout-method", "signal"],
    "timeout-thread": ["--timeout", "60", "--timeout-method", "thread"],
    "cov": ["--cov=katas", "--cov=solutions", "--cov-report="],
}


def _verdicts(xml: Path) -> dict[str, tuple[bool, set[str]]]:
    """Per kata: is it green, and which diagnoses its failing tests carry."""
    found: dict[str, tuple[bool, set[str]]] = {}
    for case in ET.parse(xml).getroot().iter("testcase"):
        kata = case.get("classname", "").split(".")[-1].removeprefix("test_")
        failed = case.find("failure") is not None or case.find("error") is not None
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        green, diagnoses = found.get(kata, (True, set()))
        if failed:
            green = False
            diagnoses = diagnoses | {str(props.get("threadlesson_diagnosis"))}
        found[kata] = (green, diagnoses)
    return found


def _run(args: list[str], tmp_path: Path, *extra: str) -> tuple[int, str, Path]:
    xml = tmp_path / "out.xml"
    proc = run_pytest([*FILES, "-p", "no:randomly", "--threadlesson-seed=7", "-q",
                       f"--junitxml={xml}", *extra, *args], timeout=300,
                      extra_env={"COVERAGE_FILE": str(tmp_path / ".coverage")})
    return proc.returncode, proc.stdout + proc.stderr, xml


@pytest.mark.parametrize("plugin", PLUGINS)
def test_broken_katas_stay_red_with_their_diagnosis_beside(plugin: str, tmp_path: Path) -> None:
    code, out, xml = _run(PLUGINS[plugin], tmp_path)
    assert code == 1, out[-3000:]
    verdicts = _verdicts(xml)
    for kata, diagnosis in KATAS.items():
        green, diagnoses = verdicts[kata]
        assert not green, f"{kata} is green beside {plugin}"
        assert diagnosis in diagnoses, f"{kata} beside {plugin}: {diagnoses}\n{out[-3000:]}"
    assert "INTERNALERROR" not in out
    assert "Warning" not in out, out[-3000:]


@pytest.mark.parametrize("plugin", PLUGINS)
def test_solutions_stay_green_beside(plugin: str, tmp_path: Path) -> None:
    code, out, xml = _run(PLUGINS[plugin], tmp_path, "--threadlesson-solutions")
    assert code == 0, out[-3000:]
    assert all(green for green, _ in _verdicts(xml).values())
    assert "Warning" not in out, out[-3000:]


def test_coverage_still_measures_the_code_that_explore_runs(tmp_path: Path) -> None:
    report = tmp_path / "cov.xml"
    run_pytest(["katas/test_k03_lost_update.py", "--threadlesson-solutions", "-q",
                "--cov=solutions", f"--cov-report=xml:{report}"], timeout=300,
               extra_env={"COVERAGE_FILE": str(tmp_path / ".coverage")})
    root = ET.parse(report).getroot()
    lines = {(c.get("filename") or "").rsplit("/", 1)[-1]: c.get("line-rate")
             for c in root.iter("class")}
    assert float(lines["k03_lost_update.py"] or 0) == 1.0, lines


def test_the_repo_is_where_the_katas_are() -> None:
    assert all((REPO / f).is_file() for f in FILES)
