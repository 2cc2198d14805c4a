"""The plugin's entry point (`pytest11: threadlesson`): the session-wide hooks, each a few
lines that read settings and hand over to `glue/` (settings, the per-test protocol, the
fixtures, the kata summary). The engine (`engine/`) knows nothing of pytest; it loads only
when a test needs it."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from .curriculum import catalogue as kt
from .curriculum.progress import Progress
from .engine import starts
from .engine.kick import main_thread_kick
from .glue import summary
from .glue.activation import item_facts, scan
from .glue.fixtures import contention, no_leaked_threads
from .glue.lazy import lazy_modules
from .glue.settings import (
    MARKERS,
    add_options,
    deadlock_timeout,
    header,
    make_settings,
    settings_key,
)

if TYPE_CHECKING:
    from .engine import leaks
    from .glue import commands, learner, per_test, pictures
else:  # loaded when a test, an option or xdist needs them (BENCHMARKS.md section 5)
    lazy_modules(globals(), leaks="engine.leaks", commands="glue.commands",
                 learner="glue.learner", per_test="glue.per_test", pictures="glue.pictures")

__all__ = ["contention", "no_leaked_threads"]


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    settings = config.stash[settings_key] = make_settings(config)
    cache = getattr(config, "cache", None)
    if cache is not None and not hasattr(config, "workerinput") and not settings.show_progress:
        cache.set("threadlesson/seed", settings.seed)
    kt.install_finder([config.rootpath / ("solutions" if settings.solutions else "katas")],
                      settings.kata_files)
    config.add_cleanup(kt.uninstall_finder)
    starts.install()
    config.add_cleanup(starts.restore)
    config.stash[summary.progress_key] = Progress()
    config.stash[summary.interrupted_key] = []
    if settings.html is not None:  # the index and where it is (pictures load only then)
        pictures.install(config, settings.html)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker explores with the controller's seed, and prints the
    controller's commands."""
    node.workerinput["threadlesson_seed"] = node.config.stash[settings_key].seed
    node.workerinput.update(commands.for_workers(node.config))


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> int | None:
    """`--threadlesson-progress`: the remembered progress in one line, and no test run
    (configured and unconfigured around it, as pytest's `--markers` is)."""
    if not config.option.threadlesson_progress:
        return None
    config._do_configure()
    try:
        print(learner.progress_line(config), flush=True)
    finally:
        config._ensure_unconfigure()
    return 0


def pytest_report_header(config: pytest.Config) -> list[str]:
    return header(config.stash[settings_key])


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    """Katas run in curriculum order, whatever the file system or a shuffler says; and a
    bad deadlock_timeout marker stops the run before any test, naming the test."""
    found = scan(items, config.stash[settings_key])
    for item in found.timeouts:
        deadlock_timeout(item)
    if found.hooked and not config.pluginmanager.has_plugin("threadlesson-per-test"):
        config.pluginmanager.register(importlib.import_module(".glue.per_test", __package__),
                                      "threadlesson-per-test")
    if found.katas:
        summary.watch_kata_reports(config)
        _in_curriculum_order(items, found.katas)


def _in_curriculum_order(items: list[pytest.Item], positions: list[int]) -> None:
    """Reorder the kata tests at `positions` among themselves; the others stay put."""
    in_order = sorted((items[i] for i in positions),
                      key=lambda it: kt.order_key(item_facts(it).kata or ""))
    for pos, item in zip(positions, in_order, strict=True):
        items[pos] = item


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_make_collect_report(
        collector: pytest.Collector) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    """A kata's tests are counted here, innermost, before `--lf` filters the list."""
    report = yield
    summary.count_kata_tests(collector, report)
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    if session.config.pluginmanager.has_plugin("dsession"):  # the xdist controller
        summary.watch_kata_reports(session.config)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if "pytest_threadlesson.engine.primitives" in sys.modules:  # else nothing to clean up
        leaks.set_exit_status(int(exitstatus))
        per_test.stop_what_is_left()


def pytest_unconfigure(config: pytest.Config) -> None:
    main_thread_kick.restore()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter: Any, exitstatus: int,
                            config: pytest.Config) -> Iterator[None]:
    """Focus: full reports for the first red kata only; then progress and hints."""
    progress = config.stash[summary.progress_key]
    yield from summary.focused(terminalreporter, progress)
    summary.write_interrupted(terminalreporter, config)
    if progress.status:
        summary.kata_summary(terminalreporter, config, progress, exitstatus)
