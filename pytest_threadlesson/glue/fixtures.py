"""The public fixtures: `contention` (explore or stress a scenario) and `no_leaked_threads`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from ..defaults import DEFAULT_DEADLOCK_TIMEOUT
from .activation import MarkOptions, state_key
from .lazy import lazy_modules
from .settings import deadlock_timeout, settings_key

if TYPE_CHECKING:
    from ..engine import contention as _contention
    from . import commands
else:
    lazy_modules(globals(), _contention="engine.contention", commands="glue.commands")


@pytest.fixture
def contention(request: pytest.FixtureRequest) -> _contention.Contention:
    """Explore interleavings of a scenario (controlled) or stress real threads.

    Example::

        def test_no_increment_is_lost(contention):
            def scenario():
                ...
            contention.explore(scenario)
    """
    settings = request.config.stash[settings_key]
    item = request.node
    is_item = isinstance(item, pytest.Item)
    state = item.stash.get(state_key, None) if is_item else None
    options = state.options if state is not None else MarkOptions()
    return _contention.Contention(
        seed=settings.seed,
        test_id=item.nodeid,
        schedules=settings.schedules,
        strategy=settings.strategy,
        replay=replay_command(item, settings.seed),
        wall_limit=deadlock_timeout(item) if is_item else DEFAULT_DEADLOCK_TIMEOUT,
        dropped_exceptions_ok=options.dropped_exceptions_ok,
        hints=state is None or state.kata is None,
    )


def replay_command(item: Any, seed: int) -> str:
    """The command that replays `item`'s run exactly, pasteable as printed: the pytest
    that is running, the test's path from where it was run."""
    args = [commands.node_id(item.config, item.path, item.nodeid),
            f"--threadlesson-seed={seed}"]
    count = getattr(item.config.option, "count", None)
    if count and count > 1:
        args.append(f"--count={count}")
    settings = item.config.stash[settings_key]
    if settings.solutions:
        args.append("--threadlesson-solutions")
    for kata, path in settings.kata_files.items():
        args.append(f"--threadlesson-kata-file={kata}={commands.file_arg(item.config, path)}")
    return commands.pytest_command(item.config, *args)


@pytest.fixture
def no_leaked_threads() -> Iterator[None]:
    """Fail the test if a thread it started is still alive at its end (daemon or not).

    The check itself runs in the plugin's hooks, once the test's function-scoped fixtures
    are torn down and the grace period is over; this fixture only asks for it.
    """
    yield
