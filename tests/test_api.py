"""JSON API: questionnaire, stateless scoring, error statuses, and the OpenAPI description."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec
from sqlalchemy import func, select

from app import questionnaire as qn
from app.api.views import OPENAPI_FILE
from app.db import get_session
from app.models import Diagnostic
from tests.factories import EXAMPLE_A, EXAMPLE_B
from tests.strategies import answer_sets

SPEC = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))


def schema(name: str) -> Draft202012Validator:
    """Return a validator for a component schema of the OpenAPI document."""
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}", **SPEC})


def test_openapi_document_is_valid_and_served(client: FlaskClient) -> None:
    validate_spec(SPEC)
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["paths"].keys() >= {"/api/v1/score", "/api/v1/questionnaire"}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_questionnaire_matches_its_schema(client: FlaskClient, lang: str) -> None:
    response = client.get(f"/api/v1/questionnaire?lang={lang}")
    assert response.status_code == 200
    body = response.get_json()
    schema("Questionnaire").validate(body)
    questions = {q["id"]: q for s in body["sections"] for q in s["questions"]}
    assert questions["goals"]["max_choices"] == 3
    assert questions["partner_countries"]["type"] == "country_multi"
    labels = {o["code"]: o["label"] for o in questions["partner_countries"]["options"]}
    assert labels["DE"] == ("Allemagne" if lang == "fr" else "Germany")


def test_score_example_b(client: FlaskClient, app: Any) -> None:
    response = client.post("/api/v1/score", json={"answers": EXAMPLE_B})
    assert response.status_code == 200
    body = response.get_json()
    schema("ScoreResponse").validate(body)
    assert body["questionnaire_version"] == qn.current().version
    assert body["dominant"] in ("economic_cooperation", "business_internationalisation")
    ids = [r["id"] for r in body["recommendations"]]
    assert "talent_attraction" in ids
    assert "evaluate_impact" not in ids
    assert {p["code"]: p["oecd"] for p in body["partners"]} == {"CA": True, "DE": True, "JP": True}
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Diagnostic)) == 0


def test_score_english(client: FlaskClient) -> None:
    body = client.post("/api/v1/score?lang=en", json={"answers": EXAMPLE_A}).get_json()
    titles = {r["id"]: r["title"] for r in body["recommendations"]}
    assert titles["inform_elected"].startswith("Inform")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"nope": "x"}, "nope"),
        ({"roi_demand": "enormous"}, "roi_demand"),
        ({"roi_demand": None}, "roi_demand"),
        ({"cross_service": 7}, "cross_service"),
        ({"cross_service": True}, "cross_service"),
        ({"cross_service": "deux"}, "cross_service"),
        (
            {"goals": ["business_export", "solidarity", "attract_talent", "innovation_trust"]},
            "goals",
        ),
        ({"goals": "business_export"}, "goals"),
        ({"local_actors": ["none", "companies"]}, "local_actors"),
        ({"partner_countries": ["ZZ"]}, "partner_countries"),
        ({"partner_countries": [1, 2]}, "partner_countries"),
        ({"region": 84}, "region"),
    ],
)
def test_invalid_answers_give_422_naming_the_question(
    client: FlaskClient, change: dict[str, Any], field: str
) -> None:
    answers = {**EXAMPLE_A, **change}
    answers = {k: v for k, v in answers.items() if v is not None}
    response = client.post("/api/v1/score", json={"answers": answers})
    assert response.status_code == 422
    body = response.get_json()
    schema("Errors").validate(body)
    assert field in body["errors"]


def test_missing_required_answer(client: FlaskClient) -> None:
    answers = {k: v for k, v in EXAMPLE_A.items() if k != "goals"}
    body = client.post("/api/v1/score", json={"answers": answers}).get_json()
    assert body["errors"]["goals"] == ["Veuillez répondre à cette question."]


def test_core_answers_alone_are_enough(client: FlaskClient) -> None:
    answers = {k: v for k, v in EXAMPLE_A.items() if k != "partner_countries"}
    assert client.post("/api/v1/score", json={"answers": answers}).status_code == 200


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        (b"not json", "application/json", 400),
        (b"", "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
        (b"[" * 5000 + b"]" * 5000, "application/json", 400),
        (b"[1, 2]", "application/json", 422),
        (b'{"answers": [1]}', "application/json", 422),
        (b'{"answers": {"goals": {"a": 1}}}', "application/json", 422),
        (b"x" * (64 * 1024 + 1), "application/json", 413),
        (b'{"answers": {}}', "text/plain", 422),
    ],
)
def test_bad_bodies_never_give_5xx(
    client: FlaskClient, data: bytes, content_type: str, status: int
) -> None:
    response = client.post("/api/v1/score", data=data, content_type=content_type)
    assert response.status_code == status
    schema("Errors").validate(response.get_json())


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda children: st.lists(children) | st.dictionaries(st.text(), children),
        max_leaves=20,
    )
)
def test_arbitrary_json_never_gives_5xx(client: FlaskClient, body: Any) -> None:
    for payload in (body, {"answers": body}):
        response = client.post(
            "/api/v1/score", data=json.dumps(payload), content_type="application/json"
        )
        assert response.status_code in (200, 422), response.data


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(answers=answer_sets(qn.current()))
def test_valid_answers_match_the_documented_response(
    client: FlaskClient, answers: dict[str, Any]
) -> None:
    response = client.post("/api/v1/score", json={"answers": answers})
    assert response.status_code == 200
    schema("ScoreResponse").validate(response.get_json())
