"""The proof that the curriculum is honest.

Every broken kata fails with the diagnosis CURRICULUM.md names, under several session
seeds; every reference solution passes under the same seeds; every wrong fix in
`tests/wrong_fixes/` (including the "fixes" that drop the threads) fails; every
alternative solution in `tests/alt_solutions/` passes. Each run is a real `pytest katas/`
in a fresh interpreter, read back through its JUnit XML.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import REPO, run_pytest

from pytest_threadlesson.curriculum.catalogue import KATA_IDS, lesson

# The diagnosis each broken kata must produce: CURRICULUM.md, copied here on purpose so
# that a change to the lessons cannot quietly change what we prove.
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
SEEDS = (11, 2024, 31337)
MUST_REJECT_SEQUENTIAL = ("k01_join", "k14_queue_join", "k16_pool_starvation",
                          "k19_lost_exception")


@dataclass(frozen=True)
class Case:
    name: str
    passed: bool
    diagnosis: str | None
    message: str


def _variants(folder: str) -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = defaultdict(list)
    for path in sorted((REPO / "tests" / folder).glob("k[0-9][0-9]_*__*.py")):
        kata = path.name.split("__", 1)[0]
        if (REPO / "katas" / f"test_{kata}.py").is_file():  # a stretch kata in progress
            found[kata].append(path)
    return dict(found)


WRONG_FIXES = _variants("wrong_fixes")
ALT_SOLUTIONS = _variants("alt_solutions")


def _rounds(variants: dict[str, list[Path]]) -> list[dict[str, Path]]:
    """Group variants so that one pytest run tries at most one variant per kata."""
    depth = max((len(v) for v in variants.values()), default=0)
    return [{kata: paths[i] for kata, paths in variants.items() if i < len(paths)}
            for i in range(depth)]


class _Runs:
    """Every run the proof needs, started together on first use, two at a time (the
    machines have two cores), each in a fresh interpreter."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.pool = ThreadPoolExecutor(max_workers=2)
        self.futures: dict[tuple[str, ...], Future[dict[str, list[Case]]]] = {}
        self.outputs: dict[tuple[str, ...], str] = {}  # each run's output, for a message

    def start(self, args: tuple[str, ...], files: tuple[str, ...] = ("katas/",)) -> None:
        key = args + files
        if key not in self.futures:
            xml = self.tmp / f"run-{len(self.futures)}.xml"
            self.futures[key] = self.pool.submit(self._one, args, files, xml, key)

    def get(self, args: tuple[str, ...], files: tuple[str, ...] = ("katas/",)
            ) -> dict[str, list[Case]]:
        self.start(args, files)
        return self.futures[args + files].result()

    def _one(self, args: tuple[str, ...], files: tuple[str, ...], xml: Path,
             key: tuple[str, ...]) -> dict[str, list[Case]]:
        proc = run_pytest([*files, "-q", "-p", "no:randomly", f"--junitxml={xml}", *args])
        self.outputs[key] = f"{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
        assert xml.exists(), f"pytest did not run:\n{proc.stdout}\n{proc.stderr}"
        return _parse(xml)

    def missing(self, args: tuple[str, ...], kata: str,
                files: tuple[str, ...] = ("katas/",)) -> str:
        """The message when no test of `kata` ran: the end of that run's output."""
        return f"no test of {kata} ran; the run's output ended:\n{self.outputs.get(args + files)}"


def _parse(xml: Path) -> dict[str, list[Case]]:
    cases: dict[str, list[Case]] = defaultdict(list)
    for case in ET.parse(xml).getroot().iter("testcase"):
        kata = case.get("classname", "").split(".")[-1].removeprefix("test_")
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        cases[kata].append(Case(
            name=case.get("name", "?"),
            passed=problem is None and case.find("skipped") is None,
            diagnosis=props.get("threadlesson_diagnosis"),
            message=(problem.get("message", "") if problem is not None else ""),
        ))
    return dict(cases)


def _broken_args(seed: int) -> tuple[str, ...]:
    return (f"--threadlesson-seed={seed}",)


def _solution_args(seed: int) -> tuple[str, ...]:
    return (f"--threadlesson-seed={seed}", "--threadlesson-solutions")


