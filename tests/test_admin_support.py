"""Helpers of the admin tests (no test here): wiring, administrators, logging in, shared data."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app import create_app
from app.admin import auth
from app.admin import cli as admin_cli
from app.db import Base, dispose_engines, get_engine, get_session
from config import TestConfig
from tests.factories import EXAMPLE_A, EXAMPLE_B, completed_diagnostic

EMAIL = "admin@arricod.example"
PASSWORD = "un mot de passe assez long"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def wire(app: Flask) -> Flask:
    """Set up the admin side on an application, unless create_app already did."""
    if app.extensions.get("limiter") is None or auth.limiter not in app.extensions["limiter"]:
        auth.init_app(app)
    if "demo-data" not in app.cli.commands:
        admin_cli.init_app(app)
    return app


def make_app(**overrides: Any) -> Flask:
    """Return a wired test application on an empty in-memory database."""
    application = wire(create_app(TestConfig, **overrides))
    with application.app_context():
        Base.metadata.create_all(get_engine())
    return application


@pytest.fixture
def admin_app(app: Flask) -> Flask:
    """Return the test application with the admin side set up."""
    return wire(app)


def create_admin(app: Flask, email: str = EMAIL, password: str = PASSWORD) -> None:
    """Store an administrator."""
    with app.app_context():
        auth.create_admin(get_session(), email, password)


def csrf_token(page: str) -> str:
    """Return the CSRF token of the first form of a page."""
    match = CSRF_RE.search(page)
    assert match, "no csrf_token in the page"
    return match.group(1) or match.group(2)


def post_login(
    client: FlaskClient,
    email: str = EMAIL,
    password: str = PASSWORD,
    *,
    query: str = "",
    environ_base: dict[str, str] | None = None,
) -> TestResponse:
    """GET the login form and POST credentials with its CSRF token."""
    page = client.get("/admin/login", environ_base=environ_base or {})
    assert page.status_code == 200
    token = csrf_token(page.get_data(as_text=True))
    return client.post(
        "/admin/login" + query,
        data={"email": email, "password": password, "csrf_token": token},
        environ_base=environ_base or {},
    )


def logged_in(app: Flask) -> FlaskClient:
    """Return a client with an administrator's session."""
    create_admin(app)
    client = app.test_client()
    response = post_login(client)
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return client


def share(app: Flask, answers: dict[str, Any], n: int, *, shared: bool = True) -> list[int]:
    """Store n completed diagnostics with these answers; return their ids."""
    with app.app_context():
        return [completed_diagnostic(get_session(), answers, share=shared)[0].id for _ in range(n)]


def variant(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Return a copy of an answer set with some answers changed."""
    return {**base, **changes}


COMMUNE = EXAMPLE_A
REGION = EXAMPLE_B
DEPARTEMENT = variant(EXAMPLE_A, collectivity_type="departement", population="500k_1m")


@pytest.fixture
def fresh_app() -> Iterator[Flask]:
    """Yield a wired application of its own (for tests that change the configuration)."""
    application = make_app()
    yield application
    with application.app_context():
        dispose_engines()
