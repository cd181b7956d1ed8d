"""The ``country`` question type: one partner country per partnership block.

Run on ``tests/questionnaires/test_derive`` (strict: partners abroad only), whose blocks each name
their partner's country and whose ``partner_countries`` is derived from them.
"""

from __future__ import annotations

import random
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.core import partners
from app.core.answers import AnswerErrors, validate
from app.core.loader import check_folder, load_folder
from app.core.model import Questionnaire
from app.core.scoring import score
from app.core.summary import summaries
from app.core.types import get_type
from tests.test_engine_web import page_text, post, serve
from tests.test_survey import start, step_url

TEST_DERIVE = Path(__file__).resolve().parent / "questionnaires" / "test_derive"
BASE = {"collectivity_type": "commune", "has_partnerships": "yes", "goals": ["export"]}


@pytest.fixture(scope="module")
def q() -> Questionnaire:
    """Return the test questionnaire."""
    return load_folder(TEST_DERIVE / "v1")


def errors_of(q: Questionnaire, country: object, lang: str = "fr") -> list[str]:
    """Return the messages a block with this country gets."""
    block = {"partner_country": country, "partnership_since": "lt_3y"}
    with pytest.raises(AnswerErrors) as caught:
        validate(q, {**BASE, "partnerships": [block]}, lang)
    return caught.value.errors["partnerships-0-partner_country"]


def test_the_type_is_registered_and_loaded_abroad_only(q: Questionnaire) -> None:
    question = q.questions["partner_country"]
    assert question.kind is get_type("country")
    assert question.abroad_only  # reasoning: strict


def test_it_cleans_one_code_with_the_messages_of_country_multi(q: Questionnaire) -> None:
    assert errors_of(q, "XX") == [
        "Pays inconnu\u00a0: «\u00a0XX\u00a0» (code ISO 3166-1 à deux lettres attendu)."
    ]
    assert errors_of(q, "XX", "en") == [
        "Unknown country: “XX” (an ISO 3166-1 two-letter code is expected)."
    ]
    assert errors_of(q, ["BF"]) == ["La réponse doit être un code."]
    for french in ("FR", "RE", "NC"):
        (text,) = errors_of(q, french)
        assert text.startswith(f"«\u00a0{french}\u00a0» désigne la France"), text
    # Outside strict reasoning France is a country like any other.
    lenient = replace(q.questions["partner_country"], abroad_only=False)
    assert lenient.kind.clean(lenient, "FR", "fr") == "FR"


def test_two_blocks_in_one_country_make_one_partner_country(q: Questionnaire) -> None:
    blocks = [
        {"partner_country": "BF", "partnership_since": "lt_3y"},
        {"partner_country": "ML", "partnership_since": "gt_10y"},
        {"partner_country": "BF", "partnership_since": "3_10y"},
    ]
    result = score(q, validate(q, {**BASE, "partnerships": blocks}))
    assert [c.code for c in result.partners] == ["BF", "ML"]
    assert result.facts["partner_count"] == 2
    assert result.facts["low_income_share"] == 1.0


def test_it_adds_no_weights_of_its_own(q: Questionnaire, tmp_path: Path) -> None:
    question = q.questions["partner_country"]
    assert question.kind.vector(question, "BF") == {}
    assert all(question.kind.extremes(question, d.id) == (0.0, 0.0) for d in q.dimensions)
    folder = tmp_path / "v1"
    shutil.copytree(TEST_DERIVE / "v1", folder)
    target = folder / "questionnaire.yaml"
    text = target.read_text(encoding="utf-8")
    weighted = "        type: country\n        partner_weights: {low: {economic_cooperation: 1}}\n"
    target.write_text(text.replace("        type: country\n", weighted, 1), encoding="utf-8")
    _, problems = check_folder(folder)
    assert any("une question country ne porte pas de" in p for p in problems), problems


def test_summary_and_samples(q: Questionnaire) -> None:
    sets = [
        {"partnerships": [{"partner_country": "BF"}, {"partner_country": "DE"}]},
        {"partnerships": [{"partner_country": "ML"}]},
    ]
    rows = {r.code: r.count for r in summaries(q, sets, "fr")["partner_country"]}
    assert rows["low"] == 2  # Burkina Faso, Mali
    assert rows["high"] == 1
    question = q.questions["partner_country"]
    rng = random.Random(3)
    for _ in range(200):
        code = question.kind.sample(question, rng)
        assert question.kind.clean(question, code, "fr") == code


# --- Through the application ------------------------------------------------------------------


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """Yield an application serving the derive test questionnaire."""
    yield from serve(TEST_DERIVE, monkeypatch)


