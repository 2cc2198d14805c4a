"""Settings: one frozen object per session, precedence marker > command line > ini >
default; the options and ini keys that feed it, with their help; every bad value is a
usage error in the learner's terms, naming where it came from."""

from __future__ import annotations

import os
import random
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ..curriculum import catalogue as kt
from ..defaults import (
    DEFAULT_DEADLOCK_TIMEOUT,
    DEFAULT_LEAK_GRACE,
    DEFAULT_SCHEDULES,
    DEFAULT_STRATEGY,
    STRATEGIES,
)
from ..engine.ignore import IgnoreRule, parse_all

HELP = {
    "seed": "session seed for schedule exploration: a number, 'random' (default) or "
            "'last' to replay the previous session's seed",
    "schedules": f"schedules `contention.explore` tries per scenario (default "
                 f"{DEFAULT_SCHEDULES})",
    "strategy": f"scheduling strategy for explore: {', '.join(STRATEGIES)} (default "
                f"{DEFAULT_STRATEGY})",
    "instrument": "instrument threading primitives (deadlock detection) for every test, "
                  "not only those marked threadlesson (default false)",
    "leak_check": "fail every test that leaves a thread running (default false; always on "
                  "for katas and tests marked threadlesson)",
    "leak_grace": "seconds a thread may take to finish after its test before it counts as "
                  f"leaked (default {DEFAULT_LEAK_GRACE:g})",
    "leak_ignore": "threads that may outlive a test, one rule a line: target:GLOB (its "
                   "target function, module.qualname), name:GLOB (its name) or stack:GLOB "
                   "(a function module.qualname on its current stack)",
    "deadlock_timeout": "backstop, in seconds, for blocking the plugin cannot see (a busy "
                        "loop, a C call): report every thread and unwind (default "
                        f"{DEFAULT_DEADLOCK_TIMEOUT:g})",
    "pair": "this pair's name in the progress line and the progress file (default: the "
            "host name)",
    "progress_file": "after every kata run, write this pair's progress as one JSON record "
                     "to this file (or to PAIR.json in this folder), for a dojo's facilitator "
                     "(python -m pytest_threadlesson.room reads them)",
    "html": "write a self-contained HTML page per failing test into this folder (one "
            "swimlane per thread, for a projector), with an index.html",
}

MARKERS = (
    "threadlesson: instrument this test's threads: deadlocks, leaked threads and exceptions "
    "in threads fail it; keywords: dropped_exceptions_ok=True (failing futures nobody asks "
    "are meant), leak_ignore=[rules] (threads meant to outlive the test)",
    "deadlock_timeout(seconds): backstop for blocking the plugin cannot see; on expiry "
    "report every thread and unwind",
)

# The settings an ini key may also give: (name, kind of value, default).
_INI_SETTINGS = (
    ("schedules", "count", DEFAULT_SCHEDULES),
    ("strategy", "strategy", DEFAULT_STRATEGY),
    ("instrument", "bool", False),
    ("leak_check", "bool", False),
    ("leak_grace", "seconds", DEFAULT_LEAK_GRACE),
    ("deadlock_timeout", "seconds", DEFAULT_DEADLOCK_TIMEOUT),
)


@dataclass(frozen=True)
class Settings:
    seed: int
    schedules: int = DEFAULT_SCHEDULES
    strategy: str = DEFAULT_STRATEGY
    instrument: bool = False
    leak_check: bool = False
    leak_grace: float = DEFAULT_LEAK_GRACE
    leak_ignore: tuple[IgnoreRule, ...] = ()
    deadlock_timeout: float = DEFAULT_DEADLOCK_TIMEOUT
    solutions: bool = False
    hints: str | None = None
    full_reports: bool = False
    kata_files: dict[str, Path] = field(default_factory=dict)
    seed_source: str = "random"
    html: Path | None = None  # the folder for the pages of --threadlesson-html
    pair: str = "pair"  # the name in the progress line and file
    progress_file: Path | None = None  # a facilitator's copy of the progress
    show_progress: bool = False  # --threadlesson-progress: print it, run nothing


