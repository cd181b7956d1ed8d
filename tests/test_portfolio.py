"""The partnership portfolio: its declaration checked on load, each partnership placed and advised,
the result page's chart and table, the printed brief, in French and English.

Run on the test questionnaire ``tests/questionnaires/test_portfolio`` (the partnership blocks of
questionnaire v2, with its ``portfolio.yaml``).
"""

from __future__ import annotations

import random
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from app import charts
from app import questionnaire as qn
from app.core import partners, portfolio
from app.core.loader import check_folder, load_folder, random_answers
from app.core.report import Report, build
from app.results import svg
from tests.test_api import schema
from tests.test_brief_pdf import SVG_NS, page_texts, pdf_of
from tests.test_engine_web import post, serve
from tests.test_results import english_catalogue, figure, make_diagnostic, section, text_of
from tests.test_survey import start

__all__ = ["english_catalogue"]  # a fixture the English test uses

QUESTIONS = Path(__file__).resolve().parent / "questionnaires" / "test_portfolio"
FOLDER = QUESTIONS / "v1"
NBSP = "\u00a0"


def block(country: str, fields: list[str], actors: list[str], **more: Any) -> dict[str, Any]:
    """Return the answers of one partnership block."""
    return {
        "partner_country": country,
        "partnership_since": "3_10y",
        "partnership_fields": fields,
        "partnership_actors": actors,
        "partnership_funding": ["own_budget"],
        **more,
    }


def answers_with(*blocks: dict[str, Any]) -> dict[str, Any]:
    """Return a whole answer set with these partnership blocks."""
    return {
        "collectivity_type": "commune",
        "goals": ["solidarity"],
        "has_partnerships": "yes" if blocks else "no",
        **({"partnerships": list(blocks)} if blocks else {}),
    }


MALI = block("ML", ["water_sanitation", "health"], ["associations", "diaspora"])
SINGAPORE = block(
    "SG", ["economy", "education"], ["companies", "cci", "universities"], partner_seeks=["markets"]
)
ROMANIA = block("RO", ["culture", "education"], ["associations"])
BOSTON = block(
    "US",
    ["economy"],
    ["companies", "clusters", "cci"],
    partner_seeks=["markets", "economic_development"],
)


@pytest.fixture(scope="module")
def q() -> qn.Questionnaire:
    """Return the test questionnaire with its portfolio."""
    return load_folder(FOLDER)


def placed(q: qn.Questionnaire, *blocks: dict[str, Any]) -> list[portfolio.Placement]:
    """Return the placements of these blocks."""
    return portfolio.place(q, answers_with(*blocks))


# --- Placement ------------------------------------------------------------------------------


def test_a_malian_partnership_is_upstream(q: qn.Questionnaire) -> None:
    (mali,) = placed(q, MALI)
    assert mali.level is not None
    assert mali.level.value == 0
    assert mali.fit is not None
    assert mali.fit.id == "upstream"
    assert mali.fit.positioning == "multisector_cooperation"
    entry = portfolio.build(q, answers_with(MALI), "fr").entries[0]  # type: ignore[union-attr]
    assert entry.fit is not None
    assert entry.fit.title == "Avec le Mali, intervenir en amont"
    assert [a.id for a in entry.fit.actions] == ["explore_and_exchange", "pilot_then_multilateral"]
    assert "en phase pilote bilatérale" in entry.fit.actions[1].text
    assert "au Mali" in entry.fit.actions[1].text
    assert all("§" in a.source for a in entry.fit.actions)


def test_least_developed_countries_of_lower_middle_income_are_level_zero(
    q: qn.Questionnaire,
) -> None:
    # Senegal and Haiti: lower-middle income for the World Bank, least developed for the UN.
    for code in ("SN", "HT"):
        (found,) = placed(q, {**MALI, "partner_country": code})
        assert found.level is not None, code
        assert found.level.value == 0, code
        assert found.fit is not None, code
        assert found.fit.id == "upstream", code
    (morocco,) = placed(q, {**MALI, "partner_country": "MA"})
    assert morocco.level is not None
    assert morocco.level.value == 1


