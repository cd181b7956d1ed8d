"""ARRICOD's side in a real browser: the administrator logs in and sees the dashboard's charts."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_charts_drawn, assert_charts_have_tables, log_in_as_admin


def test_dashboard_needs_a_login(page: Page) -> None:
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login"))
    expect(page.locator("input[name='password']")).to_have_attribute("type", "password")


def test_administrator_sees_the_dashboard_with_its_charts(page: Page) -> None:
    log_in_as_admin(page)
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("h1")).to_be_visible()
    # Plotly draws each trace in its own layer: box plots and bars, not plain scatters.
    assert_charts_drawn(page, minimum=2)
    assert page.locator(".chart .boxlayer .trace").count() >= 1, "no box plot on the dashboard"
    assert page.locator(".chart .barlayer .trace").count() >= 1, "no bar chart on the dashboard"


def test_dashboard_charts_have_their_data_tables(page: Page) -> None:
    log_in_as_admin(page)
    expect(page).to_have_url(re.compile(r"/admin/$"))
    assert_charts_drawn(page)
    assert_charts_have_tables(page)
