"""The learner's remembered progress, on the pytest side: read from and written to pytest's
cache, copied to a facilitator's progress file, and told in one line by
`--threadlesson-progress`. What it means lives in `curriculum.record`; this module only
moves it. Solutions mode and `--threadlesson-kata-file` runs are not the learner's: they
never change it."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ..curriculum.progress import Progress, Verdict
from ..curriculum.record import Remembered, merge_records, now_text
from .settings import Settings, settings_key

PROGRESS, HINTS, RUN = "threadlesson/progress", "threadlesson/hints", "threadlesson/run"


def load(config: pytest.Config) -> Remembered:
    cache = getattr(config, "cache", None)
    if cache is None:
        return Remembered()
    return Remembered.load(cache.get(PROGRESS, {}), cache.get(HINTS, {}), cache.get(RUN, {}))


def is_practice(config: pytest.Config) -> bool:
    """A learner's own run (on the controller, under xdist): the one kind that counts."""
    settings = config.stash[settings_key]
    return not settings.solutions and not settings.kata_files \
        and getattr(config, "workerinput", None) is None


def after_run(config: pytest.Config, progress: Progress, verdicts: dict[str, Verdict],
              hints: dict[str, int] | None = None) -> tuple[Remembered, str | None]:
    """The progress to show after this run (with the hint levels now shown, if hints were
    asked for), saved if it is the learner's; and a problem writing the progress file, if
    there was one."""
    judged = list(verdicts.values())
    if not is_practice(config):
        return Remembered().judged(judged, progress.diagnosis, now_text()), None
    learner = load(config).judged(judged, progress.diagnosis, now_text())
    if hints is not None:
        learner = replace(learner, hints=hints)
    cache = getattr(config, "cache", None)
    if cache is not None:
        cache.set(PROGRESS, learner.status)
        cache.set(HINTS, learner.hints)
        cache.set(RUN, learner.run_value())
    return learner, write_file(config.stash[settings_key], learner)


def progress_path(settings: Settings) -> Path | None:
    """The pair's progress file: the file given, or `PAIR.json` in the folder given."""
    path = settings.progress_file
    if path is not None and path.is_dir():
        return path / f"{settings.pair}.json"
    return path


def write_file(settings: Settings, learner: Remembered) -> str | None:
    """Replace the pair's record in its progress file, atomically (a temporary file in the
    same folder, renamed over it): a facilitator reading the folder never sees half a
    file. Returns what went wrong, if anything."""
    path = progress_path(settings)
    if path is None:
        return None
    existing: Any = None
    with contextlib.suppress(OSError, ValueError):
        existing = json.loads(path.read_text(encoding="utf-8"))
    content = merge_records(existing, learner.record(settings.pair))
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(json.dumps(content, indent=1) + "\n", encoding="utf-8")
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink()
        return f"threadlesson: could not write the progress file {path}: {error.strerror}"
    return None


def progress_line(config: pytest.Config) -> str:
    """`--threadlesson-progress`: this checkout's remembered progress, one line."""
    settings = config.stash[settings_key]
    if getattr(config, "cache", None) is None:
        return (f"threadlesson progress: {settings.pair}  nothing remembered: pytest's cache "
                "is off (-p no:cacheprovider)")
    return load(config).line(settings.pair)