@pytest.mark.parametrize("country", ["SG", "RO", "HR", "AE"])
def test_high_income_outside_the_oecd_is_economic_cooperation(
    q: qn.Questionnaire, country: str
) -> None:
    # « pays à revenus intermédiaires ou OCDE »: middle or high income, OECD member or not.
    (found,) = placed(q, {**SINGAPORE, "partner_country": country})
    assert found.level is not None
    assert found.level.value == 3
    assert found.fit is not None
    assert found.fit.id == "economic_cooperation"
    assert found.fit.positioning == "economic_cooperation"
    (low,) = placed(q, {**ROMANIA, "partner_country": country})
    assert low.fit is not None
    assert low.fit.positioning == "economic_cooperation"
    assert low.fit.id == "economic_cooperation_start"


def test_economic_cooperation_actions_name_the_country_with_its_article(
    q: qn.Questionnaire,
) -> None:
    report = portfolio.build(q, answers_with(SINGAPORE, ROMANIA), "fr")
    assert report is not None
    singapore, romania = report.entries
    assert singapore.fit is not None
    assert romania.fit is not None
    assert [a.id for a in singapore.fit.actions] == ["economic_missions", "cci_mission"]
    assert "une mission économique à Singapour" in singapore.fit.actions[0].text
    assert romania.fit.title == "Donner un volet économique au partenariat avec la Roumanie"
    assert [a.id for a in romania.fit.actions] == ["city_network", "pilot_project"]


def test_an_economy_only_partnership_is_opened_to_other_fields(q: qn.Questionnaire) -> None:
    (boston,) = placed(q, BOSTON)
    assert boston.level is not None
    assert boston.level.value == 3
    assert boston.intensity >= 50
    assert boston.fit is not None
    assert boston.fit.id == "open_to_other_fields"
    entry = portfolio.build(q, answers_with(BOSTON), "fr").entries[0]  # type: ignore[union-attr]
    assert entry.fit is not None
    assert entry.fit.title == "Ouvrir le partenariat avec les États-Unis à d'autres domaines"
    assert f"domaines{NBSP}: économie seulement" in entry.reasons
    assert "Lyon/Boston" in entry.fit.source
    # A second field, or a low-income partner, and the advice is another.
    (wider,) = placed(q, {**BOSTON, "partnership_fields": ["economy", "culture"]})
    assert wider.fit is not None
    assert wider.fit.id == "economic_cooperation"
    (south,) = placed(q, {**BOSTON, "partner_country": "BF"})
    assert south.fit is not None
    assert south.fit.id == "upstream"


def test_reasons_are_distinct_and_true(q: qn.Questionnaire) -> None:
    report = portfolio.build(q, answers_with(SINGAPORE), "fr")
    assert report is not None
    reasons = report.entries[0].reasons
    assert len(reasons) == len(set(reasons))
    assert f"Niveau de développement du pays partenaire{NBSP}: revenu élevé (Singapour)" in reasons
    assert any(r.startswith(f"Intensité économique{NBSP}: ") for r in reasons)


def test_intensity_is_normalised_against_the_most_a_block_can_get(q: qn.Questionnaire) -> None:
    declared = q.portfolio
    assert declared is not None
    # economy 40 + economic development 15 + markets 15 + every economic actor (38).
    assert declared.maximum == 108
    full = block(
        "DE",
        ["economy", "culture"],
        ["companies", "clusters", "cci", "sem_spl", "agencies", "urban_operators", "universities"],
        partner_seeks=["economic_development", "markets", "institutional_strengthening"],
    )
    (top,) = placed(q, full)
    assert top.intensity == 100
    (none,) = placed(q, block("DE", ["culture"], ["none"]))
    assert none.intensity == 0
    (economy,) = placed(q, block("DE", ["economy"], ["associations"]))
    assert economy.intensity == round(100 * 40 / 108, 1)
    # Unanswered optional questions count as nothing, not as an error.
    assert "partner_seeks" not in ROMANIA
    assert placed(q, ROMANIA)[0].intensity == 0


