"""Every command the plugin prints works when pasted as printed: the summary's "run only
it" and "get a hint", the hint's "ask again", a race report's "replay". The learner of the
README runs `.venv/bin/pytest` with no venv activated, and a bare `pytest` on their PATH
may be another one that does not know our options: the commands must name the pytest that
is running.

The end-to-end tests build the README's situation in a temporary folder: the kata tree,
`.venv` (a link to this repository's venv, whose scripts name its interpreter), and on the
PATH a `pytest` that is not ours. They run pytest through a POSIX shell, take the printed
commands from its output, and run each through the shell exactly as printed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_threadlesson.glue.commands import quote, shown_path, words_of

REPO = Path(__file__).resolve().parents[1]
VENV = Path(sys.prefix)  # this repository's venv: the one the README makes
TIMEOUT = 120


# ---------------------------------------------------------------------------------------
# How the running pytest is named


def test_a_script_run_by_its_path_is_printed_by_that_path_relative_to_here(
        tmp_path: Path) -> None:
    script = tmp_path / ".venv" / "bin" / "pytest"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    words = words_of([".venv/bin/pytest"], ["/x/python", ".venv/bin/pytest"], "/x/python",
                     str(tmp_path), which=lambda name: "/usr/bin/pytest")
    assert words == (".venv/bin/pytest",)
    # from a folder the script is not inside: its absolute path
    inner = tmp_path / "katas"
    inner.mkdir()
    words = words_of([str(script)], ["/x/python", str(script)], "/x/python", str(inner),
                     which=lambda name: None)
    assert words == (str(script),)


def test_a_script_the_path_finds_is_printed_bare(tmp_path: Path) -> None:
    script = tmp_path / "bin" / "pytest"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\n")
    words = words_of([str(script)], ["/x/python", str(script)], "/x/python", str(tmp_path),
                     which=lambda name: str(script) if name == "pytest" else None)
    assert words == ("pytest",)


@pytest.mark.parametrize(("orig_argv", "on_path", "expected"), [
    (["python3", "-m", "pytest", "x"], "/v/bin/python3", ("python3", "-m", "pytest")),
    (["python3", "-m", "pytest"], "/usr/bin/python3", ("/v/bin/python3", "-m", "pytest")),
    (["/v/bin/python3", "-mpytest", "--basetemp=b"], None, ("/v/bin/python3", "-m", "pytest")),
    (["/v/bin/python3", "-X", "dev", "-W", "error", "-m", "pytest"], None,
     ("/v/bin/python3", "-X", "dev", "-W", "error", "-m", "pytest")),
    (["/v/bin/python3", "-c", "import pytest; pytest.main()"], None,
     ("/v/bin/python3", "-m", "pytest")),
], ids=["bare-on-path", "another-on-path", "pytester", "options", "dash-c"])
def test_python_m_pytest_is_printed_with_the_interpreter_that_runs(
        orig_argv: list[str], on_path: str | None, expected: tuple[str, ...]) -> None:
    words = words_of(["/v/lib/pytest/__main__.py"], orig_argv, "/v/bin/python3", "/home",
                     which=lambda name: on_path)
    assert words == expected


def test_words_and_paths_are_quoted_for_a_posix_shell_only_where_needed() -> None:
    assert quote("katas/test_k01_join.py") == "katas/test_k01_join.py"
    assert quote("katas/test_k03.py::test_x") == '"katas/test_k03.py::test_x"'
    assert quote("a b/test_k03.py::test_x[1-3]") == '"a b/test_k03.py::test_x[1-3]"'
    assert quote("it's $HOME") == "'it'\"'\"'s $HOME'"
    assert shown_path("/home/me/katas/test_k01_join.py", "/home/me") == \
        "katas/test_k01_join.py"
    assert shown_path("/home/me/katas/test_k01_join.py", "/home/me/katas") == \
        "test_k01_join.py"
    assert shown_path("/home/me/katas/test_k01_join.py", "/elsewhere") == \
        "/home/me/katas/test_k01_join.py"


# ---------------------------------------------------------------------------------------
# The README's learner, end to end


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A learner's checkout after the README's first command: the katas, `.venv`, and a
    `pytest` on the PATH that is not ours (it fails whatever it is asked)."""
    root = tmp_path / "pytest-threadlesson"
    (root / "katas").mkdir(parents=True)
    (root / "pytest.ini").write_text("[pytest]\naddopts = -p no:randomly\n")
    for kata in ("k01_join", "k03_lost_update"):
        shutil.copy(REPO / "katas" / f"{kata}.py", root / "katas")
        shutil.copy(REPO / "katas" / f"test_{kata}.py", root / "katas")
    (root / ".venv").symlink_to(VENV)
    other = tmp_path / "other-bin"
    other.mkdir()
    (other / "pytest").write_text("#!/bin/sh\necho 'error: unrecognized arguments' >&2\n"
                                  "exit 4\n")
    (other / "pytest").chmod(0o755)
    return root


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`command` through /bin/sh, as a learner's terminal runs it."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTEST_ADDOPTS", "VIRTUAL_ENV", "PYTHONPATH")}
    other = next(p for p in cwd.parents if (p / "other-bin").is_dir()) / "other-bin"
    env["PATH"] = f"{other}{os.pathsep}/usr/bin{os.pathsep}/bin"
    return subprocess.run(["/bin/sh", "-c", command], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)