settings_key = pytest.StashKey[Settings]()


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("threadlesson", "threadlesson: concurrency bugs, every time")
    group.addoption("--threadlesson-seed", dest="threadlesson_seed", default=None,
                    metavar="N|last|random", help=HELP["seed"])
    for name, metavar in (("schedules", "N"), ("strategy", "NAME"),
                          ("leak_grace", "SECONDS"), ("deadlock_timeout", "SECONDS")):
        group.addoption(f"--threadlesson-{name.replace('_', '-')}", dest=f"threadlesson_{name}",
                        default=None, metavar=metavar, help=HELP[name])
    group.addoption("--threadlesson-solutions", dest="threadlesson_solutions",
                    action="store_true", default=False,
                    help="run the kata tests against solutions/ (for facilitators and "
                         "our own checks), not against your katas/")
    group.addoption("--threadlesson-hints", dest="threadlesson_hints", nargs="?",
                    const="next", default=None, choices=("next", "reset"),
                    help="show the next hint for each failing kata ('reset' starts over)")
    group.addoption("--threadlesson-full", dest="threadlesson_full", action="store_true",
                    default=False,
                    help="show every failing kata's report in full, not only the first")
    group.addoption("--threadlesson-kata-file", dest="threadlesson_kata_file",
                    action="append", default=None, metavar="KATA=PATH",
                    help="load kata KATA from PATH (to try a variant against the kata's "
                         "tests)")
    group.addoption("--threadlesson-html", dest="threadlesson_html", default=None,
                    metavar="DIR", help=HELP["html"])
    for name, _, _ in _INI_SETTINGS:
        parser.addini(f"threadlesson_{name}", HELP[name], type="string", default="")
    parser.addini("threadlesson_leak_ignore", HELP["leak_ignore"], type="linelist",
                  default=[])
    parser.addini("threadlesson_html", HELP["html"], type="string", default="")
    group.addoption("--threadlesson-progress", dest="threadlesson_progress",
                    action="store_true", default=False,
                    help="print this checkout's kata progress in one line and exit")
    for name, metavar in (("pair", "NAME"), ("progress_file", "PATH")):
        group.addoption(f"--threadlesson-{name.replace('_', '-')}", dest=f"threadlesson_{name}",
                        default=None, metavar=metavar, help=HELP[name])
        parser.addini(f"threadlesson_{name}", HELP[name], type="string", default="")


def parse(raw: Any, kind: str, source: str) -> Any:
    """`raw` read as a `kind` of value; a usage error naming `source` if it is not one."""
    text = str(raw).strip()
    try:
        if kind == "count":
            value = int(text)
            if value < 1:
                raise ValueError
            return value
        if kind == "seconds":
            seconds = float(text)
            if seconds < 0 or seconds != seconds:
                raise ValueError
            return seconds
        if kind == "bool":
            lowered = text.lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off", ""):
                return False
            raise ValueError
        if kind == "strategy":
            if text not in STRATEGIES:
                raise ValueError
            return text
    except ValueError:
        pass
    expected = {
        "count": "a whole number of at least 1",
        "seconds": "a number of seconds, 0 or more",
        "bool": "true or false",
        "strategy": f"one of {', '.join(STRATEGIES)}",
    }[kind]
    raise pytest.UsageError(f"threadlesson: {source} is {text!r}: expected {expected}")


def _setting(config: pytest.Config, name: str, kind: str, default: Any) -> Any:
    cli = getattr(config.option, f"threadlesson_{name}", None)
    if cli is not None:
        return parse(cli, kind, f"--threadlesson-{name.replace('_', '-')} (command line)")
    ini = config.getini(f"threadlesson_{name}")
    if ini not in (None, "", []):
        where = config.inipath.name if config.inipath else "ini file"
        return parse(ini, kind, f"threadlesson_{name} in {where}")
    return default


def _seed(config: pytest.Config) -> tuple[int, str]:
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and "threadlesson_seed" in workerinput:
        return int(workerinput["threadlesson_seed"]), "controller"
    raw = config.option.threadlesson_seed
    if raw in (None, "random"):
        return random.Random().randrange(10**6), "random"
    if raw == "last":
        cache = getattr(config, "cache", None)
        cached = cache.get("threadlesson/seed", None) if cache is not None else None
        if cached is None:
            raise pytest.UsageError("threadlesson: --threadlesson-seed=last, but no previous "
                                    "session left a seed in pytest's cache")
        return int(cached), "last"
    try:
        return int(raw), "given"
    except ValueError:
        raise pytest.UsageError(f"threadlesson: --threadlesson-seed (command line) is {raw!r}: "
                                "expected a whole number, 'random' or 'last'")


def _kata_files(config: pytest.Config) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for entry in config.option.threadlesson_kata_file or ():
        kata, sep, path = entry.partition("=")
        if not sep or not kt.is_kata_name(kata):
            raise pytest.UsageError(f"threadlesson: --threadlesson-kata-file={entry!r}: expected "
                                    "KATA=PATH, for example k03_lost_update=my_fix.py")
        file = Path(path)
        if not file.is_absolute():
            file = Path(config.invocation_params.dir) / file
        if not file.is_file():
            raise pytest.UsageError(f"threadlesson: --threadlesson-kata-file: no file {path!r}")
        files[kata] = file
    return files


