"""Adding a question type is one module plus its template fragment (tests/toy/).

The toy ``number`` type is registered by importing ``tests.toy.number`` and rendered by
``tests/toy/templates/survey/types/number.html``; nothing else changes, yet it runs through the
step form, scoring, the API, the result page and the dashboard summary.
"""

from __future__ import annotations

import html
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import questionnaire as qn
from app.core import types
from app.core.loader import check_folder
from app.core.summary import summaries
from tests.test_engine_web import answers_of, post, serve
from tests.test_survey import start

TOY = Path(__file__).resolve().parent / "toy"
TEST_V = Path(__file__).resolve().parent / "questionnaires" / "test_v" / "v1"
STAFF = """      - id: staff
        type: number
        required: true
        label:
          fr: "Combien d'agents travaillent aux relations internationales\u00a0?"
          en: "How many people work on international relations?"
        short: {fr: "agents RI", en: "RI staff"}
        source: "§ 1"
        options:
          - {code: "0", label: {fr: "Moins de 3 agents", en: "Fewer than 3"}}
          - code: "3"
            label: {fr: "3 agents ou plus", en: "3 or more"}
            weights: {business_internationalisation: 6, business_support: 3}
"""
BASE = {"collectivity_type": "commune", "has_partnerships": "no", "budget_level": 2}


@pytest.fixture
def base(tmp_path: Path) -> Path:
    """Return a questions folder whose one version adds a ``number`` question to test_v."""
    folder = tmp_path / "v1"
    shutil.copytree(TEST_V, folder)
    target = folder / "questionnaire.yaml"
    text = target.read_text(encoding="utf-8")
    target.write_text(
        text.replace("  - id: partnerships\n", STAFF + "\n  - id: partnerships\n", 1),
        encoding="utf-8",
    )
    return tmp_path


@pytest.fixture
def number_type() -> Iterator[types.QuestionType]:
    """Register the toy type (its module's import does it) and forget it afterwards."""
    from tests.toy import number

    yield types.register(number.NUMBER)
    types.unregister("number")


@pytest.fixture
def app(
    base: Path, number_type: types.QuestionType, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    """Yield an application on the questionnaire with the toy type, its fragment found."""
    yield from serve(base, monkeypatch, TOY / "templates")


def test_an_unregistered_type_is_refused(base: Path) -> None:
    _, problems = check_folder(base / "v1")
    assert any("type inconnu «\u00a0number\u00a0»" in p for p in problems), problems


def test_the_toy_type_runs_through_form_scoring_api_result_and_summary(
    app: Flask, client: FlaskClient
) -> None:
    token = start(client)
    page = client.get(f"/diagnostic/{token}/etape/profile").text
    assert 'type="number"' in page
    assert '<label for="staff">' in page
    form = {"collectivity_type": "commune", "has_partnerships": "no", "budget_level": "2"}
    response = post(client, token, "profile", {**form, "staff": "beaucoup"}, "next")
    assert "Indiquez un nombre entier positif." in html.unescape(response.text)
    assert 'href="#staff"' in response.text
    post(client, token, "profile", {**form, "staff": "4"}, "next")
    assert answers_of(app, token)["staff"] == 4

    few = client.post(
        "/api/v1/score", json={"answers": {**BASE, "staff": 1, "goals": ["marketing"]}}
    )
    many = client.post(
        "/api/v1/score", json={"answers": {**BASE, "staff": 4, "goals": ["marketing"]}}
    )
    assert few.status_code == many.status_code == 200
    key = "business_internationalisation"
    assert many.get_json()["scores"][key] > few.get_json()["scores"][key]
    bad = client.post("/api/v1/score", json={"answers": {**BASE, "staff": -2, "goals": ["export"]}})
    assert bad.status_code == 422
    assert list(bad.get_json()["errors"]) == ["staff"]
    described = client.get("/api/v1/questionnaire").get_json()["sections"][0]["questions"]
    assert [q["type"] for q in described if q["id"] == "staff"] == ["number"]

    response = post(client, token, "goals", {"goals": "marketing"}, "finish")
    assert response.headers["Location"].endswith(f"/resultat/{token}")
    result = html.unescape(client.get(f"/resultat/{token}").text).replace("\u00a0", " ")
    assert 'data-question-id="staff"' in result
    assert "Agents RI : « 4 »" in result

    q = qn.current()
    rows = summaries(q, [{"staff": 4}, {"staff": 0}, {"staff": 9}, {}], "fr")["staff"]
    assert [(r.code, r.label, r.count) for r in rows] == [
        ("0", "Moins de 3 agents", 1),
        ("3", "3 agents ou plus", 2),
    ]


def test_the_dashboard_asks_the_toy_type_for_its_summary(app: Flask) -> None:
    from tests.stats_support import publish, section, table
    from tests.test_admin_support import logged_in, share, wire

    wire(app)
    app.config["PRIVACY_EPSILON"] = 50.0  # little noise: the rows are drawn from few answers
    share(app, {**BASE, "staff": 4, "goals": ["marketing"]}, 30)
    share(app, {**BASE, "staff": 1, "goals": ["marketing"]}, 30)
    publish(app)
    page = logged_in(app).get("/admin/").text
    assert 'id="chart-qtest-1-staff-section"' in page
    rows = table(section(page, "chart-qtest-1-staff-section"), "chart-figure__table")
    assert [row[0] for row in rows] == ["Moins de 3 agents", "3 agents ou plus"]
    assert all(" ± " in row[2] for row in rows)  # two shares of about 50 %, with margins
