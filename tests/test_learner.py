"""The learner's experience, end to end: what `pytest katas/` prints and remembers.

Every test builds a small kata tree (three real katas, their tests and their solutions,
copied from this repository) in a `pytester` directory that is pytest's rootdir, and runs
a real pytest in a fresh interpreter against it: curriculum order, the closing summary,
focus on the first red kata, explanations that never spoil the fix, progressive hints,
solutions mode, the JUnit property, and what a learner's broken edits (a syntax error, an
endless loop, a thread started at import time...) look like.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pytest_threadlesson.curriculum.catalogue import CORE_KATAS, lesson

REPO = Path(__file__).resolve().parents[1]
TREE = ("k01_join", "k03_lost_update", "k08_reentrant")
TOTAL = len(CORE_KATAS)
TIMEOUT = 120

# What the three katas' tests are called (the first red kata's reports are shown in full).
K01_TESTS = ("test_every_square_is_there_when_the_function_returns",
             "test_squares_come_back_in_input_order")
K03_TESTS = ("test_no_increment_is_lost", "test_no_increment_is_lost_when_each_thread_counts_twice")
K08_TESTS = ("test_increment_twice_adds_two", "test_increment_and_increment_twice_add_up",
             "test_no_reader_ever_sees_half_of_increment_twice",
             "test_increments_from_other_threads_are_not_lost")


# ---------------------------------------------------------------------------------------
# The kata tree and reading the output


def make_tree(pytester: pytest.Pytester, *, solved: tuple[str, ...] = ()) -> Path:
    """katas/ (broken, except `solved`), solutions/, and a pytest.ini making it the rootdir.

    pytest-randomly is installed in our venv but not in a learner's: it is off unless a
    test asks for it.
    """
    pytester.makefile(".ini", pytest="[pytest]\naddopts = -p no:randomly\n")
    katas = pytester.path / "katas"
    solutions = pytester.path / "solutions"
    katas.mkdir()
    solutions.mkdir()
    for kata in TREE:
        shutil.copy(REPO / "katas" / f"{kata}.py", katas)
        shutil.copy(REPO / "katas" / f"test_{kata}.py", katas)
        shutil.copy(REPO / "solutions" / f"{kata}.py", solutions)
    for kata in solved:
        shutil.copy(REPO / "solutions" / f"{kata}.py", katas)
    return katas


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(*args, timeout=TIMEOUT)


def edit(path: Path, old: str, new: str) -> str:
    """Replace `old` (which must be there) by `new` in a kata file; the new text."""
    text = path.read_text()
    assert old in text, f"{path.name} no longer contains {old!r}: update this test"
    text = text.replace(old, new, 1)
    path.write_text(text)
    return text


def line_of(text: str, snippet: str) -> int:
    """1-based number of the first line of `text` containing `snippet`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if snippet in line:
            return number
    raise AssertionError(f"{snippet!r} not found")


def names(report: str, filename: str, line: int) -> bool:
    """Does `report` point at `filename:line` (the learner's file, not its test file)?"""
    return re.search(rf"(?<!test_){re.escape(filename)}:{line}\b", report) is not None


def output(result: pytest.RunResult) -> str:
    return "\n".join(result.outlines + result.errlines)


def flat(text: str) -> str:
    """Whitespace-free form, so that text wrapped at spaces or hyphens still matches."""
    return re.sub(r"\s+", "", text)


_HEADER = re.compile(r"^_{3,} (\S+) _{3,}$")


