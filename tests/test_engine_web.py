"""Skip logic, repeat groups and constraints through the step forms, the API and the result page.

The application runs on the test questionnaire ``tests/questionnaires/test_v``.
"""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import ChoiceLoader, FileSystemLoader

from app import create_app, services
from app import questionnaire as qn
from app.db import Base, dispose_engines, get_engine, get_session
from config import TestConfig
from tests.test_survey import csrf, start, step_url

TEST_V = Path(__file__).resolve().parent / "questionnaires" / "test_v"


def serve(
    questions_dir: Path, monkeypatch: pytest.MonkeyPatch, templates: Path | None = None
) -> Iterator[Flask]:
    """Yield an application on the questionnaires of questions_dir, on an empty database.

    ``templates`` adds a folder of template fragments (a question type defined elsewhere).
    """
    monkeypatch.setattr(qn, "QUESTIONS_DIR", questions_dir)
    application = create_app(TestConfig)
    if templates is not None:
        application.jinja_loader = ChoiceLoader(  # type: ignore[assignment]
            [application.jinja_loader, FileSystemLoader(templates)]  # type: ignore[list-item]
        )
    with application.app_context():
        Base.metadata.create_all(get_engine())
    yield application
    with application.app_context():
        dispose_engines()


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """Yield an application serving the test questionnaire."""
    yield from serve(TEST_V, monkeypatch)


def page_text(body: str) -> str:
    """Return a page's text with entities decoded and no-break spaces as spaces."""
    return html.unescape(body).replace("\u00a0", " ")


def post(client: FlaskClient, token: str, section: str, data: dict[str, Any], nav: str) -> Any:
    """Open a step for its CSRF token and post it with the button nav."""
    page = client.get(step_url(token, section))
    assert page.status_code == 200
    return client.post(
        step_url(token, section), data={**data, "nav": nav, "csrf_token": csrf(page.text)}
    )


def answers_of(app: Flask, token: str) -> dict[str, Any]:
    """Return the stored answers of a diagnostic."""
    with app.app_context():
        diagnostic = services.find_by_token(get_session(), token)
        assert diagnostic is not None
        return dict(diagnostic.answers)


PROFILE = {"collectivity_type": "commune", "has_partnerships": "yes", "budget_level": "2"}


def test_an_irrelevant_section_is_skipped_both_ways(app: Flask, client: FlaskClient) -> None:
    token = start(client)
    response = post(client, token, "profile", {**PROFILE, "has_partnerships": "no"}, "next")
    assert response.headers["Location"].endswith("/etape/goals")
    page = client.get(step_url(token, "goals")).text
    assert "oldest_partnership" not in page  # irrelevant question not shown
    response = post(client, token, "goals", {"goals": "export"}, "prev")
    assert response.headers["Location"].endswith("/etape/profile")
    response = post(client, token, "profile", PROFILE, "next")
    assert response.headers["Location"].endswith("/etape/partnerships")


def test_blocks_are_added_and_removed_without_javascript(app: Flask, client: FlaskClient) -> None:
    token = start(client)
    post(client, token, "profile", PROFILE, "next")
    page = client.get(step_url(token, "partnerships")).text
    assert "Aucun bloc" in page_text(page)
    assert post(client, token, "partnerships", {}, "add").status_code == 302
    assert (
        post(client, token, "partnerships", {"partnerships-0-block": "1"}, "add").status_code == 302
    )
    page = page_text(client.get(step_url(token, "partnerships")).text)
    assert re.findall(r"<legend>(Partenariat \d)</legend>", page) == [
        "Partenariat 1",
        "Partenariat 2",
    ]
    assert 'value="remove:1"' in page
    assert "Retirer « Partenariat 2 »" in page
    data = {
        "partnerships-0-block": "1",
        "partnerships-0-partner_kind": "economic",
        "partnerships-1-block": "1",
        "partnerships-1-partner_kind": "solidarity",
    }
    response = post(client, token, "partnerships", data, "next")
    assert response.status_code == 200  # block 1 needs the city size (relevant: economic)
    page = page_text(response.text)
    assert 'href="#partnerships-0-partner_city_size-0"' in page
    assert "partner_kind" not in answers_of(app, token).get("partnerships", [{}])[0]
    data["partnerships-0-partner_city_size"] = "large"
    response = post(client, token, "partnerships", data, "remove:0")
    assert answers_of(app, token)["partnerships"] == [{"partner_kind": "solidarity"}]
    response = post(
        client,
        token,
        "partnerships",
        {"partnerships-0-block": "1", "partnerships-0-partner_kind": "solidarity"},
        "next",
    )
    assert response.headers["Location"].endswith("/etape/goals")


