"""`--threadlesson-html=DIR`: a failure's picture, as a page per failing test.

The renderer is a pure function (`html_report.render_html`), tested on timelines; the
free-mode timelines (`free_timelines`) on the engine's own data; the option end to end
with pytester, one failing test per diagnosis; and the page itself in a real browser:
Debian's headless Chromium renders it to a PNG and dumps its DOM.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest
from support import run_isolated, run_pytest

from pytest_threadlesson import free_timelines as ft
from pytest_threadlesson.diagnosis import Diagnosis
from pytest_threadlesson.engine import primitives as prim
from pytest_threadlesson.engine.naming import LeakedThread
from pytest_threadlesson.engine.waits import DeadlockReport, Inversion, OrderEdge, ThreadState
from pytest_threadlesson.frames import Site
from pytest_threadlesson.glue.pictures import closing_line, page_name
from pytest_threadlesson.html_report import MAX_ROWS, render_html, render_index
from pytest_threadlesson.timeline import CycleEdge, Hold, LeakedLane, Row, Timeline

# ---------------------------------------------------------------------------------------
# Reading a page back: its elements, as a browser's parser sees them


class Element:
    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.classes = set(attrs.get("class", "").split())
        self.pieces: list[str] = []

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    @property
    def words(self) -> str:
        """The text as a reader sees it: pieces in separate elements apart."""
        return " ".join(" ".join(self.pieces).split())


class Page(HTMLParser):
    """Every element of a page, in document order, with the text directly inside it."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.open: list[Element] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.elements.append(element)
        if tag not in ("meta", "br", "path", "rect", "img", "link", "input"):
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for n in range(len(self.open) - 1, -1, -1):
            if self.open[n].tag == tag:
                del self.open[n:]
                break

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element.pieces.append(data)

    def find(self, tag: str = "", cls: str = "") -> list[Element]:
        return [e for e in self.elements
                if (not tag or e.tag == tag) and (not cls or cls in e.classes)]


def lanes_of(page: Page) -> list[str]:
    return [e.words for e in page.find("th", "lane")]


def highlighted(page: Page) -> list[Element]:
    return [e for e in page.find("div", "step") if e.attrs.get("data-conflict") == "true"]


# ---------------------------------------------------------------------------------------
# The renderer, on timelines

HOSTILE = "<script>alert('x')</script> & \"quoted\""


def race_timeline() -> Timeline:
    return Timeline(
        "race", "Thread-1 and Thread-2 both read Counter._value = 1 before either wrote it",
        ("main", "Thread-1", "Thread-2"),
        (Row(0, "", "", "main starts 2 threads", collapsed=5),
         Row(1, "k03.py:21", "value = self._value", "read Counter._value → 1", conflict=True),
         Row(2, "k03.py:21", "value = self._value", "read Counter._value → 1", conflict=True),
         Row(2, "k03.py:22", "self._value = value + 1", "write Counter._value ← 2",
             conflict=True),
         Row(1, "k03.py:22", "self._value = value + 1", "write Counter._value ← 2",
             conflict=True),
         Row(0, "test_k03.py:14", "assert counter.value == 3")),
        text="threadlesson: race after 3 schedules (seed 7)",
        extra={"seed": "7", "replay": 'pytest "t.py::test" --threadlesson-seed=7'})


def test_everything_from_the_learners_code_is_escaped() -> None:
    hostile = Timeline(
        "race", f"headline {HOSTILE}", (f"lane {HOSTILE}",),
        (Row(0, f"where {HOSTILE}", f"if a < b and c > d: {HOSTILE}", f"note {HOSTILE}",
             conflict=True),),
        holds=(Hold(0, f"lock {HOSTILE}", 0),),
        cycle=(CycleEdge(0, f"lock {HOSTILE}", f"other {HOSTILE}", f"at {HOSTILE}"),),
        leaks=(LeakedLane(0, True, f"start {HOSTILE}", f"now {HOSTILE}"),),
        text=f"text {HOSTILE}", extra={f"key {HOSTILE}": f"value {HOSTILE}"})
    page = render_html(hostile, title=f"test {HOSTILE}")
    assert "<script" not in page
    assert "&lt;script&gt;" in page
    assert "if a &lt; b and c &gt; d" in page
    parsed = Page(page)
    assert not parsed.find("script")
    texts = "".join(e.text for e in parsed.find("title") + parsed.find("h1"))
    assert HOSTILE in texts  # escaped, not lost: the reader sees the learner's text