def _leak_ignore(config: pytest.Config) -> tuple[IgnoreRule, ...]:
    lines = config.getini("threadlesson_leak_ignore") or []
    try:
        return parse_all(lines)
    except ValueError as error:
        where = config.inipath.name if config.inipath else "ini file"
        raise pytest.UsageError(f"threadlesson: threadlesson_leak_ignore in {where}: {error}")


def _html(config: pytest.Config) -> Path | None:
    """The folder for the pages: from the command line relative to where pytest was
    started, from the ini file relative to that file's folder."""
    given = _given(config, "html")
    if given is None:
        return None
    raw, source, base = given
    text = raw.strip()
    problem = _html_problem(base / text) if text else "expected a folder to write the pages into"
    if problem:
        raise pytest.UsageError(f"threadlesson: {source} is {text!r}: {problem}")
    return base / text


def _html_problem(folder: Path) -> str:
    """Why the pages cannot be written in `folder` (made when the first page is), or ''."""
    if folder.exists() and not folder.is_dir():
        return "that is a file, not a folder"
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is None or not existing.is_dir():
        return f"cannot make a folder there ({existing} is not a folder)"
    if not os.access(existing, os.W_OK):
        return f"cannot write there ({existing} is not writable)"
    return ""


def _given(config: pytest.Config, name: str) -> tuple[str, str, Path] | None:
    """A setting's raw text, where it came from, and the folder a relative path in it is
    relative to (the command line's: where pytest was run; the ini file's: its folder)."""
    cli = getattr(config.option, f"threadlesson_{name}", None)
    if cli is not None:
        return (str(cli), f"--threadlesson-{name.replace('_', '-')} (command line)",
                Path(config.invocation_params.dir))
    ini = str(config.getini(f"threadlesson_{name}") or "")
    if not ini.strip():
        return None
    where = config.inipath.name if config.inipath else "ini file"
    base = config.inipath.parent if config.inipath else config.rootpath
    return ini, f"threadlesson_{name} in {where}", base


def _pair(config: pytest.Config) -> str:
    given = _given(config, "pair")
    if given is None:
        return socket.gethostname().split(".")[0] or "pair"
    name, source, _ = given
    name = name.strip()
    if not name or len(name) > 60 or not name.isprintable() or "/" in name or "\\" in name \
            or name.startswith("."):
        raise pytest.UsageError(f"threadlesson: {source} is {name!r}: expected a name of up "
                                "to 60 printable characters, no slash (it names a file)")
    return name


def _progress_file(config: pytest.Config) -> Path | None:
    given = _given(config, "progress_file")
    if given is None:
        return None
    text, source, base = given
    path = base / text.strip()
    if not text.strip() or not path.parent.is_dir():
        raise pytest.UsageError(f"threadlesson: {source} is {text.strip()!r}: expected a file "
                                "(or a folder) in a folder that exists")
    return path


def make_settings(config: pytest.Config) -> Settings:
    seed, source = _seed(config)
    return Settings(
        seed=seed,
        seed_source=source,
        **{name: _setting(config, name, kind, default) for name, kind, default in _INI_SETTINGS},
        leak_ignore=_leak_ignore(config),
        solutions=bool(config.option.threadlesson_solutions),
        hints=config.option.threadlesson_hints,
        full_reports=bool(config.option.threadlesson_full),
        kata_files=_kata_files(config),
        html=_html(config),
        pair=_pair(config),
        progress_file=_progress_file(config),
        show_progress=bool(config.option.threadlesson_progress),
    )


def deadlock_timeout(item: pytest.Item) -> float:
    """The backstop's seconds for `item`: its marker's, else the session's."""
    marker = item.get_closest_marker("deadlock_timeout")
    if marker is not None:
        if len(marker.args) != 1 or marker.kwargs:
            raise pytest.UsageError(
                f"threadlesson: @pytest.mark.deadlock_timeout on {item.nodeid}: "
                "expected one number of seconds, e.g. deadlock_timeout(2)")
        return float(parse(marker.args[0], "seconds",
                           f"deadlock_timeout marker on {item.nodeid}"))
    return item.config.stash[settings_key].deadlock_timeout


def header(s: Settings) -> list[str]:
    """The lines of pytest's header: the seed to replay with, and the mode."""
    lines = [f"threadlesson: seed {s.seed} (replay with --threadlesson-seed={s.seed}), "
             f"{s.schedules} schedules per scenario, strategy {s.strategy}"]
    if s.solutions:
        lines.append("threadlesson: SOLUTIONS MODE: kata tests run against solutions/, "
                     "not your katas/ (this is not your progress)")
    for kata, path in s.kata_files.items():
        lines.append(f"threadlesson: {kata} loaded from {path}")
    return lines
