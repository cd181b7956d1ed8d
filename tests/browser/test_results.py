"""The result page in a real browser: charts really drawn (each trace in its own layer), the same
recommendations as the JSON API, and a clean A4 print."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from app import services
from app.db import get_session
from tests.browser.conftest import assert_charts_drawn, assert_charts_have_data_tables
from tests.factories import EXAMPLE_A, EXAMPLE_EIGHT, completed_diagnostic
from tests.test_brief_pdf import (
    FOLLOW_UP_TEXTS,
    assert_laid_out,
    followed_up,
    normalise,
    page_texts,
)

A4_POINTS = (595.0, 842.0)  # width, height of an A4 page in PDF points
PRINTABLE_WIDTH_PX = 680  # 210 mm less two 15 mm margins, at 96 CSS pixels per inch


def api_result(page: Page, answers: dict[str, Any]) -> dict[str, Any]:
    """Return the JSON API's result for these answers."""
    response = page.request.post("/api/v1/score", data={"answers": answers})
    assert response.ok, response.text()
    body: dict[str, Any] = response.json()
    return body


def test_result_page_draws_its_charts_with_data_tables(page: Page, completed_token: str) -> None:
    page.goto(f"/resultat/{completed_token}")
    assert_charts_drawn(page, minimum=2)
    assert page.locator(".chart .polarlayer .trace").count() >= 1, "no radar on the result page"
    assert page.locator(".chart .barlayer .trace").count() >= 1, "no bar chart on the result page"
    # The peer chart's table gives estimates with their margins: tests/test_peers_chart.py.
    assert_charts_have_data_tables(page, ".chart:not(#chart-peers)")


def test_result_page_shows_the_api_recommendations_and_scores(
    page: Page, completed_token: str
) -> None:
    page.goto(f"/resultat/{completed_token}")
    expected = api_result(page, EXAMPLE_A)
    shown = page.locator("[data-recommendation-id]").evaluate_all(
        "nodes => nodes.map(n => n.dataset.recommendationId)"
    )
    assert shown == [r["id"] for r in expected["recommendations"]]
    assert shown, "EXAMPLE_A gets recommendations"
    for positioning, score in expected["scores"].items():
        card = page.locator(f"[data-positioning-id='{positioning}']")
        expect(card).to_contain_text(f"{score:.1f}".replace(".", ","))
    dominant = page.locator(f"[data-positioning-id='{expected['dominant']}']")
    expect(dominant).to_contain_text("Positionnement dominant")


def pdf_page_count(pdf: bytes) -> int:
    """Return the number of page objects in a PDF."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def pdf_media_boxes(pdf: bytes) -> list[tuple[float, float]]:
    """Return the (width, height) of every MediaBox in a PDF, in points."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in boxes]


def test_result_page_prints_to_a_clean_a4_pdf(page: Page, completed_token: str) -> None:
    page.goto(f"/resultat/{completed_token}")
    assert_charts_drawn(page)
    expect(page.locator("[data-action='print']")).to_be_visible()

    # As when printing: the page hears "beforeprint" (charts.js redraws the charts at a fixed
    # width), then lays out for print.
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    page.emulate_media(media="print")
    for hidden in (
        ".skip-link",
        ".site-header nav",
        ".lang-switch",
        "[data-action='print']",
        ".site-footer",
        "#vos-donnees",
    ):
        elements = page.locator(hidden)
        assert elements.count() > 0, f"nothing matches {hidden}"
        for element in elements.all():
            expect(element).to_be_hidden()
    controls = page.locator("button, .button, form")
    assert controls.count() > 0
    for control in controls.all():
        expect(control).to_be_hidden()
    for chart in page.locator(".chart").all():
        expect(chart).to_be_visible()
        svg = chart.locator(".main-svg").first
        expect(svg).to_be_visible()
        box = svg.bounding_box()
        assert box is not None
        assert box["width"] <= PRINTABLE_WIDTH_PX, f"a chart is {box['width']}px wide on paper"
    recommendations = page.locator("[data-recommendation-id]")
    assert recommendations.count() > 0
    for recommendation in recommendations.all():
        expect(recommendation).to_be_visible()
    for table in page.locator(".chart-figure table").all():
        expect(table).to_be_visible()

    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    assert pdf_page_count(pdf) >= 1
    boxes = pdf_media_boxes(pdf)
    assert boxes, "no MediaBox in the PDF"
    for width, height in boxes:
        assert abs(width - A4_POINTS[0]) < 2, (width, height)
        assert abs(height - A4_POINTS[1]) < 2, (width, height)