def test_a_page_fetches_nothing_and_needs_no_script() -> None:
    page = render_html([race_timeline(), deadlock_timeline()], title="t.py::test")
    parsed = Page(page)
    assert not parsed.find("script") and not parsed.find("link") and not parsed.find("img")
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in page and "url(http" not in page and "@import" not in page


def test_each_thread_is_a_lane_and_each_step_is_in_its_lane_in_time_order() -> None:
    page = Page(render_html(race_timeline(), title="t.py::test"))
    assert lanes_of(page) == ["main", "Thread-1", "Thread-2"]
    rows = page.find("tr", "step-row")
    assert [r.attrs["data-step"] for r in rows] == ["1", "2", "3", "4", "5", "6"]
    steps = page.find("div", "step")
    assert [s.attrs["data-lane"] for s in steps] == ["0", "1", "2", "2", "1", "0"]
    assert "main starts 2 threads (5 steps)" in steps[0].words


def test_the_conflicting_accesses_are_highlighted_and_say_so_in_words() -> None:
    page = Page(render_html(race_timeline(), title="t.py::test"))
    marked = highlighted(page)
    assert len(marked) == 4
    assert all("conflict" in m.text for m in marked)  # not colour alone
    assert page.find("td", "conflict")[0].words.startswith(
        "k03.py:21 value = self._value read Counter._value → 1")


def test_a_lock_hold_is_a_bar_down_the_holders_lane_for_as_long_as_it_is_held() -> None:
    rows = tuple(Row(n % 2, f"f.py:{n}", f"step {n}") for n in range(6))
    timeline = Timeline("race", "h", ("A", "B"), rows, holds=(Hold(1, "L", 1, 3),))
    page = render_html(timeline, title="t")
    parsed = Page(page)
    bars = parsed.find("span", "hold")
    assert len(bars) == 3 and all(b.attrs["data-lock"] == "L" for b in bars)
    # the bars are in lane 1's cells of rows 2, 3 and 4 (steps 1 to 3, counted from 0)
    cells = [line for line in page.splitlines() if 'class="bar hold"' in line]
    assert [line.split('data-step="')[1].split('"')[0] for line in cells] == ["2", "3", "4"]
    assert all('data-lane="1"' in line.split('class="bar hold"')[0].rsplit("<td", 1)[1]
               for line in cells)
    assert "holds L" in "".join(e.text for e in parsed.find("span", "hold-start"))


def test_a_hold_still_held_runs_to_the_end() -> None:
    rows = tuple(Row(0, f"f.py:{n}") for n in range(4))
    parsed = Page(render_html(Timeline("deadlock", "h", ("A",), rows,
                                       holds=(Hold(0, "L", 1),)), title="t"))
    assert len(parsed.find("span", "hold")) == 3


def deadlock_timeline() -> Timeline:
    return Timeline(
        "deadlock", "Thread-1 holds a and waits for b; Thread-2 holds b and waits for a",
        ("Thread-1", "Thread-2"),
        (Row(0, "k09.py:18", "with self.lock:", "acquire a"),
         Row(1, "k09.py:18", "with self.lock:", "acquire b"),
         Row(0, "k09.py:19", "with other.lock:", "waits for b", conflict=True),
         Row(1, "k09.py:19", "with other.lock:", "waits for a", conflict=True)),
        holds=(Hold(0, "a", 0), Hold(1, "b", 1)),
        cycle=(CycleEdge(0, "a", "b", "k09.py:19"), CycleEdge(1, "b", "a", "k09.py:19")))


def test_a_deadlock_is_drawn_as_a_closed_cycle_of_threads_and_locks() -> None:
    parsed = Page(render_html(deadlock_timeline(), title="t"))
    nodes = parsed.find("g", "node")
    assert [n.words for n in nodes] == [
        "Thread-1 at k09.py:19", "b", "Thread-2 at k09.py:19", "a"]
    labels = [e.text for e in parsed.find("text", "edge-label")]
    assert labels == ["waits for", "held by", "waits for", "held by"]
    assert len(parsed.find("path", "edge")) == 4
    assert "each thread waits for a lock the next one holds" in parsed.find("figcaption")[0].text


def test_a_thread_waiting_for_its_own_lock_is_a_cycle_of_one() -> None:
    timeline = Timeline("deadlock", "h", ("T",), (Row(0, "f.py:1", "", conflict=True),),
                        cycle=(CycleEdge(0, "L", "L"),))
    parsed = Page(render_html(timeline, title="t"))
    assert [e.text for e in parsed.find("text", "edge-label")] == ["waits for", "held by"]


