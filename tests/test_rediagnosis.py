"""« Refaire le diagnostic »: a new diagnostic pre-filled from the previous answers and plan,
linked backwards only, and the progress shown on the newer result page."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import questionnaire as qn
from app import services
from app.db import get_session
from app.models import Diagnostic, DiagnosticLink, PlanAction
from tests.factories import EXAMPLE_A, completed_diagnostic
from tests.test_plan import ACTION, _add, _csrf

REDO_LOCATION = re.compile(r"^/diagnostic/([A-Za-z0-9_-]{40,})/etape/profile$")


def _redo(client: FlaskClient, token: str) -> str:
    """Press « Refaire le diagnostic » on a result page; return the new private token."""
    response = client.post(
        f"/resultat/{token}/refaire", data={"csrf_token": _csrf(client, f"/resultat/{token}")}
    )
    assert response.status_code == 302
    match = REDO_LOCATION.match(response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def _finish(app: Flask, token: str, **changes: Any) -> None:
    """Change some answers of a diagnostic and complete it."""
    with app.app_context():
        session = get_session()
        diagnostic = services.find_by_token(session, token)
        assert diagnostic is not None
        services.save_answers(session, diagnostic, dict(changes), diagnostic.current_step)
        services.complete(session, diagnostic, share_anonymised=False)


def test_redo_starts_a_prefilled_linked_diagnostic_with_the_plan(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        old, token = completed_diagnostic(get_session(), EXAMPLE_A, share=True)
        old_id = old.id
    _add(client, token, ACTION)
    page = client.get(f"/resultat/{token}").get_data(as_text=True)
    assert "Refaire le diagnostic" in page
    new_token = _redo(client, token)
    assert new_token != token
    step = client.get(f"/diagnostic/{new_token}/etape/profile").get_data(as_text=True)
    assert "pré-rempli avec vos réponses" in step
    assert re.search(
        r'checked id="[^"]+" name="collectivity_type" type="radio" value="commune"', step
    )
    with app.app_context():
        session = get_session()
        new = services.find_by_token(session, new_token)
        assert new is not None
        assert new.answers == session.get(Diagnostic, old_id).answers  # type: ignore[union-attr]
        assert new.status == "in_progress"
        assert new.share_anonymised is False  # consent is asked again
        link = session.get(DiagnosticLink, new.id)
        assert link is not None
        assert link.previous_id == old_id
        assert link.dropped == []
        titles = session.scalars(select(PlanAction.title).where(PlanAction.diagnostic_id == new.id))
        assert list(titles) == [ACTION["title"]]


def test_answers_that_no_longer_hold_are_dropped_and_named(app: Flask) -> None:
    with app.app_context():
        v1 = qn.get("1")
        assert v1 is not None
        sections = []
        for section in v1.sections:
            questions = tuple(q for q in section.questions if q.id != "goals")
            if section.id == "budget":
                questions = tuple(
                    replace(q, options=tuple(o for o in q.options if o.code != "strong"))
                    if q.id == "roi_demand"
                    else q
                    for q in questions
                )
            sections.append(replace(section, questions=questions))
        v2 = replace(v1, version="2", sections=tuple(sections))
        kept, dropped = services.carry_over(v1, v2, {**EXAMPLE_A, "roi_demand": "strong"})
    assert sorted(dropped) == ["goals", "roi_demand"]
    assert "goals" not in kept
    assert kept["collectivity_type"] == "commune"


def test_the_newer_result_shows_progress_and_the_older_shows_nothing_of_it(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        _old, token = completed_diagnostic(get_session(), EXAMPLE_A)
    _add(client, token, ACTION)
    new_token = _redo(client, token)
    _finish(app, new_token, elected_awareness=4, roi_demand="strong")
    url = f"/resultat/{new_token}/plan"
    action_id = int(re.findall(r"/plan/(\d+)\"", client.get(url).get_data(as_text=True))[0])
    edit = f"/resultat/{new_token}/plan/{action_id}"
    client.post(edit, data={**ACTION, "status": "done", "csrf_token": _csrf(client, edit)})

    page = client.get(f"/resultat/{new_token}").get_data(as_text=True)
    assert "Vos progrès depuis vos diagnostics précédents" in page
    figure = json.loads(re.search(r'id="chart-progress-data">(.*?)</script>', page, re.S)[1])  # type: ignore[index]
    assert len(figure["data"]) == 3
    assert all(len(trace["y"]) == 2 for trace in figure["data"])
    assert (
        figure["data"][0]["y"][0] != figure["data"][0]["y"][1]
        or figure["data"][1]["y"][0] != figure["data"][1]["y"][1]
    )
    assert "avec le même questionnaire" in page
    changes = page[page.index("Ce qui a changé dans vos réponses") :]
    assert "sensibilisation des élus à l&#39;AICT économique" in changes
    assert "Fortement" in changes
    plan = page[page.index("Où en est votre plan d'action") :]
    assert "En cours" in plan
    assert "Fait" in plan

    older = client.get(f"/resultat/{token}").get_data(as_text=True)
    assert "Vos progrès" not in older
    assert new_token not in older


def test_deleting_the_newer_keeps_the_older_and_deleting_the_older_unlinks_it(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        _old, token = completed_diagnostic(get_session(), EXAMPLE_A)
    _add(client, token, ACTION)
    first_redo = _redo(client, token)
    _finish(app, first_redo)
    url = f"/resultat/{first_redo}/supprimer"
    assert client.post(url, data={"csrf_token": _csrf(client, url)}).status_code == 302
    assert client.get(f"/resultat/{token}").status_code == 200
    assert ACTION["title"] in client.get(f"/resultat/{token}/plan").get_data(as_text=True)

    second_redo = _redo(client, token)
    _finish(app, second_redo)
    assert "Vos progrès" in client.get(f"/resultat/{second_redo}").get_data(as_text=True)
    url = f"/resultat/{token}/supprimer"
    assert client.post(url, data={"csrf_token": _csrf(client, url)}).status_code == 302
    page = client.get(f"/resultat/{second_redo}")
    assert page.status_code == 200
    assert "Vos progrès" not in page.get_data(as_text=True)
    with app.app_context():
        link = get_session().scalars(select(DiagnosticLink)).one()
        assert link.previous_id is None


def test_redo_needs_a_completed_diagnostic_and_its_token(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        _d, token = services.start(get_session())
        _c, done = completed_diagnostic(get_session(), EXAMPLE_A)
    csrf = _csrf(client, f"/resultat/{done}")
    assert client.post(f"/resultat/{token}/refaire", data={"csrf_token": csrf}).status_code == 302
    assert client.post("/resultat/inconnu/refaire", data={"csrf_token": csrf}).status_code == 404
    with app.app_context():
        assert get_session().scalars(select(DiagnosticLink)).all() == []