def test_a_constraint_blocks_the_step_with_a_french_message(
    app: Flask, client: FlaskClient
) -> None:
    token = start(client)
    post(client, token, "profile", {**PROFILE, "has_partnerships": "no"}, "next")
    response = post(client, token, "goals", {"goals": "solidarity"}, "finish")
    assert response.status_code == 200
    page = page_text(response.text)
    assert "Un objectif de solidarité suppose au moins un partenariat" in page
    assert "goals" not in answers_of(app, token)  # nothing stored


def test_a_diagnostic_with_blocks_completes_and_shows_its_result(
    app: Flask, client: FlaskClient
) -> None:
    token = start(client)
    post(client, token, "profile", PROFILE, "next")
    post(client, token, "partnerships", {}, "add")
    items = {
        "partnerships-0-block": "1",
        "partnerships-0-partner_kind": "economic",
        "partnerships-0-partner_city_size": "large",
    }
    post(client, token, "partnerships", items, "next")
    response = post(
        client, token, "goals", {"goals": "export", "oldest_partnership": "gt_10y"}, "finish"
    )
    assert response.headers["Location"].endswith(f"/resultat/{token}")
    page = page_text(client.get(f"/resultat/{token}").text)
    assert 'data-recommendation-id="economic_partnership"' in page
    assert "Partenariat 1 : nature du partenariat : économique" in page
    export = client.get(f"/resultat/{token}/reponses.json").get_json()
    keys = [row["question_id"] for row in export["answers"]]
    assert "partnerships-0-partner_kind" in keys


def test_api_scores_blocks_and_names_the_questions_of_a_failed_constraint(
    client: FlaskClient,
) -> None:
    base = {"collectivity_type": "region", "has_partnerships": "no", "budget_level": 3}
    response = client.post("/api/v1/score", json={"answers": {**base, "goals": ["solidarity"]}})
    assert response.status_code == 422
    assert response.get_json()["errors"].keys() == {"goals", "has_partnerships"}
    answers = {
        **base,
        "has_partnerships": "yes",
        "goals": ["export"],
        "oldest_partnership": "lt_3y",
    }
    answers["partnerships"] = [
        {"partner_kind": "economic", "partner_city_size": "small"},
        {"partner_kind": "economic"},
    ]
    response = client.post("/api/v1/score?lang=en", json={"answers": answers})
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["partnerships-1-partner_city_size"]
    answers["partnerships"][1]["partner_city_size"] = "large"
    body = client.post("/api/v1/score?lang=en", json={"answers": answers}).get_json()
    ids = [r["id"] for r in body["recommendations"]]
    assert {"economic_partnership", "many_partnerships", "all_economic"} <= set(ids)
    sections = client.get("/api/v1/questionnaire").get_json()["sections"]
    assert sections[1]["repeat"] == {"min": 0, "max": 3, "item_label": "Partenariat"}


def test_a_step_followed_only_by_skipped_steps_finishes_with_the_consent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the last section is left out by skip logic, the step before it is the last one shown:
    it carries the consent box and the finish button, and finishing from it works."""
    import yaml

    folder = tmp_path / "questions" / "v1"
    folder.mkdir(parents=True)
    data = yaml.safe_load((TEST_V / "v1" / "questionnaire.yaml").read_text(encoding="utf-8"))
    by_id = {s["id"]: s for s in data["sections"]}
    data["sections"] = [by_id["profile"], by_id["goals"], by_id["partnerships"]]
    (folder / "questionnaire.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    shutil.copy(TEST_V / "v1" / "rules.yaml", folder / "rules.yaml")
    for application in serve(folder.parent, monkeypatch):
        client = application.test_client()
        token = start(client)
        post(client, token, "profile", {**PROFILE, "has_partnerships": "no"}, "next")
        page = client.get(step_url(token, "goals"))
        assert page.status_code == 200
        assert 'name="share_anonymised"' in page.text
        assert 'value="finish"' in page.text
        response = post(
            client, token, "goals", {"goals": "export", "share_anonymised": "y"}, "finish"
        )
        assert response.headers["Location"] == f"/resultat/{token}"
        with application.app_context():
            diagnostic = services.find_by_token(get_session(), token)
            assert diagnostic is not None
            assert diagnostic.share_anonymised
