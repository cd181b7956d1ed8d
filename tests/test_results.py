"""The result page, the respondent's downloads and the deletion of a diagnostic (test client).

The page must show the result stored at completion (never a rescoring), with exactly the
recommendations the API gives for the same answers, each score as text, both charts as
embedded, parseable Plotly JSON with their data tables, and the partner table.
"""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app import report as report_module
from app import scoring, services
from app.db import get_session
from app.models import Diagnostic, Result, ResultRecommendation
from app.results.views import plural_count, score_text
from tests.factories import EXAMPLE_A, EXAMPLE_B, completed_diagnostic

NBSP = "\u00a0"
RESULTS_CATALOGUE = (
    Path(__file__).resolve().parent.parent / "app/results/translations/en/LC_MESSAGES/messages"
)
# Low-income partners with export goals under a strong ROI demand: both caution rules fire.
EXAMPLE_WARNINGS: dict[str, Any] = {
    **EXAMPLE_A,
    "partner_countries": ["BF", "ML"],
    "roi_demand": "strong",
    "goals": ["business_export", "territorial_marketing"],
}


# --- helpers ---------------------------------------------------------------------------------


class _Tags(HTMLParser):
    """Collect every start tag with its attributes, and the text of headings."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.headings: list[tuple[int, str]] = []
        self._heading: int | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if re.fullmatch(r"h[1-6]", tag):
            self._heading, self._text = int(tag[1]), []

    def handle_endtag(self, tag: str) -> None:
        if self._heading is not None and tag == f"h{self._heading}":
            self.headings.append((self._heading, " ".join("".join(self._text).split())))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        """Return the attributes of every tag of this name carrying these attribute values."""
        wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in wanted.items())
        ]


def parse(html: str) -> _Tags:
    """Return the parsed tags of a page."""
    parser = _Tags()
    parser.feed(html)
    return parser


def text_of(html: str) -> str:
    """Return the page's text without tags, entities decoded (non-breaking spaces kept)."""
    body = re.sub(r"<script\b.*?</script>", " ", html, flags=re.S)
    body = re.sub(r"<[^>]+>", "", body)
    parser = HTMLParser(convert_charrefs=True)
    chunks: list[str] = []
    parser.handle_data = chunks.append  # type: ignore[method-assign]
    parser.feed(body)
    parser.close()
    return re.sub(r"[ \t\r\n]+", " ", "".join(chunks))


