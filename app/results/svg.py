"""Static SVG drawings of the result page's Plotly figures, for the server-made PDF.

WeasyPrint runs no JavaScript, so the PDF cannot use Plotly. These functions read the very
figure dicts of ``app/charts.py`` (``{"data": [...], "layout": {...}}``) and draw the two figure
types of the result page: a radar (``scatterpolar``) and horizontal bars (``bar`` with
``orientation="h"``). Every mark carries its value as text and the drawing relies on shades and a
hatching, never on colour alone, so it reads in black and white.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape
from typing import Any

from markupsafe import Markup

from app.charts import ACCENT, GRID, MUTED, TEXT

Figure = dict[str, Any]
Number = Callable[[float], str]

FONT = "DejaVu Sans, sans-serif"
FONT_SIZE = 12
LINE_HEIGHT = 15
CHAR_WIDTH = 7.6  # widest average advance of DejaVu Sans (bold) at FONT_SIZE, to lay out labels
WIDTH = 520


def _one_decimal(value: float) -> str:
    """Return a value with one decimal and a point (the default number format)."""
    return f"{value:.1f}"


def _tick(value: float, number: Number) -> str:
    """Return an axis tick as a whole number when it is one (« 25 », not « 25,0 »)."""
    return str(int(value)) if float(value).is_integer() else number(value)


def _lines(label: str) -> list[str]:
    """Return the lines of a label wrapped with Plotly's ``<br>``."""
    return [part for part in str(label).split("<br>") if part] or [""]


def _text(
    x: float, y: float, lines: Sequence[str], *, anchor: str = "middle", bold: bool = False
) -> str:
    """Return an SVG text of one or more lines, the first baseline at y."""
    weight = ' font-weight="bold"' if bold else ""
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else LINE_HEIGHT}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{weight}>{spans}</text>'


def _svg(width: float, height: float, title: str, ident: str, body: list[str]) -> Markup:
    """Return a whole SVG document: accessible name, hatching pattern, font, body."""
    defs = (
        f'<defs><pattern id="{ident}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{MUTED}" stroke-width="3"/>'
        "</pattern></defs>"
    )
    return Markup(  # noqa: S704 - every text inside is escaped above
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{escape(title)}" '
        f'font-family="{FONT}" font-size="{FONT_SIZE}" fill="{TEXT}">'
        f"<title>{escape(title)}</title>{defs}{''.join(body)}</svg>"
    )


def radar_svg(
    figure: Figure, title: str, number: Number = _one_decimal, ident: str = "chart"
) -> Markup:
    """Return a radar of the figure's first ``scatterpolar`` trace, values written at each point."""
    trace = figure["data"][0]
    polar = figure["layout"].get("polar", {})
    low, high = polar.get("radialaxis", {}).get("range", [0, 100])
    ticks = polar.get("radialaxis", {}).get("tickvals", [low, high])
    rotation = float(polar.get("angularaxis", {}).get("rotation", 90))
    sign = -1.0 if polar.get("angularaxis", {}).get("direction") == "clockwise" else 1.0
    values, labels = list(trace["r"]), list(trace["theta"])
    if len(values) > 1 and labels[0] == labels[-1]:
        values, labels = values[:-1], labels[:-1]
    count = max(len(values), 1)
    label_lines = [_lines(label) for label in labels]
    widest = max((len(line) for lines in label_lines for line in lines), default=0)
    # Labels sit above or below their point (beside it only on a horizontal axis): the radius
    # leaves room for half a label on each side.
    width = float(WIDTH)
    radius = max(min(150.0, (width / 2 - 12 - widest * CHAR_WIDTH / 2) / 0.87), 60.0)
    tallest = max((len(lines) for lines in label_lines), default=1)
    cx, cy = width / 2, 20 + tallest * LINE_HEIGHT + radius
    height = cy + radius * 0.5 + 28 + tallest * LINE_HEIGHT

    def point(index: int, value: float) -> tuple[float, float]:
        angle = math.radians(rotation + sign * 360.0 * index / count)
        share = (value - low) / (high - low) if high > low else 0.0
        return cx + radius * share * math.cos(angle), cy - radius * share * math.sin(angle)

    def ring(value: float) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, value) for i in range(count)))

    body = [
        f'<polygon points="{ring(t)}" fill="none" stroke="{GRID}" stroke-width="1"/>'
        for t in ticks
        if t > low
    ]
    for i in range(count):
        x, y = point(i, high)
        body.append(
            f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
    body += [
        _text(cx + 4, point(0, t)[1] + 4, [_tick(t, number)], anchor="start")
        for t in ticks
        if t > low and count
    ]
    outline = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, v) for i, v in enumerate(values)))
    body.append(
        f'<polygon points="{outline}" fill="url(#{ident}-hatch)" fill-opacity="0.5" '
        f'stroke="{ACCENT}" stroke-width="2.5"/>'
    )
    for i, (value, lines) in enumerate(zip(values, label_lines, strict=True)):
        body.append(_radar_label(point, i, value, lines, high, number))
    return _svg(width, height, title, ident, body)


