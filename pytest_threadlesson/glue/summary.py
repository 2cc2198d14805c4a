"""The end of the run for a learner: the first red kata's report in full and the others one
line each, where the threads were at Ctrl-C, progress, the next kata and hints. Progress
comes from the reports (on the xdist controller too: logreport runs there)."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from ..curriculum import catalogue as kt
from ..curriculum.progress import NOT_JUDGED, Progress, Verdict
from .activation import kata_of_file
from .lazy import lazy_modules
from .settings import settings_key

if TYPE_CHECKING:
    from .. import report as _report
    from ..curriculum import record
    from ..curriculum.record import Remembered
    from ..diagnosis import Diagnosis
    from ..engine import waits
    from . import commands, learner
else:  # the end of a kata run needs these; other suites never load them
    lazy_modules(globals(), _report="report", record="curriculum.record",
                 commands="glue.commands", learner="glue.learner")

progress_key = pytest.StashKey[Progress]()
# kata -> the node ids of its tests found when its test file was collected, and of the
# collectors in it (test classes) not collected yet: while one is, the count is unknown.
counts_key = pytest.StashKey[dict[str, tuple[set[str], set[str]]]]()
# Reports of the tests that Ctrl-C interrupted, shown at the end of the run.
interrupted_key = pytest.StashKey[list[tuple[str, "waits.DeadlockReport"]]]()


def kata_of_report(rep: pytest.TestReport | pytest.CollectReport) -> str | None:
    return kata_of_file(rep.nodeid.split("::", 1)[0])


def explanation(kata: str, diagnosis: Diagnosis | None) -> str:
    """The section under a red kata's report: what this kind of bug is."""
    data = kt.lesson(kata)
    # The bug-class story is the kata's own only when this is the kata's own bug; an
    # endless loop or a typo in k03 is not a lost update. A wrong fix the trace shows
    # (engine/story.py) comes first; its story replaces the kata's when that one would
    # tell what did not happen (a timed wait does not wait forever).
    from ..engine.story import stories

    story = data.explanation if diagnosis == data.diagnosis else ""
    told = stories.take(str(diagnosis) if diagnosis is not None else None)
    what = _report.what_went_wrong(diagnosis)
    if told is not None:
        story = told.text + (f"\n\n{story}" if story and told.keeps_kata_story else "")
        what = what if told.keeps_kata_story else ""
    return _report.render_explanation(kata, data.title, diagnosis, what, story)


class KataReports:
    """Progress from the reports of kata tests; registered only when katas were collected
    here, or reports come from xdist workers (whose collection the controller never
    sees), so that other suites pay no call per report."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        kata = kata_of_report(report)
        if kata is not None:
            full = self.config.stash[settings_key].full_reports
            self.config.stash[progress_key].record(kata, report, full)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """On the xdist controller: a worker could not load a kata's test file."""
        collection_error(self.config, report)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item,
                                  call: pytest.CallInfo[None]
                                  ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        rep = yield
        count = kata_tests(item)
        if count is not None:  # an attribute: it crosses to the xdist controller
            rep.threadlesson_kata_tests = count  # type: ignore[attr-defined]
        return rep


def count_kata_tests(collector: pytest.Collector, report: pytest.CollectReport) -> None:
    """Count a kata's tests where its test file is collected, before anything (a node id,
    `-k`, `--lf`) picks some of them: the run proves a kata only if it ran them all."""
    if not isinstance(collector, (pytest.Module, pytest.Class)):
        return
    kata = kata_of_file(str(collector.path))
    if kata is None:
        return
    if report.failed:
        collection_error(collector.config, report)
        return
    tests, pending = collector.config.stash.setdefault(counts_key, {}).setdefault(
        kata, (set(), set()))
    pending.discard(collector.nodeid)
    for child in report.result:
        if isinstance(child, pytest.Function):
            tests.add(child.nodeid)
        elif isinstance(child, pytest.Collector):
            pending.add(child.nodeid)