def failure_sections(result: pytest.RunResult) -> dict[str, str]:
    """Test name -> its failure report (header to the next header or `===` line)."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in result.outlines:
        header = _HEADER.match(line)
        if header:
            current = sections.setdefault(header.group(1), [])
            continue
        if line.startswith("===="):
            current = None
            continue
        if current is not None:
            current.append(line)
    return {name: "\n".join(lines) for name, lines in sections.items()}


def kata_summary(result: pytest.RunResult) -> list[str]:
    """The lines of the closing `threadlesson: katas` block."""
    lines = result.outlines
    starts = [i for i, line in enumerate(lines) if re.match(r"^=+ threadlesson: katas =+$", line)]
    assert starts, "no closing threadlesson summary:\n" + "\n".join(lines[-30:])
    block = []
    for line in lines[starts[-1] + 1:]:
        if line.startswith("===="):
            break
        block.append(line)
    return block


def printed(summary: list[str], label: str) -> str:
    """The command the summary line starting with `label` prints."""
    found = [line[len(label):] for line in summary if line.startswith(label)]
    assert len(found) == 1, summary
    return found[0]


def shell(pytester: pytest.Pytester, command: str) -> pytest.RunResult:
    """`command` as a learner pastes it: run by a POSIX shell in the kata tree."""
    return pytester.run("/bin/sh", "-c", command, timeout=TIMEOUT)


def kata_order(result: pytest.RunResult) -> list[str]:
    """The kata of each test, in the order the tests ran (from `-v` output)."""
    ran = re.compile(r"^katas/test_(k\d\d_\w+)\.py::\w+ (PASSED|FAILED|ERROR)")
    return [m.group(1) for m in map(ran.match, result.outlines) if m]


def assert_other_katas_ran(result: pytest.RunResult, *, solved: str, red: dict[str, str]
                           ) -> None:
    """The session went on past the broken kata and printed its summary."""
    text = output(result)
    assert "Interrupted" not in text
    outcomes = result.parseoutcomes()
    assert not {"error", "errors"} & set(outcomes), text
    summary = kata_summary(result)
    count = len(solved.split(", ")) if solved else 0
    score = f"{count}/{TOTAL} katas solved" + (f": {solved}" if solved else "")
    assert score in summary, summary
    for kata, diagnosis in red.items():
        assert f"  {kata}: {diagnosis}" in summary, summary
    assert any(line.startswith("next: ") for line in summary), summary


# ---------------------------------------------------------------------------------------
# Curriculum order


def test_katas_run_in_curriculum_order_whatever_the_command_line_says(
        pytester: pytest.Pytester) -> None:
    make_tree(pytester)
    result = run(pytester, "-v", "katas/test_k08_reentrant.py", "katas/test_k03_lost_update.py",
                 "katas/test_k01_join.py")
    order = kata_order(result)
    assert len(order) == 11, output(result)
    assert order == sorted(order), order
    assert order[0] == "k01_join"


@pytest.mark.parametrize("randomly_seed", [1, 4242])
def test_katas_run_in_curriculum_order_under_pytest_randomly(
        pytester: pytest.Pytester, randomly_seed: int) -> None:
    make_tree(pytester)
    result = run(pytester, "-p", "randomly", f"--randomly-seed={randomly_seed}",
                 "-v", "katas/test_k08_reentrant.py", "katas/test_k03_lost_update.py",
                 "katas/test_k01_join.py")
    assert f"randomly-seed={randomly_seed}" in output(result), "pytest-randomly was not active"
    order = kata_order(result)
    assert len(order) == 11, output(result)
    assert order == sorted(order), order


# ---------------------------------------------------------------------------------------
# The closing summary


def test_the_summary_gives_the_score_the_next_kata_and_commands_that_work(
        pytester: pytest.Pytester) -> None:
    make_tree(pytester)
    result = run(pytester, "katas/")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    summary = kata_summary(result)
    title = lesson("k01_join").title
    assert f"0/{TOTAL} katas solved" in summary, summary
    assert f'next: k01_join, "{title}"' in summary, summary
    only = printed(summary, "  run only it:  ")
    hint = printed(summary, "  get a hint:   ")
    # The pytest that ran (here `python -m pytest`), not whatever `pytest` is on the PATH.
    assert only.endswith(" -m pytest katas/test_k01_join.py"), only
    assert hint == f"{only} --threadlesson-hints", hint

    # The two commands do what they say, pasted into a shell as printed.
    ran = shell(pytester, only + " -v")
    assert set(kata_order(ran)) == {"k01_join"}, output(ran)
    hinted = shell(pytester, hint)
    hinted.stdout.fnmatch_lines(["hint 1/3 for k01_join:"])


def test_quiet_summary_is_one_line(pytester: pytest.Pytester) -> None:
    make_tree(pytester)
    result = run(pytester, "-q", "katas/")
    lines = [line for line in result.outlines if "katas solved" in line]
    assert len(lines) == 1, output(result)
    assert re.fullmatch(rf"threadlesson: 0/{TOTAL} katas solved; next: k01_join "
                        r"\((\S+ -m pytest katas/test_k01_join\.py)\)", lines[0]), lines
    assert not any(re.match(r"^=+ threadlesson: katas =+$", line) for line in result.outlines)
    assert "run only it" not in output(result)


def test_fixed_katas_count_as_solved_and_are_listed_compactly(
        pytester: pytest.Pytester) -> None:
    katas = make_tree(pytester)
    before = run(pytester, "katas/")
    assert f"0/{TOTAL} katas solved" in kata_summary(before)

    for kata in TREE:
        shutil.copy(pytester.path / "solutions" / f"{kata}.py", katas)
    fewer = "--threadlesson-schedules=10"  # the solutions pass every schedule: keep it short
    after = run(pytester, fewer, "katas/")
    assert after.ret == pytest.ExitCode.OK, output(after)
    summary = kata_summary(after)
    assert f"3/{TOTAL} katas solved: k01, k03, k08" in summary, summary
    assert 'next: k02_start_not_run, "' in "\n".join(summary), summary
    quiet = run(pytester, fewer, "-q", "katas/")
    assert f"threadlesson: 3/{TOTAL} katas solved; next: k02_start_not_run" in output(quiet)


# ---------------------------------------------------------------------------------------
# Focus on the first red kata


def test_only_the_first_red_kata_is_reported_in_full(pytester: pytest.Pytester) -> None:
    make_tree(pytester)
    result = run(pytester, "katas/")
    sections = failure_sections(result)
    assert set(K01_TESTS) <= set(sections), sorted(sections)
    assert not set(K03_TESTS + K08_TESTS) & set(sections), sorted(sections)
    summary = kata_summary(result)
    assert "k01_join: race (the report above)" in summary, summary
    assert "  k03_lost_update: race" in summary, summary
    assert "  k08_reentrant: deadlock" in summary, summary
    assert "threadlesson: deadlock" not in output(result)


def test_full_shows_every_red_katas_report(pytester: pytest.Pytester) -> None:
    make_tree(pytester)
    result = run(pytester, "--threadlesson-full", "katas/")
    sections = failure_sections(result)
    assert set(K01_TESTS + K03_TESTS + K08_TESTS) <= set(sections), sorted(sections)
    assert "threadlesson: deadlock" in sections["test_increment_twice_adds_two"]
    assert "threadlesson: race" in sections["test_no_increment_is_lost"]
    assert not any(line.startswith("  k08_reentrant: ") for line in kata_summary(result))


# ---------------------------------------------------------------------------------------
# Explanations


def test_a_failing_kata_explains_the_bug_class_and_never_the_fix(
        pytester: pytest.Pytester) -> None:
    make_tree(pytester)
    result = run(pytester, "--threadlesson-full", "katas/")
    sections = failure_sections(result)
    expected = {"k01_join": (K01_TESTS, "a race condition"),
                "k03_lost_update": (K03_TESTS, "a race condition"),
                "k08_reentrant": (K08_TESTS, "a deadlock")}
    for kata, (tests, bug_class) in expected.items():
        for name in tests:
            section = sections[name]
            assert "threadlesson: what went wrong" in section, section
            explained = section.split("threadlesson: what went wrong", 1)[1]
            assert f"{kata} (" in explained and bug_class in explained, explained

    text = flat(output(result))
    for kata in TREE:
        hints = lesson(kata).hints
        assert hints, f"{kata} has no hints"
        for hint in hints:
            assert flat(hint) not in text, f"a hint of {kata} leaked: {hint}"
            for sentence in re.split(r"(?<=[.?!:])\s+", hint):
                if len(flat(sentence)) >= 25:
                    assert flat(sentence) not in text, \
                        f"part of a hint of {kata} leaked: {sentence}"


# ---------------------------------------------------------------------------------------
# Hints


def test_hints_advance_one_level_per_run_and_reset_starts_over(
        pytester: pytest.Pytester) -> None:
    make_tree(pytester)
    hints = lesson("k08_reentrant").hints
    assert len(hints) == 3

    first = run(pytester, "katas/test_k08_reentrant.py", "--threadlesson-hints")
    first.stdout.fnmatch_lines(["hint 1/3 for k08_reentrant:"])
    assert flat(hints[0]) in flat(output(first))
    assert flat(hints[1]) not in flat(output(first))

    second = run(pytester, "katas/test_k08_reentrant.py", "--threadlesson-hints")
    second.stdout.fnmatch_lines(["hint 2/3 for k08_reentrant:"])
    assert flat(hints[1]) in flat(output(second))
    assert "hint 1/3" not in output(second)

    reset = run(pytester, "katas/test_k08_reentrant.py", "--threadlesson-hints=reset")
    reset.stdout.fnmatch_lines(["hint 1/3 for k08_reentrant:"])
    assert flat(hints[0]) in flat(output(reset))

    again = run(pytester, "katas/test_k08_reentrant.py", "--threadlesson-hints")
    again.stdout.fnmatch_lines(["hint 2/3 for k08_reentrant:"])


def test_a_green_kata_never_gets_a_hint(pytester: pytest.Pytester) -> None:
    make_tree(pytester, solved=("k01_join",))
    result = run(pytester, "katas/", "--threadlesson-hints")
    text = output(result)
    assert "hint 1/3 for k03_lost_update:" in text
    assert "hint 1/3 for k08_reentrant:" in text
    assert "for k01_join" not in text
    for hint in lesson("k01_join").hints:
        assert flat(hint) not in flat(text)

    green = run(pytester, "katas/test_k01_join.py", "--threadlesson-hints")
    assert green.ret == pytest.ExitCode.OK, output(green)
    assert not any(re.match(r"hint \d+/\d+ for", line) for line in green.outlines)
    assert "no hints: every kata that ran is green." in output(green)


# ---------------------------------------------------------------------------------------
# Solutions mode and JUnit XML


def test_solutions_mode_runs_the_kata_tests_against_the_solutions(
        pytester: pytest.Pytester) -> None:
    make_tree(pytester)
    result = run(pytester, "--threadlesson-solutions", "katas/")
    assert any("SOLUTIONS MODE" in line for line in result.outlines[:10]), output(result)
    result.assert_outcomes(passed=11)
    assert result.ret == pytest.ExitCode.OK

    # ...and it is not the learner's progress.
    mine = run(pytester, "-q", "katas/")
    assert f"threadlesson: 0/{TOTAL} katas solved" in output(mine)


def test_junitxml_carries_the_diagnosis_of_failing_kata_tests(
        pytester: pytest.Pytester) -> None:
    make_tree(pytester)
    run(pytester, "--junitxml=report.xml", "katas/")
    root = ET.parse(pytester.path / "report.xml").getroot()
    found: dict[str, tuple[bool, str | None]] = {}
    for case in root.iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        found[str(case.get("name"))] = (case.find("failure") is not None,
                                        props.get("threadlesson_diagnosis"))
    assert len(found) == 11, found
    for name in K01_TESTS + K03_TESTS:
        assert found[name] == (True, "race"), (name, found[name])
    for name in K08_TESTS:
        assert found[name] == (True, "deadlock"), (name, found[name])
    assert found["test_no_numbers_means_no_squares"] == (False, None)


# ---------------------------------------------------------------------------------------
# A learner's broken edits: that kata says clearly what is wrong, the others still run


def test_a_syntax_error_names_the_file_and_line(pytester: pytest.Pytester) -> None:
    katas = make_tree(pytester, solved=("k01_join",))
    text = edit(katas / "k03_lost_update.py", "self._value += 1", "self._value +=")
    line = line_of(text, "self._value +=")
    result = run(pytester, "katas/")
    report = failure_sections(result)["test_no_increment_is_lost"]
    assert names(report, "k03_lost_update.py", line), report
    assert "does not compile" in report and "self._value +=" in report, report
    assert "k03_lost_update: broken (the report above)" in kata_summary(result)
    assert_other_katas_ran(result, solved="k01", red={"k08_reentrant": "deadlock"})


def test_an_import_error_names_the_file_and_line(pytester: pytest.Pytester) -> None:
    katas = make_tree(pytester, solved=("k01_join",))
    text = edit(katas / "k03_lost_update.py", "\n\nclass Counter",
                "\nimport no_such_module\n\nclass Counter")
    line = line_of(text, "import no_such_module")
    result = run(pytester, "katas/")
    report = failure_sections(result)["test_a_new_counter_is_zero"]
    assert names(report, "k03_lost_update.py", line), report
    assert "No module named 'no_such_module'" in report, report
    assert "k03_lost_update: broken (the report above)" in kata_summary(result)
    assert_other_katas_ran(result, solved="k01", red={"k08_reentrant": "deadlock"})


def test_a_deleted_class_the_tests_need_names_the_file_and_the_name(
        pytester: pytest.Pytester) -> None:
    katas = make_tree(pytester, solved=("k01_join",))
    edit(katas / "k03_lost_update.py", "class Counter:", "class Countr:")
    result = run(pytester, "katas/")
    sections = failure_sections(result)
    for name in ("test_a_new_counter_is_zero", "test_no_increment_is_lost"):
        assert "k03_lost_update.py has no 'Counter'" in sections[name], sections[name]
    assert "k03_lost_update: broken (the report above)" in kata_summary(result)
    assert_other_katas_ran(result, solved="k01", red={"k08_reentrant": "deadlock"})


def test_a_wrong_signature_names_the_learners_file_and_is_not_called_a_race(
        pytester: pytest.Pytester) -> None:
    katas = make_tree(pytester, solved=("k01_join",))
    text = edit(katas / "k03_lost_update.py", "def increment(self) -> None:\n"
                "        self._value += 1",
                "def increment(self, amount) -> None:\n        self._value += amount")
    line = line_of(text, "def increment(self, amount)")
    result = run(pytester, "katas/")
    sections = failure_sections(result)
    plain = sections["test_increments_from_one_thread_add_up"]
    explored = sections["test_no_increment_is_lost"]
    for report in (plain, explored):
        assert "missing 1 required positional argument: 'amount'" in report, report
    # The learner's mistake is in their file, at the `def`: the report must say so.
    assert names(plain, "k03_lost_update.py", line), plain
    assert names(explored, "k03_lost_update.py", line), explored
    # The same error in every interleaving is not a race condition.
    assert "k03_lost_update: broken (the report above)" in kata_summary(result), \
        kata_summary(result)
    assert_other_katas_ran(result, solved="k01", red={"k08_reentrant": "deadlock"})


def test_an_endless_loop_in_a_plain_call_is_reported_where_it_spins(
        pytester: pytest.Pytester) -> None:
    katas = make_tree(pytester, solved=("k01_join",))
    text = edit(katas / "k01_join.py", "    results = [None] * len(numbers)\n",
                "    while not numbers:\n        pass\n    results = [None] * len(numbers)\n")
    line = line_of(text, "while not numbers:")
    result = run(pytester, "--threadlesson-deadlock-timeout=2", "katas/")
    assert result.duration < 60, result.duration
    report = failure_sections(result)["test_no_numbers_means_no_squares"]
    assert f"now at k01_join.py:{line}" in report, report
    assert "k01_join: hang (the report above)" in kata_summary(result), kata_summary(result)
    assert_other_katas_ran(result, solved="",
                           red={"k03_lost_update": "race", "k08_reentrant": "deadlock"})


def test_os_exit_in_a_kata_fails_that_kata_and_the_run_goes_on(
        pytester: pytest.Pytester) -> None:
    # Before, os._exit(0) ended the whole run at once: no other kata, no summary, status 0.
    katas = make_tree(pytester, solved=("k01_join",))
    text = edit(katas / "k01_join.py", "    return results\n",
                "    import os\n    os._exit(0)\n    return results\n")
    result = run(pytester, "katas/")
    report = failure_sections(result)["test_no_numbers_means_no_squares"]
    assert flat("os._exit(0) was called: it ends the whole pytest process at once") in flat(
        report), report
    assert names(report, "k01_join.py", line_of(text, "os._exit(0)")), report
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert_other_katas_ran(result, solved="",
                           red={"k03_lost_update": "race", "k08_reentrant": "deadlock"})


def test_input_in_a_kata_run_with_s_fails_that_kata_and_the_run_goes_on(
        pytester: pytest.Pytester) -> None:
    # With -s, input() reads the learner's terminal (here a pseudo-terminal nobody types
    # at). Before, the run hung: a thread the scheduler runs, blocked in a read, cannot be
    # stopped, and it holds the terminal's lock for every later read.
    katas = make_tree(pytester, solved=("k01_join",))
    text = edit(katas / "k01_join.py", "    return results\n",
                "    input('go? ')\n    return results\n")
    controller, terminal = os.openpty()
    try:
        result = pytester.run(sys.executable, "-m", "pytest", "-s", "katas/",
                              stdin=terminal, timeout=TIMEOUT)
    finally:
        os.close(terminal)
        os.close(controller)
    report = failure_sections(result)["test_no_numbers_means_no_squares"]
    assert names(report, "k01_join.py", line_of(text, "input(")), report
    assert flat("input() was called with the terminal as standard input (pytest -s)") in \
        flat(report), report
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert_other_katas_ran(result, solved="",
                           red={"k03_lost_update": "race", "k08_reentrant": "deadlock"})


def test_an_endless_loop_inside_an_explore_scenario_is_reported_where_it_spins(
        pytester: pytest.Pytester) -> None:
    katas = make_tree(pytester, solved=("k01_join",))
    text = edit(katas / "k03_lost_update.py", "        self._value += 1\n",
                "        while self._value >= 0:\n            pass\n        self._value += 1\n")
    line = line_of(text, "while self._value >= 0:")
    result = run(pytester, "--threadlesson-deadlock-timeout=2", "katas/")
    assert result.duration < 60, result.duration
    report = failure_sections(result)["test_no_increment_is_lost"]
    assert names(report, "k03_lost_update.py", line), report
    assert re.search(r'replay: \S+ -m pytest "katas/test_k03_lost_update\.py::'
                     r'test_no_increment_is_lost" --threadlesson-seed=\d+', report), report
    assert "k03_lost_update: hang (the report above)" in kata_summary(result)
    assert_other_katas_ran(result, solved="k01", red={"k08_reentrant": "deadlock"})


def test_sys_exit_in_a_thread_is_reported_where_it_was_called(
        pytester: pytest.Pytester) -> None:
    katas = make_tree(pytester, solved=("k01_join",))
    path = katas / "k01_join.py"
    edit(path, "import threading\n", "import sys\nimport threading\n")
    text = edit(path, "        results[index] = n * n\n",
                "        sys.exit()\n        results[index] = n * n\n")
    line = line_of(text, "sys.exit()")
    result = run(pytester, "--threadlesson-deadlock-timeout=2", "katas/")
    report = failure_sections(result)[K01_TESTS[0]]
    assert "SystemExit" in report, report
    assert names(report, "k01_join.py", line), report
    assert any(line.startswith("k01_join: ") for line in kata_summary(result))
    assert_other_katas_ran(result, solved="",
                           red={"k03_lost_update": "race", "k08_reentrant": "deadlock"})


def test_a_thread_started_at_import_time_is_named_with_its_start_line(
        pytester: pytest.Pytester) -> None:
    katas = make_tree(pytester, solved=("k01_join", "k03_lost_update"))
    path = katas / "k03_lost_update.py"
    text = edit(path, "\nimport threading\n", (
        "\nimport threading\nimport time\n\n\n"
        "def _heartbeat() -> None:\n"
        "    while True:\n"
        "        time.sleep(0.01)\n\n\n"
        "_worker = threading.Thread(target=_heartbeat, name='heartbeat')\n"
        "_worker.start()\n"))
    line = line_of(text, "_worker.start()")
    result = run(pytester, "--threadlesson-deadlock-timeout=2", "katas/")
    text_out = output(result)
    assert "'heartbeat'" in text_out, text_out
    assert f"started at k03_lost_update.py:{line}" in text_out, text_out
    assert "k03_lost_update: leak (the report above)" in kata_summary(result)
    assert_other_katas_ran(result, solved="k01", red={"k08_reentrant": "deadlock"})