def _radar_label(
    point: Callable[[int, float], tuple[float, float]],
    index: int,
    value: float,
    lines: list[str],
    high: float,
    number: Number,
) -> str:
    """Return a radar point's marker, its value, and its axis label outside the outer ring."""
    x, y = point(index, value)
    ox, oy = point(index, high)
    cx, cy = point(index, 0.0)
    dx, dy = ox - cx, oy - cy
    radius = math.hypot(dx, dy) or 1.0
    beside = abs(dy) < radius * 0.3
    anchor = "middle" if not beside else "start" if dx > 0 else "end"
    lx = ox + (0 if not beside else 8 if dx > 0 else -8)
    block = LINE_HEIGHT * len(lines)
    ly = oy - block + 4 if dy < 0 and not beside else oy + 18 if not beside else oy - block / 2 + 10
    value_y = y - 8 if dy <= 0 else y + 18
    return (
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{ACCENT}"/>'
        + _text(x + 6, value_y, [number(value)], anchor="start", bold=True)
        + _text(lx, ly, lines, anchor=anchor)
    )


def bar_svg(
    figure: Figure, title: str, number: Number = _one_decimal, ident: str = "chart"
) -> Markup:
    """Return horizontal bars of the figure's first ``bar`` trace, each value written after it."""
    trace = figure["data"][0]
    xaxis = figure["layout"].get("xaxis", {})
    low, high = xaxis.get("range", [0, 100])
    ticks = xaxis.get("tickvals", [low, high])
    values = list(trace["x"])
    label_lines = [_lines(label) for label in trace["y"]]
    colours = trace.get("marker", {}).get("color", ACCENT)
    colours = colours if isinstance(colours, list) else [colours] * len(values)
    widest = max((len(line) for lines in label_lines for line in lines), default=0)
    left = 12 + widest * CHAR_WIDTH
    plot = WIDTH - left - 48
    row = max(LINE_HEIGHT * max((len(lines) for lines in label_lines), default=1) + 16, 40)
    top, bar = 8.0, row * 0.6
    height = top + row * len(values) + 28

    def x_of(value: float) -> float:
        share = (value - low) / (high - low) if high > low else 0.0
        return left + plot * min(max(share, 0.0), 1.0)

    body = []
    for t in ticks:
        body.append(
            f'<line x1="{x_of(t):.1f}" y1="{top:.1f}" x2="{x_of(t):.1f}" '
            f'y2="{height - 24:.1f}" stroke="{GRID}"/>'
        )
        body.append(_text(x_of(t), height - 8, [_tick(t, number)]))
    for i, (value, lines) in enumerate(zip(values, label_lines, strict=True)):
        y = top + row * i + (row - bar) / 2
        highlighted = colours[i] == ACCENT
        fill = ACCENT if highlighted else f"url(#{ident}-hatch)"
        body.append(
            f'<rect x="{left:.1f}" y="{y:.1f}" width="{x_of(value) - left:.1f}" '
            f'height="{bar:.1f}" fill="{fill}" stroke="{ACCENT if highlighted else MUTED}"/>'
        )
        label_y = y + bar / 2 - LINE_HEIGHT * (len(lines) - 1) / 2 + 4
        body.append(_text(left - 8, label_y, lines, anchor="end", bold=highlighted))
        body.append(_text(x_of(value) + 6, y + bar / 2 + 4, [number(value)], anchor="start"))
    return _svg(WIDTH, height, title, ident, body)


def _dash(style: str) -> str:
    """Return the SVG dash array of a Plotly line dash ("solid", "dash", "dot")."""
    return {"dash": ' stroke-dasharray="8 5"', "dot": ' stroke-dasharray="2 4"'}.get(style, "")


def _spread(wanted: list[float], gap: float, low: float, high: float) -> list[float]:
    """Return baselines near the wanted ones, at least gap apart, kept between low and high."""
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    placed = [0.0] * len(wanted)
    previous = low - gap
    for i in order:
        placed[i] = max(wanted[i], previous + gap)
        previous = placed[i]
    overflow = previous - high
    if overflow > 0:
        placed = [y - overflow for y in placed]
    return placed


