"""A failure as a self-contained HTML page, for a projector at a dojo: a pure function from
`timeline.Timeline`s to a string.

One swimlane (a table column) per thread, the steps in time order down the page, the
conflicting accesses in yellow with a red frame and the word "conflict" (never colour
alone), lock holds as coloured bars down the holder's lane for as long as it holds them,
a deadlock's cycle as an SVG drawing (thread -> waits for -> lock -> held by -> thread ...),
a leaked thread's lane running on past the end of the test. Then the report exactly as the
terminal shows it.

Nothing is fetched: the CSS and the SVG are inline, the fonts the machine's own, no
script (the page works without JavaScript). Everything that comes from the learner's code
(source lines, lock names, messages) is escaped: a line may hold `<`, `&` or quotes.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

from .timeline import CycleEdge, Hold, Row, Timeline

MAX_ROWS = 200  # a longer timeline shows its last rows: the failure is at the end

# Lock colours: strong, distinct on a washed-out projector, each readable under white text.
_PALETTE = ("#1565c0", "#2e7d32", "#8e24aa", "#ef6c00", "#00838f", "#6d4c41", "#c2185b",
            "#455a64")
_DIAGNOSIS_COLOURS = {"race": "#b00020", "deadlock": "#6a1b9a", "leak": "#0d47a1",
                      "lost-exception": "#bf360c", "hang": "#37474f", "broken": "#212121",
                      "exception": "#ad1457"}
_BAR = 12  # px: the width of one hold bar
# What the highlight says (never colour alone): the steps the headline names.
_FLAGS = {"race": "conflict", "deadlock": "deadlock", "lost-exception": "lost",
          "leak": "leaked", "hang": "stuck", "exception": "raised", "broken": "broken"}

_CSS = """
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 24px;
  line-height: 1.35; color: #111; background: #fff; margin: 20px 32px 60px; }
h1 { font-size: 22px; font-weight: normal; color: #333; margin: 0 0 12px;
  overflow-wrap: anywhere; }
section.failure { margin-bottom: 48px; }
.diagnosis { display: inline-block; font-size: 30px; font-weight: bold; color: #fff;
  padding: 4px 18px; border-radius: 8px; letter-spacing: 0.03em; }
.headline { font-size: 34px; font-weight: bold; margin: 12px 0 18px; line-height: 1.25; }
dl.extra { display: grid; grid-template-columns: max-content auto; gap: 4px 16px;
  font-size: 22px; margin: 0 0 18px; }
dl.extra dt { font-weight: bold; } dl.extra dd { margin: 0; }
table.swimlanes { border-collapse: separate; border-spacing: 0; width: 100%;
  table-layout: fixed; margin: 8px 0 16px; }
table.swimlanes th { font-size: 28px; background: #111; color: #fff; padding: 10px 14px;
  text-align: left; overflow-wrap: anywhere; position: sticky; top: 0; z-index: 2; }
table.swimlanes th.n, table.swimlanes td.n { width: 3.4em; text-align: right;
  padding-right: 12px; }
