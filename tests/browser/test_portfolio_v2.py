"""The shipped questionnaire v2's portfolio in Chromium: a result with four partnerships (Mali,
Singapore, Romania, the United States) shows its chart legible at 1280 px and 390 px, with no
serious accessibility violation.

Apart from tests/browser/test_portfolio.py, whose application serves a test questionnaire.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from playwright.sync_api import Page, expect

from app.db import get_session
from tests.browser.conftest import assert_charts_drawn
from tests.browser.legibility import legibility_problems
from tests.factories import completed_diagnostic
from tests.test_portfolio import BOSTON, MALI, ROMANIA, SINGAPORE
from tests.test_v2_reasoning import EXAMPLE_A as V2_EXAMPLE_A

WIDTHS = [1280, 390]


def test_the_v2_result_page_with_partnerships_is_legible_and_accessible(
    page: Page, live_app: Flask, assert_accessible: Callable[[Page], None]
) -> None:
    """The shipped questionnaire v2: the portfolio of four partnerships on the result page."""
    answers = {
        **{k: v for k, v in V2_EXAMPLE_A.items() if k != "partner_countries"},
        "has_partnerships": "yes",
        "partnerships": [MALI, SINGAPORE, ROMANIA, BOSTON],
    }
    with live_app.app_context():
        _diagnostic, token = completed_diagnostic(get_session(), answers, share=False)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"/resultat/{token}")
        assert_charts_drawn(page, minimum=3)
        expect(page.locator("#chart-portfolio .textpoint text")).to_have_count(4)
        expect(page.locator("[data-portfolio-fit='upstream']")).to_have_count(1)
        assert legibility_problems(page, "#chart-portfolio", titles=True) == []
    assert_accessible(page)