def _legend_items(data: list[Figure]) -> list[tuple[Figure, str]]:
    """Return the legend's entries: each line, then one entry for the open markers when every
    marker trace's name is a line's name followed by the same words (« …, recalculé … »)."""
    lines = [t for t in data if "lines" in t.get("mode", "lines")]
    markers = [t for t in data if "lines" not in t.get("mode", "lines")]
    items = [(t, str(t.get("name", ""))) for t in lines]
    names = [str(t.get("name", "")) for t in lines]
    rests = set()
    for trace in markers:
        name = str(trace.get("name", ""))
        prefix = next((n for n in names if n and name.startswith(n)), None)
        rests.add(name[len(prefix) :].lstrip(" ,;:") if prefix else name)
    if len(rests) == 1 and markers:
        rest = rests.pop()
        items.append((markers[0], rest[:1].upper() + rest[1:]))
    else:
        items += [(t, str(t.get("name", ""))) for t in markers]
    return items


def lines_svg(
    figure: Figure, title: str, number: Number = _one_decimal, ident: str = "chart"
) -> Markup:
    """Return the lines of the figure's ``scatter`` traces over categories (one column per
    point, in order), each line in its own dash, open markers (``mode="markers"``) as diamonds,
    every value written beside its mark and a legend below."""
    data = [t for t in figure["data"] if t.get("type") == "scatter"]
    yaxis = figure["layout"].get("yaxis", {})
    low, high = yaxis.get("range", [0, 100])
    ticks = yaxis.get("tickvals", [0, 25, 50, 75, 100])
    lines = [t for t in data if "lines" in t.get("mode", "lines")]
    columns = list((lines or data)[0]["x"]) if data else []
    left, right, top, plot_height = 36.0, WIDTH - 70.0, 12.0, 200.0
    step = (right - left) / max(len(columns), 1)

    def x_of(index: int) -> float:
        return left + step * (index + 0.5)

    def y_of(value: float) -> float:
        share = (value - low) / (high - low) if high > low else 0.0
        return top + plot_height * (1 - min(max(share, 0.0), 1.0))

    body = []
    for t in ticks:
        body.append(
            f'<line x1="{left:.1f}" y1="{y_of(t):.1f}" x2="{right:.1f}" y2="{y_of(t):.1f}" '
            f'stroke="{GRID}"/>'
        )
        body.append(_text(left - 6, y_of(t) + 4, [_tick(t, number)], anchor="end"))
    bottom = top + plot_height
    for i, column in enumerate(columns):
        body.append(_text(x_of(i), bottom + 18, _lines(str(column))))
    labels: dict[int, list[tuple[float, str, bool]]] = {}
    for trace in data:
        colour = _colour(trace)
        # A category repeated (two results on one day) still gets its own column, in order.
        indexes = _columns_of(list(trace["x"]), columns)
        points = [(x_of(i), y_of(v), i, v) for i, v in zip(indexes, trace["y"], strict=True)]
        if "lines" in trace.get("mode", "lines"):
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _i, _v in points)
            dash = _dash(trace.get("line", {}).get("dash", "solid"))
            body.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"'
                f"{dash}/>"
            )
            body += [
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'
                for x, y, _i, _v in points
            ]
        else:
            body += [_diamond(x, y, colour) for x, y, _i, _v in points]
        for _x, y, i, value in points:
            labels.setdefault(i, []).append((y, number(value), "lines" not in trace["mode"]))
    for i, column_marks in labels.items():
        # Marks of one column at the same value share one label (« 50,0 » once, not four times).
        same: dict[str, tuple[float, str, bool]] = {}
        for y, text, is_open in column_marks:
            kept = same.get(text)
            same[text] = (y, text, is_open and (kept is None or kept[2]))
        marks = list(same.values())
        baselines = _spread([y + 4 for y, _t, _o in marks], LINE_HEIGHT - 2, top + 4, bottom)
        anchor, x = (
            ("end", x_of(i) - 10) if i == 0 and len(columns) > 1 else ("start", x_of(i) + 10)
        )
        for (_y, text, is_open), baseline in zip(marks, baselines, strict=True):
            body.append(_text(x, baseline, [("◇ " if is_open else "") + text], anchor=anchor))
    y = bottom + 28 + LINE_HEIGHT * max((len(_lines(str(c))) for c in columns), default=1)
    legend, height = _legend(data, left, y)
    return _svg(WIDTH, height, title, ident, body + legend)