PRINT_TEXTS = {
    "fr": {
        "link": "Télécharger la synthèse (PDF)",
        "synthesis": "L'essentiel",
        "profile": "Profil : Commune",
        "proposal": "Ce que propose le service des relations internationales",
        "partners": "Vos partenaires",
        "peers": "Vous et des collectivités comparables",
        "date": r"Résultat établi le (\d{1,2} \w+ \d{4})",
        "footer": "résultat du {date}",
    },
    "en": {
        "link": "Download the brief (PDF)",
        "synthesis": "At a glance",
        "profile": "Profile: Municipality (commune)",
        "proposal": "What the international relations service proposes",
        "partners": "Your partners",
        "peers": None,
        "date": r"Result established on (\w+ \d{1,2}, \d{4})",
        "footer": "result of {date}",
    },
}


@pytest.mark.parametrize("lang", sorted(PRINT_TEXTS))
def test_printed_brief_of_eight_recommendations(page: Page, live_app: Flask, lang: str) -> None:
    """Printed from Chromium: the synthesis alone on page one, partners on page two, no page
    under half full but the last, page numbers and the result's date on every page."""
    words = PRINT_TEXTS[lang]
    with live_app.app_context():
        diagnostic, token = completed_diagnostic(get_session(), EXAMPLE_EIGHT, share=False)
        stored = services.current_result(get_session(), diagnostic)
        assert stored is not None
        recommendations = stored.payload[lang]["recommendations"]
    assert len(recommendations) == 8
    page.goto(f"/resultat/{token}?lang={lang}")
    assert_charts_drawn(page)
    expect(page.locator("a[data-brief-pdf]")).to_have_text(str(words["link"]))

    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    page.emulate_media(media="print")
    reader = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))

    texts = page_texts(reader)
    count = len(texts)
    assert 3 <= count <= 7, f"{count} printed pages for eight recommendations"
    first = texts[0]
    assert words["synthesis"] in first
    assert words["profile"] in first
    for rec in recommendations[:3]:
        assert normalise(rec["title"]) in first, rec["id"]
    assert words["proposal"] in first
    assert words["partners"] not in first
    assert str(words["partners"]) in texts[1]
    if words["peers"] and page.locator("#comparaison").count():
        assert str(words["peers"]) in texts[1]
    annex = " ".join(texts[1:])
    for rec in recommendations:
        assert normalise(rec["title"]) in annex, rec["id"]
    date = re.search(str(words["date"]), first)
    assert date, first[:300]
    footer = str(words["footer"]).format(date=date.group(1))
    assert_laid_out(reader, texts, footer, loose=True, where="printed: ")


@pytest.mark.parametrize("lang", sorted(FOLLOW_UP_TEXTS))
def test_printed_brief_with_a_plan_the_team_views_and_the_progress(
    page: Page, live_app: Flask, lang: str
) -> None:
    """Printed from Chromium, a redone result with its plan and a perspective: the team's views
    and the progress are printed with their charts and tables after the partners, without the
    buttons and links that manage them; the page layout rules still hold."""
    words = FOLLOW_UP_TEXTS[lang]
    token = followed_up(live_app, live_app.test_client())
    page.goto(f"/resultat/{token}?lang={lang}")
    assert_charts_drawn(page, minimum=4)

    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    page.emulate_media(media="print")
    for chart in ("#chart-perspectives", "#chart-progress"):
        box = page.locator(f"{chart} .main-svg").first.bounding_box()
        assert box is not None, chart
        assert box["width"] <= PRINTABLE_WIDTH_PX, f"{chart} is {box['width']}px wide on paper"
    reader = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))

    texts = page_texts(reader)
    everything = " ".join(texts)
    for title in ("partners", "perspectives", "progress", "plan"):
        assert words[title] not in texts[0], title
        assert words[title] in everything, title
    positions = [everything.index(words[t]) for t in ("partners", "perspectives", "progress")]
    assert positions == sorted(positions)
    for key in ("gaps", "by_role", "positioning", "scores", "changes", "plan_changes"):
        assert words[key] in everything, key
    assert words["redo"] not in everything
    assert words["manage"] not in everything
    date = re.search(words["date"], texts[0])
    assert date, texts[0][:300]
    footer = words["footer"].format(date=date.group(1))
    assert_laid_out(reader, texts, footer, loose=True, where=f"{lang}, printed: ")