def printed(out: str, pattern: str) -> list[str]:
    """The commands `out` prints after `pattern` (a regex ending where the command starts)."""
    return [m.group(1).strip() for m in re.finditer(pattern + r"(.+)$", out, re.MULTILINE)]


def test_the_readmes_first_command_leaves_the_learner_where_every_printed_command_works(
        checkout: Path) -> None:
    first = shell(".venv/bin/pytest katas/ --threadlesson-hints", checkout)
    out = first.stdout + first.stderr
    assert first.returncode == 1, out
    run_only = printed(out, r"^  run only it:  ")
    hint = printed(out, r"^  get a hint:   ")
    again = [m.group(1) for m in re.finditer(r"^  \(ask again for the next hint: (.+)\)$",
                                             out, re.MULTILINE)]
    replay = printed(out, r"^\s*replay: ")
    assert run_only == [".venv/bin/pytest katas/test_k01_join.py"], out
    assert hint == [".venv/bin/pytest katas/test_k01_join.py --threadlesson-hints"], out
    assert ".venv/bin/pytest katas/test_k03_lost_update.py --threadlesson-hints" in again, out
    assert replay and all(r.startswith('.venv/bin/pytest "katas/test_k0') for r in replay), out

    only = shell(run_only[0], checkout)
    assert "katas/test_k01_join.py" in only.stdout and "test_k03" not in only.stdout, \
        only.stdout + only.stderr
    asked = shell(hint[0], checkout)
    assert "hint 2/3 for k01_join:" in asked.stdout, asked.stdout + asked.stderr
    for command in again:
        assert shell(command, checkout).returncode == 1  # a red kata, and no usage error
    seed = re.search(r"--threadlesson-seed=(\d+)", replay[0])
    assert seed is not None
    replayed = shell(replay[0], checkout)
    assert f"(seed {seed.group(1)})" in replayed.stdout, replayed.stdout + replayed.stderr
    # The replay prints the same command again, once. Under CI=true pytest's short summary
    # repeats a failure's whole message, so the count is taken above that summary.
    report = replayed.stdout.split("short test summary info")[0]
    assert printed(report, r"^\s*replay: ") == [replay[0]], replayed.stdout + replayed.stderr


def test_from_inside_katas_with_python_m_pytest_the_commands_still_work(
        checkout: Path) -> None:
    katas = checkout / "katas"
    first = shell("../.venv/bin/python -m pytest test_k03_lost_update.py", katas)
    out = first.stdout + first.stderr
    python = str(checkout / ".venv" / "bin" / "python")  # not inside katas/: absolute
    replay = printed(out, r"^\s*replay: ")
    assert replay and replay[0].startswith(
        f'{python} -m pytest "test_k03_lost_update.py::test_no_increment_is_lost'), out
    run_only = printed(out, r"^  run only it:  ")
    assert run_only == [f"{python} -m pytest test_k01_join.py"], out
    only = shell(run_only[0], katas)
    assert "test_k01_join.py" in only.stdout and "Usage" not in only.stderr, only.stderr
    replayed = shell(replay[0], katas)
    assert replay[0] in replayed.stdout, replayed.stdout + replayed.stderr


def test_under_xdist_the_workers_print_the_controllers_command(checkout: Path) -> None:
    first = shell(".venv/bin/pytest -n 2 katas/test_k03_lost_update.py", checkout)
    out = first.stdout + first.stderr
    replay = printed(out, r"^\s*replay: ")
    assert replay and all(r.startswith('.venv/bin/pytest "katas/') for r in replay), out
    replayed = shell(replay[0], checkout)
    assert replay[0] in replayed.stdout, replayed.stdout + replayed.stderr
