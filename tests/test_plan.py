"""The action plan: built from a result's recommendations through the private link, exported
as CSV for French Excel and as iCalendar (parsed back with icalendar), printed in the brief,
deleted with the diagnostic, and never read by ARRICOD's aggregates or exports.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from pypdf import PdfReader
from sqlalchemy import func, select

from app import services
from app.db import get_session
from app.models import Diagnostic, PlanAction, Result, SharedResult
from app.plan import catalogue, quarters
from tests.factories import EXAMPLE_A, completed_diagnostic
from tests.test_admin_support import admin_app, logged_in, share

__all__ = ["admin_app"]  # fixture used by the tests below

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
ACTION: dict[str, Any] = {
    "title": "Mission économique à Casablanca",
    "pilot": "ri_officer",
    "elected": "vp_economy",
    "start_quarter": "2027-T1",
    "end_quarter": "2027-T3",
    "status": "in_progress",
    "instruments": ["daect", "team_france_export"],
}


def _csrf(client: FlaskClient, url: str) -> str:
    """Return the CSRF token of the first form of a page."""
    page = client.get(url)
    assert page.status_code == 200, url
    match = CSRF.search(page.get_data(as_text=True))
    assert match, f"no csrf_token on {url}"
    return match.group(1)


def _completed(app: Flask, answers: dict[str, Any] | None = None) -> str:
    """Store a completed diagnostic; return its private token."""
    with app.app_context():
        return completed_diagnostic(get_session(), answers or EXAMPLE_A)[1]


def _add(client: FlaskClient, token: str, values: dict[str, Any], query: str = "") -> Any:
    """Post the new-action form with these values."""
    url = f"/resultat/{token}/plan/nouvelle{query}"
    return client.post(url, data={**values, "csrf_token": _csrf(client, url)})


def _keep_all(client: FlaskClient, token: str) -> None:
    """Keep every recommendation of the result in the plan."""
    token_field = _csrf(client, f"/resultat/{token}/plan")
    response = client.post(
        f"/resultat/{token}/plan/recommandations", data={"csrf_token": token_field}
    )
    assert response.status_code == 302


def _actions(app: Flask) -> list[PlanAction]:
    """Return every stored action."""
    with app.app_context():
        return list(get_session().scalars(select(PlanAction).order_by(PlanAction.id)))


def _recommendation_ids(app: Flask) -> list[str]:
    """Return the recommendation ids of the (only) current result."""
    with app.app_context():
        result = get_session().scalars(select(Result)).one()
        return [r["id"] for r in result.payload["fr"]["recommendations"]]


def test_the_catalogue_is_valid_and_every_instrument_cites_a_source() -> None:
    vocabulary = catalogue.load()
    assert {s.id for s in vocabulary.statuses} == {"to_start", "in_progress", "done", "abandoned"}
    assert [s.text("fr") for s in vocabulary.statuses] == [
        "À lancer",
        "En cours",
        "Fait",
        "Abandonné",
    ]
    ids = {i.id for i in vocabulary.instruments}
    assert {"ficol", "daect", "one_percent", "team_france_export", "eu_programme"} <= ids
    assert all(i.source for i in vocabulary.instruments)
    assert "FICOL" in vocabulary.by_id("instruments")["ficol"].text("en")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"pilot_roles": []}, "pilot_roles"),
        (
            {
                **{k: [{"id": "x", "label": {"fr": "X", "en": "X"}}] for k in catalogue.LISTS},
                "instruments": [{"id": "y", "label": {"fr": "Y", "en": "Y"}}],
            },
            "source",
        ),
        (
            {k: [{"id": "x", "label": {"fr": "X"}}] for k in catalogue.LISTS},
            "français et en anglais",
        ),
        (
            {k: [{"id": "x", "label": {"fr": "X", "en": "X"}}] * 2 for k in catalogue.LISTS},
            "en double",
        ),
    ],
)
def test_an_invalid_catalogue_is_refused_with_a_french_message(
    data: dict[str, Any], message: str
) -> None:
    with pytest.raises(catalogue.CatalogueError, match=message):
        catalogue.parse(data)


def test_quarters_have_their_first_and_last_days() -> None:
    assert quarters.first_day("2027-T1") == date(2027, 1, 1)
    assert quarters.last_day("2027-T1") == date(2027, 3, 31)
    assert quarters.last_day("2027-T4") == date(2027, 12, 31)
    assert quarters.parse("2027-T5") is None
    offered = quarters.choices(date(2026, 12, 2), keep=("2020-T2",))
    assert offered[0] == "2020-T2"
    assert "2031-T4" in offered
    assert "2032-T1" not in offered


def test_the_result_page_leads_to_the_plan(app: Flask, client: FlaskClient) -> None:
    token = _completed(app)
    page = client.get(f"/resultat/{token}").get_data(as_text=True)
    assert f'href="/resultat/{token}/plan"' in page
    assert "Construire et suivre votre plan d'action" in page


def test_recommendations_kept_edited_and_dropped(app: Flask, client: FlaskClient) -> None:
    token = _completed(app)
    recommendations = _recommendation_ids(app)
    page = client.get(f"/resultat/{token}/plan").get_data(as_text=True)
    assert "Votre plan ne contient encore aucune action." in page
    _keep_all(client, token)
    actions = _actions(app)
    assert [a.recommendation_id for a in actions] == recommendations
    assert all(a.status == "to_start" for a in actions)
    # Keeping them again adds nothing twice.
    _keep_all(client, token)
    assert len(_actions(app)) == len(recommendations)

    first = actions[0]
    url = f"/resultat/{token}/plan/{first.id}"
    response = client.post(url, data={**ACTION, "csrf_token": _csrf(client, url)})
    assert response.status_code == 302
    edited = _actions(app)[0]
    assert (edited.title, edited.pilot, edited.elected) == (
        ACTION["title"],
        "ri_officer",
        "vp_economy",
    )
    assert (edited.start_quarter, edited.end_quarter, edited.status) == (
        "2027-T1",
        "2027-T3",
        "in_progress",
    )
    assert edited.instruments == ["daect", "team_france_export"]
    assert edited.recommendation_id == first.recommendation_id  # the origin is kept
    page = client.get(f"/resultat/{token}/plan").get_data(as_text=True)
    assert "Mission économique à Casablanca" in page
    assert "En cours" in page
    assert "Élu·e délégué·e au développement économique" in page

    remove = f"/resultat/{token}/plan/{first.id}/retirer"
    response = client.post(remove, data={"csrf_token": _csrf(client, f"/resultat/{token}/plan")})
    assert response.status_code == 302
    assert first.recommendation_id not in {a.recommendation_id for a in _actions(app)}
    # The dropped recommendation is offered again, with its own "keep" link.
    page = client.get(f"/resultat/{token}/plan").get_data(as_text=True)
    assert f"recommandation={first.recommendation_id}" in page


def test_an_action_of_ones_own_and_one_from_a_recommendation(
    app: Flask, client: FlaskClient
) -> None:
    token = _completed(app)
    rec_id = _recommendation_ids(app)[0]
    form = client.get(f"/resultat/{token}/plan/nouvelle?recommandation={rec_id}")
    assert "D'après la recommandation «\u00a0" in form.get_data(as_text=True)
    assert _add(client, token, ACTION, f"?recommandation={rec_id}").status_code == 302
    assert _add(client, token, {**ACTION, "title": "Accueillir une délégation"}).status_code == 302
    kept, own = _actions(app)
    assert kept.recommendation_id == rec_id
    assert kept.recommendation_title
    assert own.recommendation_id is None
    assert own.recommendation_title is None
    assert client.get(f"/resultat/{token}/plan/nouvelle?recommandation=nope").status_code == 404


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": "  "}, "intitulé de l"),
        ({"title": "x" * 201}, "200 caractères au plus"),
        ({"end_quarter": "2026-T4"}, "La fin ne peut pas précéder le début."),
        ({"pilot": "Jean Dupont"}, "Choisissez une valeur de la liste."),
        ({"instruments": ["ficol", "bitcoin"]}, "Choisissez une valeur de la liste."),
        ({"start_quarter": "2027-T9"}, "Choisissez une valeur de la liste."),
        ({"status": "oublié"}, "Choisissez une valeur de la liste."),
    ],
)
def test_bad_input_is_explained_in_french_and_stores_nothing(
    app: Flask, client: FlaskClient, change: dict[str, Any], message: str
) -> None:
    token = _completed(app)
    response = _add(client, token, {**ACTION, **change})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="error-summary"' in page
    assert "<title>Erreur\u00a0:" in page
    assert _actions(app) == []


def test_the_form_has_labels_and_fieldsets(app: Flask, client: FlaskClient) -> None:
    token = _completed(app)
    page = client.get(f"/resultat/{token}/plan/nouvelle").get_data(as_text=True)
    for field in ("title", "pilot", "elected", "start_quarter", "end_quarter", "status"):
        assert f'<label for="{field}">' in page, field
    assert page.count("<fieldset") == 4
    assert "<legend>Instruments mobilisés" in page
    assert "Appel à idées annuel de l&#39;AFD" in page  # an instrument's usual calendar


def test_another_diagnostics_action_cannot_be_read_changed_or_dropped(
    app: Flask, client: FlaskClient
) -> None:
    owner, other = _completed(app), _completed(app)
    _add(client, owner, ACTION)
    action_id = _actions(app)[0].id
    assert client.get(f"/resultat/{other}/plan/{action_id}").status_code == 404
    token_field = _csrf(client, f"/resultat/{other}/plan")
    for url in (
        f"/resultat/{other}/plan/{action_id}",
        f"/resultat/{other}/plan/{action_id}/retirer",
    ):
        assert (
            client.post(
                url, data={**ACTION, "title": "pris", "csrf_token": token_field}
            ).status_code
            == 404
        )
    assert _actions(app)[0].title == ACTION["title"]
    assert "Casablanca" not in client.get(f"/resultat/{other}/plan").get_data(as_text=True)
    assert "Casablanca" not in client.get(f"/resultat/{other}/plan.csv").get_data(as_text=True)
    for url in (
        "/resultat/inconnu/plan",
        "/resultat/inconnu/plan.csv",
        "/resultat/inconnu/plan.ics",
    ):
        assert client.get(url).status_code == 404


def test_a_plan_needs_a_completed_diagnostic(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        _diagnostic, token = services.start(get_session())
    for url in (f"/resultat/{token}/plan", f"/resultat/{token}/plan.csv"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith(f"/diagnostic/{token}")


def test_the_csv_opens_in_french_excel(app: Flask, client: FlaskClient) -> None:
    token = _completed(app)
    _add(client, token, ACTION)
    _add(client, token, {**ACTION, "title": '=HYPERLINK("x")', "instruments": [], "pilot": ""})
    response = client.get(f"/resultat/{token}/plan.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.data.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))
    assert rows[0] == [
        "Action",
        "Recommandation d'origine",
        "Pilote",
        "Élu·e référent·e",
        "Début",
        "Fin",
        "Date de début",
        "Date de fin",
        "Statut",
        "Instruments",
        "Calendrier des instruments",
    ]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Action"] == "Mission économique à Casablanca"
    assert first["Pilote"] == "Chargé·e de mission relations internationales"
    assert (first["Début"], first["Fin"]) == ("2027-T1", "2027-T3")
    assert (first["Date de début"], first["Date de fin"]) == ("01/01/2027", "30/09/2027")
    assert first["Statut"] == "En cours"
    assert first["Instruments"].startswith("Appel à projets DAECT")
    assert "Team France Export" in first["Instruments"]
    assert "DAECT" in first["Calendrier des instruments"]
    assert rows[2][0] == '\'=HYPERLINK("x")'  # never run as a formula
    assert rows[2][2] == ""
    english = client.get(f"/resultat/{token}/plan.csv?lang=en").data.decode("utf-8")
    header = next(csv.reader(io.StringIO(english[1:]), delimiter=";"))
    assert header[:3] == ["Action", "Originating recommendation", "Lead"]
    assert "In progress" in english


def test_the_icalendar_file_parses_with_a_task_per_action_and_a_reminder(
    app: Flask, client: FlaskClient
) -> None:
    token = _completed(app)
    _add(client, token, ACTION)
    _add(
        client,
        token,
        {
            **ACTION,
            "title": "Faire le bilan",
            "status": "done",
            "start_quarter": "",
            "end_quarter": "",
        },
    )
    response = client.get(f"/resultat/{token}/plan.ics")
    assert response.mimetype == "text/calendar"
    assert token not in response.get_data(as_text=True)  # no private link in a calendar
    calendar = Calendar.from_ical(response.data)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    todos = calendar.walk("VTODO")
    assert [str(t["SUMMARY"]) for t in todos] == [ACTION["title"], "Faire le bilan"]
    assert todos[0].decoded("DTSTART") == date(2027, 1, 1)
    assert todos[0].decoded("DUE") == date(2027, 10, 1)
    assert str(todos[0]["STATUS"]) == "IN-PROCESS"
    assert str(todos[1]["STATUS"]) == "COMPLETED"
    assert "DTSTART" not in todos[1]
    assert "DUE" not in todos[1]
    assert "Team France Export" in str(todos[0]["DESCRIPTION"])
    assert len({str(t["UID"]) for t in todos}) == 2
    (event,) = calendar.walk("VEVENT")
    with app.app_context():
        completed = get_session().scalars(select(Result)).one().created_at.date()
    assert event.decoded("DTSTART") == completed + timedelta(days=365)
    assert "Refaire l'autodiagnostic" in str(event["SUMMARY"])
    assert event.walk("VALARM")
    # Exported again, the same items keep their UIDs (a calendar updates them).
    again = Calendar.from_ical(client.get(f"/resultat/{token}/plan.ics").data)
    assert [str(t["UID"]) for t in again.walk("VTODO")] == [str(t["UID"]) for t in todos]


def test_the_plan_is_printed_in_the_brief(app: Flask, client: FlaskClient) -> None:
    token = _completed(app)
    page = client.get(f"/resultat/{token}").get_data(as_text=True)
    assert 'class="result-section plan-brief no-print"' in page  # nothing to print yet
    _add(client, token, ACTION)
    page = client.get(f"/resultat/{token}").get_data(as_text=True)
    assert 'class="result-section plan-brief"' in page
    assert (
        page.index('id="plan-action"') < page.index('id="annexe"')
        if 'id="annexe"' in page
        else True
    )
    assert "Mission économique à Casablanca" in page
    pdf = client.get(f"/resultat/{token}/synthese.pdf")
    assert pdf.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Plan d'action" in text
    assert "Casablanca" in text


def test_deleting_the_diagnostic_deletes_its_plan(app: Flask, client: FlaskClient) -> None:
    token, kept = _completed(app), _completed(app)
    _add(client, token, ACTION)
    _add(client, kept, ACTION)
    assert len(_actions(app)) == 2
    url = f"/resultat/{token}/supprimer"
    assert client.post(url, data={"csrf_token": _csrf(client, url)}).status_code == 302
    remaining = _actions(app)
    assert len(remaining) == 1
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Diagnostic)) == 1
        assert remaining[0].diagnostic_id == get_session().scalars(select(Diagnostic)).one().id


def test_the_plan_never_reaches_aggregates_or_exports(admin_app: Flask) -> None:
    ids = share(admin_app, EXAMPLE_A, 6)
    with admin_app.app_context():
        session = get_session()
        for diagnostic_id in ids:
            session.add(
                PlanAction(
                    diagnostic_id=diagnostic_id,
                    title="Projet-secret-Tombouctou",
                    recommendation_title="Projet-secret-Tombouctou",
                    pilot="ri_officer",
                    status="in_progress",
                    instruments=["ficol"],
                )
            )
        session.commit()
        shared_before = session.scalar(select(func.count()).select_from(SharedResult))
    admin = logged_in(admin_app)
    exported = admin.get("/admin/export.csv").get_data(as_text=True)
    assert len(exported.strip().splitlines()) >= 7  # the export holds the six diagnostics
    for url in ("/admin/export.csv", "/admin/export.json", "/admin/", "/admin/dictionnaire"):
        response = admin.get(url)
        text = response.get_data(as_text=True)
        assert "Tombouctou" not in text, url
        assert "ri_officer" not in text, url
    with admin_app.app_context():
        assert get_session().scalar(select(func.count()).select_from(SharedResult)) == shared_before
