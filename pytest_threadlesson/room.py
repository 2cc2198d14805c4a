"""The room, for a dojo's facilitator: every pair's kata progress, one line per pair, the
furthest first, with the kata each pair is on and since when.

    python -m pytest_threadlesson.room /shared/dojo/          # a folder of progress files
    python -m pytest_threadlesson.room pair-1.json pair-2.json

Each pair's runs write its progress file (`--threadlesson-progress-file` or the ini key
`threadlesson_progress_file`); this reads them. It needs no pytest.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .curriculum import catalogue as kt
from .curriculum.record import Remembered, clock


def _files(paths: Sequence[str]) -> tuple[list[Path], list[str]]:
    files: list[Path] = []
    problems: list[str] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            files.extend(p for p in sorted(path.glob("*.json")) if not p.name.startswith("."))
        elif path.is_file():
            files.append(path)
        else:
            problems.append(f"{given}: no such file or folder")
    return files, problems


def read(paths: Sequence[str]) -> tuple[dict[str, Remembered], list[str]]:
    """Each pair's latest progress from the files (and folders of files) given; and what
    could not be read."""
    files, problems = _files(paths)
    pairs: dict[str, Remembered] = {}
    for file in files:
        try:
            data: Any = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            problems.append(f"{file}: not readable as JSON ({error})")
            continue
        records = [Remembered.from_record(d) for d in (data if isinstance(data, list)
                                                       else [data])]
        if not any(records):
            problems.append(f"{file}: not a threadlesson progress file")
        for record in records:
            if record is None:
                continue
            pair, progress = record
            old = pairs.get(pair)
            if old is None or (progress.last_run or "") > (old.last_run or ""):
                pairs[pair] = progress
    return pairs, problems


def _rank(item: tuple[str, Remembered]) -> tuple[int, int, str, str]:
    pair, progress = item
    stretch = sum(text.endswith(" solved") for text in progress.stretch())
    # the furthest first; of two as far, the one that got there first
    return (-len(progress.solved()), -stretch, progress.since_now() or "~", pair)


def room_lines(pairs: dict[str, Remembered], today: dt.date | None = None) -> list[str]:
    """One line per pair, sorted by progress."""
    ranked = sorted(pairs.items(), key=_rank)
    width = max((len(pair) for pair in pairs), default=0)
    total = len(kt.CORE_KATAS)
    lines = [f"threadlesson room: {len(pairs)} pair{'s' if len(pairs) != 1 else ''}"]
    for pair, progress in ranked:
        stretch = f"  stretch: {', '.join(progress.stretch())}" if progress.stretch() else ""
        since = clock(progress.since_now(), today)
        on = f"on {progress.now} since {since}, " if progress.now else ""
        lines.append(f"  {pair:<{width}}  {len(progress.solved()):>2}/{total}"
                     f"  {on}{progress.state()}{stretch}"
                     f"  last run {clock(progress.last_run, today)}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    paths = list(sys.argv[1:] if argv is None else argv)
    if not paths or paths[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if paths else 2
    pairs, problems = read(paths)
    for problem in problems:
        print(f"threadlesson room: skipped {problem}", file=sys.stderr)
    if not pairs:
        print("threadlesson room: no progress records found in " + " ".join(paths),
              file=sys.stderr)
        return 1
    print("\n".join(room_lines(pairs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