def test_waits_that_do_not_close_a_cycle_draw_no_arrow_back() -> None:
    timeline = Timeline("deadlock", "h", ("A", "B"), (),
                        cycle=(CycleEdge(0, "x", "event"), CycleEdge(1, "y", "barrier")))
    parsed = Page(render_html(timeline, title="t"))
    assert [e.text for e in parsed.find("text", "edge-label")] == ["waits for", "waits for"]
    assert parsed.find("figcaption")[0].text == "Who waits for what"


def test_a_leaked_thread_runs_on_past_the_end_of_the_test() -> None:
    timeline = Timeline("leak", "h", ("heartbeat",),
                        (Row(0, "k17.py:31", "t.start()", "started here"),),
                        leaks=(LeakedLane(0, False, "k17.py:31", "k17.py:40 in _run: sleep()"),))
    page = render_html(timeline, title="t")
    parsed = Page(page)
    assert page.index("the test ended here") < page.index("k17.py:40 in _run")
    leaked = parsed.find("div", "leaked")
    assert len(leaked) == 1 and leaked[0].attrs["data-lane"] == "0"
    assert "(non-daemon)" in lanes_of(parsed)[0]


def test_a_long_timeline_shows_its_last_steps_and_says_how_many_it_left_out() -> None:
    rows = tuple(Row(0, f"f.py:{n}", f"step {n}") for n in range(MAX_ROWS + 30))
    parsed = Page(render_html(Timeline("race", "h", ("A",), rows), title="t"))
    assert len(parsed.find("tr", "step-row")) == MAX_ROWS
    assert "(30 earlier steps not shown)" in parsed.find("td", "hidden-rows")[0].text
    assert parsed.find("tr", "step-row")[-1].attrs["data-step"] == str(MAX_ROWS + 30)


def test_the_headline_and_the_whole_text_report_are_on_the_page() -> None:
    timeline = race_timeline()
    parsed = Page(render_html(timeline, title="t"))
    assert parsed.find("p", "headline")[0].text == timeline.headline
    assert parsed.find("pre", "report")[0].text == timeline.text
    assert "--threadlesson-seed=7" in "".join(e.text for e in parsed.find("dl", "extra"))


def test_each_diagnosis_has_a_colour_of_its_own_and_its_own_word_for_a_highlight() -> None:
    badges, flags = {}, {}
    for diagnosis in (d.value for d in Diagnosis):
        timeline = Timeline(diagnosis, "h", ("A",), (Row(0, "f.py:1", conflict=True),))
        page = Page(render_html(timeline, title="t"))
        badge = page.find("span", "diagnosis")[0]
        assert badge.text == diagnosis
        badges[diagnosis] = badge.attrs["style"]
        flags[diagnosis] = page.find("span", "flag")[0].text
    assert len(set(badges.values())) == len(badges), badges
    assert len(set(flags.values())) == len(flags), flags
    assert flags["race"] == "conflict"


def test_a_failure_known_only_as_text_is_a_page_too() -> None:
    parsed = Page(render_html(ft.of_text("failed", "E   assert 1 == 2"), title="t"))
    assert parsed.find("p", "headline")[0].text == "E   assert 1 == 2"
    assert not parsed.find("table")


# ---------------------------------------------------------------------------------------
# The free-mode timelines, from the engine's own data


class Account:
    def __init__(self, name: str) -> None:
        self.name = name
        self.lock = prim.Lock()

    def __repr__(self) -> str:
        return f"Account({self.name!r})"


SITE = Site(__file__, 1, "transfer")


def test_a_free_mode_deadlock_is_lanes_holds_and_its_cycle() -> None:
    alice, bob = Account("alice"), Account("bob")
    report = DeadlockReport.cycle([
        ThreadState("Thread-1", [(alice.lock, SITE)], bob.lock, SITE, False),
        ThreadState("Thread-2", [(bob.lock, SITE)], alice.lock, SITE, False)])
    timeline = ft.of_deadlock(report, "deadlock", report.render())
    assert timeline.lanes == ("Thread-1", "Thread-2")
    assert timeline.holds == (Hold(0, "Account('alice').lock", 0),
                              Hold(1, "Account('bob').lock", 1))
    assert [r.conflict for r in timeline.rows] == [False, False, True, True]
    assert timeline.cycle == (
        CycleEdge(0, "Account('alice').lock", "Account('bob').lock", SITE.short),
        CycleEdge(1, "Account('bob').lock", "Account('alice').lock", SITE.short))
    assert timeline.headline.startswith("Thread-1 holds Account('alice').lock and waits for "
                                        "Account('bob').lock")
    assert timeline.text == report.render()


