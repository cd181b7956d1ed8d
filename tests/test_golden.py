"""Questionnaire v1 scores exactly as it always did: golden outputs over 1,002 answer sets.

``tests/golden/v1_golden.json`` holds the worked examples and 1,000 seeded random answer sets with
what the engine and the API gave for them when the file was written (see ``make_golden.py``):
every later engine must give byte-identical reports, API responses and result pages.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app import questionnaire as qn
from app import report as report_module
from app import services
from app.answers import validate
from app.core.partners import is_french_territory
from app.db import get_session
from app.models import Diagnostic
from tests.factories import EXAMPLE_A
from tests.golden.make_golden import (
    API_COUNT,
    GOLDEN_FILE,
    RESULT_PAGE_FILE,
    contract_part,
    digest,
    normalise_page,
)

CASES: list[dict[str, Any]] = json.loads(GOLDEN_FILE.read_text(encoding="utf-8"))["cases"]


def test_golden_file_holds_the_examples_and_a_thousand_random_sets() -> None:
    assert len(CASES) == 1002
    assert CASES[0]["answers"] == EXAMPLE_A
    assert len({json.dumps(c["answers"], sort_keys=True) for c in CASES}) == 1002


V1 = qn.get("1")
assert V1 is not None


def start_v1(session: Session) -> tuple[Diagnostic, str]:
    """Start a diagnostic on questionnaire v1, as those stored before v2 were."""
    diagnostic, token = services.start(session, "fr")
    diagnostic.questionnaire_version = "1"
    session.commit()
    return diagnostic, token


def test_worked_examples_give_the_stored_reports(app: Flask) -> None:
    q = V1
    for case in CASES[:2]:
        with app.app_context():
            payload = report_module.build_all(q, validate(q, case["answers"]))
        assert json.loads(json.dumps(payload)) == case["payload"]


def test_every_golden_answer_set_scores_as_before(app: Flask) -> None:
    q = V1
    changed = []
    for i, case in enumerate(CASES):
        payload = report_module.build_all(q, validate(q, case["answers"]))
        assert contract_part(payload["fr"]) == case["contract"], i
        if digest(payload) != case["payload_sha256"]:
            changed.append(i)
    assert changed == []


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_api_answers_as_before(app: Flask, client: FlaskClient, lang: str) -> None:
    """v1 still gives the API bodies it gave; the API, now on v2, still scores the v1 sets."""
    changed = []
    for i, case in enumerate(CASES[:API_COUNT]):
        with app.test_request_context(f"/?lang={lang}"):
            body = report_module.build(V1, validate(V1, case["answers"], lang), lang)
        if digest(json.loads(json.dumps(body))) != case[f"api_{lang}_sha256"]:
            changed.append(i)
        response = client.post(f"/api/v1/score?lang={lang}", json={"answers": case["answers"]})
        french = [c for c in case["answers"]["partner_countries"] if is_french_territory(c)]
        if french:  # v2 wants partners abroad: France and its overseas are refused, by name
            assert response.status_code == 422
            assert set(response.get_json()["errors"]) == {"partner_countries"}
        else:
            assert response.status_code == 200
            assert response.get_json()["questionnaire_version"] == "2"
    assert changed == []


def test_a_stored_v1_result_renders_as_before(app: Flask, client: FlaskClient) -> None:
    """A payload stored by v1 (example A) gives the same result page, token and date aside."""
    with app.app_context():
        session = get_session()
        diagnostic, token = start_v1(session)
        services.save_answers(session, diagnostic, dict(EXAMPLE_A), diagnostic.current_step)
        result = services.complete(session, diagnostic, share_anonymised=False)
        result.payload = CASES[0]["payload"]  # exactly what v1 stored
        session.commit()
    page = client.get(f"/resultat/{token}").get_data(as_text=True)
    assert normalise_page(page, token) == RESULT_PAGE_FILE.read_text(encoding="utf-8")


def test_no_partner_country_reads_as_none_not_as_empty_quotes(
    app: Flask, client: FlaskClient
) -> None:
    # A golden answer set with no partner country, where the partners' weights count among
    # the answers that weighed most on the dominant positioning.
    answers = CASES[26]["answers"]
    assert answers["partner_countries"] == []
    with app.app_context():
        session = get_session()
        diagnostic, token = start_v1(session)
        services.save_answers(session, diagnostic, answers, diagnostic.current_step)
        services.complete(session, diagnostic, share_anonymised=False)
    page = client.get(f"/resultat/{token}").get_data(as_text=True).replace("\u00a0", " ")
    assert "«  »" not in page
    assert "Pays partenaires : « aucun choix »" in page
