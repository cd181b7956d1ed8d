"""Team perspectives: links stored hashed, revocable, opening the perception questions only;
divergence shown to the officer, consolidation by the officer, nothing in aggregates."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app import services
from app.db import dispose_engines, get_session
from app.models import Perspective, Result, SharedResult
from tests.factories import EXAMPLE_A, completed_diagnostic
from tests.test_admin_support import admin_app, logged_in, make_app
from tests.test_plan import _csrf

__all__ = ["admin_app"]  # fixture used by the tests below

LINK = re.compile(r'value="http://localhost(/regard/([A-Za-z0-9_-]+))"')
VIEW = {"roi_demand": "strong", "elected_awareness": "1", "goals": ["business_export"]}


def _create(
    client: FlaskClient, token: str, role: str = "elected", **environ: str
) -> tuple[str, str]:
    """Create a perspective link; return its path and secret."""
    csrf = _csrf(client, f"/resultat/{token}/regards")
    response = client.post(
        f"/resultat/{token}/regards", data={"role": role, "csrf_token": csrf}, environ_base=environ
    )
    assert response.status_code == 200, response.status_code
    match = LINK.search(response.get_data(as_text=True))
    assert match
    return match.group(1), match.group(2)


def _answer(client: FlaskClient, path: str, values: dict[str, Any]) -> Any:
    """Post a perspective's answers."""
    return client.post(path, data={**values, "csrf_token": _csrf(client, path)})


def _completed(app: Flask, share: bool = False) -> str:
    """Store a completed diagnostic; return its token."""
    with app.app_context():
        return completed_diagnostic(get_session(), EXAMPLE_A, share=share)[1]


def test_a_link_is_stored_hashed_and_opens_only_the_perception_questions(
    app: Flask, client: FlaskClient
) -> None:
    token = _completed(app)
    path, secret = _create(client, token)
    assert len(secret) >= 43  # 256 bits, URL-safe
    with app.app_context():
        stored = get_session().scalars(select(Perspective)).one()
        assert stored.token_hash == services.hash_token(secret)
        assert secret not in json.dumps([stored.token_hash, stored.answers])
    page = client.get(path).get_data(as_text=True)
    assert "ne sont pas anonymes" in page
    assert "la synthèse imprimée de votre diagnostic peut les montrer par rôle" in page
    for qid in ("goals", "roi_demand", "elected_awareness", "cross_service"):
        assert f'name="{qid}"' in page
    for qid in ("collectivity_type", "budget_amount", "partner_countries", "impact_evaluation"):
        assert f'name="{qid}"' not in page
    # The link opens nothing else: not the result, its plan, its downloads or its steps.
    for url in (
        f"/resultat/{secret}",
        f"/resultat/{secret}/plan",
        f"/resultat/{secret}/reponses.json",
        f"/resultat/{secret}/regards",
        f"/diagnostic/{secret}",
    ):
        assert client.get(url).status_code == 404, url
    assert token not in page


def test_answers_are_kept_can_be_changed_and_shown_to_the_officer_only(
    app: Flask, client: FlaskClient
) -> None:
    token = _completed(app)
    path, _secret = _create(client, token, "elected")
    assert _answer(client, path, VIEW).status_code == 302
    again = client.get(path).get_data(as_text=True)
    assert re.search(r'checked id="[^"]+" name="roi_demand" type="radio" value="strong"', again)
    assert _answer(client, path, {**VIEW, "roi_demand": "none"}).status_code == 302
    with app.app_context():
        assert get_session().scalars(select(Perspective)).one().answers["roi_demand"] == "none"
    english = client.get(path + "?lang=en").get_data(as_text=True)
    assert "are not anonymous" in english
    assert "the printed brief of your diagnostic may show them by role" in english
    result = client.get(f"/resultat/{token}?lang=fr").get_data(as_text=True)
    figure = json.loads(re.search(r'id="chart-perspectives-data">(.*?)</script>', result, re.S)[1])  # type: ignore[index]
    labels = figure["data"][0]["customdata"]
    gaps = figure["data"][0]["x"]
    assert gaps == sorted(gaps, reverse=True)  # the largest gaps first
    assert labels[0] in {
        "exigence de retour sur investissement",
        "sensibilisation des élus à l'AICT économique",
    }
    assert "Élu·e\u00a0: Non" in result
    assert "Positionnement dominant" in result


