"""The brief for élus as a PDF made by the server (WeasyPrint), read back with pypdf.

A result with eight recommendations: the synthesis alone on page one, the partners on page two,
every recommendation in full with its source in the annex, page numbers and the date on every
page, no page less than half full but the last; the same in English; charts drawn as SVG from the
result page's figure data.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from pypdf import PdfReader

from app import charts
from app import questionnaire as qn
from app.core.report import Report
from app.results import svg
from tests.factories import EXAMPLE_A, EXAMPLE_EIGHT
from tests.strategies import answer_sets
from tests.test_results import make_diagnostic, stored_report

A4 = (595.28, 841.89)  # points
TOP_MARGIN, BOTTOM_MARGIN = 14 * 72 / 25.4, 16 * 72 / 25.4  # print.css @page margins
SVG_NS = "{http://www.w3.org/2000/svg}"


def normalise(text: str) -> str:
    """Return text with every run of spaces (no-break ones included) as one space."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", text).strip()


def pdf_of(client: FlaskClient, token: str, query: str = "") -> PdfReader:
    """Return the brief PDF of a result, checked to be a downloaded PDF file."""
    response = client.get(f"/resultat/{token}/synthese.pdf{query}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.data.startswith(b"%PDF")
    return PdfReader(io.BytesIO(response.data))


def page_texts(reader: PdfReader) -> list[str]:
    """Return the text of every page, spaces normalised."""
    return [normalise(page.extract_text() or "") for page in reader.pages]


def lowest_text(reader: PdfReader, index: int) -> float:
    """Return the height (points from the bottom) of a page's lowest text above the footer."""
    heights: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], *_args: Any) -> None:
        if not text.strip():
            return
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        if y > BOTTOM_MARGIN:
            heights.append(y)

    reader.pages[index].extract_text(visitor_text=visit)
    return min(heights) if heights else A4[1]


def fill_ratio(reader: PdfReader, index: int) -> float:
    """Return how much of a page's text area is used, from its top to its lowest text."""
    top, bottom = A4[1] - TOP_MARGIN, BOTTOM_MARGIN
    return (top - lowest_text(reader, index)) / (top - bottom)


def assert_laid_out(
    reader: PdfReader, texts: list[str], footer: str, *, loose: bool = False, where: str = ""
) -> None:
    """Check that every page has its number « N / M » and the footer with the result's date, and
    that every page but the last is at least half full. ``loose`` lets the number's spaces go
    (Chromium's text layer may drop them)."""
    count = len(texts)
    space = " ?" if loose else " "
    for number, text in enumerate(texts, start=1):
        assert re.search(rf"(?<!\d){number}{space}/{space}{count}(?!\d)", text), (
            f"{where}no page number on page {number}"
        )
        assert footer in text, f"{where}no date on page {number}"
    for index in range(count - 1):
        ratio = fill_ratio(reader, index)
        assert ratio >= 0.5, f"{where}page {index + 1} of {count} is only {ratio:.0%} full"


@pytest.fixture
def token_eight(app: Flask) -> str:
    """Return the private token of a completed diagnostic with eight recommendations."""
    return make_diagnostic(app, EXAMPLE_EIGHT)


