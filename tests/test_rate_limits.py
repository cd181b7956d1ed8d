"""Brakes on fabricated diagnostics: starting and finishing diagnostics are limited per client
(Flask-Limiter), with a French or English 429 page saying when to try again, Retry-After, and
nothing stored by the refused request.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app import create_app
from app.db import Base, dispose_engines, get_engine, get_session
from app.models import Diagnostic
from config import TestConfig
from tests.factories import EXAMPLE_A
from tests.test_survey import SECTIONS, csrf, form_data, post_step, start, stored

RETRY_RE = re.compile(r"Réessayez dans (\d+)\u00a0min, vers \d{1,2}:\d{2} \(heure de Paris\)")


def _app(**overrides: Any) -> Flask:
    """Return a test application on an empty in-memory database."""
    application = create_app(TestConfig, **overrides)
    with application.app_context():
        Base.metadata.create_all(get_engine())
    return application


@pytest.fixture
def limited() -> Iterator[Flask]:
    """Yield an application allowing 3 starts and 1 finish per client and hour."""
    application = _app(RATELIMIT_START="3 per hour", RATELIMIT_FINISH="1 per hour")
    yield application
    with application.app_context():
        dispose_engines()


def _client(app: Flask, address: str = "192.0.2.1", **environ: str) -> FlaskClient:
    """Return a client whose requests come from an address."""
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": address, **environ})
    return client


def _post_start(client: FlaskClient, lang: str = "fr") -> Any:
    """Post the landing page's start form."""
    landing = client.get(f"/?lang={lang}")
    return client.post("/diagnostic/commencer", data={"csrf_token": csrf(landing.text)})


def _count(app: Flask) -> int:
    """Return how many diagnostics are stored."""
    with app.app_context():
        return int(get_session().scalar(select(func.count()).select_from(Diagnostic)) or 0)


def test_starting_past_the_limit_gets_a_french_429_and_stores_nothing(limited: Flask) -> None:
    client = _client(limited)
    assert [_post_start(client).status_code for _ in range(3)] == [302] * 3
    refused = _post_start(client)
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert 'lang="fr"' in page
    assert "Trop de demandes depuis votre connexion" in page
    found = RETRY_RE.search(page)
    assert found, page[:3000]
    assert 59 <= int(found.group(1)) <= 60
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert "Rien de ce dernier envoi n'a été enregistré" in page
    assert _count(limited) == 3


def test_the_429_page_in_english(limited: Flask) -> None:
    client = _client(limited)
    for _ in range(3):
        _post_start(client, "en")
    refused = _post_start(client, "en")
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert 'lang="en"' in page
    assert "Too many requests from your connection" in page
    assert re.search(
        r"Try again in \d+\u00a0min, around \d{1,2}:\d{2}\s?[AP]M \(Paris time\)", page
    )


def test_another_client_is_not_affected(limited: Flask) -> None:
    first = _client(limited, "192.0.2.1")
    for _ in range(3):
        _post_start(first)
    assert _post_start(first).status_code == 429
    assert _post_start(_client(limited, "192.0.2.2")).status_code == 302


def test_behind_a_proxy_clients_are_told_apart_by_x_forwarded_for() -> None:
    application = _app(RATELIMIT_START="2 per hour", PROXY_HOPS=1)
    try:
        proxy = "10.0.0.1"  # every request reaches the app from the proxy's address
        alice = _client(application, proxy, HTTP_X_FORWARDED_FOR="198.51.100.1")
        bob = _client(application, proxy, HTTP_X_FORWARDED_FOR="198.51.100.2")
        assert [_post_start(alice).status_code for _ in range(3)] == [302, 302, 429]
        assert _post_start(bob).status_code == 302
    finally:
        with application.app_context():
            dispose_engines()


def _answer_up_to_last(client: FlaskClient, token: str) -> None:
    """Answer every step but the last."""
    for section_id in SECTIONS[:-1]:
        response = post_step(client, token, section_id, form_data(section_id, EXAMPLE_A), "next")
        assert response.status_code == 302


def test_finishing_past_the_limit_stores_nothing(limited: Flask) -> None:
    client = _client(limited)
    last = SECTIONS[-1]
    first, second = start(client), start(client)
    for token in (first, second):
        _answer_up_to_last(client, token)
    done = post_step(client, first, last, form_data(last, EXAMPLE_A), "finish")
    assert done.status_code == 302
    assert done.headers["Location"].startswith("/resultat/")
    # The second finish, with the last step's answers and the consent to share: refused whole.
    sent = {**form_data(last, EXAMPLE_A), "share_anonymised": "y"}
    refused = post_step(client, second, last, sent, "finish")
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert RETRY_RE.search(page)
    assert f'href="/diagnostic/{second}/etape/{last}"' in page  # back to the step, later
    diagnostic = stored(limited, second)
    assert diagnostic.status != "completed"
    assert diagnostic.share_anonymised is False
    assert not set(form_data(last, EXAMPLE_A)) & set(diagnostic.answers)
    # Moving between steps and saving are never limited.
    assert post_step(client, second, last, form_data(last, EXAMPLE_A), "save").status_code == 302
    assert post_step(client, second, last, {}, "prev").status_code == 302


def test_default_limits_leave_a_respondent_alone() -> None:
    application = _app()
    try:
        assert application.config["RATELIMIT_START"] == "30 per hour;200 per day"
        client = _client(application)
        assert all(_post_start(client).status_code == 302 for _ in range(10))
    finally:
        with application.app_context():
            dispose_engines()


@pytest.fixture
def redis_limited() -> Iterator[Flask]:
    """Yield an application whose counters live in Redis (TEST_REDIS_URL)."""
    url = os.environ.get("TEST_REDIS_URL", "")
    if not url:
        pytest.skip("Redis rate-limit storage not tested: set TEST_REDIS_URL=redis://host:port/db")
    application = _app(RATELIMIT_STORAGE_URI=url, RATELIMIT_START="2 per hour")
    yield application
    with application.app_context():
        dispose_engines()


def test_start_counters_live_in_redis(redis_limited: Flask) -> None:
    import redis

    # The limiter is shared by the applications of a process: a client address of this run's
    # own tells its counters apart.
    address = f"client-{uuid.uuid4().hex}"
    client = _client(redis_limited, address)
    assert [_post_start(client).status_code for _ in range(3)] == [302, 302, 429]
    store = redis.Redis.from_url(os.environ["TEST_REDIS_URL"])
    keys = [k.decode() for k in store.scan_iter(f"*{address}*")]
    try:
        assert [k for k in keys if "diagnostic-start" in k], keys
        # Another application on the same storage (a second worker) sees the same counter.
        other = _app(
            RATELIMIT_STORAGE_URI=os.environ["TEST_REDIS_URL"], RATELIMIT_START="2 per hour"
        )
        try:
            assert _post_start(_client(other, address)).status_code == 429
        finally:
            with other.app_context():
                dispose_engines()
    finally:
        store.delete(*keys)
