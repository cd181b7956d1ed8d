"""The dashboard in a real browser: key figures first, the map really drawn as filled shapes,
each chart saved as PNG from Plotly's own button and each table as CSV."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_charts_drawn, log_in_as_admin


def open_dashboard(page: Page) -> None:
    """Log in and wait for every chart of the dashboard to be drawn."""
    log_in_as_admin(page)
    expect(page).to_have_url(re.compile(r"/admin/$"))
    assert_charts_drawn(page, minimum=5)


def test_key_figures_come_first_as_tiles(page: Page) -> None:
    open_dashboard(page)
    tiles = page.locator("#key-figures .tile")
    assert tiles.count() >= 4  # shared, this year, last year, and the dominant positionings
    expect(page.locator("#dashboard-total")).to_contain_text("±")
    first_chart = page.locator(".board-figure").first.bounding_box()
    last_tile = tiles.last.bounding_box()
    assert first_chart is not None
    assert last_tile is not None
    assert last_tile["y"] < first_chart["y"]
    # « 67 % » never wraps: a tile's value holds on one line.
    for value in page.locator(".tile__value").all():
        box = value.bounding_box()
        assert box is not None
        assert box["height"] < 2 * 28, value.text_content()


def test_the_map_draws_every_region_as_a_filled_shape(page: Page) -> None:
    open_dashboard(page)
    chart = page.locator("#chart-map")
    # A partial Plotly bundle draws an unknown trace type as a plain scatter: check that the
    # regions are filled shapes in the scatter layer, each class a non-empty path.
    fills = chart.locator(".cartesianlayer .scatterlayer .trace .fills path.js-fill")
    assert fills.count() >= 2
    for path in fills.all():
        assert len(path.get_attribute("d") or "") > 100
    expect(chart.locator(".annotation-text")).to_have_count(5)  # the five overseas insets
    table = page.locator("#chart-map-figure table")
    expect(table.locator("tbody tr")).to_have_count(18)
    expect(table).to_contain_text("Mayotte")


def test_a_chart_downloads_as_png_from_plotly_button(page: Page) -> None:
    open_dashboard(page)
    button = page.locator("#chart-dominant .modebar-btn")
    expect(button).to_have_count(1)  # only the PNG button
    expect(button).to_have_attribute("role", "button")
    button.focus()
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == "arricod-dominant.png"
    path = download.value.path()
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_table_downloads_as_csv(page: Page) -> None:
    open_dashboard(page)
    link = page.locator("#chart-types-figure a[download]")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "arricod-types.csv"
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("Type de collectivité;Diagnostics;")