def _legend(data: list[Figure], left: float, y: float) -> tuple[list[str], float]:
    """Return the legend of line traces from baseline y down (a sample of each line's dash or
    a diamond beside its wrapped name), and the height it reaches."""
    body = []
    for trace, name in _legend_items(data):
        colour = _colour(trace)
        if "lines" in trace.get("mode", "lines"):
            dash = _dash(trace.get("line", {}).get("dash", "solid"))
            body.append(
                f'<line x1="{left:.1f}" y1="{y - 4:.1f}" x2="{left + 28:.1f}" y2="{y - 4:.1f}" '
                f'stroke="{colour}" stroke-width="2.5"{dash}/>'
            )
        else:
            body.append(_diamond(left + 14, y - 4, colour))
        wrapped = _wrap(name, int((WIDTH - left - 40) / CHAR_WIDTH))
        body.append(_text(left + 36, y, wrapped, anchor="start"))
        y += LINE_HEIGHT * len(wrapped) + 4
    return body, y


def _columns_of(xs: list[Any], columns: list[Any]) -> list[int]:
    """Return the column of each x: the next column with that category, in order."""
    indexes, start = [], 0
    for x in xs:
        found = next((i for i in range(start, len(columns)) if columns[i] == x), None)
        if found is None:
            found = columns.index(x) if x in columns else 0
        indexes.append(found)
        start = found + 1
    return indexes


def _colour(trace: Figure) -> str:
    """Return the colour of a trace's line, else of its markers."""
    style: dict[str, Any] = trace.get("line") or trace.get("marker") or {}
    return str(style.get("color", ACCENT))


def _diamond(x: float, y: float, colour: str) -> str:
    """Return an open diamond mark centred on (x, y)."""
    return (
        f'<path d="M{x:.1f} {y - 7:.1f} L{x + 7:.1f} {y:.1f} L{x:.1f} {y + 7:.1f} '
        f'L{x - 7:.1f} {y:.1f} Z" fill="#ffffff" stroke="{colour}" stroke-width="2"/>'
    )


