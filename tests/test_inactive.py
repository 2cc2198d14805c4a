"""An installed plugin that no test uses stays out of the way: it loads neither the engine
nor the per-test protocol, the learner's files, the commands or the pictures (their import
was most of its cost in BENCHMARKS-overhead.md), and it adds no per-test hooks."""

from __future__ import annotations

import pytest
from support import run_isolated

# Written by the suite's conftest at the end of the session: which of our modules loaded,
# and whether the per-test hooks were registered.
CONFTEST = '''
import sys

def pytest_unconfigure(config):
    loaded = sorted(m for m in sys.modules if m.startswith("pytest_threadlesson"))
    hooked = config.pluginmanager.has_plugin("threadlesson-per-test")
    with open("loaded.txt", "w") as out:
        out.write("\\n".join([f"hooked={hooked}", *loaded]))
'''

# Loaded only when a test, an option or xdist needs them.
ON_DEMAND = ("pytest_threadlesson.glue.per_test", "pytest_threadlesson.glue.findings",
             "pytest_threadlesson.glue.learner", "pytest_threadlesson.glue.commands",
             "pytest_threadlesson.glue.pictures", "pytest_threadlesson.timeline",
             "pytest_threadlesson.report", "pytest_threadlesson.curriculum.record",
             "pytest_threadlesson.engine.runtime", "pytest_threadlesson.engine.primitives",
             "pytest_threadlesson.engine.contention", "pytest_threadlesson.engine.leaks")


def _loaded(pytester: pytest.Pytester, test: str) -> tuple[str, set[str]]:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_plain=test)
    result = run_isolated(pytester)
    result.assert_outcomes(passed=2)
    hooked, *modules = (pytester.path / "loaded.txt").read_text().splitlines()
    return hooked, set(modules)


def test_a_suite_that_does_not_use_the_plugin_loads_none_of_its_machinery(
        pytester: pytest.Pytester) -> None:
    hooked, loaded = _loaded(pytester, """
        import pytest

        @pytest.mark.parametrize("n", [1, 2])
        def test_plain(n):
            assert n * 2 == n + n
    """)
    assert "pytest_threadlesson.plugin" in loaded  # it is installed and was loaded
    assert hooked == "hooked=False"
    assert loaded.isdisjoint(ON_DEMAND), sorted(loaded.intersection(ON_DEMAND))


def test_a_suite_with_one_test_that_uses_contention_loads_what_it_needs(
        pytester: pytest.Pytester) -> None:
    hooked, loaded = _loaded(pytester, """
        def test_plain():
            assert True

        def test_with_contention(contention):
            contention.explore(lambda: None, schedules=2)
    """)
    assert hooked == "hooked=True"
    assert {"pytest_threadlesson.glue.per_test",
            "pytest_threadlesson.engine.contention"} <= loaded
