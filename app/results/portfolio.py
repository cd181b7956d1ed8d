"""The partnership portfolio of a stored result: its chart, its data table and its SVG for the PDF.

The entries come from the stored report (``Report.portfolio``, built by ``app.core.portfolio``
when the diagnostic was completed), so the page shows the placement and advice of that day.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup

from app import charts
from app.core.portfolio import Entry
from app.core.report import Report
from app.i18n import current_lang
from app.results import svg

CHART_ID = "chart-portfolio"
# CSS pixels of the chart on paper (charts.js redraws it at this size before printing).
PRINT_WIDTH = 360
PRINT_HEIGHT = 320

Number = Callable[[float], str]


def marker_label(entry: Entry) -> str:
    """Return what a partnership's marker says: its number among the blocks (« 2 »)."""
    return str(entry.index + 1)


def _hover(entry: Entry, number: Number, axis: str) -> str:
    """Return the hover text of a marker: the block, its country, level and intensity."""
    colon = "\u00a0: " if current_lang() == "fr" else ": "
    return (
        f"{entry.item_label} · {entry.country_name}<br>{entry.level_label}<br>"
        f"{axis}{colon}{number(entry.intensity)} / 100"
    )


def context(report: Report, number: Number) -> dict[str, Any] | None:
    """Return the portfolio's figure, table and entries; None when the result has none."""
    portfolio = report.portfolio
    if portfolio is None or not portfolio.entries:
        return None
    placed = [e for e in portfolio.entries if e.level is not None]
    caption = _(
        "Vos partenariats selon le niveau de développement du pays et l'intensité économique"
    )
    y_title = _("%(axis)s (sur 100)", axis=portfolio.intensity_axis)
    figure = charts.portfolio_figure(
        [level.short for level in portfolio.levels],
        [(int(e.level or 0), e.intensity) for e in placed],
        [marker_label(e) for e in placed],
        [_hover(e, number, portfolio.intensity_axis) for e in placed],
        x_title=portfolio.level_axis,
        y_title=y_title,
        name=_("Vos partenariats"),
    )
    # The table holds what the chart draws: each partnership's level and intensity.
    rows = [
        [f"{e.item_label} · {e.country_name}", e.level_label, number(e.intensity)]
        for e in portfolio.entries
    ]
    return {
        "id": CHART_ID,
        "caption": caption,
        "figure": figure if placed else None,
        "print_width": PRINT_WIDTH,
        "print_height": PRINT_HEIGHT,
        "headers": [_("Partenariat"), portfolio.level_axis, y_title],
        "rows": rows,
        "entries": portfolio.entries,
        "unplaced": [e for e in portfolio.entries if e.level is None],
        "intensity_source": portfolio.intensity_source,
        "level_source": portfolio.level_source,
    }


def chart_svg(spec: dict[str, Any], number: Number) -> Markup | None:
    """Return the portfolio chart drawn as SVG for the server PDF (None without a figure)."""
    if spec.get("figure") is None:
        return None
    return svg.portfolio_svg(spec["figure"], spec["caption"], number, spec["id"])