def test_brief_of_eight_recommendations(app: Flask, client: FlaskClient, token_eight: str) -> None:
    stored = stored_report(app, token_eight)
    recommendations = stored["recommendations"]
    assert len(recommendations) == 8

    reader = pdf_of(client, token_eight)
    texts = page_texts(reader)
    count = len(texts)

    assert 3 <= count <= 6, f"{count} pages for eight recommendations"
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "fr"
    assert "/StructTreeRoot" in catalog, "the PDF is not tagged for screen readers"
    assert reader.metadata is not None
    assert reader.metadata.title == "Votre résultat – Autodiagnostic AICT économique"
    for page in reader.pages:
        assert abs(float(page.mediabox.width) - A4[0]) < 1
        assert abs(float(page.mediabox.height) - A4[1]) < 1
    first = texts[0]
    assert "Le positionnement de votre collectivité en AICT économique" in first
    assert "L'essentiel" in first
    assert "Profil : Commune · De 100 000 à 500 000 habitants · Auvergne-Rhône-Alpes" in first
    assert "1 pays partenaire" in first
    label = stored["labels"][stored["dominant"]]
    assert f"Positionnement dominant : « {label} »" in normalise(first.replace("- ", "-"))
    assert "Scores des trois positionnements, sur 100" in first
    for rec in recommendations[:3]:
        assert normalise(rec["title"]) in first, rec["id"]
    for rec in recommendations[3:]:
        assert normalise(rec["title"]) not in first, rec["id"]
    assert "Ce que propose le service des relations internationales" in first
    assert "Vos partenaires" not in first
    assert texts[1].startswith("Vos partenaires") or "Vos partenaires" in texts[1][:200]
    assert "Allemagne revenu élevé oui" in texts[1]
    annex = " ".join(texts[1:])
    assert "Annexe : les recommandations en détail" in annex
    for rec in recommendations:
        assert normalise(rec["title"]) in annex, rec["id"]
    assert annex.count("Source : Compte rendu") >= len(recommendations)
    assert "Scores des trois logiques d'action, sur 100" in annex
    # No plan, no perspective answered, no earlier result: none of their sections is printed.
    for absent in ("Plan d'action", "Les regards de votre équipe", "Vos progrès depuis"):
        assert absent not in annex, absent
    date = re.search(r"Résultat établi le (\d{1,2} \w+ \d{4})", first)
    assert date, first[:300]
    assert_laid_out(reader, texts, f"résultat du {date.group(1)}")


@pytest.mark.slow
@settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(answers=answer_sets(qn.current()))
def test_any_result_keeps_its_synthesis_on_page_one(
    app: Flask, client: FlaskClient, answers: dict[str, Any]
) -> None:
    """Whatever the answers, in either language: the proposal closes page one, the partners
    open page two, and no page but the last is less than half full."""
    token = make_diagnostic(app, answers)
    for lang, proposal, partners in (
        ("fr", "Ce que propose le service", "Vos partenaires"),
        ("en", "What the international relations service proposes", "Your partners"),
    ):
        reader = pdf_of(client, token, f"?lang={lang}")
        texts = page_texts(reader)
        if stored_report(app, token, lang)["recommendations"]:
            assert proposal in texts[0], (lang, texts[1][:200])
        assert texts[1].startswith(partners), (lang, texts[1][:200])
        for index in range(len(texts) - 1):
            ratio = fill_ratio(reader, index)
            assert ratio >= 0.5, f"{lang}: page {index + 1} of {len(texts)} is {ratio:.0%} full"


def test_brief_in_english(app: Flask, client: FlaskClient) -> None:
    token = make_diagnostic(app, EXAMPLE_A)
    stored = stored_report(app, token, "en")

    reader = pdf_of(client, token, "?lang=en")
    texts = page_texts(reader)

    assert reader.trailer["/Root"]["/Lang"] == "en"
    first = texts[0]
    assert "At a glance" in first
    assert "Profile: Municipality (commune)" in first
    assert f"Dominant positioning: “{stored['labels'][stored['dominant']]}”" in first
    assert "What the international relations service proposes" in first
    for rec in stored["recommendations"][:3]:
        assert normalise(rec["title"]) in first
    everything = " ".join(texts)
    assert "Germany" in everything
    assert "Profil :" not in everything
    assert "Priorité" not in everything
    assert f"1 / {len(texts)}" in first


def test_brief_without_partners_says_so(app: Flask, client: FlaskClient) -> None:
    token = make_diagnostic(app, {**EXAMPLE_A, "partner_countries": []})

    everything = " ".join(page_texts(pdf_of(client, token)))

    assert "Vous n'avez indiqué aucun pays partenaire pour l'instant." in everything
    assert "pays partenaire" not in everything.split("Vos partenaires")[0].split("Profil")[1]
    assert not re.search(r"«\s*»", everything)


