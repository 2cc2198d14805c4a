"""Which tests the plugin watches, and how: the one rule for "is this test instrumented",
the keywords of `@pytest.mark.threadlesson`, and the state one watched test carries."""

from __future__ import annotations

import difflib
import functools
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..curriculum import catalogue as kt
from ..diagnosis import Diagnosis
from ..engine.ignore import FORMS as RULE_FORMS
from ..engine.ignore import IgnoreRule, parse_all
from .settings import Settings, settings_key

if TYPE_CHECKING:
    from _pytest.nodes import Node  # pytest does not export the base class

    from ..engine import runtime as rt
    from ..engine import waits


@dataclass(frozen=True)
class MarkOptions:
    """The keywords of `@pytest.mark.threadlesson(...)` for one test."""

    dropped_exceptions_ok: bool = False  # futures that fail and nobody asks are meant
    leak_ignore: tuple[IgnoreRule, ...] = ()  # threads meant to outlive the test


# Each keyword the marker takes, as the error for an unknown one shows it.
_MARK_KEYWORDS = {
    "dropped_exceptions_ok": "dropped_exceptions_ok=True",
    "leak_ignore": 'leak_ignore=["target:GLOB", "name:GLOB", "stack:GLOB"]',
}
_OUR_MARKERS = frozenset({"threadlesson", "deadlock_timeout"})


class MarkError(Exception):
    """A threadlesson marker the plugin cannot follow: an error for its test alone."""


def mark_options(item: pytest.Item) -> MarkOptions:
    where = f"threadlesson: @pytest.mark.threadlesson on {item.nodeid}"
    forms = ", ".join(_MARK_KEYWORDS.values())
    values: dict[str, Any] = {}
    rules: list[IgnoreRule] = []  # every level's rules count, the module's and the test's
    # Farthest first (a module's pytestmark), so the test's own marker has the last word.
    for marker in reversed(list(item.iter_markers("threadlesson"))):
        if marker.args:
            raise MarkError(f"{where}: takes keywords only, not {marker.args!r}\n"
                            f"  the keywords are: {forms}")
        for key, value in marker.kwargs.items():
            if key not in _MARK_KEYWORDS:
                close = difflib.get_close_matches(key, _MARK_KEYWORDS, n=1)
                mean = f" (did you mean {close[0]!r}?)" if close else ""
                raise MarkError(f"{where}: unknown keyword {key!r}{mean}\n"
                                f"  the keywords are: {forms}")
            values[key] = value
            if key == "leak_ignore":
                rules.extend(_mark_rules(where, value))
    dropped_ok = values.get("dropped_exceptions_ok", False)
    if not isinstance(dropped_ok, bool):
        raise MarkError(f"{where}: dropped_exceptions_ok must be True or False, "
                        f"not {dropped_ok!r}")
    return MarkOptions(dropped_exceptions_ok=dropped_ok, leak_ignore=tuple(rules))


def _mark_rules(where: str, value: Any) -> list[IgnoreRule]:
    texts = [value] if isinstance(value, str) else value
    if not isinstance(texts, (list, tuple)) or not all(isinstance(t, str) for t in texts):
        raise MarkError(f'{where}: leak_ignore must be a list of rules such as '
                        f'["target:mypkg.pool._worker"], not {value!r}; each rule one of:\n'
                        f"{RULE_FORMS}")
    try:
        return list(parse_all(texts))
    except ValueError as error:
        raise MarkError(f"{where}: leak_ignore {error}")


@functools.lru_cache(maxsize=4096)
def kata_of_file(path: str) -> str | None:
    """The kata id of a test file path, cheaply: this runs for every report."""
    return kt.kata_of_path(Path(path))


@dataclass(frozen=True)
class ItemFacts:
    kata: str | None
    markers: frozenset[str]  # of ours, on the item or any of its parents


facts_key = pytest.StashKey[ItemFacts]()


_NO_MARKERS: frozenset[str] = frozenset()


def item_facts(item: pytest.Item) -> ItemFacts:
    """What the activation rule needs to know of `item`, computed once and stashed on it.

    This runs for every collected test, also in suites that never use the plugin: the
    markers of a module or class are gathered once and shared by its tests (as
    `iter_markers` would find them, walking up), and a test adds only its own."""
    facts = item.stash.get(facts_key, None)
    if facts is None:
        markers = _inherited_markers(item.parent)
        if item.own_markers:
            markers = markers | _OUR_MARKERS.intersection(m.name for m in item.own_markers)
        facts = ItemFacts(kata_of_file(str(item.path)), markers)
        item.stash[facts_key] = facts
    return facts


