"""The lessons in docs/lessons/ and what points at them.

Every kata names its lesson page and a section that exists on it (the same one its lesson
data names); nothing in the repository points at a text outside it; every page teaches its
track's concepts under headings of their own; every example on the pages runs; and the
numbers docs/dojo.md states are the numbers the suite has.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO, run_pytest

from pytest_threadlesson.curriculum.catalogue import CORE_KATAS, KATA_IDS, lesson

LESSONS = REPO / "docs" / "lessons"
DOJO = REPO / "docs" / "dojo.md"
# `Lesson: docs/lessons/2-races.md, "Lost updates".` in a module docstring.
LESSON_REF = re.compile(r'Lesson: (docs/lessons/[\w.-]+\.md), "([^"\n]+)"')
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")

# The concepts each track must teach, each under a `##` heading of its own (a regular
# expression that one heading of the page must match, case-insensitively).
CONCEPTS: dict[str, dict[str, str]] = {
    "1-threads-that-run.md": {
        "starting a thread": r"starting a thread",
        "join": r"\bjoin\b",
        "start() and run()": r"start\(\).*run\(\)",
    },
    "2-races.md": {
        "the GIL and why += is not atomic": r"\bGIL\b.*\+=.*not atomic",
        "why a plain stress test rarely shows a race": r"stress test",
        "lost updates": r"lost update",
        "locks and critical sections": r"locks? and critical sections?",
        "check-then-act": r"check,? then act",
        "lazy initialisation": r"lazy init",
        "what a lock guards": r"what a lock guards",
        "iterating shared containers": r"iterating shared containers",
    },
    "3-locks-that-bite-back.md": {
        "RLock": r"\bRLock\b",
        "lock ordering and deadlock": r"lock ordering and deadlock",
        "a cycle of many locks": r"circle of locks",
        "timeouts whose False must be handled": r"timeout.*False",
    },
    "4-coordination.md": {
        "semaphores": r"semaphores",
        "condition variables and the while-loop rule": r"condition variables.*while",
        "notify vs notify_all": r"notify or notify_all",
        "lost wake-ups": r"lost wake-ups",
        "queues, task_done and join": r"queues.*task_done.*join",
        "readers and a writer": r"readers and a writer",
    },
    "5-pools-and-lifecycles.md": {
        "thread pools and futures": r"thread pools and futures",
        "futures' results and exceptions": r"futures: results and exceptions",
        "pool starvation": r"pool starvation",
        "leaked threads: stopping a worker": r"stopping a worker",
        "daemon threads and shutdown": r"daemon threads and shutdown",
        "exceptions in threads": r"exceptions nobody sees",
        "sleep is not synchronisation": r"sleep is not synchronisation",
    },
}

# Where a reference to a text outside the repository could hide, and what it looks like.
SCANNED = ("katas", "solutions", "tests/wrong_fixes", "tests/alt_solutions", "docs",
           "pytest_threadlesson", "README.md")
OUTSIDE = re.compile(r"threading-tutorial|seed/|\.\./shared|/work/|(?i:tutorial)")


def headings(page: Path) -> list[str]:
    """The `##` headings of a Markdown page (not counting lines inside code blocks)."""
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return [line[3:].strip() for line in text.splitlines() if line.startswith("## ")]


def section_text(page: Path, title: str) -> str:
    """The text of one `##` section, up to the next `##` heading."""
    text = page.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else len(text)]


def github_anchor(title: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to -."""
    kept = re.sub(r"[^\w\- ]", "", title.lower())
    return kept.replace(" ", "-")


def docstring(path: Path) -> str:
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""


def code_blocks() -> list[tuple[str, int, str]]:
    blocks = []
    for page in sorted(LESSONS.glob("*.md")):
        pythons = [m.group(2) for m in FENCE.finditer(page.read_text(encoding="utf-8"))
                   if m.group(1) == "python"]
        blocks += [(page.name, n, code) for n, code in enumerate(pythons)]
    return blocks


def scanned_files() -> list[Path]:
    files: list[Path] = []
    for name in SCANNED:
        path = REPO / name
        if path.is_file():
            files.append(path)
        else:
            files += [p for p in sorted(path.rglob("*"))
                      if p.suffix in (".py", ".md", ".txt") and "__pycache__" not in p.parts]
    return files


@pytest.mark.parametrize("kata", KATA_IDS)
def test_every_kata_names_a_lesson_section_that_exists(kata: str) -> None:
    refs = LESSON_REF.findall(docstring(REPO / "katas" / f"{kata}.py"))
    assert len(refs) == 1, f"katas/{kata}.py: its docstring must name one lesson, found {refs}"
    page, section = refs[0]
    assert (REPO / page).is_file(), f"katas/{kata}.py names {page}, which does not exist"
    assert section in headings(REPO / page), f"{page} has no section '## {section}'"
    data = lesson(kata)
    assert (data.page, data.section) == (page, section), (
        f"katas/{kata}.py names {page}, {section!r}; its lesson data says "
        f"{data.page}, {data.section!r}")