def test_a_lock_order_inversion_is_the_cycle_it_would_close() -> None:
    alice, bob = Account("alice"), Account("bob")
    inversion = Inversion([OrderEdge(alice.lock, SITE, bob.lock, SITE, "MainThread"),
                           OrderEdge(bob.lock, SITE, alice.lock, SITE, "Thread-1")])
    timeline = ft.of_inversion(inversion, "text")
    assert timeline.diagnosis == "deadlock" and timeline.lanes == ("MainThread", "Thread-1")
    assert [e.waits for e in timeline.cycle] == ["Account('bob').lock", "Account('alice').lock"]
    assert [(r.lane, r.conflict) for r in timeline.rows] == [
        (0, False), (0, True), (1, False), (1, True)]
    assert timeline.holds == (Hold(0, "Account('alice').lock", 0, 1),
                              Hold(1, "Account('bob').lock", 2, 3))


def test_explores_timeline_gets_the_cycle_of_its_deadlock_by_thread_name() -> None:
    alice, bob = Account("alice"), Account("bob")
    report = DeadlockReport.cycle([
        ThreadState("Thread-2", [(bob.lock, SITE)], alice.lock, SITE, False),
        ThreadState("Thread-1", [(alice.lock, SITE)], bob.lock, SITE, False)])
    explored = Timeline("deadlock", "h", ("main", "Thread-1", "Thread-2"))
    drawn = ft.with_cycle(explored, report)
    assert drawn.lanes == explored.lanes
    assert [(e.lane, e.waits) for e in drawn.cycle] == [
        (2, "Account('alice').lock"), (1, "Account('bob').lock")]
    inversion = Inversion([OrderEdge(alice.lock, SITE, bob.lock, SITE, "Thread-3"),
                           OrderEdge(bob.lock, SITE, alice.lock, SITE, "Thread-1")])
    drawn = ft.with_cycle(explored, inversion)
    assert drawn.lanes == ("main", "Thread-1", "Thread-2", "Thread-3")
    assert [(e.lane, e.holds) for e in drawn.cycle] == [
        (3, "Account('alice').lock"), (1, "Account('bob').lock")]


def test_a_leak_is_a_lane_with_where_it_started_and_where_it_is_now() -> None:
    now = Site(__file__, 2, "_run")
    timeline = ft.of_leaks([LeakedThread("heartbeat", False, "Heartbeat._run", SITE, now)],
                           "text")
    assert timeline.lanes == ("heartbeat",)
    assert timeline.leaks == (LeakedLane(0, False, f"{SITE.short} in transfer: {SITE.source}",
                                         f"{now.short} in _run: {now.source}"),)
    assert timeline.rows[0].where == SITE.short


def _raise_in_the_learners_code() -> BaseException:
    table: dict[str, int] = {}
    try:
        table["missing <key>"]
    except KeyError as exc:
        return exc
    raise AssertionError("unreachable")


def test_an_exception_in_a_thread_is_its_traceback_in_the_learners_file() -> None:
    exc = _raise_in_the_learners_code()
    timeline = ft.of_thread_exception("Thread-1", exc, SITE, "text")
    assert timeline.lanes == ("the test", "Thread-1")
    assert timeline.rows[0] == Row(0, SITE.short, SITE.source, "starts Thread-1")
    raised = timeline.rows[-1]
    assert raised.lane == 1 and raised.conflict
    assert raised.where.startswith("test_html.py:") and "missing <key>" in raised.code
    assert "raises KeyError" in raised.note


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no")


def test_an_exception_whose_str_fails_is_still_drawn() -> None:
    exc = Unprintable()
    timeline = ft.of_thread_exception("Thread-1", exc, None, "text")
    assert timeline.rows[-1].note.startswith("raises Unprintable: <exception str() failed>")


def test_futures_nobody_asked_are_in_their_workers_lanes() -> None:
    exc = _raise_in_the_learners_code()
    timeline = ft.of_unretrieved([("pool-1", exc), ("pool-2", exc)], "text")
    assert timeline.lanes == ("pool-1", "pool-2")
    assert [r.lane for r in timeline.rows if r.conflict] == [0, 1]
    assert "KeyError" in timeline.headline