_markers_key = pytest.StashKey[frozenset[str]]()


def _inherited_markers(node: Node | None) -> frozenset[str]:
    """Our markers on `node` and its parents, kept on each node once found."""
    if node is None:
        return _NO_MARKERS
    found: frozenset[str] | None = node.stash.get(_markers_key, None)
    if found is None:
        found = _inherited_markers(node.parent)
        if node.own_markers:
            found = found | _OUR_MARKERS.intersection(m.name for m in node.own_markers)
        node.stash[_markers_key] = found
    return found


@dataclass(frozen=True)
class Activation:
    """The one rule for what the plugin does to a test."""

    instrument: bool  # our primitives: deadlocks, inversions, exceptions in threads
    leak_check: bool  # a thread that outlives the test fails it
    watch: bool  # the deadlock_timeout backstop runs

    @classmethod
    def of(cls, item: pytest.Item, settings: Settings) -> Activation:
        facts = item_facts(item)
        kata = facts.kata is not None
        marked = "threadlesson" in facts.markers
        instrument = marked or settings.instrument or kata
        leak_check = (instrument and (marked or kata)) or settings.leak_check \
            or "no_leaked_threads" in getattr(item, "fixturenames", ())
        # The backstop marker alone is a request for the backstop, instrumented or not.
        watch = instrument or "deadlock_timeout" in facts.markers
        return cls(instrument, leak_check, watch)

    @property
    def active(self) -> bool:
        return self.instrument or self.leak_check or self.watch


@dataclass
class Collected:
    """What the collection hook needs to know of the collected tests."""

    hooked: bool  # some test needs the per-test hooks
    katas: list[int]  # the positions of kata tests
    timeouts: list[pytest.Item]  # tests with a deadlock_timeout marker, to be checked


def scan(items: list[pytest.Item], settings: Settings) -> Collected:
    """One pass over every collected test, also in suites that never use the plugin, so it
    costs a few attribute reads per test (BENCHMARKS-overhead.md): what a module or class
    says (a kata file? our markers?) is found once per parent, and a test is looked at
    further only when it has markers of its own or the per-test hooks are not yet needed.
    A test needs them when it is watched (`Activation`) or uses `contention` (whose failures
    the report hook shortens and labels)."""
    found = Collected(settings.instrument or settings.leak_check, [], [])
    parent: Node | None = None
    kata: str | None = None
    inherited = _NO_MARKERS
    for i, item in enumerate(items):
        if item.parent is not parent:
            parent = item.parent
            kata, inherited = kata_of_file(str(item.path)), _inherited_markers(parent)
        markers = item_facts(item).markers if item.own_markers else inherited
        if kata is not None:
            found.katas.append(i)
        if markers and "deadlock_timeout" in markers:
            found.timeouts.append(item)
        if not found.hooked:
            names = getattr(item, "fixturenames", ())
            found.hooked = "contention" in names or "no_leaked_threads" in names or (
                (kata is not None or bool(markers)) and Activation.of(item, settings).active)
    return found


@dataclass
class TestState:
    kata: str | None
    activation: Activation
    options: MarkOptions = MarkOptions()
    mark_error: str | None = None  # a bad threadlesson marker: the test errors at set-up
    scope: rt.Scope | None = None
    main: rt.ThreadRec | None = None
    before: frozenset[threading.Thread] = frozenset()
    starts: int = 0  # the count of thread starts when `before` was taken
    # What the end of the call already reported, so that teardown adds only what is new.
    exceptions_judged: int = 0
    futures_judged: bool = False
    deadlock_judged: waits.DeadlockReport | None = None
    saved_arena: rt.Arena | None = None  # the main thread's arena before the test
    diagnosis: Diagnosis | None = None
    installed: bool = False

    @classmethod
    def of(cls, item: pytest.Item) -> TestState:
        activation = Activation.of(item, item.config.stash[settings_key])
        state = cls(kata=item_facts(item).kata, activation=activation)
        if "threadlesson" in item_facts(item).markers:
            try:
                state.options = mark_options(item)
            except MarkError as error:
                state.mark_error = str(error)
        return state


state_key = pytest.StashKey[TestState]()
