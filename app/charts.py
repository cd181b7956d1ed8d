"""Plotly figures as plain dicts (``{"data": [...], "layout": {...}}``); templates only embed them.

Figures are written as the JSON that ``plotly.graph_objects.Figure(...).to_plotly_json()`` would
give, without building the validating objects on every page view (about 2 ms a figure); the tests
pass every figure through ``plotly.graph_objects.Figure`` so a property Plotly does not know fails
there. Labels arrive already translated: this module holds no text of its own. Numbers on the
figures are formatted by Plotly with the page's locale (``config.locale``), so French pages show
decimal commas.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from app.core.report import Report

Figure = dict[str, Any]

SCORE_RANGE = (0.0, 100.0)
# Contrast at least 4.5:1 on white for the marks the text relies on (WCAG 1.4.11 asks 3:1).
ACCENT = "#000091"  # the dominant positioning / first logic
MUTED = "#6f6f6f"  # the other dimensions
FILL = "rgba(0, 0, 145, 0.15)"
GRID = "#d0d6de"
# Horizontal bar charts: scores 0–100 along x, categories down y, first on top.
SCORE_AXIS: dict[str, Any] = {
    "range": list(SCORE_RANGE),
    "tickvals": [0, 25, 50, 75, 100],
    "gridcolor": GRID,
    "fixedrange": True,
}
CATEGORY_AXIS: dict[str, Any] = {"autorange": "reversed", "automargin": True, "fixedrange": True}
TEXT = "#161616"
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
LABEL_WIDTH = 24  # characters per line of an axis label
# A radar's labels sit beside its circle: narrower lines leave the circle room on a phone.
RADAR_LABEL_WIDTH = 16


def wrap_label(text: str, width: int = LABEL_WIDTH) -> str:
    """Return text broken into lines of at most width characters, joined with Plotly's ``<br>``."""
    lines = textwrap.wrap(text, width=width, break_long_words=False) or [text]
    return "<br>".join(lines)


def ranking(values: Mapping[str, float], first: str | None = None) -> list[tuple[str, float]]:
    """Return (id, value) pairs from highest to lowest; ``first`` (a tie winner) leads if given."""
    ordered = sorted(values.items(), key=lambda item: -item[1])
    if first is not None and first in values:
        ordered = [(first, values[first])] + [item for item in ordered if item[0] != first]
    return ordered


def _base_layout(height: int) -> dict[str, Any]:
    """Return the layout shared by every figure: sober font, no title (the figcaption is one)."""
    return {
        "height": height,
        "autosize": True,
        "margin": {"l": 16, "r": 16, "t": 24, "b": 24, "pad": 0},
        "font": {"family": FONT_FAMILY, "size": 13, "color": TEXT},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "showlegend": False,
        "hoverlabel": {"font": {"family": FONT_FAMILY}},
    }


def radar_figure(
    labels: Sequence[str], values: Sequence[float], *, name: str, unit: str = "/ 100"
) -> Figure:
    """Return a closed radar (``scatterpolar``) of values on the 0–100 scale, one axis per label."""
    theta = [wrap_label(label, RADAR_LABEL_WIDTH) for label in labels]
    layout = _base_layout(height=360)
    # Room for three lines of label above the circle and on each side of it (a 390 px screen
    # still keeps a circle of about 130 px).
    layout["margin"] = {"l": 112, "r": 112, "t": 64, "b": 40, "pad": 0}
    layout["polar"] = {
        "bgcolor": "#ffffff",
        "radialaxis": {
            "range": list(SCORE_RANGE),
            "tickvals": [25, 50, 75, 100],
            "angle": 90,
            "tickangle": 90,
            "gridcolor": GRID,
            "linecolor": GRID,
            "tickfont": {"size": 11},
        },
        "angularaxis": {
            "direction": "clockwise",
            "rotation": 90,
            "gridcolor": GRID,
            "linecolor": GRID,
            "tickfont": {"size": 12},
        },
    }
    return {
        "data": [
            {
                "type": "scatterpolar",
                "name": name,
                # Repeat the first point so that the outline closes.
                "r": [*values, values[0]] if values else [],
                "theta": [*theta, theta[0]] if theta else [],
                "customdata": [*labels, labels[0]] if labels else [],
                "mode": "lines+markers",
                "fill": "toself",
                "fillcolor": FILL,
                "line": {"color": ACCENT, "width": 2},
                "marker": {"color": ACCENT, "size": 8},
                "hovertemplate": "%{customdata}<br>%{r:.1f} " + unit + "<extra></extra>",
            }
        ],
        "layout": layout,
    }


