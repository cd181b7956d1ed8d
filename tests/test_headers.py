"""Security headers on every type of page, through the Flask test client.

Every response carries a Content-Security-Policy without inline scripts and forbidding framing,
``nosniff`` and a Referrer-Policy that never sends a private link to another site. Private pages
(a survey step, a result, a download, the admin pages) are never stored by a cache. The session
cookie is HttpOnly and SameSite=Lax, and Secure in production. No response names a server
version.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.test import TestResponse

from app import create_app, services
from app import questionnaire as qn
from app.db import Base, dispose_engines, get_engine, get_session
from app.security import static_url
from config import ProdConfig
from tests.factories import EXAMPLE_A, completed_diagnostic
from tests.pg import free_port

ROOT = Path(__file__).resolve().parent.parent
ADMIN_EMAIL = "admin@arricod.example"
ADMIN_PASSWORD = "correct horse battery staple 42"
# Referrer policies that never send any part of a URL (so no private link) to another origin.
# "same-origin" still lets Flask-WTF check the Referer of HTTPS form posts (WTF_CSRF_SSL_STRICT).
NON_LEAKING_REFERRER_POLICIES = {"no-referrer", "same-origin"}
PRIVATE_PAGES = [
    "survey_step",
    "saved",
    "result",
    "delete_confirmation",
    "download_json",
    "download_csv",
    "admin_login",
    "admin_dashboard",
]
ALL_PAGES = ["landing", "privacy", "api_json", "api_score", "static_asset", "error_page"]
ALL_PAGES += PRIVATE_PAGES


def csrf_token(html: str) -> str:
    """Return the CSRF token of the first form of a page."""
    tag = re.search(r"<input[^>]*name=\"csrf_token\"[^>]*>", html)
    assert tag, "the page has no csrf_token field"
    value = re.search(r"value=\"([^\"]+)\"", tag.group(0))
    assert value, "the csrf_token field has no value"
    return value.group(1)


def create_admin(runner: FlaskCliRunner) -> None:
    """Create the test administrator with ``flask admin create`` (password from the env)."""
    result = runner.invoke(
        args=["admin", "create", ADMIN_EMAIL], env={"ADMIN_PASSWORD": ADMIN_PASSWORD}
    )
    assert result.exit_code == 0, result.output


def log_in(client: FlaskClient) -> TestResponse:
    """Log the test administrator in; return the login's response (a redirect)."""
    form = client.get("/admin/login")
    assert form.status_code == 200
    response = client.post(
        "/admin/login",
        data={
            "email": ADMIN_EMAIL,
            "password": ADMIN_PASSWORD,
            "csrf_token": csrf_token(form.get_data(as_text=True)),
        },
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    return response


def set_cookies(response: TestResponse) -> dict[str, str]:
    """Return the response's Set-Cookie headers by cookie name."""
    cookies = {}
    for header in response.headers.getlist("Set-Cookie"):
        cookies[header.split("=", 1)[0].strip()] = header
    return cookies


def cookie_attributes(header: str) -> dict[str, str]:
    """Return the attributes of a Set-Cookie header, lower-cased names (``httponly`` → "")."""
    attributes = {}
    for part in header.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        attributes[name.lower()] = value
    return attributes


def csp_directives(response: TestResponse) -> dict[str, list[str]]:
    """Return the Content-Security-Policy of a response as {directive: sources}."""
    policy = response.headers.get("Content-Security-Policy")
    assert policy, f"no Content-Security-Policy on {response.request.path}"
    directives = {}
    for directive in policy.split(";"):
        name, *sources = directive.split()
        directives[name.lower()] = sources
    return directives


@pytest.fixture
def tokens(app: Flask) -> dict[str, str]:
    """Return the private tokens of an unfinished and of a completed diagnostic."""
    with app.app_context():
        _unfinished, in_progress = services.start(get_session(), "fr")
        _done, completed = completed_diagnostic(get_session(), EXAMPLE_A)
    return {"in_progress": in_progress, "completed": completed}


def fetch(
    kind: str, client: FlaskClient, runner: FlaskCliRunner, tokens: dict[str, str]
) -> TestResponse:
    """Return the response to a request for one type of page (logging in for the dashboard)."""
    first_step = qn.current().sections[0].id
    in_progress, completed = tokens["in_progress"], tokens["completed"]
    if kind == "admin_dashboard":
        create_admin(runner)
        log_in(client)
    if kind == "api_score":
        return client.post("/api/v1/score", json={"answers": EXAMPLE_A})
    if kind == "static_asset":
        with client.application.test_request_context():
            url = static_url("css/app.css")
        return client.get(url, buffered=True)
    paths = {
        "landing": "/",
        "privacy": "/confidentialite",
        "api_json": "/api/v1/questionnaire?lang=fr",
        "error_page": "/cette-page-n-existe-pas",
        "survey_step": f"/diagnostic/{in_progress}/etape/{first_step}",
        "saved": f"/diagnostic/{in_progress}/enregistre",
        "result": f"/resultat/{completed}",
        "delete_confirmation": f"/resultat/{completed}/supprimer",
        "download_json": f"/resultat/{completed}/reponses.json",
        "download_csv": f"/resultat/{completed}/reponses.csv",
        "admin_login": "/admin/login",
        "admin_dashboard": "/admin/",
    }
    return client.get(paths[kind])


EXPECTED_STATUS = {"error_page": 404}


@pytest.mark.parametrize("kind", ALL_PAGES)
def test_security_headers_on_every_page_type(
    kind: str, client: FlaskClient, runner: FlaskCliRunner, tokens: dict[str, str]
) -> None:
    response = fetch(kind, client, runner, tokens)
    assert response.status_code == EXPECTED_STATUS.get(kind, 200), kind

    csp = csp_directives(response)
    script_src = csp.get("script-src", csp.get("default-src"))
    assert script_src is not None
    assert "'unsafe-inline'" not in script_src, script_src
    assert "*" not in script_src, script_src
    assert "data:" not in script_src, script_src
    assert "'unsafe-inline'" not in csp.get("style-src", []), csp.get("style-src")
    assert csp.get("frame-ancestors") == ["'none'"]
    assert csp.get("object-src") == ["'none'"]
    assert csp.get("base-uri") == ["'none'"]

    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") in NON_LEAKING_REFERRER_POLICIES
    assert response.headers.get("X-Frame-Options") == "DENY"
    server = response.headers.get("Server", "")
    assert not re.search(r"\d", server), f"Server header names a version: {server!r}"


def test_each_page_gets_its_own_script_nonce(client: FlaskClient) -> None:
    first, second = (csp_directives(client.get("/"))["script-src"] for _ in range(2))
    nonces = [[s for s in sources if s.startswith("'nonce-")] for sources in (first, second)]
    assert all(len(n) == 1 for n in nonces)
    assert nonces[0] != nonces[1]
    assert len(nonces[0][0]) >= len("'nonce-'") + 16


@pytest.mark.parametrize("kind", PRIVATE_PAGES)
def test_private_pages_are_never_stored(
    kind: str, client: FlaskClient, runner: FlaskCliRunner, tokens: dict[str, str]
) -> None:
    response = fetch(kind, client, runner, tokens)
    assert response.status_code == 200, kind
    assert "no-store" in response.headers.get("Cache-Control", ""), kind
    assert "public" not in response.headers.get("Cache-Control", ""), kind


def test_private_link_stays_out_of_the_error_page(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    response = client.get(f"/resultat/{tokens['in_progress']}x")
    assert response.status_code == 404
    assert "no-store" in response.headers["Cache-Control"]
    assert tokens["in_progress"] not in response.get_data(as_text=True)


def test_versioned_static_asset_is_cached_for_a_year(client: FlaskClient) -> None:
    with client.application.test_request_context():
        url = static_url("css/app.css")
    assert "?v=" in url
    response = client.get(url, buffered=True)
    assert response.status_code == 200
    cache = response.headers["Cache-Control"]
    assert "immutable" in cache
    assert "max-age=31536000" in cache
    assert "no-store" not in cache
    stale = client.get(url.split("?")[0] + "?v=000000000000", buffered=True)
    assert "immutable" not in stale.headers.get("Cache-Control", "")


def test_api_sets_no_cookie(client: FlaskClient) -> None:
    response = client.post("/api/v1/score?lang=en", json={"answers": EXAMPLE_A})
    assert response.status_code == 200
    assert response.headers.getlist("Set-Cookie") == []


def assert_session_cookie(response: TestResponse, secure: bool) -> None:
    """Check that the response sets the session cookie HttpOnly, SameSite=Lax (and Secure)."""
    cookies = set_cookies(response)
    assert "session" in cookies, f"no session cookie set on {response.request.path}"
    attributes = cookie_attributes(cookies["session"])
    assert "httponly" in attributes
    assert attributes.get("samesite", "").lower() == "lax"
    assert ("secure" in attributes) is secure


def test_session_cookie_is_httponly_and_lax(client: FlaskClient) -> None:
    # The landing page's start form holds a CSRF token, which lives in the session.
    assert_session_cookie(client.get("/"), secure=False)


@pytest.fixture
def prod_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """Yield an application in production configuration, on an in-memory database."""
    monkeypatch.setenv("SECRET_KEY", "0123456789abcdef" * 4)
    monkeypatch.setenv("TRUSTED_HOSTS", "localhost")
    application = create_app(ProdConfig(), DATABASE_URL="sqlite://")
    with application.app_context():
        Base.metadata.create_all(get_engine())
    yield application
    with application.app_context():
        dispose_engines()


def test_production_cookies_are_secure(prod_app: Flask) -> None:
    client = prod_app.test_client()
    assert_session_cookie(client.get("/"), secure=True)
    assert_session_cookie(client.get("/?lang=en"), secure=True)

    create_admin(prod_app.test_cli_runner())
    login = log_in(client)
    cookies = set_cookies(login)
    assert cookies, "logging in set no cookie"
    for name, header in cookies.items():
        attributes = cookie_attributes(header)
        assert "httponly" in attributes, name
        assert "secure" in attributes, name
        assert attributes.get("samesite", "").lower() in ("lax", "strict"), name


def test_production_refuses_a_short_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        ProdConfig()


def test_gunicorn_server_header_names_no_version(tmp_path: Path) -> None:
    """The production server (gunicorn with gunicorn.conf.py) does not advertise its version."""
    port = free_port()
    env = {
        **os.environ,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'g.sqlite3'}",
        "APP_ENV": "development",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "-c", "gunicorn.conf.py", "--no-control-socket", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        headers = _get_headers(f"http://127.0.0.1:{port}/", timeout=30)
    finally:
        process.terminate()
        process.wait(timeout=10)
    server = headers.get("Server", "")
    assert not re.search(r"\d", server), f"Server header names a version: {server!r}"
    assert "gunicorn" not in server.lower()


def _get_headers(url: str, timeout: float) -> Any:
    """Return the headers of GET url, retrying while the server starts."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (local URL)
                return response.headers
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