def test_no_portfolio_without_partnership_or_declaration(q: qn.Questionnaire) -> None:
    empty = portfolio.build(q, answers_with(), "fr")
    assert empty is not None
    assert empty.entries == []
    # Version 1 ships no portfolio.yaml: stored v1 results render as they were.
    assert load_folder(qn.QUESTIONS_DIR / "v1").portfolio is None


def test_the_report_stores_the_portfolio_and_reads_it_back(q: qn.Questionnaire) -> None:
    answers = answers_with(MALI, SINGAPORE, block("VE", ["culture"], ["associations"]))
    report = build(q, answers, "fr")
    assert report.portfolio is not None
    payload = report.to_payload()
    again = Report.from_payload(payload)
    assert again.portfolio == report.portfolio
    venezuela = report.portfolio.entries[2]
    assert venezuela.level is None
    assert venezuela.fit is None
    # Every result of a version with a portfolio stores it, without entries when no partnership.
    assert build(q, answers_with(), "fr").to_payload()["portfolio"]["entries"] == []


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), lang=st.sampled_from(["fr", "en"]))
def test_every_partnership_is_placed_as_the_report_says(seed: int, lang: str) -> None:
    """Over random answer sets: levels follow the classification, intensities stay in 0–100,
    the upstream role goes to low-income and least-developed partners only, economic
    cooperation to middle- and high-income ones or métropoles, the opening to other fields to
    economy-only partnerships; texts are filled, reasons distinct, the payload read back."""
    q = load_folder(FOLDER)
    answers = random_answers(q, random.Random(seed))
    report = portfolio.build(q, answers, lang)
    blocks = answers.get("partnerships") or []
    assert report is not None
    if not report.entries:
        assert not blocks
        return
    assert [e.index for e in report.entries] == list(range(len(blocks)))
    for entry, item in zip(report.entries, blocks, strict=True):
        country = partners.country(entry.country)
        assert country is not None
        upstream = country.income_group == "low" or partners.is_ldc(country)
        if upstream:
            assert entry.level == 0
        elif country.income_group == "unknown":
            assert entry.level is None
        else:
            assert (
                entry.level
                == ("lower_middle", "upper_middle", "high").index(country.income_group) + 1
            )
        assert 0 <= entry.intensity <= 100
        assert len(entry.reasons) == len(set(entry.reasons))
        fit = entry.fit
        if fit is None:
            assert entry.level is None
            assert item.get("partner_territory_kind") != "capital_metropolis"
            continue
        assert (fit.id == "upstream") == upstream
        if fit.positioning == "economic_cooperation":
            assert not upstream
            assert entry.level is not None or item["partner_territory_kind"] == "capital_metropolis"
        if fit.id == "open_to_other_fields":
            assert item["partnership_fields"] == ["economy"]
        for text in (fit.title, fit.text, *(a.text for a in fit.actions)):
            assert "{" not in text
            assert "}" not in text
        assert 1 <= len(fit.actions) <= 2
        assert all("§" in a.source for a in fit.actions)
    assert portfolio.PortfolioReport.from_payload(report.to_payload()) == report


def test_the_shipped_v2_portfolio_places_partnerships_as_the_report_says() -> None:
    v2 = load_folder(qn.QUESTIONS_DIR / "v2")
    assert v2.portfolio is not None
    report = portfolio.build(v2, answers_with(MALI, SINGAPORE, ROMANIA, BOSTON), "fr")
    assert report is not None
    assert [(e.country, e.level, e.fit.id if e.fit else None) for e in report.entries] == [
        ("ML", 0, "upstream"),
        ("SG", 3, "economic_cooperation"),
        ("RO", 3, "economic_cooperation_start"),
        ("US", 3, "open_to_other_fields"),
    ]
    # The test questionnaire's declaration is the shipped one.
    shipped = qn.QUESTIONS_DIR / "v2" / "portfolio.yaml"
    test_copy = FOLDER / "portfolio.yaml"
    assert yaml.safe_load(shipped.read_text(encoding="utf-8")) == yaml.safe_load(
        test_copy.read_text(encoding="utf-8")
    )


# --- The declaration, checked on load --------------------------------------------------------


