"""The partnership portfolio chart in Chromium: drawn as a scatter with one numbered marker per
partnership, its table beside it, legible at 1280 px and 390 px (no label or marker over
another, nothing clipped, no sideways scrolling), no serious accessibility violation.

The application runs on the test questionnaire ``tests/questionnaires/test_portfolio``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from app import create_app
from app import questionnaire as qn
from app.db import Base, get_engine, get_session
from config import TestConfig
from tests.browser.conftest import assert_charts_drawn, serve_in_thread
from tests.browser.legibility import keep_screenshot, legibility_problems
from tests.factories import completed_diagnostic
from tests.test_portfolio import BOSTON, MALI, ROMANIA, SINGAPORE, answers_with, block

QUESTIONS = Path(__file__).resolve().parent.parent / "questionnaires" / "test_portfolio"
WIDTHS = [1280, 390]
# Eight partnerships, five of them in high-income countries with close intensities, one in a
# country the World Bank does not classify: markers must be set apart, labels stay clear.
BLOCKS = [
    MALI,
    SINGAPORE,
    ROMANIA,
    BOSTON,
    {**SINGAPORE, "partner_country": "DE"},
    {**SINGAPORE, "partner_country": "HR"},
    {**SINGAPORE, "partner_country": "JP"},
    block("SN", ["economy"], ["companies"], partner_seeks=["markets"]),
    block("VE", ["culture"], ["associations"]),
]
# The most a respondent can declare, all at one place: twelve economic partnerships in one
# high-income country.
CROWDED = [{**BOSTON, "partner_country": code} for code in ["US"] * 6 + ["DE"] * 6]


@pytest.fixture(scope="module")
def portfolio_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """Yield an application on the portfolio test questionnaire and a throw-away SQLite file."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(qn, "QUESTIONS_DIR", QUESTIONS)
        db_file = tmp_path_factory.mktemp("portfolio") / "portfolio.sqlite3"
        app = create_app(TestConfig, DATABASE_URL=f"sqlite:///{db_file}")
        with app.app_context():
            Base.metadata.create_all(get_engine())
        yield app


@pytest.fixture(scope="module")
def portfolio_url(portfolio_app: Flask) -> Iterator[str]:
    """Serve the portfolio test questionnaire's application; yield its base URL."""
    yield from serve_in_thread(portfolio_app)


def result_url(app: Flask, base: str, lang: str, blocks: list[dict[str, Any]] = BLOCKS) -> str:
    """Return the result page of a completed diagnostic with these partnerships."""
    with app.app_context():
        _diagnostic, token = completed_diagnostic(
            get_session(), answers_with(*blocks), share=False, lang=lang
        )
    return f"{base}/resultat/{token}?lang={lang}"


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_portfolio_chart_is_legible(
    page: Page, portfolio_app: Flask, portfolio_url: str, width: int, lang: str
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(result_url(portfolio_app, portfolio_url, lang))
    assert_charts_drawn(page, minimum=3)
    chart = page.locator("#chart-portfolio")
    expect(chart).to_have_attribute("data-drawn", "true")
    # One marker per placed partnership (the unclassified one is in the table only).
    expect(chart.locator(".scatterlayer .points path.point")).to_have_count(len(BLOCKS) - 1)
    expect(chart.locator(".textpoint text")).to_have_count(len(BLOCKS) - 1)
    table = page.locator("#chart-portfolio-figure table")
    expect(table.locator("tbody tr")).to_have_count(len(BLOCKS))
    problems = legibility_problems(page, "#chart-portfolio", titles=True)
    if problems:
        shot = keep_screenshot(page, f"portfolio-{lang}-{width}")
        pytest.fail(f"portfolio {lang} {width} px ({shot}):\n" + "\n".join(problems))


@pytest.mark.parametrize("width", WIDTHS)
def test_twelve_partnerships_at_one_place_stay_apart(
    page: Page, portfolio_app: Flask, portfolio_url: str, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(result_url(portfolio_app, portfolio_url, "fr", CROWDED))
    assert_charts_drawn(page, minimum=3)
    chart = page.locator("#chart-portfolio")
    expect(chart.locator(".textpoint text")).to_have_count(len(CROWDED))
    problems = legibility_problems(page, "#chart-portfolio", titles=True)
    if problems:
        shot = keep_screenshot(page, f"portfolio-crowded-{width}")
        pytest.fail(f"twelve partnerships at {width} px ({shot}):\n" + "\n".join(problems))


def test_the_measure_finds_markers_over_each_other(
    page: Page, portfolio_app: Flask, portfolio_url: str
) -> None:
    """Two markers drawn at one place are caught: the check can fail."""
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(result_url(portfolio_app, portfolio_url, "fr"))
    assert_charts_drawn(page, minimum=3)
    assert legibility_problems(page, "#chart-portfolio") == []
    page.evaluate(
        """() => {
          const el = document.getElementById("chart-portfolio");
          return window.Plotly.restyle(el, {x: [[3, 3, 3]], y: [[60, 61, 62]],
                                            text: [["1", "2", "3"]]});
        }"""
    )
    problems = legibility_problems(page, "#chart-portfolio")
    assert any("overlaps" in p for p in problems), problems


def test_the_portfolio_page_is_accessible(
    page: Page,
    portfolio_app: Flask,
    portfolio_url: str,
    assert_accessible: Callable[[Page], None],
) -> None:
    page.goto(result_url(portfolio_app, portfolio_url, "fr"))
    assert_charts_drawn(page, minimum=3)
    expect(page.get_by_role("heading", name="Votre portefeuille de partenariats")).to_be_visible()
    expect(
        page.get_by_role(
            "img",
            name=re.compile("^Vos partenariats selon le niveau de développement du pays"),
        )
    ).to_be_visible()
    assert_accessible(page)