def test_brief_of_an_unknown_or_unfinished_diagnostic(app: Flask, client: FlaskClient) -> None:
    assert client.get("/resultat/" + "x" * 43 + "/synthese.pdf").status_code == 404
    with app.app_context():
        from app import services
        from app.db import get_session

        _diagnostic, token = services.start(get_session(), "fr")
    response = client.get(f"/resultat/{token}/synthese.pdf")
    assert response.status_code == 302
    assert f"/diagnostic/{token}" in response.headers["Location"]


# --- SVG drawings of the figures ----------------------------------------------------------------


def svg_boxes(markup: str) -> tuple[tuple[float, float], list[tuple[str, float, float, float]]]:
    """Return an SVG's size and each text line as (text, left, right, baseline), estimated."""
    root = ET.fromstring(markup)  # noqa: S314 - our own drawing, not untrusted input
    _x, _y, width, height = (float(v) for v in root.attrib["viewBox"].split())
    lines = []
    for text in root.iter(f"{SVG_NS}text"):
        anchor = text.attrib.get("text-anchor", "start")
        baseline = float(text.attrib["y"])
        for i, span in enumerate(text.iter(f"{SVG_NS}tspan")):
            x = float(span.attrib["x"])
            extent = len(span.text or "") * svg.CHAR_WIDTH
            left = x - extent if anchor == "end" else x - extent / 2 if anchor == "middle" else x
            lines.append((span.text or "", left, left + extent, baseline + i * svg.LINE_HEIGHT))
    return (width, height), lines


@pytest.mark.parametrize("kind", ["radar", "bars"])
def test_svg_draws_the_figure_data_inside_its_box(app: Flask, token_eight: str, kind: str) -> None:
    report = stored_report(app, token_eight)
    if kind == "radar":
        figure = charts.positioning_figure(Report.from_payload(report), name="Positionnements")
        values = list(report["scores"].values())
    else:
        figure = charts.logics_figure(Report.from_payload(report), name="Logiques")
        values = list(report["logics"].values())

    markup = str(
        svg.figure_svg(figure, "Scores", lambda v: f"{v:.1f}".replace(".", ","), ident=kind)
    )

    (width, height), lines = svg_boxes(markup)
    texts = [text for text, *_ in lines]
    for value in values:
        assert f"{value:.1f}".replace(".", ",") in texts
    dimensions = report["scores"] if kind == "radar" else report["logics"]
    drawn = normalise(" ".join(texts))
    for dim in dimensions:
        assert normalise(report["labels"][dim]) in drawn, dim
    for text, left, right, baseline in lines:
        assert left >= 0, f"{text!r} leaves the drawing on the left ({left})"
        assert right <= width, f"{text!r} leaves the drawing on the right ({right})"
        assert 0 < baseline <= height, f"{text!r} leaves the drawing (y {baseline})"
    assert ET.fromstring(markup).find(f"{SVG_NS}title") is not None  # noqa: S314


def test_svg_refuses_a_figure_type_it_cannot_draw() -> None:
    with pytest.raises(ValueError, match="pie"):
        svg.figure_svg({"data": [{"type": "pie"}], "layout": {}}, "Parts")


# --- A brief that follows up: an action plan, the team's views, the progress since the last ----

FOLLOW_UP_TEXTS = {
    "fr": {
        "partners": "Vos partenaires",
        "plan": "Plan d'action",
        "status": "En cours",
        "perspectives": "Les regards de votre équipe",
        "gaps": "Écart moyen entre les regards et votre réponse, par question (en %)",
        "by_role": "Réponses par rôle, question par question",
        "positioning": "Positionnement que donnerait chaque regard, avec vos autres réponses",
        "role": "Élu·e",
        "progress": "Vos progrès depuis vos diagnostics précédents",
        "scores": "Scores des trois positionnements à chaque diagnostic, sur 100",
        "reading": "avec le même questionnaire",
        "changes": "Ce qui a changé dans vos réponses",
        "plan_changes": "Où en est votre plan d'action",
        "annex": "Annexe : les recommandations en détail",
        "date": r"Résultat établi le (\d{1,2} \w+ \d{4})",
        "footer": "résultat du {date}",
        "redo": "Refaire le diagnostic",
        "manage": "Gérer les liens des regards",
    },
    "en": {
        "partners": "Your partners",
        "plan": "Action plan",
        "status": "In progress",
        "perspectives": "Your team's views",
        "gaps": "Average gap between the views and your answer, per question (in %)",
        "by_role": "Answers by role, question by question",
        "positioning": "Positioning each view would give, with your other answers",
        "role": "Elected official",
        "progress": "Your progress since your previous diagnostics",
        "scores": "Scores of the three positionings at each diagnostic, out of 100",
        "reading": "with the same questionnaire",
        "changes": "What changed in your answers",
        "plan_changes": "Where your action plan stands",
        "annex": "Annex: the recommendations in full",
        "date": r"Result established on (\w+ \d{1,2}, \d{4})",
        "footer": "result of {date}",
        "redo": "Take the diagnostic again",
        "manage": "Manage the view links",
    },
}