def broken(tmp_path: Path, old: str, new: str) -> list[str]:
    """Return the problems of a copy of the test questionnaire with one edit of portfolio.yaml."""
    folder = tmp_path / "v1"
    shutil.copytree(FOLDER, folder)
    target = folder / "portfolio.yaml"
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return check_folder(folder)[1]


def line_of(text: str) -> int:
    """Return the line of the test portfolio.yaml where text first appears."""
    lines = (FOLDER / "portfolio.yaml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("repeat: partnerships", "repeat: partnership", "doit nommer un bloc répété"),
        ("country_field: partner_country", "country_field: partnership_since", "question de pays"),
        (
            "partnership_fields: {economy: 40}",
            "partnership_fields: {economics: 40}",
            "code inconnu «\u00a0economics\u00a0»",
        ),
        ("cci: 8,", "none: 8,", "une absence n'est la preuve de rien"),
        ("clusters: 8,", "clusters: -8,", "nombre positif ou nul"),
        ("partner_seeks: {", "partner_wishes: {", "n'est pas une question du bloc"),
        (
            "groups: [high]",
            "groups: [upper_middle]",
            "«\u00a0upper_middle\u00a0» est déjà au niveau 2",
        ),
        (
            "groups: [lower_middle]",
            "groups: [middle]",
            "groupe de revenu inconnu «\u00a0middle\u00a0»",
        ),
        (
            "positioning: multisector_cooperation",
            "positioning: solidarity",
            "positionnement inconnu «\u00a0solidarity\u00a0»",
        ),
        (
            "{answer: partnership_fields, only: [economy]}",
            "{answer: partnership_field, only: [economy]}",
            "question inconnue",
        ),
        ("{intensity: {gte: 50}}", "{intensity: {gte: 150}}", "des nombres de 0 à 100"),
        ("when: {level: {lte: 0}}", "when: {level: {lte: 7}}", "des nombres de 0 à 3"),
        (
            "avec {country} à d'autres",
            "avec {pays} à d'autres",
            "champ inconnu «\u00a0{pays}\u00a0»",
        ),
        (
            'source: {fr: "Compte rendu, § 4 (partenariat Lyon/Boston)"',
            'source: {fr: "Compte rendu (partenariat Lyon/Boston)"',
            "doit citer le § du compte rendu",
        ),
    ],
)
def test_portfolio_problems_are_french_and_at_their_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    problems = broken(tmp_path, old, new)
    found = [p for p in problems if message in p]
    assert found, problems
    assert all("portfolio.yaml:" in p for p in found)
    assert any(p.split(":")[1] == str(line_of(old)) for p in found), found


def test_a_fit_needs_one_or_two_actions(tmp_path: Path) -> None:
    problems = broken(
        tmp_path,
        "    actions:\n      - id: open_partnership",
        "    actions: []\n    old:\n      - id: open_partnership",
    )
    assert any("il faut une ou deux actions" in p for p in problems), problems


def test_the_check_command_lists_portfolio_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken(tmp_path, "repeat: partnerships", "repeat: nowhere")
    from app import create_app
    from config import TestConfig

    monkeypatch.setattr(qn, "QUESTIONS_DIR", tmp_path)
    result = create_app(TestConfig).test_cli_runner().invoke(args=["questions", "check"])
    assert result.exit_code != 0
    assert "portfolio.yaml" in result.output
    assert "«\u00a0nowhere\u00a0»" in result.output


# --- The chart -----------------------------------------------------------------------------


def test_markers_never_share_a_place() -> None:
    points = [(3, 60.0)] * 5 + [(3, 62.0), (0, 0.0), (0, 3.0)]
    drawn = charts.portfolio_positions(points)
    for i, (x, y) in enumerate(drawn):
        for j in range(i + 1, len(drawn)):
            ox, oy = drawn[j]
            assert abs(x - ox) >= 0.29 or abs(y - oy) >= charts.PORTFOLIO_STEP, (i, j)
    for (level, _value), (x, y) in zip(points, drawn, strict=True):
        assert abs(x - level) < 0.5
        assert 0 <= y <= 100
    # A lone point stays exactly where it is.
    assert charts.portfolio_positions([(2, 37.5)]) == [(2.0, 37.5)]