def _wrap(text: str, width: int) -> list[str]:
    """Return a text cut into lines of at most width characters, at spaces."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def peers_svg(
    figure: Figure, title: str, number: Number = _one_decimal, ident: str = "chart"
) -> Markup:
    """Return the peer comparison: own scores as bars, the peers' means as diamonds with their
    margins as error bars (a mean left None is not drawn), each value written at the right."""
    own, peers = figure["data"][0], figure["data"][1]
    label_lines = [_lines(label) for label in own["y"]]
    margins = list(peers.get("error_x", {}).get("array", [0.0] * len(label_lines)))
    widest = max((len(line) for lines in label_lines for line in lines), default=0)
    left = 12 + widest * CHAR_WIDTH
    plot = WIDTH - left - 96
    row = max(LINE_HEIGHT * max((len(lines) for lines in label_lines), default=1) + 16, 40)
    top, bar = 8.0, row * 0.5
    height = top + row * len(label_lines) + 28

    def x_of(value: float) -> float:
        return left + plot * min(max(value / 100.0, 0.0), 1.0)

    body = []
    for t in (0, 25, 50, 75, 100):
        body.append(
            f'<line x1="{x_of(t):.1f}" y1="{top:.1f}" x2="{x_of(t):.1f}" '
            f'y2="{height - 24:.1f}" stroke="{GRID}"/>'
        )
        body.append(_text(x_of(t), height - 8, [str(t)]))
    rows = zip(label_lines, own["x"], peers["x"], margins, strict=True)
    for i, (lines, value, mean, margin) in enumerate(rows):
        y = top + row * i + (row - bar) / 2
        middle = y + bar / 2
        body.append(
            f'<rect x="{left:.1f}" y="{y:.1f}" width="{x_of(value) - left:.1f}" '
            f'height="{bar:.1f}" fill="url(#{ident}-hatch)" stroke="{ACCENT}"/>'
        )
        label_y = middle - LINE_HEIGHT * (len(lines) - 1) / 2 + 4
        body.append(_text(left - 8, label_y, lines, anchor="end"))
        written = number(value)
        if mean is not None:
            low, high = x_of(mean - margin), x_of(mean + margin)
            cx = x_of(mean)
            body.append(
                f'<line x1="{low:.1f}" y1="{middle:.1f}" x2="{high:.1f}" y2="{middle:.1f}" '
                f'stroke="{TEXT}" stroke-width="2"/>'
                f'<path d="M{cx:.1f} {middle - 7:.1f} L{cx + 7:.1f} {middle:.1f} '
                f'L{cx:.1f} {middle + 7:.1f} L{cx - 7:.1f} {middle:.1f} Z" fill="{TEXT}"/>'
            )
            written = f"{written} / ≈ {number(mean)}"
        body.append(_text(WIDTH - 4, middle + 4, [written], anchor="end"))
    return _svg(WIDTH, height, title, ident, body)


RENDERERS: dict[str, Callable[[Figure, str, Number, str], Markup]] = {
    "scatterpolar": radar_svg,
    "bar": bar_svg,
}


def figure_svg(
    figure: Figure, title: str, number: Number = _one_decimal, ident: str = "chart"
) -> Markup:
    """Return the SVG of a result-page figure, picked by its first trace's type.

    ``ident`` prefixes the drawing's internal ids (unique in the document).
    """
    data = figure.get("data") or []
    if len(data) == 2 and [t.get("type") for t in data] == ["bar", "scatter"]:
        return peers_svg(figure, title, number, ident)  # own scores against the peers' means
    kind = data[0].get("type", "scatter") if data else None
    renderer = RENDERERS.get(kind or "")
    if renderer is None:
        raise ValueError(f"no SVG drawing for figures of type {kind!r}")
    return renderer(figure, title, number, ident)


def portfolio_svg(
    figure: Figure, title: str, number: Number = _one_decimal, ident: str = "chart"
) -> Markup:
    """Return the partnership portfolio: each marker at its drawn (level, intensity) with its
    label inside, the levels named under the x axis, intensity 0–100 up the y axis."""
    trace = figure["data"][0]
    xaxis, yaxis = figure["layout"]["xaxis"], figure["layout"]["yaxis"]
    x_low, x_high = (float(v) for v in xaxis["range"])
    y_low, y_high = (float(v) for v in yaxis["range"])
    tick_lines = [_lines(label) for label in xaxis["ticktext"]]
    tallest = max((len(lines) for lines in tick_lines), default=1)
    left, right, top = 64.0, 8.0, 10.0
    plot_h = 260.0
    height = top + plot_h + 12 + tallest * LINE_HEIGHT + 26
    plot_w = WIDTH - left - right

    def x_of(value: float) -> float:
        return left + plot_w * (value - x_low) / (x_high - x_low)

    def y_of(value: float) -> float:
        return top + plot_h * (y_high - value) / (y_high - y_low)

    body = [
        f'<rect x="{left:.1f}" y="{top:.1f}" width="{plot_w:.1f}" height="{plot_h:.1f}" '
        f'fill="none" stroke="{GRID}"/>'
    ]
    for t in yaxis["tickvals"]:
        body.append(
            f'<line x1="{left:.1f}" y1="{y_of(t):.1f}" x2="{left + plot_w:.1f}" '
            f'y2="{y_of(t):.1f}" stroke="{GRID}"/>'
        )
        body.append(_text(left - 6, y_of(t) + 4, [_tick(t, number)], anchor="end"))
    for shape in figure["layout"].get("shapes", []):
        x = x_of(shape["x0"])
        body.append(
            f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{top + plot_h:.1f}" '
            f'stroke="{GRID}"/>'
        )
    for value, lines in zip(xaxis["tickvals"], tick_lines, strict=True):
        body.append(_text(x_of(value), top + plot_h + 16, lines))
    body.append(
        _text(left + plot_w / 2, height - 6, [" ".join(_lines(xaxis["title"]["text"]))], bold=True)
    )
    middle = top + plot_h / 2
    body.append(
        f'<g transform="rotate(-90 16 {middle:.1f})">'
        + _text(16, middle + 4, [" ".join(_lines(yaxis["title"]["text"]))], bold=True)
        + "</g>"
    )
    radius = float(trace["marker"]["size"]) / 2
    for x, y, label in zip(trace["x"], trace["y"], trace["text"], strict=True):
        cx, cy = x_of(x), y_of(y)
        body.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius:.1f}" fill="{ACCENT}" '
            'stroke="#ffffff" stroke-width="1.5"/>'
            f'<text x="{cx:.1f}" y="{cy + 4:.1f}" text-anchor="middle" fill="#ffffff" '
            f'font-weight="bold">{escape(str(label))}</text>'
        )
    return _svg(WIDTH, height, title, ident, body)