def _variant_args(variants: dict[str, Path]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    args = ("--threadlesson-seed=11", *(f"--threadlesson-kata-file={kata}={path}"
                                         for kata, path in sorted(variants.items())))
    return args, tuple(f"katas/test_{kata}.py" for kata in sorted(variants))


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Runs]:
    runs = _Runs(tmp_path_factory.mktemp("curriculum"))
    for seed in SEEDS:
        runs.start(_broken_args(seed))
        runs.start(_solution_args(seed))
    for variants in _rounds(WRONG_FIXES) + _rounds(ALT_SOLUTIONS):
        runs.start(*_variant_args(variants))
    yield runs
    runs.pool.shutdown(wait=True)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kata", KATA_IDS)
def test_a_broken_kata_fails_with_its_diagnosis(kata: str, seed: int, runs: _Runs) -> None:
    cases = runs.get(_broken_args(seed)).get(kata)
    assert cases, runs.missing(_broken_args(seed), kata)
    failed = [c for c in cases if not c.passed]
    assert failed, f"{kata} is green on its broken code under seed {seed}"
    diagnoses = {c.diagnosis for c in failed}
    assert EXPECTED[kata] in diagnoses, (
        f"{kata} fails, but with {diagnoses}, not {EXPECTED[kata]}: "
        + "; ".join(f"{c.name}: {c.message[:200]}" for c in failed))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kata", KATA_IDS)
def test_a_solution_passes(kata: str, seed: int, runs: _Runs) -> None:
    cases = runs.get(_solution_args(seed)).get(kata)
    assert cases, runs.missing(_solution_args(seed), kata)
    failed = [c for c in cases if not c.passed]
    assert not failed, "; ".join(f"{c.name}: {c.message[:300]}" for c in failed)


def _variant_params(variants: dict[str, list[Path]]) -> list[tuple[int, str, Path]]:
    return [(i, kata, path) for i, rnd in enumerate(_rounds(variants))
            for kata, path in rnd.items()]


@pytest.mark.parametrize(("round_", "kata", "path"), _variant_params(WRONG_FIXES),
                         ids=lambda v: v.stem if isinstance(v, Path) else None)
def test_a_wrong_fix_still_fails(round_: int, kata: str, path: Path, runs: _Runs) -> None:
    args, files = _variant_args(_rounds(WRONG_FIXES)[round_])
    cases = runs.get(args, files).get(kata)
    assert cases, runs.missing(args, kata, files)
    assert any(not c.passed for c in cases), f"the wrong fix {path.name} passes every test"


@pytest.mark.parametrize(("round_", "kata", "path"), _variant_params(ALT_SOLUTIONS),
                         ids=lambda v: v.stem if isinstance(v, Path) else None)
def test_an_alternative_solution_passes(round_: int, kata: str, path: Path,
                                        runs: _Runs) -> None:
    args, files = _variant_args(_rounds(ALT_SOLUTIONS)[round_])
    cases = runs.get(args, files).get(kata)
    assert cases, runs.missing(args, kata, files)
    failed = [c for c in cases if not c.passed]
    assert not failed, "; ".join(f"{c.name}: {c.message[:300]}" for c in failed)


@pytest.mark.parametrize("kata", KATA_IDS)
def test_every_kata_is_complete(kata: str) -> None:
    assert (REPO / "katas" / f"{kata}.py").is_file()
    assert (REPO / "katas" / f"test_{kata}.py").is_file()
    assert (REPO / "solutions" / f"{kata}.py").is_file()
    assert len(WRONG_FIXES.get(kata, [])) >= 2, f"{kata} needs two wrong fixes"
    data = lesson(kata)
    assert len(data.hints) == 3 and all(data.hints), f"{kata} needs three hints"
    assert data.explanation and data.section and data.title
    assert data.diagnosis == EXPECTED[kata]


@pytest.mark.parametrize("kata", MUST_REJECT_SEQUENTIAL)
def test_a_sequential_fix_is_among_the_wrong_fixes(kata: str) -> None:
    names = [p.name for p in WRONG_FIXES.get(kata, [])]
    assert f"{kata}__sequential.py" in names