@pytest.mark.parametrize("kata", KATA_IDS)
def test_the_section_a_kata_names_says_it_practises_that_kata(kata: str) -> None:
    data = lesson(kata)
    assert f"**{kata[:3]}**" in section_text(REPO / data.page, data.section), (
        f"{data.page}, '{data.section}' does not say it is practised in {kata[:3]}")


@pytest.mark.parametrize("page", sorted(CONCEPTS))
def test_every_section_of_a_lesson_says_which_kata_practises_it(page: str) -> None:
    titles = [title for title in headings(LESSONS / page) if title != "Next"]
    silent = [title for title in titles
              if not re.search(r"Practised in [^\n]*\*\*k\d\d\*\*|Practised in every kata",
                               section_text(LESSONS / page, title))]
    assert titles and not silent, f"{page}: no 'Practised in' kata for {silent}"


@pytest.mark.parametrize("kata", KATA_IDS)
def test_a_solution_or_variant_that_names_a_lesson_names_its_katas(kata: str) -> None:
    data = lesson(kata)
    variants = [REPO / "solutions" / f"{kata}.py",
                *sorted((REPO / "tests" / "wrong_fixes").glob(f"{kata}__*.py")),
                *sorted((REPO / "tests" / "alt_solutions").glob(f"{kata}__*.py"))]
    for path in variants:
        for page, section in LESSON_REF.findall(docstring(path)):
            assert (page, section) == (data.page, data.section), path.relative_to(REPO)


def test_nothing_in_the_repository_points_at_a_text_outside_it() -> None:
    files = scanned_files()
    assert len(files) > 100, "the scan found too few files to mean anything"
    found = [f"{path.relative_to(REPO)}:{n}: {line.strip()}"
             for path in files
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if OUTSIDE.search(line)]
    assert not found, "references to texts outside the repository:\n" + "\n".join(found)


@pytest.mark.parametrize("page", sorted(CONCEPTS))
def test_each_lesson_page_teaches_its_tracks_concepts_under_headings(page: str) -> None:
    titles = headings(LESSONS / page)
    missing = [concept for concept, pattern in CONCEPTS[page].items()
               if not any(re.search(pattern, title, re.I) for title in titles)]
    assert not missing, f"{page} has no section for: {', '.join(missing)} (headings: {titles})"


def test_the_lesson_index_lists_every_page_and_every_kata() -> None:
    index = (LESSONS / "README.md").read_text(encoding="utf-8")
    for page in CONCEPTS:
        assert f"]({page}" in index, f"docs/lessons/README.md does not link {page}"
    for kata in KATA_IDS:
        assert kata in index, f"docs/lessons/README.md does not list {kata}"


def test_the_readme_links_the_lessons() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "](docs/lessons/README.md)" in readme


@pytest.mark.parametrize("page", [*sorted(p.name for p in LESSONS.glob("*.md")), "../dojo.md"])
def test_every_link_of_a_lesson_page_leads_somewhere_in_the_repository(page: str) -> None:
    source = (LESSONS / page).resolve()
    for target in LINK.findall(FENCE.sub("", source.read_text(encoding="utf-8"))):
        if re.match(r"[a-z]+:", target):
            continue  # a web address, not a path
        path_part, _, anchor = target.partition("#")
        linked = (source.parent / path_part).resolve() if path_part else source
        assert linked.is_relative_to(REPO), f"{page}: {target} leaves the repository"
        assert linked.exists(), f"{page}: {target} does not exist"
        if anchor:
            anchors = [github_anchor(h) for h in headings(linked)]
            assert anchor in anchors, f"{page}: {target}: no such section on {linked.name}"


@pytest.mark.parametrize(("page", "number", "code"), code_blocks(),
                         ids=[f"{page}-{n}" for page, n, _ in code_blocks()])
def test_every_example_of_the_lessons_runs(page: str, number: int, code: str) -> None:
    assert "sleep(" not in code, f"{page}, example {number}: a sleep is not synchronisation"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, f"{page}, example {number} failed:\n{run.stderr}"
    assert run.stdout, f"{page}, example {number} shows nothing"


def test_the_dojo_guide_states_the_suites_numbers() -> None:
    collected = run_pytest(["katas/", "--collect-only", "-q", "--threadlesson-solutions"],
                           timeout=120)
    counts = re.findall(r"^(\d+) tests? collected", collected.stdout, re.M)
    assert counts, collected.stdout[-2000:]
    text = DOJO.read_text(encoding="utf-8")
    passed = re.findall(r"(\d+) passed", text)
    assert passed and set(passed) == {counts[0]}, (
        f"docs/dojo.md says {passed} passed; the solutions run has {counts[0]} kata tests")
    solved_of = re.findall(r"\d+/(\d+)(?: katas)? solved", text)
    assert solved_of and set(solved_of) == {str(len(CORE_KATAS))}, solved_of
    words = {20: "twenty", 22: "twenty-two", 2: "two"}
    stretch = len(KATA_IDS) - len(CORE_KATAS)
    assert f"{words[len(CORE_KATAS)]} core katas" in text
    assert f"{words[stretch]} stretch katas" in text