def test_the_figure_is_valid_plotly() -> None:
    fig = charts.portfolio_figure(
        ["A", "B", "C", "D"],
        [(0, 10.0), (3, 80.0)],
        ["1", "2"],
        ["Mali", "Singapour"],
        x_title="Niveau",
        y_title="Intensité",
        name="Partenariats",
    )
    go.Figure(fig)
    assert fig["layout"]["xaxis"]["tickvals"] == [0, 1, 2, 3]
    assert fig["data"][0]["text"] == ["1", "2"]


# --- The result page and the brief ---------------------------------------------------------


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """Yield an application serving the portfolio test questionnaire."""
    yield from serve(QUESTIONS, monkeypatch)


PORTFOLIO = answers_with(MALI, SINGAPORE, ROMANIA, BOSTON)


def test_the_result_page_shows_the_chart_and_its_table(app: Flask, client: FlaskClient) -> None:
    token = make_diagnostic(app, PORTFOLIO)
    page = client.get(f"/resultat/{token}").text
    html = section(page, "portefeuille")
    fig = figure(html, "chart-portfolio")
    go.Figure(fig)
    assert fig["data"][0]["text"] == ["1", "2", "3", "4"]
    assert fig["layout"]["xaxis"]["ticktext"][0] == "Faible<br>revenu ou<br>PMA"
    assert '<th scope="col">Niveau de développement du pays partenaire</th>' in html
    assert '<th scope="row">Partenariat 1 · Mali</th>' in html
    assert "<caption>Vos partenariats selon le niveau" in html
    text = text_of(html)
    for name in ("Mali", "Singapour", "Roumanie", "États-Unis"):
        assert name in text
    assert f"Partenariat 1 (Mali){NBSP}: Avec le Mali, intervenir en amont" in text
    assert "Développer la coopération économique avec Singapour" in text
    for fit in (
        "upstream",
        "economic_cooperation",
        "economic_cooperation_start",
        "open_to_other_fields",
    ):
        assert f'data-portfolio-fit="{fit}"' in html
    assert 'data-portfolio-action="economic_missions"' in html
    assert page.index('id="partenaires"') < page.index('id="portefeuille"')


def test_the_api_sends_the_portfolio_as_its_schema_says(client: FlaskClient) -> None:
    body = client.post("/api/v1/score?lang=en", json={"answers": PORTFOLIO}).get_json()
    schema("ScoreResponse").validate(body)
    entries = body["portfolio"]["entries"]
    assert [(e["country"], e["level"], e["fit"]["id"]) for e in entries] == [
        ("ML", 0, "upstream"),
        ("SG", 3, "economic_cooperation"),
        ("RO", 3, "economic_cooperation_start"),
        ("US", 3, "open_to_other_fields"),
    ]
    none = client.post("/api/v1/score", json={"answers": answers_with()}).get_json()
    assert none["portfolio"]["entries"] == []


def test_blocks_posted_through_the_steps_reach_the_portfolio(
    app: Flask, client: FlaskClient
) -> None:
    token = start(client)
    post(client, token, "profile", {"collectivity_type": "region"}, "next")
    post(client, token, "partnerships_intro", {"has_partnerships": "yes"}, "next")
    post(client, token, "partnerships", {}, "add")
    post(client, token, "partnerships", {"partnerships-0-block": "1"}, "add")
    blocks = {
        "partnerships-0-block": "1",
        "partnerships-0-partner_country": "SN",
        "partnerships-0-partnership_since": "gt_10y",
        "partnerships-0-partnership_fields": ["education", "health"],
        "partnerships-0-partnership_actors": ["associations"],
        "partnerships-0-partnership_funding": ["ficol"],
        "partnerships-1-block": "1",
        "partnerships-1-partner_country": "KR",
        "partnerships-1-partnership_since": "lt_3y",
        "partnerships-1-partnership_fields": ["economy"],
        "partnerships-1-partnership_actors": ["companies", "clusters", "cci"],
        "partnerships-1-partnership_funding": ["own_budget"],
        "partnerships-1-partner_seeks": ["markets", "economic_development"],
    }
    post(client, token, "partnerships", blocks, "next")
    response = post(client, token, "goals", {"goals": "solidarity"}, "finish")
    assert response.headers["Location"].endswith(f"/resultat/{token}")
    html = section(client.get(f"/resultat/{token}").text, "portefeuille")
    text = text_of(html).replace(NBSP, " ")
    assert "Partenariat 1 (Sénégal) : Avec le Sénégal, intervenir en amont" in text
    assert "Partenariat 2 (Corée du Sud) : Ouvrir le partenariat avec la Corée du Sud" in text