def test_exceptions_in_several_threads_are_one_picture_a_lane_each() -> None:
    exc = _raise_in_the_learners_code()
    merged = ft.merged([ft.of_thread_exception("job-0", exc, SITE, "first"),
                        ft.of_thread_exception("job-1", exc, SITE, "second")])
    assert merged.lanes == ("the test", "job-0", "job-1")
    assert [(r.lane, r.conflict) for r in merged.rows] == [
        (0, False), (1, True), (0, False), (2, True)]
    assert merged.text == "first\n\nsecond"


def test_merged_timelines_keep_each_hold_on_its_own_rows() -> None:
    one = Timeline("leak", "a", ("A",), (Row(0), Row(0)), holds=(Hold(0, "L", 0, 1),))
    two = Timeline("leak", "b", ("B", "A"), (Row(0), Row(1)), holds=(Hold(1, "M", 1),),
                   leaks=(LeakedLane(0, True),))
    merged = ft.merged([one, two])
    assert merged.lanes == ("A", "B")
    assert [r.lane for r in merged.rows] == [0, 0, 1, 0]
    assert merged.holds == (Hold(0, "L", 0, 1), Hold(0, "M", 3))
    assert merged.leaks == (LeakedLane(1, True),) and merged.headline == "a; b"


# ---------------------------------------------------------------------------------------
# The file names and the index


def test_a_page_name_is_safe_on_every_file_system_and_unique_per_test() -> None:
    ids = ["katas/test_k03.py::test_no_increment_is_lost",
           'tests/test_a.py::test_b[<a>|"b"*?:\\c/d]',
           "tests/test_a.py::test_B", "tests/test_a.py::test_b",
           "con.py::test", "..::x", "t.py::test_" + "x" * 400, "t.py::test_ünïcode"]
    names = [page_name(i) for i in ids]
    assert len(set(n.lower() for n in names)) == len(ids)  # case-insensitive file systems
    for name in names:
        stem = name.removesuffix(".html")
        assert stem.replace("_", "").replace("-", "").isalnum() and stem.isascii()
        assert len(name) <= 100 and not name.startswith((".", "-", "_"))
    assert names[0].startswith("katas_test_k03_py__test_no_increment_is_lost-")
    assert page_name(ids[0]) == names[0]  # the same test, the same page


def test_the_index_links_every_page_of_the_run() -> None:
    index = Page(render_index([("a-1.html", "t.py::test_a", "race"),
                               ("b-2.html", "t.py::test_<b>", "leak")], title="run"))
    assert [a.attrs["href"] for a in index.find("a")] == ["a-1.html", "b-2.html"]
    assert [a.text for a in index.find("a")] == ["t.py::test_a", "t.py::test_<b>"]


def test_an_index_of_a_run_without_failures_says_so() -> None:
    index = Page(render_index([], title="run"))
    assert not index.find("a")
    assert index.find("li")[0].text == "No page: no test the plugin watches failed."


def test_the_closing_line_is_a_path_to_open(tmp_path: Path) -> None:
    index = tmp_path / "report" / "index.html"
    assert closing_line(2, index, tmp_path) == (
        f"threadlesson: 2 pages of failing tests, open {Path('report', 'index.html')}")
    elsewhere = closing_line(1, index, tmp_path / "other")
    assert elsewhere.endswith(str(index.resolve())) and "1 page of" in elsewhere


# ---------------------------------------------------------------------------------------
# End to end: a page per failing test, for every diagnosis