def bar_figure(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    name: str,
    highlight: int | None = 0,
    unit: str = "/ 100",
) -> Figure:
    """Return a horizontal bar chart of values on the 0–100 scale, first label at the top.

    The bar at index ``highlight`` is drawn in the accent colour, the others muted.
    """
    colours = [ACCENT if i == highlight else MUTED for i in range(len(values))]
    # The other bars are hatched too, so that the highlighted one stands out in black and white.
    hatches = ["" if i == highlight else "/" for i in range(len(values))]
    layout = _base_layout(height=80 + 64 * max(len(values), 1))
    layout["margin"] = {"l": 8, "r": 48, "t": 16, "b": 40, "pad": 4}
    layout["bargap"] = 0.35
    layout["xaxis"] = {**SCORE_AXIS, "zeroline": True, "zerolinecolor": GRID}
    layout["yaxis"] = dict(CATEGORY_AXIS)
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": name,
                "x": list(values),
                "y": [wrap_label(label) for label in labels],
                "customdata": list(labels),
                "marker": {
                    "color": colours,
                    "pattern": {"shape": hatches, "fgcolor": "#ffffff", "size": 6},
                },
                "text": list(values),
                "texttemplate": "%{x:.1f}",
                "textposition": "outside",
                "cliponaxis": False,
                "hovertemplate": "%{customdata}<br>%{x:.1f} " + unit + "<extra></extra>",
            }
        ],
        "layout": layout,
    }


def positioning_figure(report: Report, *, name: str) -> Figure:
    """Return the radar of a report's three positioning scores, in the report's language."""
    ids = list(report.scores)
    return radar_figure([report.labels[i] for i in ids], [report.scores[i] for i in ids], name=name)


def logics_figure(report: Report, *, name: str) -> Figure:
    """Return the bars of a report's three logics of action, highest first, in its language."""
    ordered = ranking(report.logics)
    return bar_figure(
        [report.labels[i] for i, _ in ordered], [v for _, v in ordered], name=name, highlight=0
    )


def peers_figure(
    labels: Sequence[str],
    own: Sequence[float],
    means: Sequence[float | None],
    margins: Sequence[float],
    *,
    own_name: str,
    peers_name: str,
) -> Figure:
    """Return the respondent's scores (bars) against the peers' noisy means (diamonds with
    their 95 % margin as error bars), one row per positioning; a mean left None is not drawn.
    """
    wrapped = [wrap_label(label) for label in labels]
    lines = sum(label.count("<br>") + 1 for label in wrapped)
    layout = _base_layout(height=150 + 20 * lines + 40 * len(labels))
    layout["showlegend"] = True
    layout["legend"] = {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"}
    layout["margin"] = {"l": 8, "r": 24, "t": 16, "b": 40, "pad": 4}
    layout["bargap"] = 0.45
    layout["xaxis"] = dict(SCORE_AXIS)
    layout["yaxis"] = dict(CATEGORY_AXIS)
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": own_name,
                "x": list(own),
                "y": wrapped,
                "marker": {"color": FILL, "line": {"color": ACCENT, "width": 1.5}},
                "hovertemplate": "%{y}<br>%{x:.1f} / 100<extra>" + own_name + "</extra>",
            },
            {
                "type": "scatter",
                "mode": "markers",
                "name": peers_name,
                "x": list(means),
                "y": wrapped,
                "marker": {"symbol": "diamond", "size": 12, "color": TEXT},
                "error_x": {
                    "type": "data",
                    "array": [round(m, 1) for m in margins],
                    "visible": True,
                    "color": TEXT,
                    "thickness": 2,
                    "width": 8,
                },
                "hovertemplate": "%{y}<br>≈ %{x:.1f} / 100<extra>" + peers_name + "</extra>",
            },
        ],
        "layout": layout,
    }


# --- The partnership portfolio: development level (x) against economic intensity (y) ---------

