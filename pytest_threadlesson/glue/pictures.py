"""`--threadlesson-html=DIR`: each failing test's picture as a page of its own.

The pages are written where the test ran: under pytest-xdist each worker writes the pages of
its own tests, under names made from the node ids, so no two processes write one file. The
process that sees every report (pytest's own, or xdist's controller: the name of each page
crosses to it on the report, as the attribute `threadlesson_page`) writes the run's
`index.html` and says at the end of the run where it is.

A test can fail twice (its call, then a thread that outlived it, at teardown): its page
is written again with both, so one page tells the whole story of one test.
"""

from __future__ import annotations

import hashlib
import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..timeline import Timeline
from .lazy import lazy_modules
from .settings import settings_key

if TYPE_CHECKING:
    from .. import free_timelines as pictured
    from .. import html_report
    from ..engine import runtime as rt
else:
    lazy_modules(globals(), pictured="free_timelines", html_report="html_report",
                 rt="engine.runtime")

PAGE_ATTR = "threadlesson_page"
found_key = pytest.StashKey[list[Timeline]]()  # the findings of a phase, not drawn yet
drawn_key = pytest.StashKey[list[Timeline]]()  # what the test's page shows so far


def page_name(nodeid: str) -> str:
    """A file name for a test's page, safe on every file system: ASCII letters, digits,
    `_` and `-` only (no dot but the extension's, so no reserved name such as `con.py...`
    on Windows), at most 97 characters, and a digest of the whole node id, so that two ids
    that read alike (or differ only in case) get two pages."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", nodeid.replace("::", "__")).strip("_-")[:80]
    digest = hashlib.sha256(nodeid.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{stem or 'test'}-{digest}.html"


def keep_timelines(item: pytest.Item, timelines: Sequence[Timeline | None]) -> None:
    """The findings of the phase that is ending, for its page (when there are pages)."""
    if item.config.stash[settings_key].html is not None:
        item.stash.setdefault(found_key, []).extend(t for t in timelines if t is not None)


def draw(item: pytest.Item, rep: pytest.TestReport,
         excinfo: pytest.ExceptionInfo[BaseException] | None, diagnosis: str | None) -> None:
    """Write (or write again) the page of `item` when `rep` is a failure: the error's own
    timeline first, then the findings of the phase. `diagnosis`: the test's, if known."""
    folder = item.config.stash[settings_key].html
    if folder is None or not rep.failed:
        return
    found = item.stash.get(found_key, [])
    item.stash[found_key] = []
    new = [*_of_error(excinfo, diagnosis), *_together(found)]
    if not new:  # the test's own error (or a finding with no picture): its text
        word = diagnosis or ("failed" if rep.when == "call" else f"error at {rep.when}")
        new = [pictured.of_text(str(word), rep.longreprtext)]
    drawn = item.stash.setdefault(drawn_key, [])
    drawn.extend(new)
    name = page_name(item.nodeid)
    try:
        _write(folder, name, html_report.render_html(drawn, title=item.nodeid))
    except OSError as error:
        warnings.warn(pytest.PytestWarning(
            f"threadlesson: could not write the page of {item.nodeid} in {folder}: {error}"),
            stacklevel=1)
        return
    # plain strings: the report crosses to xdist's controller
    setattr(rep, PAGE_ATTR, {"file": name, "diagnosis": str(drawn[0].diagnosis)})


def _of_error(excinfo: pytest.ExceptionInfo[BaseException] | None,
              diagnosis: str | None) -> list[Timeline]:
    """The timeline the phase's error carries: `contention.explore`'s failure has one, a
    deadlock raised in the test's own thread its report. Our findings' failure has none
    of its own (its findings are kept), and neither has the test's own error."""
    if excinfo is None:
        return []
    exc = excinfo.value
    timeline = getattr(exc, "timeline", None)
    if isinstance(timeline, Timeline):
        return [timeline]
    if isinstance(exc, rt.DeadlockError):
        word = "hang" if exc.report.kind == "timeout" else "deadlock"
        return [pictured.of_deadlock(exc.report, diagnosis or word, str(exc))]
    return []


def _together(found: list[Timeline]) -> list[Timeline]:
    """Exceptions in several threads as one picture, a lane each (the terminal lists them
    one by one; side by side they tell one story)."""
    groups: list[list[Timeline]] = []
    for timeline in found:
        previous = groups[-1][-1] if groups else None
        if previous is not None and timeline.diagnosis == previous.diagnosis \
                == "lost-exception" and timeline.lanes and previous.lanes:
            groups[-1].append(timeline)
        else:
            groups.append([timeline])
    return [pictured.merged(group) for group in groups]


def _write(folder: Path, name: str, text: str) -> None:
    """All at once: a browser open on the page never sees half of it."""
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{name}.{os.getpid()}.partial"
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, folder / name)


class Index:
    """The pages of the run, as their reports arrive; the index and the closing line."""

    def __init__(self, folder: Path, here: Path) -> None:
        self.folder = folder
        self.here = here
        self.pages: dict[str, tuple[str, str, str]] = {}
        self.written: Path | None = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        page: Any = getattr(report, PAGE_ATTR, None)
        if isinstance(page, dict) and report.nodeid not in self.pages:
            self.pages[report.nodeid] = (str(page["file"]), report.nodeid,
                                         str(page["diagnosis"]))

    def pytest_sessionfinish(self) -> None:
        try:
            _write(self.folder, "index.html", html_report.render_index(
                list(self.pages.values()), title="threadlesson: the failing tests of this run"))
        except OSError as error:
            warnings.warn(pytest.PytestWarning(
                f"threadlesson: could not write {self.folder / 'index.html'}: {error}"),
                stacklevel=1)
            return
        self.written = self.folder / "index.html"

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.written is not None:
            terminalreporter.write_line(closing_line(len(self.pages), self.written, self.here))


def closing_line(count: int, index: Path, here: Path) -> str:
    """Where the pages are: a path to open, relative when it is below `here`."""
    try:
        shown = str(index.resolve().relative_to(here.resolve()))
    except ValueError:
        shown = str(index.resolve())
    pages = f"{count} page{'s' if count != 1 else ''}" if count else "no page"
    return f"threadlesson: {pages} of failing tests, open {shown}"


def install(config: pytest.Config, folder: Path) -> None:
    """`--threadlesson-html=folder`: the index, in the process that sees every report (not
    in an xdist worker)."""
    if getattr(config, "workerinput", None) is None:
        config.pluginmanager.register(Index(folder, Path(config.invocation_params.dir)),
                                      "threadlesson-html")