EVERY_DIAGNOSIS = """
    import concurrent.futures
    import threading

    import pytest


    class Counter:
        def __init__(self):
            self._value = 0

        def increment(self):
            value = self._value
            self._value = value + 1


    def test_race(contention):
        def scenario():
            counter = Counter()
            threads = [threading.Thread(target=counter.increment) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert counter._value == 2
        contention.explore(scenario, schedules=200)


    def test_controlled_deadlock(contention):
        def scenario():
            a, b = threading.Lock(), threading.Lock()
            def one():
                with a:
                    with b:
                        pass
            def two():
                with b:
                    with a:
                        pass
            threads = [threading.Thread(target=one), threading.Thread(target=two)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        contention.explore(scenario, schedules=200)


    @pytest.mark.threadlesson
    def test_deadlock():
        a, b = threading.Lock(), threading.Lock()
        both = threading.Barrier(2)
        def one():
            with a:
                both.wait()
                with b:
                    pass
        def two():
            with b:
                both.wait()
                with a:
                    pass
        threads = [threading.Thread(target=one), threading.Thread(target=two)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


    @pytest.mark.threadlesson
    def test_inversion():
        a, b = threading.Lock(), threading.Lock()
        with a:
            with b:
                pass
        def other():
            with b:
                with a:
                    pass
        t = threading.Thread(target=other)
        t.start()
        t.join()


    @pytest.mark.threadlesson
    def test_leak():
        threading.Thread(target=threading.Event().wait, name="heartbeat").start()


    @pytest.mark.threadlesson
    def test_thread_exception():
        def work():
            return 1 / 0
        t = threading.Thread(target=work)
        t.start()
        t.join()


    @pytest.mark.threadlesson
    def test_lost_future():
        def work():
            raise ValueError("bad <input>")
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            pool.submit(work)


    @pytest.mark.threadlesson
    @pytest.mark.deadlock_timeout(0.5)
    def test_hang():
        stuck = True
        while stuck:
            pass


    @pytest.mark.threadlesson
    def test_passes():
        t = threading.Thread(target=lambda: None)
        t.start()
        t.join()
"""

# test -> (diagnosis on its page, what the page must show)
EXPECTED = {
    "test_race": ("race", "highlight"),  # the conflicting accesses explore's report names
    "test_controlled_deadlock": ("deadlock", "rows"),
    "test_deadlock": ("deadlock", "cycle"),
    "test_inversion": ("deadlock", "cycle"),
    "test_leak": ("leak", "leaked"),
    "test_thread_exception": ("lost-exception", "highlight"),
    "test_lost_future": ("lost-exception", "highlight"),
    "test_hang": ("hang", "text"),
}


def _pages(folder: Path) -> dict[str, Page]:
    return {p.name: Page(p.read_text(encoding="utf-8")) for p in folder.glob("*.html")}


def _check_every_diagnosis(folder: Path) -> None:
    pages = _pages(folder)
    expected_names = {page_name(f"test_every.py::{test}") for test in EXPECTED}
    assert set(pages) == expected_names | {"index.html"}, sorted(pages)
    for test, (diagnosis, shows) in EXPECTED.items():
        page = pages[page_name(f"test_every.py::{test}")]
        words = [s.attrs["data-diagnosis"] for s in page.find("section", "failure")]
        assert words[0] == diagnosis, (test, words)
        assert page.find("h1")[0].text == f"test_every.py::{test}"
        assert page.find("pre", "report"), test
        if shows == "cycle":
            assert len(page.find("g", "node")) == 4, test
            assert page.find("span", "hold"), test
        if shows in ("cycle", "leaked", "highlight", "rows"):
            assert lanes_of(page), test
        if shows in ("cycle", "leaked", "highlight"):
            assert highlighted(page), test
        if shows == "leaked":
            assert lanes_of(page) == ["heartbeat (non-daemon)"]
    index = pages["index.html"]
    assert sorted(a.attrs["href"] for a in index.find("a")) == sorted(expected_names)
    assert not list(folder.glob(".*")), "a half-written page was left behind"


def test_every_diagnosis_gets_a_page_and_a_passing_test_none(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_every=EVERY_DIAGNOSIS)
    result = run_isolated(pytester, "--threadlesson-html=report", "--threadlesson-seed=3",
                          timeout=120)
    result.assert_outcomes(failed=7, passed=2, errors=1)  # the leak: passes, errors at teardown
    _check_every_diagnosis(pytester.path / "report")
    result.stdout.fnmatch_lines([
        f"threadlesson: 8 pages of failing tests, open {Path('report', 'index.html')}"])


def test_under_xdist_each_worker_writes_its_own_pages_and_the_index_has_them_all(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_every=EVERY_DIAGNOSIS)
    result = run_isolated(pytester, "-n", "2", "--threadlesson-html=report",
                          "--threadlesson-seed=3", timeout=180)
    result.assert_outcomes(failed=7, passed=2, errors=1)
    _check_every_diagnosis(pytester.path / "report")
    result.stdout.fnmatch_lines(["threadlesson: 8 pages of failing tests, open *index.html"])


