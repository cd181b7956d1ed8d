"""Does a page's charts read? Measures, in the browser, what Plotly really drew.

``legibility_problems(page)`` returns every problem found on the page as it is (any page type:
the result page, the dashboard): for each drawn Plotly chart, the bounding boxes of its tick
labels, bar texts, point labels, legend and plot area (and its axis titles, with
``titles=True``) must lie inside the chart and must not intersect each other, nor may a
scatter's markers (a polar chart's angular labels must stay off its circle); the data table
beside a chart must not overflow its box; the page must not scroll sideways. An empty list means
legible.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results"
TOLERANCE_PX = 1.0

# Runs in the page with {selector, tolerance}: returns a list of problems as text.
MEASURE_JS = Path(__file__).with_name("legibility.js").read_text(encoding="utf-8")


def legibility_problems(page: Page, selector: str = ".chart", *, titles: bool = False) -> list[str]:
    """Return the legibility problems of the page's drawn charts and of the page's width."""
    problems: list[str] = page.evaluate(
        MEASURE_JS, {"selector": selector, "tolerance": TOLERANCE_PX, "titles": titles}
    )
    return problems


def keep_screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under test-results/ (a failure's artifact); return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
