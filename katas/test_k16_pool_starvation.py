"""k16: a report renders on a bounded pool without starving it."""

import threading

import pytest
from k16_pool_starvation import render_report


def expected_report(sections: list[str]) -> str:
    return "\n\n".join(f"## {title}\n{title.upper()}" for title in sections)


class ConcurrencyMeter:
    """A `render` callable that remembers how many renders ran at the same time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self.most_at_once = 0

    def __call__(self, title: str) -> str:
        with self._lock:
            self._running += 1
            self.most_at_once = max(self.most_at_once, self._running)
        body = title.upper()
        with self._lock:
            self._running -= 1
        return body


def test_a_single_worker_renders_the_whole_report():
    sections = ["summary", "sales", "costs"]

    assert render_report(sections, str.upper, workers=1) == expected_report(sections)


def test_two_sections_render_at_the_same_time():
    # Each render waits for a second render to be in progress: only a report that renders
    # two sections at once can finish.
    both_rendering = threading.Barrier(2)

    def render(title: str) -> str:
        both_rendering.wait()
        return title.upper()

    sections = ["summary", "sales", "costs", "outlook"]

    assert render_report(sections, render, workers=2) == expected_report(sections)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_more_sections_than_workers_never_stall_the_report(contention, workers):
    sections = [f"part {n}" for n in range(workers + 1)]

    def scenario():
        assert render_report(sections, str.upper, workers=workers) == expected_report(sections)

    contention.explore(scenario)


@pytest.mark.parametrize("workers", [1, 2])
def test_no_more_than_workers_sections_render_at_once(contention, workers):
    sections = [f"part {n}" for n in range(workers + 2)]

    def scenario():
        render = ConcurrencyMeter()
        assert render_report(sections, render, workers=workers) == expected_report(sections)
        assert render.most_at_once <= workers

    contention.explore(scenario)