# Markers of one level sit side by side in these columns (in level units) before any moves up
# or down; a marker moves by PORTFOLIO_STEP points of intensity only when all columns are taken.
PORTFOLIO_SLOTS = (0.0, 0.3, -0.3)
PORTFOLIO_STEP = 8.0
PORTFOLIO_MARKER = 20  # px: room for a two-digit label
PORTFOLIO_TICK_WIDTH = 10  # characters per line of a level's name under the axis
PORTFOLIO_TITLE_WIDTH = 30  # characters per line of the x axis title (a phone's plot width)
PORTFOLIO_Y_TITLE_WIDTH = 36  # the y axis title runs along the plot's height


def portfolio_positions(points: Sequence[tuple[int, float]]) -> list[tuple[float, float]]:
    """Return where to draw each (level, intensity) point so that no two markers overlap.

    Points of one level closer than PORTFOLIO_STEP in intensity are set side by side; only a
    fourth one so close moves up or down (kept within 0–100). The data table keeps the values.
    """
    placed: list[tuple[int, float, float]] = []  # level, slot, drawn intensity
    result: list[tuple[float, float]] = [(0.0, 0.0)] * len(points)
    order = sorted(range(len(points)), key=lambda i: (points[i][0], points[i][1], i))
    for i in order:
        level, value = points[i]
        for step in range(0, 2 * len(points) + 1):
            shift = PORTFOLIO_STEP * ((step + 1) // 2) * (1 if step % 2 else -1)
            y = min(max(value + shift, 0.0), 100.0)
            free = [
                slot
                for slot in PORTFOLIO_SLOTS
                if not any(
                    lv == level and s == slot and abs(other - y) < PORTFOLIO_STEP
                    for lv, s, other in placed
                )
            ]
            if free:
                placed.append((level, free[0], y))
                result[i] = (level + free[0], y)
                break
    return result


def portfolio_figure(
    levels: Sequence[str],
    points: Sequence[tuple[int, float]],
    labels: Sequence[str],
    hovers: Sequence[str],
    *,
    x_title: str,
    y_title: str,
    name: str,
) -> Figure:
    """Return the portfolio: one labelled marker per partnership, at its partner's development
    level (x, ``levels`` naming the ticks 0, 1, 2…) and its economic intensity (y, 0–100).

    ``labels`` are written in the markers (the partnership's number), ``hovers`` on hover.
    """
    drawn = portfolio_positions(points)
    layout = _base_layout(height=420)
    layout["margin"] = {"l": 8, "r": 8, "t": 16, "b": 8, "pad": 4}
    layout["xaxis"] = {
        "range": [-0.5, len(levels) - 0.5],
        "tickvals": list(range(len(levels))),
        "ticktext": [wrap_label(label, PORTFOLIO_TICK_WIDTH) for label in levels],
        "tickfont": {"size": 12},
        "showgrid": False,
        "zeroline": False,
        "automargin": True,
        "fixedrange": True,
        "title": {"text": wrap_label(x_title, PORTFOLIO_TITLE_WIDTH), "standoff": 8},
    }
    layout["yaxis"] = {
        "range": [-7, 107],
        "tickvals": [0, 25, 50, 75, 100],
        "gridcolor": GRID,
        "zeroline": False,
        "automargin": True,
        "fixedrange": True,
        "title": {"text": wrap_label(y_title, PORTFOLIO_Y_TITLE_WIDTH), "standoff": 8},
    }
    # A thin line between two levels, so that side-by-side markers read as one column.
    layout["shapes"] = [
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": i + 0.5,
            "x1": i + 0.5,
            "y0": 0,
            "y1": 1,
            "line": {"color": GRID, "width": 1},
        }
        for i in range(len(levels) - 1)
    ]
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "markers+text",
                "name": name,
                "x": [x for x, _ in drawn],
                "y": [y for _, y in drawn],
                "text": list(labels),
                "textposition": "middle center",
                "textfont": {"color": "#ffffff", "size": 11},
                "customdata": list(hovers),
                "marker": {
                    "size": PORTFOLIO_MARKER,
                    "color": ACCENT,
                    "line": {"color": "#ffffff", "width": 1.5},
                },
                "cliponaxis": False,
                "hovertemplate": "%{customdata}<extra></extra>",
            }
        ],
        "layout": layout,
    }