def collection_error(config: pytest.Config, report: pytest.CollectReport) -> None:
    kata = kata_of_report(report)
    if kata is not None and report.failed:
        config.stash[progress_key].record_collection_error(kata, report.nodeid)


def kata_tests(item: pytest.Item) -> int | None:
    """How many tests the kata of `item` has, if `item` is one of them and all are known."""
    kata = kata_of_file(str(item.path))
    found = item.config.stash.get(counts_key, {}).get(kata or "")
    if found is None or found[1] or item.nodeid not in found[0]:
        return None
    return len(found[0])


def watch_kata_reports(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("threadlesson-kata-reports"):
        config.pluginmanager.register(KataReports(config), "threadlesson-kata-reports")


def focused(tr: Any, progress: Progress) -> Iterator[None]:
    """While pytest writes its failure reports: only the focus kata's in full (`yield from`
    it in the terminal-summary wrapper)."""
    failed = tr.stats.get("failed", [])
    errors = tr.stats.get("error", [])
    hidden = [r for r in progress.hidden if kata_of_report(r) != progress.focus]
    if hidden:
        tr.stats["failed"] = [r for r in failed if r not in hidden]
        if errors:  # a leak is found in teardown: its report is an error
            tr.stats["error"] = [r for r in errors if r not in hidden]
    try:
        yield
    finally:
        if hidden:
            tr.stats["failed"] = failed
            if errors:
                tr.stats["error"] = errors


def write_interrupted(tr: Any, config: pytest.Config) -> None:
    reports = config.stash[interrupted_key]
    for nodeid, report in reports:
        tr.write_sep("-", "threadlesson: where the threads were at Ctrl-C")
        tr.write_line(nodeid)
        tr.write_line(report.render())
    reports.clear()


def kata_summary(tr: Any, config: pytest.Config, progress: Progress,
                 exitstatus: int = 0) -> None:
    """The closing summary: what this run proved, the score, the next kata, hints."""
    settings = config.stash[settings_key]
    verdicts = progress.verdicts(exitstatus == pytest.ExitCode.INTERRUPTED)
    hints, shown = ([], None) if settings.hints is None else \
        _hints(config, progress, settings.hints == "reset")
    remembered, problem = learner.after_run(config, progress, verdicts, shown)
    unjudged = [v for v in verdicts.values() if v.state == NOT_JUDGED]
    solved = remembered.solved()
    if config.get_verbosity() < 0:
        for text, style in hints:
            tr.write_line(text, **style)
        tr.write_line(_quiet_line(config, remembered, unjudged))
        if problem:
            tr.write_line(problem, red=True)
        return
    tr.write_sep("=", "threadlesson: katas", bold=True)
    if settings.solutions:
        tr.write_line("SOLUTIONS MODE: these results are the reference solutions', not yours.",
                      yellow=True, bold=True)
    _red_katas(tr, progress, settings.full_reports)
    for verdict in unjudged:
        tr.write_line(verdict.describe(), yellow=True)
    for text, style in hints:
        tr.write_line(text, **style)
    where = f": {kt.compact(solved)}" if solved else ""
    tr.write_line(f"{len(solved)}/{len(kt.CORE_KATAS)} katas solved{where}", green=bool(solved))
    if remembered.stretch():
        tr.write_line(f"stretch: {', '.join(remembered.stretch())}")
    if problem:
        tr.write_line(problem, red=True)
    _next(tr, config, progress, remembered)


def _quiet_line(config: pytest.Config, remembered: Remembered,
                unjudged: list[Verdict]) -> str:
    settings = config.stash[settings_key]
    mode = " (solutions mode: not your progress)" if settings.solutions else ""
    line = (f"threadlesson: {len(remembered.solved())}/{len(kt.CORE_KATAS)} katas solved"
            f"{mode}")
    if remembered.stretch():
        line += f"; stretch: {', '.join(remembered.stretch())}"
    for verdict in unjudged:
        line += f"; {verdict.describe()}"
    if remembered.now is not None:
        line += f"; next: {remembered.now} ({run_kata(config, remembered.now)})"
    return line


def kata_test_file(config: pytest.Config, kata: str) -> str:
    """The path of `kata`'s test file, as a printed command gives it: beside the kata
    test files this run saw (katas/ under the rootdir if it saw none)."""
    progress = config.stash[progress_key]
    folder = config.rootpath / "katas"
    for tests in progress.tests.values():
        for nodeid in tests:
            folder = (config.rootpath / nodeid.split("::", 1)[0]).parent
            break
    return commands.file_arg(config, folder / f"test_{kata}.py")


def run_kata(config: pytest.Config, kata: str, *more: str) -> str:
    """`.venv/bin/pytest katas/test_k01_join.py`, with `more` arguments."""
    path = kata_test_file(config, kata)
    return commands.pytest_command(config, path, *more)


def _next(tr: Any, config: pytest.Config, progress: Progress, remembered: Remembered) -> None:
    nxt = remembered.now
    if nxt is None:
        tr.write_line("every kata is solved, the stretch katas too. Well done!",
                      green=True, bold=True)
        return
    if nxt in record.STRETCH_KATAS:
        tr.write_line(f"all {len(kt.CORE_KATAS)} core katas are solved. Well done! "
                      "The stretch katas wait for you:", green=True, bold=True)
    label = "next (stretch)" if nxt in record.STRETCH_KATAS else "next"
    tr.write_line(f'{label}: {nxt}, "{kt.lesson(nxt).title}"', bold=True)
    tr.write_line(f"  run only it:  {run_kata(config, nxt)}")
    tr.write_line(f"  get a hint:   {run_kata(config, nxt, '--threadlesson-hints')}")


def _red_katas(tr: Any, progress: Progress, full: bool) -> None:
    if progress.focus is not None:
        diagnosis = progress.diagnosis.get(progress.focus, "failed")
        tr.write_line(f"{progress.focus}: {diagnosis} (the report above)", red=True, bold=True)
    others = [k for k in progress.red() if k != progress.focus]
    if others and not full:
        tr.write_line("other red katas, one line each (--threadlesson-full shows every report):")
        for kata in others:
            tr.write_line(f"  {kata}: {progress.diagnosis.get(kata, 'failed')}", red=True)


def lesson_pointer(config: pytest.Config, kata: str) -> str:
    """`the lesson: docs/lessons/2-races.md, section "Lost updates"` (the page from where
    pytest was run: the catalogue gives it from the repository's top, the rootdir)."""
    data = kt.lesson(kata)
    if not data.page:
        return ""
    section = f', section "{data.section}"' if data.section else ""
    return f"the lesson: {commands.file_arg(config, config.rootpath / data.page)}{section}"


Lines = list[tuple[str, dict[str, bool]]]  # text, and how to write it


def _hints(config: pytest.Config, progress: Progress, reset: bool) -> tuple[Lines, dict[str, int]]:
    """The next hint for each red kata of this run, and the hint levels shown after it."""
    shown = {} if reset else dict(learner.load(config).hints)
    lines: Lines = []
    red = progress.red()
    if not red:
        lines.append(("no hints: every kata that ran is green.", {}))
    strong = {"yellow": True, "bold": True}
    for kata in red:
        hints = kt.lesson(kata).hints
        if not hints:
            continue
        total, level = len(hints), shown.get(kata, 0) + 1
        lesson = lesson_pointer(config, kata)
        if level > total:
            lines.append((f"no more hints for {kata}: that was the last ({total}/{total})"
                          + (f"; {lesson}" if lesson else ""), strong))
            continue
        shown[kata] = level
        lines.append((f"hint {level}/{total} for {kata}:", strong))
        lines.extend((line, {}) for line in _report.wrap(hints[level - 1], indent="  "))
        if level < total:
            again = run_kata(config, kata, "--threadlesson-hints")
            lines.append((f"  (ask again for the next hint: {again})", {}))
        elif lesson:
            lines.append((f"  that was the last hint; {lesson}", {}))
    return lines, shown