td.n { color: #444; font-size: 22px; vertical-align: top; padding-top: 10px; }
td.cell { position: relative; vertical-align: top; padding: 8px 12px 8px 14px;
  border-left: 3px solid #9e9e9e; border-bottom: 1px solid #ddd; }
tr:nth-child(even) td { background: #f4f4f4; }
td.cell.conflict { background: #ffe14d; box-shadow: inset 0 0 0 5px #b00020; }
.bar { position: absolute; top: 0; bottom: 0; width: 12px; }
.where { font-size: 20px; color: #333; }
code, pre { font-family: "DejaVu Sans Mono", "Liberation Mono", Consolas, monospace; }
.step code { font-size: 24px; white-space: pre-wrap; overflow-wrap: break-word;
  display: block; }
.note { font-size: 22px; font-weight: bold; color: #0b3d91; overflow-wrap: anywhere; }
.conflict .note { color: #111; }
.flag { display: inline-block; background: #b00020; color: #fff; font-weight: bold;
  font-size: 18px; padding: 1px 10px; border-radius: 4px; margin-top: 4px; }
.hold-start { display: inline-block; color: #fff; font-size: 18px; font-weight: bold;
  padding: 1px 8px; border-radius: 4px; margin-top: 4px; }
.collapsed { font-style: italic; color: #333; }
tr.test-end td { background: #111; color: #fff; font-weight: bold; text-align: center;
  font-size: 22px; padding: 6px; }
.legend { font-size: 22px; margin: 4px 0 16px; }
.legend span.swatch { display: inline-block; width: 22px; height: 22px;
  vertical-align: middle; margin: 0 6px 0 18px; border-radius: 3px; }
.hidden-rows { font-size: 22px; font-style: italic; }
figure.cycle { margin: 8px 0 20px; }
figure.cycle figcaption { font-size: 26px; font-weight: bold; margin-bottom: 6px; }
figure.cycle svg { width: 100%; max-width: 1200px; height: auto; display: block; }
details.report summary { font-size: 24px; font-weight: bold; cursor: pointer; }
pre.report { font-size: 19px; line-height: 1.3; white-space: pre-wrap;
  overflow-wrap: anywhere; background: #f4f4f4; border: 2px solid #bbb; padding: 12px 16px; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def render_html(timeline: Timeline | Sequence[Timeline], *, title: str) -> str:
    """The page for one failing test: `title` (its node id) at the top, then each of its
    timelines (a test can fail in its call and again at teardown) as a section."""
    timelines = [timeline] if isinstance(timeline, Timeline) else list(timeline)
    sections = "\n".join(_section(t, number) for number, t in enumerate(timelines))
    words = ", ".join(dict.fromkeys(t.diagnosis for t in timelines)) or "failure"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"generator\" content=\"pytest-threadlesson\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>threadlesson: {_e(words)}: {_e(title)}</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{_e(title)}</h1>\n{sections}\n</body>\n</html>\n"
    )


def _section(t: Timeline, number: int) -> str:
    colour = _DIAGNOSIS_COLOURS.get(t.diagnosis, "#212121")
    parts = [
        f'<section class="failure" data-diagnosis="{_e(t.diagnosis)}" id="failure-{number}">',
        f'<span class="diagnosis" style="background:{colour}">{_e(t.diagnosis)}</span>',
        f'<p class="headline">{_e(t.headline)}</p>',
        _extra(t.extra),
        _cycle(t),
        _swimlanes(t),
        _report(t.text),
        "</section>",
    ]
    return "\n".join(part for part in parts if part)


def _extra(extra: dict[str, str]) -> str:
    if not extra:
        return ""
    items = "".join(f"<dt>{_e(key)}</dt><dd><code>{_e(value)}</code></dd>"
                    for key, value in extra.items())
    return f'<dl class="extra">{items}</dl>'


def _report(text: str) -> str:
    if not text.strip():
        return ""
    return ('<details class="report" open><summary>The report, as the terminal shows it'
            f'</summary>\n<pre class="report">{_e(text.rstrip())}</pre></details>')


# ---------------------------------------------------------------------------------------
# The swimlanes


def _lock_colours(holds: Sequence[Hold]) -> dict[str, str]:
    colours: dict[str, str] = {}
    for hold in holds:
        if hold.lock not in colours:
            colours[hold.lock] = _PALETTE[len(colours) % len(_PALETTE)]
    return colours


def _swimlanes(t: Timeline) -> str:
    lanes = list(t.lanes)
    if not lanes:
        return ""
    top = max((row.lane for row in t.rows), default=-1)
    top = max([top, *(leak.lane for leak in t.leaks)])
    lanes += [f"thread {n}" for n in range(len(lanes), top + 1)]
    first = max(0, len(t.rows) - MAX_ROWS)
    colours = _lock_colours(t.holds)
    daemon = {leak.lane: leak.daemon for leak in t.leaks}
    head = "".join(
        f'<th class="lane" data-lane="{n}">{_e(name)}'
        + (f' <small>({"daemon" if daemon[n] else "non-daemon"})</small>' if n in daemon else "")
        + "</th>" for n, name in enumerate(lanes))
    body = []
    if first:
        body.append(f'<tr><td class="n"></td><td class="hidden-rows" colspan="{len(lanes)}">'
                    f"({first} earlier steps not shown)</td></tr>")
    for index in range(first, len(t.rows)):
        body.append(_row(t, index, len(lanes), colours))
    if t.leaks:
        body.append(f'<tr class="test-end"><td colspan="{len(lanes) + 1}">'
                    "the test ended here; these threads did not</td></tr>")
        for leak in t.leaks:
            cells = [f'<td class="cell" data-lane="{n}"></td>' if n != leak.lane else
                     f'<td class="cell conflict" data-lane="{n}"><div class="step conflict '
                     f'leaked" data-lane="{n}" data-conflict="true"><div class="note">'
                     f"still running, now at</div><code>{_e(leak.now)}</code>"
                     '<span class="flag">leaked</span></div></td>'
                     for n in range(len(lanes))]
            body.append(f'<tr class="leaked"><td class="n"></td>{"".join(cells)}</tr>')
    legend = "".join(f'<span class="swatch" style="background:{colour}"></span>held: '
                     f"<code>{_e(lock)}</code>" for lock, colour in colours.items())
    return (f'<table class="swimlanes" data-lanes="{len(lanes)}"><thead><tr>'
            f'<th class="n">step</th>{head}</tr></thead>\n<tbody>\n' + "\n".join(body)
            + "\n</tbody></table>"
            + (f'<p class="legend">{legend}</p>' if legend else ""))


def _held(holds: Sequence[Hold], lane: int, index: int) -> list[Hold]:
    return [h for h in holds
            if h.lane == lane and h.start <= index and (h.end is None or index <= h.end)]


def _row(t: Timeline, index: int, width: int, colours: dict[str, str]) -> str:
    row = t.rows[index]
    cells = []
    for lane in range(width):
        held = _held(t.holds, lane, index)
        bars = "".join(f'<span class="bar hold" style="left:{n * _BAR}px;background:'
                       f'{colours[h.lock]}" title="{_e(h.lock)}" data-lock="{_e(h.lock)}">'
                       "</span>" for n, h in enumerate(held))
        pad = f' style="padding-left:{len(held) * _BAR + 14}px"' if held else ""
        if lane != row.lane:
            cells.append(f'<td class="cell" data-lane="{lane}"{pad}>{bars}</td>')
            continue
        starts = [h for h in held if h.start == index]
        step = _step(row, starts, colours, _FLAGS.get(t.diagnosis, "conflict"))
        cells.append(f'<td class="cell{" conflict" if row.conflict else ""}" '
                     f'data-lane="{lane}"{pad}>{bars}{step}</td>')
    classes = "step-row conflict" if row.conflict else "step-row"
    return (f'<tr class="{classes}" data-step="{index + 1}"><td class="n">{index + 1}</td>'
            + "".join(cells) + "</tr>")


def _step(row: Row, starts: Sequence[Hold], colours: dict[str, str], flag: str) -> str:
    classes = ["step"] + (["conflict"] if row.conflict else []) + \
        (["collapsed"] if row.collapsed else [])
    parts = [f'<div class="{" ".join(classes)}" data-lane="{row.lane}" '
             f'data-conflict="{"true" if row.conflict else "false"}">']
    if row.where:
        parts.append(f'<div class="where">{_e(row.where)}</div>')
    if row.code:
        parts.append(f"<code>{_e(row.code)}</code>")
    note = row.note + (f" ({row.collapsed} steps)" if row.collapsed else "")
    if note:
        parts.append(f'<div class="note">{_e(note)}</div>')
    parts.extend(f'<span class="hold-start" style="background:{colours[h.lock]}">'
                 f"holds {_e(h.lock)}</span> " for h in starts)
    if row.conflict:
        parts.append(f'<span class="flag">{_e(flag)}</span>')
    parts.append("</div>")
    return "".join(parts)


# ---------------------------------------------------------------------------------------
# A deadlock's cycle: thread -> waits for -> lock -> held by -> thread -> ...

_FONT = 24


def _cycle_order(cycle: Sequence[CycleEdge]) -> list[tuple[CycleEdge, bool]]:
    """The edges in the order the cycle runs through them; the flag says whether the
    lock an edge waits for is held by the next edge's thread (the arrow on is drawn)."""
    left = list(cycle)
    order: list[tuple[CycleEdge, bool]] = []
    while left:
        edge = left.pop(0)
        holder = next((e for e in left if e.holds == edge.waits), None)
        if holder is not None:
            left.remove(holder)
            left.insert(0, holder)
            order.append((edge, True))
        else:  # the last edge closes the cycle if the first thread holds what it waits for
            first = order[0][0] if order else edge
            order.append((edge, not left and first.holds == edge.waits))
    return order


def _box(x: float, y: float, text: str, kind: str, colour: str) -> tuple[str, float, float]:
    """A labelled node centred on (x, y): its SVG, half its width, half its height."""
    lines = text.split("\n")
    half_w = max(len(line) for line in lines) * _FONT * 0.31 + 16
    half_h = len(lines) * _FONT * 0.65 + 10
    fill, ink = (colour, "#fff") if kind == "thread" else ("#fff", "#111")
    stroke = 4 if kind == "thread" else 6
    spans = "".join(
        f'<tspan x="{x:.0f}" dy="{0 if n == 0 else _FONT * 1.25:.1f}">{_e(line)}</tspan>'
        for n, line in enumerate(lines))
    first = y - (len(lines) - 1) * _FONT * 0.62 + _FONT * 0.35
    svg = (f'<g class="node {kind}"><rect x="{x - half_w:.0f}" y="{y - half_h:.0f}" '
           f'width="{2 * half_w:.0f}" height="{2 * half_h:.0f}" rx="10" fill="{fill}" '
           f'stroke="{colour}" stroke-width="{stroke}"/><text x="{x:.0f}" y="{first:.0f}" '
           f'text-anchor="middle" font-size="{_FONT}" fill="{ink}">{spans}</text></g>')
    return svg, half_w, half_h


def _clip(cx: float, cy: float, hw: float, hh: float, tx: float, ty: float) -> tuple[
        float, float]:
    """Where the line from a box's centre towards (tx, ty) leaves the box."""
    dx, dy = tx - cx, ty - cy
    scale = min(hw / abs(dx) if dx else math.inf, hh / abs(dy) if dy else math.inf)
    scale = min(scale, 1.0)
    return cx + dx * scale, cy + dy * scale


def _arrow(a: tuple[float, float, float, float], b: tuple[float, float, float, float],
           label: str) -> str:
    (ax, ay, aw, ah), (bx, by, bw, bh) = a, b
    dx, dy = bx - ax, by - ay
    # Bend outwards (to the left of travel, on a clockwise round): arcs of the cycle.
    cx, cy = (ax + bx) / 2 + dy * 0.22, (ay + by) / 2 - dx * 0.22
    sx, sy = _clip(ax, ay, aw + 6, ah + 6, cx, cy)
    ex, ey = _clip(bx, by, bw + 10, bh + 10, cx, cy)
    mx, my = 0.25 * sx + 0.5 * cx + 0.25 * ex, 0.25 * sy + 0.5 * cy + 0.25 * ey
    return (f'<path class="edge" d="M{sx:.0f},{sy:.0f} Q{cx:.0f},{cy:.0f} {ex:.0f},{ey:.0f}" '
            'fill="none" stroke="#111" stroke-width="4" marker-end="url(#arrowhead)"/>'
            f'<text class="edge-label" x="{mx:.0f}" y="{my + 7:.0f}" text-anchor="middle" '
            f'font-size="{_FONT}" font-weight="bold" fill="#b00020" stroke="#fff" '
            f'stroke-width="6" paint-order="stroke">{_e(label)}</text>')


def _cycle(t: Timeline) -> str:
    if not t.cycle:
        return ""
    order = _cycle_order(t.cycle)
    colours = _lock_colours(t.holds)
    nodes: list[tuple[str, str, str]] = []  # (text, kind, colour)
    for edge, _ in order:
        name = t.lanes[edge.lane] if edge.lane < len(t.lanes) else f"thread {edge.lane}"
        where = f"\nat {edge.where}" if edge.where else ""
        nodes.append((f"{name}{where}", "thread", "#111"))
        nodes.append((edge.waits, "lock", colours.get(edge.waits, "#b00020")))
    count = len(nodes)
    width = 1200
    widest = max(max(len(line) for line in text.split("\n")) for text, _, _ in nodes)
    half = widest * _FONT * 0.31 + 16
    rx = max(width / 2 - half - 20, 120.0)
    ry = 70 + 40 * count if count > 2 else 150
    height = 2 * ry + 140
    placed = []
    drawn = []
    for n, (text, kind, colour) in enumerate(nodes):
        angle = -math.pi / 2 + 2 * math.pi * n / count
        x, y = width / 2 + rx * math.cos(angle), height / 2 + ry * math.sin(angle)
        svg, hw, hh = _box(x, y, text, kind, colour)
        drawn.append(svg)
        placed.append((x, y, hw, hh))
    arrows = []
    for n, (_, closes) in enumerate(order):
        arrows.append(_arrow(placed[2 * n], placed[2 * n + 1], "waits for"))
        if closes:
            arrows.append(_arrow(placed[2 * n + 1], placed[(2 * n + 2) % count], "held by"))
    defs = ('<defs><marker id="arrowhead" viewBox="0 0 10 10" refX="8" refY="5" '
            'markerWidth="5" markerHeight="5" orient="auto-start-reverse">'
            '<path d="M0,0 L10,5 L0,10 z" fill="#111"/></marker></defs>')
    caption = ("The cycle: each thread waits for a lock the next one holds"
               if all(closes for _, closes in order) else "Who waits for what")
    return (f'<figure class="cycle"><figcaption>{_e(caption)}</figcaption>'
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}" '
            f'role="img" aria-label="{_e(caption)}">{defs}{"".join(arrows)}'
            f'{"".join(drawn)}</svg></figure>')


def render_index(pages: Sequence[tuple[str, str, str]], *, title: str) -> str:
    """The run's index: one link a page, as (file name, test id, diagnosis)."""
    items = "\n".join(
        f'<li><a href="{_e(name)}">{_e(test)}</a> <span class="diagnosis" style="background:'
        f'{_DIAGNOSIS_COLOURS.get(diagnosis, "#212121")};font-size:20px">{_e(diagnosis)}'
        "</span></li>" for name, test, diagnosis in pages) or (
        "<li>No page: no test the plugin watches failed.</li>")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"generator\" content=\"pytest-threadlesson\">\n"
        f"<title>{_e(title)}</title>\n<style>{_CSS}li {{ margin: 10px 0; }}</style>\n"
        f"</head>\n<body>\n<p class=\"headline\">{_e(title)}</p>\n<ul class=\"pages\">\n"
        f"{items}\n</ul>\n"
        "</body>\n</html>\n")