def test_api_describes_its_options_as_the_countries(client: FlaskClient) -> None:
    sections = client.get("/api/v1/questionnaire?lang=en").get_json()["sections"]
    question = next(q for s in sections for q in s["questions"] if q["id"] == "partner_country")
    assert question["type"] == "country"
    assert question["required"] is True
    options = {o["code"]: o["label"] for o in question["options"]}
    assert options["DE"] == "Germany"
    assert "FR" not in options
    assert "RE" not in options
    assert len(options) == len(partners.countries()) - sum(
        partners.is_french_territory(c.code) for c in partners.countries()
    )


def test_api_scores_blocks_by_country(client: FlaskClient) -> None:
    blocks = [
        {"partner_country": "BF", "partnership_since": "lt_3y"},
        {"partner_country": "BF", "partnership_since": "gt_10y"},
    ]
    body = client.post("/api/v1/score", json={"answers": {**BASE, "partnerships": blocks}})
    assert body.status_code == 200
    assert [p["code"] for p in body.get_json()["partners"]] == ["BF"]
    refused = client.post(
        "/api/v1/score",
        json={"answers": {**BASE, "partnerships": [{**blocks[0], "partner_country": "FR"}]}},
    )
    assert refused.status_code == 422
    assert list(refused.get_json()["errors"]) == ["partnerships-0-partner_country"]


def _partnerships_page(client: FlaskClient, lang: str = "fr") -> tuple[str, str]:
    """Start a diagnostic with partnerships and one block; return its token and the step page."""
    token = start(client, lang)
    post(
        client,
        token,
        "profile",
        {"collectivity_type": "commune", "has_partnerships": "yes"},
        "next",
    )
    post(client, token, "partnerships", {}, "add")
    return token, client.get(step_url(token, "partnerships")).text


def test_the_block_shows_a_labelled_select_of_countries(client: FlaskClient) -> None:
    _, page = _partnerships_page(client)
    text = page_text(page)
    assert '<label for="partnerships-0-partner_country">Pays du partenaire' in text
    select = re.search(
        r'<select[^>]*id="partnerships-0-partner_country"[^>]*>(.*?)</select>', page, re.S
    )
    assert select is not None
    assert 'name="partnerships-0-partner_country"' in select.group(0)
    assert "multiple" not in select.group(0).split(">")[0]
    options = re.findall(r'<option([^>]*)value="([^"]*)">([^<]*)</option>', select.group(1))
    assert options[0][1:] == ("", "Choisir un pays")
    assert "selected" in options[0][0]
    labels = {code: label for _, code, label in options}
    assert labels["BF"].startswith("Burkina Faso — ")
    assert "FR" not in labels


def test_the_select_speaks_english_on_english_pages(client: FlaskClient) -> None:
    _, page = _partnerships_page(client, "en")
    assert ">Choose a country</option>" in page
    assert re.search(r'value="DE">Germany — ', page)


def test_a_missing_country_is_linked_from_the_error_summary(client: FlaskClient) -> None:
    token, _ = _partnerships_page(client)
    data = {"partnerships-0-block": "1", "partnerships-0-partnership_since": "lt_3y"}
    response = post(client, token, "partnerships", data, "next")
    assert response.status_code == 200
    page = response.text
    assert 'href="#partnerships-0-partner_country"' in page
    select = re.search(r'<select[^>]*id="partnerships-0-partner_country"[^>]*>', page)
    assert select is not None
    assert 'aria-invalid="true"' in select.group(0)
    assert 'aria-describedby="partnerships-0-partner_country-error"' in select.group(0)
    assert 'id="partnerships-0-partner_country-error"' in page


def test_a_chosen_country_is_kept_selected_and_shown_on_the_result(
    client: FlaskClient,
) -> None:
    token, _ = _partnerships_page(client)
    data = {
        "partnerships-0-block": "1",
        "partnerships-0-partner_country": "ML",
        "partnerships-0-partnership_since": "gt_10y",
    }
    post(client, token, "partnerships", data, "save")
    page = client.get(step_url(token, "partnerships")).text
    assert re.search(r'<option selected value="ML">', page)
    assert not re.search(r'<option selected value="">', page)
    post(client, token, "partnerships", data, "next")
    response = post(client, token, "network", {"goals": "solidarity"}, "finish")
    assert response.headers["Location"].endswith(f"/resultat/{token}")
    result = page_text(client.get(f"/resultat/{token}").text)
    assert "Mali" in result
    assert 'data-recommendation-id="low_income_partners"' in result