def test_the_officer_settles_the_answer_and_the_result_uses_it(
    app: Flask, client: FlaskClient
) -> None:
    token = _completed(app)
    path, _secret = _create(client, token)
    _answer(client, path, VIEW)
    with app.app_context():
        before = get_session().scalar(select(func.count()).select_from(Result))
        perspective_id = get_session().scalars(select(Perspective)).one().id
    # Answers of a perspective do not change the official result by themselves.
    with app.app_context():
        diagnostic = services.find_by_token(get_session(), token)
        assert diagnostic is not None
        assert diagnostic.answers["roi_demand"] == EXAMPLE_A["roi_demand"]
    url = f"/resultat/{token}/regards/{perspective_id}/adopter"
    csrf = _csrf(client, f"/resultat/{token}/regards")
    assert client.post(url, data={"question": "roi_demand", "csrf_token": csrf}).status_code == 302
    with app.app_context():
        session = get_session()
        diagnostic = services.find_by_token(session, token)
        assert diagnostic is not None
        assert diagnostic.answers["roi_demand"] == "strong"
        assert session.scalar(select(func.count()).select_from(Result)) == before + 1
        current = services.current_result(session, diagnostic)
        assert current is not None
        scores = current.payload["fr"]["scores"]
        first = session.scalars(select(Result).order_by(Result.id)).first()
        assert first is not None
    assert scores != first.payload["fr"]["scores"]  # rescored from the consolidated answer
    assert (
        client.post(url, data={"question": "collectivity_type", "csrf_token": csrf}).status_code
        == 404
    )


def test_revocation_and_deletion_end_the_link_and_its_answers(
    app: Flask, client: FlaskClient
) -> None:
    token, other = _completed(app), _completed(app)
    path, _secret = _create(client, token)
    kept_path, _kept = _create(client, token, "partner")
    _answer(client, path, VIEW)
    with app.app_context():
        first = get_session().scalars(select(Perspective).order_by(Perspective.id)).first()
        assert first is not None
        first_id = first.id
    csrf = _csrf(client, f"/resultat/{token}/regards")
    # Another diagnostic's private link cannot revoke or adopt it.
    for action in ("revoquer", "adopter"):
        url = f"/resultat/{other}/regards/{first_id}/{action}"
        assert client.post(url, data={"question": "goals", "csrf_token": csrf}).status_code == 404
    url = f"/resultat/{token}/regards/{first_id}/revoquer"
    assert client.post(url, data={"csrf_token": csrf}).status_code == 302
    assert client.get(path).status_code == 404
    assert client.get(kept_path).status_code == 200
    delete = f"/resultat/{token}/supprimer"
    assert client.post(delete, data={"csrf_token": _csrf(client, delete)}).status_code == 302
    assert client.get(kept_path).status_code == 404
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Perspective)) == 0


def _shared(app: Flask) -> list[tuple[int, str, str]]:
    """Return what ARRICOD's statistics read: result, dominant, recommendations of each row."""
    with app.app_context():
        rows = get_session().scalars(select(SharedResult).order_by(SharedResult.result_id))
        return [(r.result_id, r.dominant, r.recommendations) for r in rows]


def test_perspectives_never_reach_aggregates_or_exports(admin_app: Flask) -> None:
    client = admin_app.test_client()
    tokens = [_completed(admin_app, share=True) for _ in range(6)]
    before = _shared(admin_app)
    assert len(before) == 6
    for token in tokens:
        path, _secret = _create(client, token)
        _answer(client, path, {**VIEW, "goals": ["attract_talent"]})
    assert _shared(admin_app) == before
    admin = logged_in(admin_app)
    for url in ("/admin/export.csv", "/admin/export.json"):
        text = admin.get(url).get_data(as_text=True)
        assert "perspective" not in text.lower(), url
        assert "attract_talent" not in text, url


def test_creating_links_is_rate_limited() -> None:
    app = make_app(RATELIMIT_PERSPECTIVE="2 per hour")
    try:
        client = app.test_client()
        token = _completed(app)
        environ = {"REMOTE_ADDR": "198.51.100.77"}
        client.environ_base.update(environ)
        _create(client, token)
        _create(client, token)
        csrf = _csrf(client, f"/resultat/{token}/regards")
        response = client.post(
            f"/resultat/{token}/regards", data={"role": "other", "csrf_token": csrf}
        )
        assert response.status_code == 429
        with app.app_context():
            assert get_session().scalar(select(func.count()).select_from(Perspective)) == 2
    finally:
        with app.app_context():
            dispose_engines()
