"""The end of the run for a learner: the first red kata's report in full and the others one
line each, where the threads were at Ctrl-C, progress, the next kata and hints. Progress
comes from the reports (on the xdist controller too: logreport runs there)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from ..curriculum import catalogue as kt
from ..curriculum.progress import Progress
from .activation import kata_of_file
from .lazy import lazy_modules
from .settings import settings_key

if TYPE_CHECKING:
    from .. import report as _report
    from ..diagnosis import Diagnosis
    from ..engine import waits
else:
    lazy_modules(globals(), _report="report")

progress_key = pytest.StashKey[Progress]()
# Reports of the tests that Ctrl-C interrupted, shown at the end of the run.
interrupted_key = pytest.StashKey[list[tuple[str, "waits.DeadlockReport"]]]()


def kata_of_report(rep: pytest.TestReport) -> str | None:
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


def kata_summary(tr: Any, config: pytest.Config, progress: Progress) -> None:
    settings = config.stash[settings_key]
    cache = getattr(config, "cache", None)
    practice = not settings.solutions and not settings.kata_files
    known: dict[str, str] = {}
    if cache is not None:
        known = dict(cache.get("threadlesson/progress", {}) or {})
    known.update(progress.status)
    if cache is not None and practice and getattr(config, "workerinput", None) is None:
        cache.set("threadlesson/progress", known)
    if not practice:
        known = dict(progress.status)
    solved = [k for k in kt.CORE_KATAS if known.get(k) == "solved"]
    nxt = kt.next_kata(known)
    run_file = f"pytest katas/test_{nxt}.py" if nxt else ""
    if config.get_verbosity() < 0:
        if settings.hints is not None:
            _show_hints(tr, config, progress, settings.hints == "reset")
        mode = " (solutions mode: not your progress)" if settings.solutions else ""
        line = f"threadlesson: {len(solved)}/{len(kt.CORE_KATAS)} katas solved{mode}"
        if nxt:
            line += f"; next: {nxt} ({run_file})"
        tr.write_line(line)
        return
    tr.write_sep("=", "threadlesson: katas", bold=True)
    if settings.solutions:
        tr.write_line("SOLUTIONS MODE: these results are the reference solutions', not yours.",
                      yellow=True, bold=True)
    _red_katas(tr, progress, settings.full_reports)
    if settings.hints is not None:
        _show_hints(tr, config, progress, settings.hints == "reset")
    where = f": {kt.compact(solved)}" if solved else ""
    tr.write_line(f"{len(solved)}/{len(kt.CORE_KATAS)} katas solved{where}", green=bool(solved))
    if nxt is None:
        tr.write_line("every kata is solved. Well done! Try the stretch katas k21 and k22.",
                      green=True, bold=True)
        return
    tr.write_line(f'next: {nxt}, "{kt.lesson(nxt).title}"', bold=True)
    tr.write_line(f"  run only it:  {run_file}")
    tr.write_line(f"  get a hint:   {run_file} --threadlesson-hints")


def _red_katas(tr: Any, progress: Progress, full: bool) -> None:
    if progress.focus is not None:
        diagnosis = progress.diagnosis.get(progress.focus, "failed")
        tr.write_line(f"{progress.focus}: {diagnosis} (the report above)", red=True, bold=True)
    others = [k for k in progress.red() if k != progress.focus]
    if others and not full:
        tr.write_line("other red katas, one line each (--threadlesson-full shows every report):")
        for kata in others:
            tr.write_line(f"  {kata}: {progress.diagnosis.get(kata, 'failed')}", red=True)


def _show_hints(tr: Any, config: pytest.Config, progress: Progress, reset: bool) -> None:
    cache = getattr(config, "cache", None)
    shown: dict[str, int] = {}
    if cache is not None and not reset:
        shown = dict(cache.get("threadlesson/hints", {}) or {})
    red = progress.red()
    if not red:
        tr.write_line("no hints: every kata that ran is green.")
    for kata in red:
        hint = kt.next_hint(kata, shown.get(kata, 0))
        if hint is None:
            continue
        level, text = hint
        shown[kata] = level
        total = len(kt.lesson(kata).hints)
        tr.write_line(f"hint {level}/{total} for {kata}:", yellow=True, bold=True)
        for line in _report.wrap(text, indent="  "):
            tr.write_line(line)
        if level < total:
            tr.write_line("  (ask again for the next hint)")
    if cache is not None:
        cache.set("threadlesson/hints", shown)