def test_exceptions_in_two_threads_of_a_test_are_one_picture(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_two="""
        import threading, pytest

        @pytest.mark.threadlesson
        def test_two_fail():
            def work():
                raise KeyError("missing")
            threads = [threading.Thread(target=work, name=f"job-{n}") for n in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    """)
    run_isolated(pytester, "--threadlesson-html=report").assert_outcomes(failed=1)
    page = Page((pytester.path / "report" / page_name("test_two.py::test_two_fail"))
                .read_text(encoding="utf-8"))
    assert len(page.find("section", "failure")) == 1
    lanes = lanes_of(page)  # the two threads in the order they failed
    assert lanes[0] == "the test" and sorted(lanes[1:]) == ["job-0", "job-1"]
    assert sorted(s.attrs["data-lane"] for s in highlighted(page)) == ["1", "2"]


def test_without_the_option_no_page_is_written(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_every="""
        import threading, pytest

        @pytest.mark.threadlesson
        def test_leak():
            threading.Thread(target=threading.Event().wait).start()
    """)
    result = run_isolated(pytester)
    result.assert_outcomes(passed=1, errors=1)
    assert not list(pytester.path.rglob("*.html"))
    assert "pages of failing tests" not in result.stdout.str()


def test_the_ini_key_is_a_folder_relative_to_the_ini_file(pytester: pytest.Pytester) -> None:
    ini = pytester.makeini("[pytest]\nthreadlesson_html = pictures\n")
    test = pytester.makepyfile(test_one="""
        import threading, pytest

        @pytest.mark.threadlesson
        def test_exception():
            t = threading.Thread(target=lambda: 1 / 0)
            t.start()
            t.join()
    """)
    elsewhere = pytester.mkdir("elsewhere")
    result = run_pytest(["-p", "no:randomly", "-c", str(ini), "--rootdir", str(pytester.path),
                         str(test)], cwd=elsewhere, timeout=60)
    assert result.returncode == 1, result.stdout
    assert (pytester.path / "pictures" / page_name("test_one.py::test_exception")).is_file()
    assert not (elsewhere / "pictures").exists()


@pytest.mark.parametrize(("args", "ini", "message"), [
    (["--threadlesson-html="], "",
     "threadlesson: --threadlesson-html (command line) is '': expected a folder*"),
    (["--threadlesson-html=afile"], "",
     "threadlesson: --threadlesson-html (command line) is 'afile': that is a file, not a folder"),
    ([], "threadlesson_html = afile/below",
     "threadlesson: threadlesson_html in tox.ini is 'afile/below': cannot make a folder there*"),
])
def test_a_bad_folder_stops_the_run_naming_where_it_came_from(
        pytester: pytest.Pytester, args: list[str], ini: str, message: str) -> None:
    pytester.makefile("", afile="not a folder")
    pytester.makeini(f"[pytest]\n{ini}\n")
    pytester.makepyfile(test_one="def test_one(): pass")
    result = run_isolated(pytester, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])


def test_a_kata_run_writes_a_page_for_each_failing_kata_test(tmp_path: Path) -> None:
    report = tmp_path / "report"
    junit = tmp_path / "junit.xml"
    result = run_pytest(["katas/test_k17_leaked_worker.py", "katas/test_k19_lost_exception.py",
                         "-q", "-p", "no:randomly", "--threadlesson-seed=5",
                         f"--junitxml={junit}", f"--threadlesson-html={report}"], timeout=120)
    assert result.returncode == 1, result.stdout[-3000:]
    pages = _pages(report)
    words = {name: [s.attrs["data-diagnosis"] for s in page.find("section", "failure")]
             for name, page in pages.items() if name != "index.html"}
    assert words and all(words.values()), words
    assert any("leak" in w for w in words.values()), words
    assert any("lost-exception" in w for w in words.values()), words
    failing = {f"{str(case.get('classname')).replace('.', '/')}.py::{case.get('name')}"
               for case in ElementTree.parse(junit).iter("testcase")
               if case.find("failure") is not None or case.find("error") is not None}
    assert len(failing) >= 4, failing
    assert {page_name(test) for test in failing} == set(words)
    assert f"open {report / 'index.html'}" in result.stdout


# ---------------------------------------------------------------------------------------
# In a real browser: Debian's headless Chromium draws the page


def chromium() -> str:
    """The browser, or a skip that says how to install it (outside CI only: in CI a
    missing browser is a failure, never a skip)."""
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None)
    if found is not None:
        return found
    how = "install it with: apt-get install chromium (Debian), as .ci/run does"
    if os.environ.get("CI"):
        pytest.fail(f"headless Chromium is needed for the HTML picture's test in CI: {how}")
    pytest.skip(f"headless Chromium is not installed: {how}")


