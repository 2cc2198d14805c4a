"""Truthful progress: a kata is solved only when every one of its tests ran in that run and
passed. A partial run (a node id, `-k`, `-x`, Ctrl-C, xdist given a node id, `--count` on
one test) never marks anything solved and never takes back what an earlier run proved; it
says what it saw. Solutions mode never touches the learner's progress; a kata that does
not import is red. And the facilitator's view: `--threadlesson-progress`, the progress
file, `python -m pytest_threadlesson.room`.

Each test builds the small kata tree of tests/test_learner.py in a `pytester` directory
and runs a real pytest in a fresh interpreter, with pytest's cache on (progress lives
there); what is remembered is read back with `--threadlesson-progress`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from test_learner import TOTAL, edit, kata_summary, make_tree, output, run

K03_NODE = "katas/test_k03_lost_update.py::test_a_new_counter_is_zero"
FEW = "--threadlesson-schedules=10"  # solutions pass every schedule: keep the runs short


def remembered(pytester: pytest.Pytester, *args: str) -> str:
    """The one line `--threadlesson-progress` prints (it runs no test)."""
    result = run(pytester, "--threadlesson-progress", "--threadlesson-pair=pair-3", *args)
    assert result.ret == 0, output(result)
    lines = [line for line in result.outlines if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("threadlesson progress: pair-3  "), lines
    return lines[0]


def solve(pytester: pytest.Pytester, *katas: str) -> None:
    """Put the solutions of `katas` in katas/ and prove them with a full run of each."""
    for kata in katas:
        shutil.copy(pytester.path / "solutions" / f"{kata}.py", pytester.path / "katas")
    result = run(pytester, FEW, *(f"katas/test_{kata}.py" for kata in katas))
    assert result.ret == 0, output(result)


def quiet_line(result: pytest.RunResult) -> str:
    lines = [line for line in result.outlines if line.startswith("threadlesson: ")
             and "katas solved" in line]
    assert len(lines) == 1, output(result)
    return lines[0]


# ---------------------------------------------------------------------------------------
# Partial runs judge nothing


def test_a_partial_node_id_never_marks_a_kata_solved(pytester: pytest.Pytester) -> None:
    make_tree(pytester)
    result = run(pytester, "-q", K03_NODE)
    assert result.ret == 0, output(result)
    line = quiet_line(result)
    assert line.startswith(f"threadlesson: 0/{TOTAL} katas solved"), line
    assert "k03_lost_update: 1 of 4 tests run, not judged" in line, line
    assert remembered(pytester).startswith(f"threadlesson progress: pair-3  0/{TOTAL} solved  ")


def test_a_partial_run_never_takes_back_a_solved_kata(pytester: pytest.Pytester) -> None:
    make_tree(pytester)
    solve(pytester, "k03_lost_update")
    assert f" 1/{TOTAL} solved (k03) " in remembered(pytester)
    partial = run(pytester, K03_NODE)
    assert "k03_lost_update: 1 of 4 tests run, not judged" in kata_summary(partial)
    assert f"1/{TOTAL} katas solved: k03" in kata_summary(partial)
    assert f" 1/{TOTAL} solved (k03) " in remembered(pytester)


def test_k_that_selects_part_of_a_kata_judges_nothing(pytester: pytest.Pytester) -> None:
    make_tree(pytester)
    result = run(pytester, "-q", "-k", "new_counter or squares_come_back", "katas/")
    line = quiet_line(result)
    assert line.startswith(f"threadlesson: 0/{TOTAL} katas solved"), line
    assert "k03_lost_update: 1 of 4 tests run, not judged" in line, line
    assert f" 0/{TOTAL} solved " in remembered(pytester)


def test_x_stopping_early_judges_only_the_katas_that_ran_to_the_end(
        pytester: pytest.Pytester) -> None:
    make_tree(pytester, solved=("k01_join",))
    result = run(pytester, "-x", "katas/")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    summary = kata_summary(result)
    assert f"1/{TOTAL} katas solved: k01" in summary, summary  # all its tests ran and passed
    assert "k03_lost_update: race (the report above)" in summary, summary
    assert not any("k08" in line for line in summary), summary  # never reached
    assert re.search(rf" 1/{TOTAL} solved \(k01\) .* now: k02_start_not_run",
                     remembered(pytester))


def test_last_failed_reruns_judge_nothing(pytester: pytest.Pytester) -> None:
    # --lf keeps a kata's failed tests only: the kata is counted before it filters them.
    make_tree(pytester)
    run(pytester, "katas/test_k03_lost_update.py")
    shutil.copy(pytester.path / "solutions" / "k03_lost_update.py", pytester.path / "katas")
    again = run(pytester, "-q", "--lf", FEW, "katas/test_k03_lost_update.py")
    assert again.ret == 0, output(again)
    assert "k03_lost_update: 2 of 4 tests run, not judged" in quiet_line(again)
    assert f" 0/{TOTAL} solved " in remembered(pytester)


# ---------------------------------------------------------------------------------------
# Ctrl-C

# pytest whose Ctrl-C raises KeyboardInterrupt whatever it inherited (see test_interrupt).
WITH_CTRL_C = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
               "import pytest; sys.exit(pytest.main())")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_ctrl_c_marks_nothing_solved(pytester: pytest.Pytester) -> None:
    katas = make_tree(pytester, solved=("k01_join",))
    # k03's second test spins for ever (the backstop far away): only Ctrl-C ends it.
    edit(katas / "k03_lost_update.py", "        self._value += 1\n",
         "        print('STUCK', flush=True)\n        while True:\n            pass\n")
    env = dict(os.environ)
    env.pop("PYTEST_ADDOPTS", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", WITH_CTRL_C, "-s", "-o", "threadlesson_deadlock_timeout=600",
         "katas/"], cwd=pytester.path, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    watchdog = threading.Timer(60, proc.kill)
    watchdog.start()
    try:
        assert proc.stdout is not None
        seen = []
        for line in proc.stdout:
            seen.append(line)
            if line.rstrip().endswith("STUCK"):
                break
        assert seen and seen[-1].rstrip().endswith("STUCK"), "".join(seen)
        proc.send_signal(signal.SIGINT)
        rest = proc.stdout.read()
        code = proc.wait()
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    out = "".join(seen) + rest
    assert code == pytest.ExitCode.INTERRUPTED, out
    # k01 passed every test before Ctrl-C, and k03 its first: neither is proved by a run
    # that did not end.
    assert "k01_join: 3 of 3 tests run, not judged (the run was interrupted)" in out, out
    assert "k03_lost_update: 1 of 4 tests run, not judged (the run was interrupted)" in out
    assert f"0/{TOTAL} katas solved" in out, out
    assert f" 0/{TOTAL} solved " in remembered(pytester)


# ---------------------------------------------------------------------------------------
# pytest-xdist and pytest-repeat


def test_xdist_judges_a_whole_kata_and_not_a_node_id(pytester: pytest.Pytester) -> None:
    make_tree(pytester, solved=("k01_join", "k03_lost_update"))
    partial = run(pytester, "-q", "-n", "2", K03_NODE)
    assert "k03_lost_update: 1 of 4 tests run, not judged" in quiet_line(partial)
    assert f" 0/{TOTAL} solved " in remembered(pytester)

    whole = run(pytester, "-q", "-n", "2", FEW, "katas/")
    assert whole.ret == pytest.ExitCode.TESTS_FAILED, output(whole)  # k08 is still broken
    assert quiet_line(whole).startswith(f"threadlesson: 2/{TOTAL} katas solved"), output(whole)
    assert f" 2/{TOTAL} solved (k01, k03) " in remembered(pytester)


def test_count_repeats_count_as_tests_of_the_kata(pytester: pytest.Pytester) -> None:
    make_tree(pytester, solved=("k03_lost_update",))
    partial = run(pytester, "-q", "--count=2", K03_NODE)
    assert "k03_lost_update: 2 of 8 tests run, not judged" in quiet_line(partial)
    assert f" 0/{TOTAL} solved " in remembered(pytester)

    whole = run(pytester, "-q", "--count=2", FEW, "katas/test_k03_lost_update.py")
    assert whole.ret == 0, output(whole)
    assert quiet_line(whole).startswith(f"threadlesson: 1/{TOTAL} katas solved"), output(whole)


# ---------------------------------------------------------------------------------------
# Solutions mode, and a kata that does not import


def test_solutions_mode_never_touches_the_learners_progress(pytester: pytest.Pytester) -> None:
    make_tree(pytester)
    (pytester.path / "room").mkdir()
    pytester.makefile(".ini", pytest="[pytest]\naddopts = -p no:randomly\n"
                      "threadlesson_progress_file = room\nthreadlesson_pair = pair-3\n")
    before = remembered(pytester)
    result = run(pytester, "--threadlesson-solutions", "--threadlesson-hints", FEW, "katas/")
    assert result.ret == 0, output(result)
    assert f"3/{TOTAL} katas solved: k01, k03, k08" in kata_summary(result)
    assert remembered(pytester) == before
    assert "last run never" in before
    assert list((pytester.path / "room").iterdir()) == []


def test_a_kata_that_does_not_import_is_red_never_solved(pytester: pytest.Pytester) -> None:
    katas = make_tree(pytester)
    solve(pytester, "k01_join", "k03_lost_update")
    assert f" 2/{TOTAL} solved (k01, k03) " in remembered(pytester)

    # A syntax error in the kata file: its tests fail, it is red.
    edit(katas / "k03_lost_update.py", "self._value += 1", "self._value +=")
    broken = run(pytester, "katas/test_k03_lost_update.py")
    assert "k03_lost_update: broken (the report above)" in kata_summary(broken)
    assert f" 1/{TOTAL} solved (k01)  now: k02_start_not_run" in remembered(pytester)

    # The kata file gone: its test file cannot even be collected. Red, not "still solved".
    solve(pytester, "k03_lost_update")
    (katas / "k03_lost_update.py").unlink()
    gone = run(pytester, "katas/")
    assert "k03_lost_update: broken (the report above)" in kata_summary(gone), output(gone)
    assert f" 1/{TOTAL} solved (k01) " in remembered(pytester)


# ---------------------------------------------------------------------------------------
# Counts, labels, hints


def test_stretch_katas_are_labelled_and_never_counted_among_the_twenty(
        pytester: pytest.Pytester) -> None:
    katas = make_tree(pytester)
    repo = Path(__file__).resolve().parents[1]
    shutil.copy(repo / "katas" / "test_k21_readers_writer.py", katas)
    shutil.copy(repo / "solutions" / "k21_readers_writer.py", katas)
    result = run(pytester, FEW, "katas/test_k21_readers_writer.py")
    assert result.ret == 0, output(result)
    summary = kata_summary(result)
    assert f"0/{TOTAL} katas solved" in summary, summary
    assert "stretch: k21 solved" in summary, summary
    line = remembered(pytester)
    assert f" 0/{TOTAL} solved  stretch: k21 solved  now: k01_join " in line, line


def test_a_hint_past_the_last_says_so_and_points_at_the_lesson(
        pytester: pytest.Pytester) -> None:
    from pytest_threadlesson.curriculum.catalogue import lesson

    make_tree(pytester)
    data = lesson("k08_reentrant")
    assert data.page.startswith("docs/lessons/"), data.page
    pointer = f'the lesson: {data.page}, section "{data.section}"'
    for _ in (1, 2):
        run(pytester, "katas/test_k08_reentrant.py", "--threadlesson-hints")
    third = run(pytester, "katas/test_k08_reentrant.py", "--threadlesson-hints")
    third.stdout.fnmatch_lines(["hint 3/3 for k08_reentrant:"])
    assert f"  that was the last hint; {pointer}" in third.outlines, output(third)
    fourth = run(pytester, "katas/test_k08_reentrant.py", "--threadlesson-hints")
    assert (f"no more hints for k08_reentrant: that was the last (3/3); {pointer}"
            in fourth.outlines), output(fourth)
    assert "hint 3/3 for" not in output(fourth)


# ---------------------------------------------------------------------------------------
# The facilitator's view


def test_progress_prints_one_line_and_runs_no_test(pytester: pytest.Pytester) -> None:
    make_tree(pytester)
    assert re.fullmatch(rf"threadlesson progress: pair-3  0/{TOTAL} solved  now: k01_join "
                        r"not solved yet  last run never", remembered(pytester))
    run(pytester, "katas/test_k01_join.py", "--threadlesson-hints")
    assert re.fullmatch(rf"threadlesson progress: pair-3  0/{TOTAL} solved  now: k01_join "
                        r"red \(race\), hint 1/3  last run \d\d:\d\d", remembered(pytester))
    solve(pytester, "k01_join")
    line = remembered(pytester)
    assert re.fullmatch(rf"threadlesson progress: pair-3  1/{TOTAL} solved \(k01\)  now: "
                        r"k02_start_not_run not solved yet  last run \d\d:\d\d", line), line
    result = run(pytester, "--threadlesson-progress", "katas/")
    assert "passed" not in output(result) and "failed" not in output(result)


def test_the_pair_name_and_the_progress_file_come_from_the_ini_or_the_command_line(
        pytester: pytest.Pytester) -> None:
    make_tree(pytester)
    room = pytester.path / "room"
    room.mkdir()
    pytester.makefile(".ini", pytest="[pytest]\naddopts = -p no:randomly\n"
                      "threadlesson_pair = from-ini\nthreadlesson_progress_file = room\n")
    run(pytester, "-q", "katas/test_k08_reentrant.py")
    record = json.loads((room / "from-ini.json").read_text())
    assert record["pair"] == "from-ini" and record["status"] == {"k08_reentrant": "red"}
    assert record["diagnosis"] == {"k08_reentrant": "deadlock"}

    run(pytester, "-q", "--threadlesson-pair=pair-9", "--threadlesson-progress-file=mine.json",
        "katas/test_k08_reentrant.py")
    assert json.loads((pytester.path / "mine.json").read_text())["pair"] == "pair-9"
    assert not list(room.glob(".*")), "a temporary file was left behind"

    bad = run(pytester, "--threadlesson-progress-file=no/such/folder/x.json", "katas/")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    assert "--threadlesson-progress-file (command line) is 'no/such/folder/x.json'" in \
        output(bad)
    pytester.makefile(".ini", pytest="[pytest]\nthreadlesson_pair = a/b\n")
    bad_ini = run(pytester, "katas/")
    assert bad_ini.ret == pytest.ExitCode.USAGE_ERROR
    assert "threadlesson_pair in pytest.ini is 'a/b'" in output(bad_ini)


def test_several_pairs_share_one_progress_file_each_keeping_its_record(
        pytester: pytest.Pytester) -> None:
    make_tree(pytester)
    for pair in ("pair-1", "pair-2", "pair-1"):
        run(pytester, "-q", f"--threadlesson-pair={pair}", "--threadlesson-progress-file=all.json",
            "katas/test_k08_reentrant.py")
    records = json.loads((pytester.path / "all.json").read_text())
    assert sorted(r["pair"] for r in records) == ["pair-1", "pair-2"]


def _pair_run(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", *args],
                          cwd=tree, capture_output=True, text=True, timeout=120, env=env,
                          stdin=subprocess.DEVNULL)


def test_the_room_lists_every_pair_the_furthest_first(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[1]
    room = tmp_path / "room"
    room.mkdir()
    for pair, solved in (("slow", ()), ("fast", ("k01_join", "k03_lost_update"))):
        tree = tmp_path / pair  # each pair its own checkout
        (tree / "katas").mkdir(parents=True)
        (tree / "pytest.ini").write_text(f"[pytest]\nthreadlesson_pair = {pair}\n"
                                         f"threadlesson_progress_file = {room}\n")
        for kata in ("k01_join", "k03_lost_update"):
            shutil.copy(repo / "katas" / f"test_{kata}.py", tree / "katas")
            folder = "solutions" if kata in solved else "katas"
            shutil.copy(repo / folder / f"{kata}.py", tree / "katas")
        done = _pair_run(tree, FEW, "katas/")
        assert "katas solved" in done.stdout, done.stdout + done.stderr
    (room / "notes.json").write_text('{"hello": 1}')
    shown = subprocess.run([sys.executable, "-m", "pytest_threadlesson.room", str(room)],
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == "threadlesson room: 2 pairs", lines
    assert re.fullmatch(rf"  fast   2/{TOTAL}  on k02_start_not_run since \d\d:\d\d, "
                        r"not solved yet  last run \d\d:\d\d", lines[1]), lines
    assert re.fullmatch(rf"  slow   0/{TOTAL}  on k01_join since \d\d:\d\d, red \(race\)"
                        r"  last run \d\d:\d\d", lines[2]), lines
    assert len(lines) == 3, lines
    assert "skipped" in shown.stderr and "notes.json" in shown.stderr
    nothing = subprocess.run([sys.executable, "-m", "pytest_threadlesson.room",
                              str(tmp_path / "nowhere")], capture_output=True, text=True,
                             timeout=60)
    assert nothing.returncode == 1 and "no such file or folder" in nothing.stderr