def followed_up(app: Flask, client: FlaskClient) -> str:
    """Return the token of a redone diagnostic (eight recommendations) with its action plan, an
    answered perspective and the progress since the result it redoes."""
    from tests.test_perspectives import VIEW, _answer, _create
    from tests.test_plan import ACTION, _add
    from tests.test_rediagnosis import _finish, _redo

    first = make_diagnostic(app, EXAMPLE_EIGHT)
    assert _add(client, first, ACTION).status_code == 302
    token = _redo(client, first)
    _finish(app, token, elected_awareness=3, roi_demand="strong")
    path, _secret = _create(client, token, "elected")
    assert _answer(client, path, VIEW).status_code == 302
    return token


@pytest.mark.parametrize("lang", sorted(FOLLOW_UP_TEXTS))
def test_brief_with_a_plan_the_team_views_and_the_progress(
    app: Flask, client: FlaskClient, lang: str
) -> None:
    """The plan, the divergence and the progress follow the partners, before the annex; the
    synthesis stays alone on page one, every page but the last at least half full, page numbers
    and date on every page; charts drawn as SVG with their tables; no button or link to manage
    anything."""
    words = FOLLOW_UP_TEXTS[lang]
    token = followed_up(app, client)
    stored = stored_report(app, token, lang)

    reader = pdf_of(client, token, f"?lang={lang}")
    texts = page_texts(reader)
    count = len(texts)
    everything = " ".join(texts)

    assert 4 <= count <= 8, f"{count} pages"
    first = texts[0]
    for rec in stored["recommendations"][:3]:
        assert normalise(rec["title"]) in first, rec["id"]
    for title in ("partners", "plan", "perspectives", "progress", "annex"):
        assert words[title] not in first, title
    # In the page's order: partners, plan, team views, progress, then the annex.
    positions = [everything.index(words[t]) for t in ("partners", "perspectives", "progress")]
    assert positions == sorted(positions)
    assert everything.index(words["plan"]) > positions[0]
    assert everything.rindex(words["annex"]) > positions[-1]
    assert "Mission économique à Casablanca" in everything
    assert words["status"] in everything
    for key in ("gaps", "by_role", "positioning", "scores", "changes", "plan_changes"):
        assert everything.count(words[key]) >= 1, key
    assert f"{words['role']} :" in everything or f"{words['role']}:" in everything
    # The questions with the largest gaps first, in the table as on the page's chart.
    page = client.get(f"/resultat/{token}?lang={lang}").get_data(as_text=True)
    chart = re.search(r'id="chart-perspectives-data">(.*?)</script>', page, re.S)
    assert chart
    gaps = json.loads(chart.group(1))["data"][0]
    assert gaps["x"] == sorted(gaps["x"], reverse=True)
    table = everything[everything.index(words["by_role"]) :]
    rows = [table.index(normalise(question)) for question in gaps["customdata"]]
    assert rows == sorted(rows)
    assert words["reading"] in everything
    assert words["redo"] not in everything
    assert words["manage"] not in everything
    date = re.search(words["date"], first)
    assert date, first[:300]
    assert_laid_out(reader, texts, words["footer"].format(date=date.group(1)), where=f"{lang}: ")