@pytest.mark.parametrize("ci", ["1", None])
def test_without_chromium_the_browser_test_skips_outside_ci_and_fails_in_ci(
        monkeypatch: pytest.MonkeyPatch, ci: str | None) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    expected = pytest.fail.Exception if ci else pytest.skip.Exception
    try:
        chromium()
    except (pytest.fail.Exception, pytest.skip.Exception) as outcome:
        # caught here, whichever it is: a skip where a failure is due must fail this test
        assert type(outcome) is expected
        assert "apt-get install chromium" in str(outcome)
    else:
        raise AssertionError("no browser, and chromium() neither skipped nor failed")


def browse(browser: str, page: Path, profile: Path, *mode: str) -> subprocess.CompletedProcess[
        bytes]:
    # The background-networking flags: without them Chromium's own connections are
    # refused here and it waits for them; the profile is fresh for every run.
    return subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--hide-scrollbars", f"--user-data-dir={profile}",
         "--window-size=1280,1600", *mode, page.as_uri()],
        capture_output=True, timeout=90, stdin=subprocess.DEVNULL, check=True)


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of RGB(A) bytes of an 8-bit PNG (zlib and struct only)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    size = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * size
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind_byte = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - size] if x >= size else 0
            up = previous[x]
            corner = previous[x - size] if x >= size else 0
            if kind_byte == 1:
                line[x] = (line[x] + left) & 255
            elif kind_byte == 2:
                line[x] = (line[x] + up) & 255
            elif kind_byte == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind_byte == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else
                                      up if pb <= pc else corner)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, [bytes(r[i] for i in range(len(r)) if i % size < 3) for r in rows]


def colours_of(png: bytes) -> dict[str, float]:
    """What share of the picture is white, dark (text, headers), highlight yellow."""
    width, _, rows = png_pixels(png)
    counts = {"white": 0, "dark": 0, "yellow": 0}
    for row in rows[::4]:  # every fourth row is plenty for shares
        for x in range(0, width * 3, 3):
            r, g, b = row[x], row[x + 1], row[x + 2]
            if r > 245 and g > 245 and b > 245:
                counts["white"] += 1
            elif r < 60 and g < 60 and b < 60:
                counts["dark"] += 1
            elif r > 230 and 200 < g < 240 and b < 120:
                counts["yellow"] += 1
    total = width * len(rows[::4])
    return {k: v / total for k, v in counts.items()}


@pytest.mark.timeout(600)
def test_in_a_real_browser_the_lanes_and_the_highlights_are_drawn(
        pytester: pytest.Pytester, tmp_path: Path) -> None:
    browser = chromium()
    pytester.makepyfile(test_every=EVERY_DIAGNOSIS)
    result = run_isolated(pytester, "--threadlesson-html=report", "--threadlesson-seed=3",
                          "-k", "test_race or test_deadlock or test_leak or test_thread_exception",
                          timeout=120)
    result.assert_outcomes(failed=3, passed=1, errors=1)
    folder = pytester.path / "report"
    for test, lanes in (("test_race", ["main", "Thread-1", "Thread-2"]),
                        ("test_deadlock", ["Thread-1", "Thread-2"]),
                        ("test_leak", ["heartbeat (non-daemon)"]),
                        ("test_thread_exception", ["the test", "Thread-1"])):
        page = folder / page_name(f"test_every.py::{test}")
        shot = tmp_path / f"{test}.png"
        # One run draws the PNG and prints the DOM; at half scale: the same layout, a
        # quarter of the pixels to decode.
        drawn = browse(browser, page, tmp_path / f"profile-{test}", "--dump-dom",
                       f"--screenshot={shot}", "--force-device-scale-factor=0.5")
        dom = Page(drawn.stdout.decode("utf-8"))
        assert lanes_of(dom) == lanes, test
        assert highlighted(dom), test
        assert dom.find("pre", "report"), test
        shares = colours_of(shot.read_bytes())
        assert shares["white"] < 0.97, (test, shares)  # not a blank page
        assert shares["dark"] > 0.005, (test, shares)  # text and the lanes' headers
        assert shares["yellow"] > 0.002, (test, shares)  # the highlighted steps
        if test == "test_deadlock":
            assert len(dom.find("g", "node")) == 4 and dom.find("span", "hold")