def test_no_portfolio_without_partnership(app: Flask, client: FlaskClient) -> None:
    token = make_diagnostic(app, answers_with())
    page = client.get(f"/resultat/{token}").text
    assert 'id="portefeuille"' not in page
    assert "chart-portfolio" not in page


def test_the_english_page(app: Flask, client: FlaskClient, english_catalogue: None) -> None:
    token = make_diagnostic(app, PORTFOLIO, lang="en")
    page = client.get(f"/resultat/{token}?lang=en").text
    html = section(page, "portefeuille")
    text = text_of(html)
    assert "Your partnership portfolio" in text
    assert "Partnership 1 (Mali): With Mali, act upstream" in text
    assert "Open the partnership with the United States to other fields" in text
    assert "Positioning that fits it: Develop economic cooperation" in text
    fig = figure(html, "chart-portfolio")
    assert fig["layout"]["xaxis"]["ticktext"][3] == "High<br>income"
    assert "Partenariat" not in text


def test_the_pdf_holds_the_portfolio_after_the_partners(app: Flask, client: FlaskClient) -> None:
    token = make_diagnostic(app, PORTFOLIO)
    texts = page_texts(pdf_of(client, token))
    whole = " ".join(texts)
    # Page two: the partners, then the portfolio's chart, its table and the first partnership.
    second = texts[1]
    assert "Vos partenaires" in second
    assert "Votre portefeuille de partenariats" in second
    assert second.index("Vos partenaires") < second.index("Votre portefeuille de partenariats")
    assert "Vos partenariats selon le niveau de développement du pays" in second
    assert "Partenariat 1 · Mali" in second
    assert "Partenariat 1 (Mali) : Avec le Mali, intervenir en amont" in second
    assert "Ouvrir le partenariat avec les États-Unis à d'autres domaines" in whole
    # On paper each partnership is in short: its actions by their titles, its source kept.
    assert "Une mission économique chez votre partenaire" in whole
    assert "Organisez une mission économique à Singapour" not in whole
    assert whole.count("Source : Compte rendu, § 3 : « Dans une coopération Nord/Sud") == 1
    assert "Votre portefeuille" not in texts[0]


def test_the_svg_draws_one_numbered_marker_per_placed_partnership() -> None:
    fig = charts.portfolio_figure(
        ["Faible revenu ou PMA", "Moyen inférieur", "Moyen supérieur", "Revenu élevé"],
        [(0, 10.0), (3, 80.0), (3, 81.0)],
        ["1", "2", "3"],
        ["Mali", "Singapour", "Roumanie"],
        x_title="Niveau de développement",
        y_title="Intensité économique (sur 100)",
        name="Partenariats",
    )
    drawn = str(svg.portfolio_svg(fig, "Portefeuille", ident="chart-portfolio"))
    drawing = ET.fromstring(drawn)  # noqa: S314 - our own drawing
    circles = drawing.findall(f"{SVG_NS}circle")
    assert len(circles) == 3
    texts = ["".join(t.itertext()) for t in drawing.iter(f"{SVG_NS}text")]
    assert {"1", "2", "3"} <= set(texts)
    assert "Revenuélevé" in texts  # « Revenu élevé », one word a line
    assert "Intensité économique (sur 100)" in texts
    # Two partnerships of one level with close intensities are drawn apart.
    centres = [(float(c.get("cx", 0)), float(c.get("cy", 0))) for c in circles]
    assert centres[1] != centres[2]
    assert drawing.get("aria-label") == "Portefeuille"