def section(html: str, section_id: str) -> str:
    """Return the HTML of the <section> with this id."""
    match = re.search(rf'<section[^>]*\bid="{section_id}".*?</section>', html, flags=re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


def recommendation_ids(html: str) -> list[str]:
    """Return the data-recommendation-id values in page order."""
    return re.findall(r'data-recommendation-id="([^"]+)"', html)


def figure(html: str, chart_id: str) -> dict[str, Any]:
    """Return the Plotly figure embedded as JSON for a chart."""
    match = re.search(
        rf'<script type="application/json" id="{chart_id}-data">(.*?)</script>', html, re.S
    )
    assert match, f"no JSON for {chart_id}"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def csrf_token(html: str) -> str:
    """Return the CSRF token of the page's form."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no csrf_token field"
    return match.group(1)


def make_diagnostic(app: Flask, answers: dict[str, Any], lang: str = "fr") -> str:
    """Store a completed diagnostic (outside any request) and return its private token."""
    with app.app_context():
        _diagnostic, token = completed_diagnostic(get_session(), answers, lang=lang)
    return token


def stored_report(app: Flask, token: str, lang: str = "fr") -> dict[str, Any]:
    """Return the report stored for a diagnostic, in a language."""
    with app.app_context():
        session = get_session()
        diagnostic = services.find_by_token(session, token)
        assert diagnostic is not None
        result = services.current_result(session, diagnostic)
        assert result is not None
        stored: dict[str, Any] = result.payload[lang]
        return stored


def api_score(client: FlaskClient, answers: dict[str, Any], lang: str = "fr") -> dict[str, Any]:
    """Return the API's scoring of answers."""
    response = client.post(f"/api/v1/score?lang={lang}", json={"answers": answers})
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def row_counts(app: Flask) -> tuple[int, int, int]:
    """Return the number of rows of the diagnostic, result and result_recommendation tables."""
    with app.app_context():
        session = get_session()
        return (
            session.scalar(select(func.count()).select_from(Diagnostic)) or 0,
            session.scalar(select(func.count()).select_from(Result)) or 0,
            session.scalar(select(func.count()).select_from(ResultRecommendation)) or 0,
        )


@pytest.fixture(scope="module")
def english_catalogue() -> None:
    """Compile the blueprint's English catalogue when its .mo is missing or stale.

    ``make translations`` does the same before every test run; this keeps ``pytest`` alone
    working on a fresh clone. The application loads catalogues when it starts.
    """
    po, mo = RESULTS_CATALOGUE.with_suffix(".po"), RESULTS_CATALOGUE.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        return
    with po.open("rb") as source:
        catalog = read_po(source, locale="en")
    with mo.open("wb") as target:
        write_mo(target, catalog)


@pytest.fixture
def token_a(app: Flask) -> str:
    """Return the private token of a completed diagnostic with the answers of example A."""
    return make_diagnostic(app, EXAMPLE_A)


# --- the result page -------------------------------------------------------------------------


@pytest.mark.parametrize("answers", [EXAMPLE_A, EXAMPLE_B], ids=["example_a", "example_b"])
def test_result_page_matches_the_api(
    app: Flask, client: FlaskClient, answers: dict[str, Any]
) -> None:
    token = make_diagnostic(app, answers)
    api = api_score(client, answers)

    response = client.get(f"/resultat/{token}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert recommendation_ids(html) == [r["id"] for r in api["recommendations"]]
    text = text_of(html)
    for positioning, value in api["scores"].items():
        card = re.search(
            rf'data-positioning-id="{positioning}".*?<data value="([^"]+)">([^<]+)</data>',
            html,
            re.S,
        )
        assert card, positioning
        assert float(card.group(1)) == value
        assert card.group(2) == f"{value:.1f}".replace(".", ",")
        assert f"{card.group(2)}{NBSP}/{NBSP}100" in text
    dominant_label = stored_report(app, token)["labels"][api["dominant"]]
    assert f"Votre positionnement dominant{NBSP}: «{NBSP}{dominant_label}{NBSP}»" in text


def test_example_a_scores_as_french_text(client: FlaskClient, token_a: str) -> None:
    text = text_of(client.get(f"/resultat/{token_a}").get_data(as_text=True))

    assert f"27,8{NBSP}/{NBSP}100" in text
    assert f"27,9{NBSP}/{NBSP}100" in text
    assert "27.8" not in text


def test_recommendations_carry_priority_reasons_and_source(
    app: Flask, client: FlaskClient, token_a: str
) -> None:
    html = client.get(f"/resultat/{token_a}").get_data(as_text=True)
    stored = stored_report(app, token_a)
    labels = {"high": "Priorité haute", "medium": "Priorité moyenne", "low": "Priorité basse"}

    articles = re.findall(r"<article\b(.*?)>(.*?)</article>", html, flags=re.S)
    assert len(articles) == len(stored["recommendations"])
    for (attrs, body), rec in zip(articles, stored["recommendations"], strict=True):
        assert f'class="recommendation priority-{rec["priority"]}"' in attrs
        assert f'data-recommendation-id="{rec["id"]}"' in attrs
        body_text = text_of(body)
        assert rec["title"] in body_text
        assert labels[rec["priority"]] in body_text
        assert f"Parce que vous avez répondu{NBSP}:" in body_text
        for reason in rec["because"]:
            assert reason in body_text
        assert f"Source{NBSP}: {rec['source']}" in body_text
    order = {"high": 0, "medium": 1, "low": 2}
    priorities = [order[r["priority"]] for r in stored["recommendations"]]
    assert priorities == sorted(priorities)


def test_warnings_are_shown_apart_from_recommendations(app: Flask, client: FlaskClient) -> None:
    token = make_diagnostic(app, EXAMPLE_WARNINGS)
    api = api_score(client, EXAMPLE_WARNINGS)
    assert api["warnings"], "the example must trigger warnings"

    html = client.get(f"/resultat/{token}").get_data(as_text=True)

    box = section(html, "vigilance")
    assert re.search(r"<h2[^>]*>Points de vigilance</h2>", box)
    shown = re.findall(r'data-warning-id="([^"]+)"', box)
    assert shown == [w["id"] for w in api["warnings"]]
    assert len(parse(box).find("div", role="note")) == len(shown)
    for warning in api["warnings"]:
        assert warning["message"] in text_of(box)
    assert recommendation_ids(html) == [r["id"] for r in api["recommendations"]]
    assert not set(shown) & set(recommendation_ids(html))


def test_no_warning_box_without_warnings(client: FlaskClient, token_a: str) -> None:
    html = client.get(f"/resultat/{token_a}").get_data(as_text=True)

    assert "data-warning-id" not in html
    assert 'id="vigilance"' not in html


def test_partner_table(client: FlaskClient, token_a: str) -> None:
    html = client.get(f"/resultat/{token_a}").get_data(as_text=True)

    table = re.search(r"<table[^>]*partners-table.*?</table>", section(html, "partenaires"), re.S)
    assert table
    rows = [
        [text_of(cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S)
    ]
    assert rows[0] == ["Pays", "Groupe de revenu (Banque mondiale)", "Membre de l'OCDE"]
    assert rows[1:] == [
        ["Allemagne", "revenu élevé", "oui"],
        ["Maroc", "revenu intermédiaire (tranche inférieure)", "non"],
    ]
    assert "<caption>Vos pays partenaires</caption>" in table.group(0)


def test_dominant_explained_with_contributions_and_tip(
    app: Flask, client: FlaskClient, token_a: str
) -> None:
    stored = stored_report(app, token_a)
    tip = stored["tip"]
    assert tip
    assert tip["flips"]

    text = text_of(client.get(f"/resultat/{token_a}").get_data(as_text=True))

    dominant = stored["dominant"]
    assert stored["descriptions"][dominant] in text
    for item in stored["contributions"][dominant]:
        assert f"«{NBSP}{item['answer']}{NBSP}»" in text
        assert f"+{score_text_fr(item['points'])} point" in text
    assert (
        f"Si vous répondiez «{NBSP}{tip['to']}{NBSP}» à la question «{NBSP}{tip['question']}"
        f"{NBSP}» (au lieu de «{NBSP}{tip['from']}{NBSP}»), le positionnement dominant "
        f"deviendrait «{NBSP}{tip['dominant_after_label']}{NBSP}»"
    ) in text


def score_text_fr(value: float) -> str:
    """Return a score as the French page writes it."""
    return f"{value:.1f}".replace(".", ",")


def test_tip_that_does_not_flip_says_how_close_it_gets(
    app: Flask, client: FlaskClient, token_a: str
) -> None:
    with app.app_context():
        session = get_session()
        diagnostic = services.find_by_token(session, token_a)
        assert diagnostic is not None
        result = services.current_result(session, diagnostic)
        assert result is not None
        payload = json.loads(json.dumps(result.payload))
        payload["fr"]["tip"]["flips"] = False
        payload["fr"]["tip"]["dominant_after"] = payload["fr"]["dominant"]
        result.payload = payload
        session.commit()

    text = text_of(client.get(f"/resultat/{token_a}").get_data(as_text=True))

    assert "Aucune réponse modifiée seule ne changerait votre positionnement dominant" in text
    assert "le positionnement dominant deviendrait" not in text


def test_charts_are_embedded_as_plotly_json_with_data_tables(
    client: FlaskClient, token_a: str
) -> None:
    html = client.get(f"/resultat/{token_a}").get_data(as_text=True)
    tags = parse(html)

    radar = figure(html, "chart-positionings")
    bars = figure(html, "chart-logics")
    assert [trace["type"] for trace in radar["data"]] == ["scatterpolar"]
    assert [trace["type"] for trace in bars["data"]] == ["bar"]
    assert radar["data"][0]["r"][:3] == [9.4, 27.8, 27.9]
    assert bars["data"][0]["x"] == [38.8, 7.7, 0.0]
    for fig in (radar, bars):
        go.Figure(fig)  # raises on any property Plotly does not know
    for chart_id in ("chart-positionings", "chart-logics"):
        (chart,) = tags.find("div", id=chart_id)
        assert chart["class"] == "chart"
        assert chart["role"] == "img"
        assert chart["aria-label"]
        assert tags.find("p", id=f"{chart_id}-reading")
        figure_html = re.search(rf'<figure[^>]*id="{chart_id}-figure".*?</figure>', html, re.S)
        assert figure_html
        assert "<figcaption" in figure_html.group(0)
        assert re.search(r"<table.*?<caption>.+?</caption>", figure_html.group(0), re.S)
        assert '<th scope="col">' in figure_html.group(0)
        assert '<th scope="row">' in figure_html.group(0)


def test_chart_readings_are_generated_from_the_data(client: FlaskClient, token_a: str) -> None:
    text = text_of(client.get(f"/resultat/{token_a}").get_data(as_text=True))

    assert (
        f"Votre profil penche vers «{NBSP}Renforcer une coopération multisectorielle entre "
        f"territoires{NBSP}» (27,9{NBSP}/{NBSP}100). L'écart avec «{NBSP}Développer les actions "
        f"de coopération économique{NBSP}», en deuxième position, est de 0,1 point."
    ) in text
    assert "presque à égalité" in text
    assert f"La logique «{NBSP}Rayonnement et promotion territoriale{NBSP}» est presque" in text


@pytest.mark.parametrize(
    ("value", "count"), [(0.0, 1), (0.7, 1), (1.9, 1), (2.0, 2), (15.5, 2), (-3.0, 2)]
)
def test_plural_count_follows_french_grammar(value: float, count: int) -> None:
    assert plural_count(value) == count


def test_headings_and_tables_are_accessible(client: FlaskClient, token_a: str) -> None:
    html = client.get(f"/resultat/{token_a}").get_data(as_text=True)
    tags = parse(html)

    levels = [level for level, _text in tags.headings]
    assert levels.count(1) == 1
    assert levels[0] == 1
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, tags.headings
    tables = re.findall(r"<table.*?</table>", html, re.S)
    assert len(tables) >= 3
    for table in tables:
        assert re.search(r"<caption>.+?</caption>", table, re.S)
        assert re.search(r"<th scope=\"(col|row)\">", table)
        assert "<th>" not in table


def test_print_version(client: FlaskClient, token_a: str) -> None:
    html = client.get(f"/resultat/{token_a}").get_data(as_text=True)
    tags = parse(html)

    assert "Document généré par l'autodiagnostic AICT économique — ARRICOD" in html
    assert re.search(r"Résultat établi le \d{1,2} \w+ \d{4}, questionnaire version 2\.", html)
    (button,) = tags.find("button", type="button")
    assert button["data-action"] == "print"
    assert "onclick" not in html
    toolbar = re.search(r'<ul class="result-toolbar no-print">', html)
    assert toolbar
    assert 'class="result-section no-print" id="vos-donnees"' in html
    assert tags.find("link", rel="stylesheet", href=_static_href(tags, "css/print.css"))


def _static_href(tags: _Tags, filename: str) -> str:
    """Return the href of the page's link to a static file."""
    hrefs = [a["href"] for t, a in tags.tags if t == "link" and filename in a.get("href", "")]
    assert hrefs, filename
    return hrefs[0]


def test_plotly_is_served_locally_with_the_csp_nonce(client: FlaskClient, token_a: str) -> None:
    response = client.get(f"/resultat/{token_a}")
    html = response.get_data(as_text=True)
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    assert nonce

    scripts = [a for t, a in parse(html).tags if t == "script" and "src" in a]
    sources = [a["src"] for a in scripts]
    assert [s.split("?")[0] for s in sources] == [
        "/static/vendor/plotly/plotly-custom.min.js",
        "/static/js/charts.js",
        "/static/js/results.js",
    ]
    assert all(a["nonce"] == nonce.group(1) for a in scripts)
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"(https?:)?//", html)
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200
        asset.close()
    bundle = client.get(sources[0])
    assert bundle.get_data(as_text=True).startswith("/*! plotly.js v4.1.1")
    bundle.close()


def test_plotly_rules_come_from_a_stylesheet(client: FlaskClient, token_a: str) -> None:
    """Plotly injects a <style> (refused by the CSP) unless it finds its rules already linked."""
    tags = parse(client.get(f"/resultat/{token_a}").get_data(as_text=True))

    (link,) = tags.find("link", id="plotly.js-style-global")
    assert link["rel"] == "stylesheet"
    assert link["class"] == "no-inline-styles"
    stylesheet = client.get(link["href"])
    assert stylesheet.status_code == 200
    assert ".js-plotly-plot .plotly .main-svg" in stylesheet.get_data(as_text=True)
    stylesheet.close()


def test_pages_without_charts_do_not_load_plotly(client: FlaskClient, token_a: str) -> None:
    html = client.get(f"/resultat/{token_a}/supprimer").get_data(as_text=True)

    assert "plotly" not in html


def test_edit_link_goes_to_the_first_step(client: FlaskClient, token_a: str) -> None:
    html = client.get(f"/resultat/{token_a}").get_data(as_text=True)

    from app import questionnaire as qn

    first = qn.current().sections[0].id
    assert f'href="/diagnostic/{token_a}/etape/{first}">Modifier mes réponses</a>' in html
    assert f'href="/resultat/{token_a}/supprimer"' in html


def test_english_page(app: Flask, client: FlaskClient, english_catalogue: None) -> None:
    token = make_diagnostic(app, EXAMPLE_A)
    api = api_score(client, EXAMPLE_A, lang="en")
    stored = stored_report(app, token, "en")

    response = client.get(f"/resultat/{token}?lang=en")

    html = response.get_data(as_text=True)
    text = text_of(html)
    assert '<html lang="en">' in html
    assert recommendation_ids(html) == [r["id"] for r in api["recommendations"]]
    assert "Your three positionings" in text
    assert f"27.8{NBSP}/{NBSP}100" in text
    assert f"Your dominant positioning: “{stored['labels'][stored['dominant']]}”" in text
    assert "Because you answered:" in text
    for rec in stored["recommendations"]:
        assert rec["title"] in text
    assert "lower-middle income" in text
    assert "High priority" in text
    assert "Priorité" not in text
    assert "Edit my answers" in text
    # The language sticks for the next page without ?lang=.
    again = client.get(f"/resultat/{token}").get_data(as_text=True)
    assert "Your three positionings" in again


# --- stored result and links -------------------------------------------------------------------


def test_stored_result_survives_changed_answers_and_scoring(
    app: Flask, client: FlaskClient, token_a: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = client.get(f"/resultat/{token_a}").get_data(as_text=True)
    with app.app_context():
        session = get_session()
        diagnostic = services.find_by_token(session, token_a)
        assert diagnostic is not None
        diagnostic.answers = {**EXAMPLE_B}
        session.commit()

    def no_rescoring(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the result page must not score again")

    monkeypatch.setattr(scoring, "score", no_rescoring)
    monkeypatch.setattr(report_module, "build", no_rescoring)
    monkeypatch.setattr(report_module, "build_all", no_rescoring)

    fresh_client = app.test_client()
    after = fresh_client.get(f"/resultat/{token_a}").get_data(as_text=True)

    assert recommendation_ids(after) == recommendation_ids(before)
    assert figure(after, "chart-positionings") == figure(before, "chart-positionings")
    assert f"27,8{NBSP}/{NBSP}100" in text_of(after)


def test_incomplete_diagnostic_goes_back_to_the_survey(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        _diagnostic, token = services.start(get_session())

    for path in ("", "/reponses.json", "/reponses.csv"):
        response = client.get(f"/resultat/{token}{path}")
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/diagnostic/{token}")


@pytest.mark.parametrize(
    "path",
    ["", "/reponses.json", "/reponses.csv", "/supprimer"],
    ids=["page", "json", "csv", "delete"],
)
def test_unknown_token_is_a_french_404(client: FlaskClient, path: str) -> None:
    response = client.get(f"/resultat/not-a-real-token{path}")

    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True)


def test_unknown_token_post_delete_is_404(client: FlaskClient, token_a: str) -> None:
    page = client.get(f"/resultat/{token_a}/supprimer").get_data(as_text=True)

    response = client.post(
        "/resultat/unknown-token/supprimer", data={"csrf_token": csrf_token(page)}
    )

    assert response.status_code == 404


def test_very_long_token_is_404(client: FlaskClient) -> None:
    assert client.get("/resultat/" + "a" * 5000).status_code == 404


# --- downloads -------------------------------------------------------------------------------


def test_json_download(app: Flask, client: FlaskClient, token_a: str) -> None:
    api = api_score(client, EXAMPLE_A)

    response = client.get(f"/resultat/{token_a}/reponses.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    answers = {row["question_id"]: row for row in data["answers"]}
    assert set(answers) == set(EXAMPLE_A)
    assert answers["partner_countries"]["codes"] == ["DE", "MA"]
    assert answers["partner_countries"]["labels"] == ["Allemagne", "Maroc"]
    assert answers["collectivity_type"]["labels"] == ["Commune"]
    assert answers["cross_service"]["codes"] == ["2"]
    assert answers["collectivity_type"]["question"]
    result = data["result"]
    assert result["scores"] == api["scores"]
    assert result["dominant"] == api["dominant"]
    assert result["logics"] == api["logics"]
    assert [r["id"] for r in result["recommendations"]] == [r["id"] for r in api["recommendations"]]
    assert [r["title"] for r in result["recommendations"]] == [
        r["title"] for r in api["recommendations"]
    ]
    assert data["questionnaire_version"] == api["questionnaire_version"]
    assert token_a not in response.get_data(as_text=True)


def test_csv_download_for_a_french_spreadsheet(client: FlaskClient, token_a: str) -> None:
    api = api_score(client, EXAMPLE_A)

    response = client.get(f"/resultat/{token_a}/reponses.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Rubrique", "Identifiant", "Libellé", "Codes", "Valeur"]
    assert all(len(row) == 5 for row in rows)
    answers = {row[1]: row for row in rows if row[0] == "Réponse"}
    assert set(answers) == set(EXAMPLE_A)
    assert answers["partner_countries"][3:] == ["DE|MA", "Allemagne | Maroc"]
    assert answers["local_actors"][3] == "associations|universities|companies"
    scores = {row[1]: row[4] for row in rows if row[0] == "Positionnement"}
    assert scores == {k: score_text_fr(v) for k, v in api["scores"].items()}
    dominant = [row[1] for row in rows if row[0] == "Positionnement dominant"]
    assert dominant == [api["dominant"]]
    recs = [(row[1], row[2]) for row in rows if row[0] == "Recommandation"]
    assert recs == [(r["id"], r["title"]) for r in api["recommendations"]]
    assert b";" in raw.splitlines()[1]


def test_downloads_never_start_a_cell_with_a_formula() -> None:
    from app.results.downloads import _cell

    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _cell("-1") == "'-1"
    assert _cell("Maroc") == "Maroc"


# --- deletion --------------------------------------------------------------------------------


def test_delete_flow_removes_every_row(app: Flask, client: FlaskClient, token_a: str) -> None:
    assert row_counts(app)[0] == 1
    assert row_counts(app)[2] > 0

    confirmation = client.get(f"/resultat/{token_a}/supprimer")
    assert confirmation.status_code == 200
    page = confirmation.get_data(as_text=True)
    assert "définitive" in page
    assert "ne peut pas être annulée" in page
    assert f'action="/resultat/{token_a}/supprimer"' in page

    response = client.post(f"/resultat/{token_a}/supprimer", data={"csrf_token": csrf_token(page)})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    landing = client.get("/").get_data(as_text=True)
    assert "Votre diagnostic a été supprimé." in landing
    assert row_counts(app) == (0, 0, 0)
    assert client.get(f"/resultat/{token_a}").status_code == 404
    assert client.get(f"/resultat/{token_a}/reponses.json").status_code == 404


def test_delete_keeps_other_diagnostics(app: Flask, client: FlaskClient, token_a: str) -> None:
    token_b = make_diagnostic(app, EXAMPLE_B)
    page = client.get(f"/resultat/{token_a}/supprimer").get_data(as_text=True)

    client.post(f"/resultat/{token_a}/supprimer", data={"csrf_token": csrf_token(page)})

    assert row_counts(app)[:2] == (1, 1)
    assert client.get(f"/resultat/{token_b}").status_code == 200


def test_delete_needs_the_csrf_token(app: Flask, client: FlaskClient, token_a: str) -> None:
    response = client.post(f"/resultat/{token_a}/supprimer")

    assert response.status_code == 400
    assert row_counts(app)[0] == 1
    assert client.get(f"/resultat/{token_a}").status_code == 200


def test_delete_an_unfinished_diagnostic(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        _diagnostic, token = services.start(get_session())
    page = client.get(f"/resultat/{token}/supprimer").get_data(as_text=True)
    assert f'href="/diagnostic/{token}"' in page
    assert "reponses.csv" not in page

    response = client.post(f"/resultat/{token}/supprimer", data={"csrf_token": csrf_token(page)})

    assert response.status_code == 302
    assert row_counts(app) == (0, 0, 0)


# --- charts module ---------------------------------------------------------------------------


def test_chart_helpers() -> None:
    from app import charts

    assert charts.ranking({"a": 1.0, "b": 3.0, "c": 3.0}, first="c") == [
        ("c", 3.0),
        ("b", 3.0),
        ("a", 1.0),
    ]
    label = "Renforcer une coopération multisectorielle entre territoires"
    lines = charts.wrap_label(label).split("<br>")
    assert len(lines) > 1
    assert all(len(line) <= charts.LABEL_WIDTH for line in lines)
    assert " ".join(lines) == label
    radar = charts.radar_figure(["a", "b", "c"], [1.0, 2.0, 3.0], name="x")
    assert radar["data"][0]["r"] == [1.0, 2.0, 3.0, 1.0]
    go.Figure(radar)
    go.Figure(charts.bar_figure(["a"], [50.0], name="x"))


def test_score_text_uses_the_page_locale(app: Flask) -> None:
    with app.test_request_context("/?lang=en"):
        assert score_text(48.44) == "48.4"
    with app.test_request_context("/"):
        assert score_text(48.44) == "48,4"
        assert score_text(0) == "0,0"


# --- the synthesis (first printed page) and the PDF link ---------------------------------------


def test_result_page_opens_with_the_synthesis(app: Flask, client: FlaskClient) -> None:
    token = make_diagnostic(app, EXAMPLE_A)
    stored = stored_report(app, token)

    html = client.get(f"/resultat/{token}").get_data(as_text=True)

    synthesis = section(html, "synthese")
    assert html.index('id="synthese"') < html.index('id="partenaires"')
    assert html.index('id="partenaires"') < html.index('id="recommandations"')
    assert html.index('id="recommandations"') < html.index('id="positionnement-dominant"')
    text = text_of(synthesis)
    assert (
        f"Profil{NBSP}: Commune · De 100{NBSP}000 à 500{NBSP}000 habitants · "
        "Auvergne-Rhône-Alpes · 2 pays partenaires"
    ) in text
    label = stored["labels"][stored["dominant"]]
    assert f"Positionnement dominant{NBSP}: «{NBSP}{label}{NBSP}» (27,9{NBSP}/{NBSP}100)." in text
    assert 'id="chart-positionings"' in synthesis
    top = re.findall(r'data-top-recommendation-id="([^"]+)"', synthesis)
    assert top == [r["id"] for r in stored["recommendations"][:3]]
    for rec in stored["recommendations"][:3]:
        assert rec["title"] in text
        assert f'href="#rec-{rec["id"]}-title"' in synthesis
        first_sentence = rec["text"].split(". ")[0]
        assert first_sentence in text
    assert "Ce que propose le service des relations internationales" in text
    first_action = stored["recommendations"][0]["title"]
    assert f"chantiers suivants{NBSP}: {first_action[:1].lower()}{first_action[1:]}" in text
    assert "data-recommendation-id" not in synthesis


def test_no_partner_is_never_shown_as_empty_quotes(app: Flask, client: FlaskClient) -> None:
    token = make_diagnostic(app, {**EXAMPLE_A, "partner_countries": []})

    text = text_of(client.get(f"/resultat/{token}").get_data(as_text=True))

    assert "Vous n'avez indiqué aucun pays partenaire pour l'instant." in text
    assert not re.search(r"«[\s\u00a0\u202f]*»", text)
    assert "pays partenaire" not in text.split("L'essentiel")[1].split("Positionnement")[0]


def test_result_page_links_to_the_pdf_brief(client: FlaskClient, token_a: str) -> None:
    html = client.get(f"/resultat/{token_a}").get_data(as_text=True)

    (link,) = parse(html).find("a", data_brief_pdf="")
    assert link["href"] == f"/resultat/{token_a}/synthese.pdf"
    assert "Télécharger la synthèse (PDF)" in html
    response = client.get(link["href"])
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="synthese-aict.pdf"'


def test_english_synthesis(app: Flask, client: FlaskClient, english_catalogue: None) -> None:
    token = make_diagnostic(app, EXAMPLE_A)

    text = text_of(client.get(f"/resultat/{token}?lang=en").get_data(as_text=True))

    assert "At a glance" in text
    assert "Profile: Municipality (commune) · 100,000 to 500,000 inhabitants" in text
    assert "The priority recommendations" in text
    assert "What the international relations service proposes" in text
    assert "Download the brief (PDF)" in text


def test_the_partners_note_reads_middle_or_high_income_oecd_or_not(
    app: Flask, client: FlaskClient
) -> None:
    """« pays à revenus intermédiaires ou OCDE » (§ 3) is middle or high income, OECD member or
    not: the note beside the partners must not leave Singapore or the Gulf out."""
    token = make_diagnostic(app, {**EXAMPLE_B, "partner_countries": ["SG", "AE"]})
    for lang, expected, wrong in (
        (
            "fr",
            "revenu intermédiaire ou élevé, membres de l'OCDE ou non",
            "intermédiaire ou membres",
        ),
        ("en", "middle- or high-income countries, OECD members or not", "middle-income or OECD"),
    ):
        page = text_of(client.get(f"/resultat/{token}?lang={lang}").get_data(as_text=True))
        assert expected in page
        assert wrong not in page
