"""A forged Host never reaches a private link (TRUSTED_HOSTS, SERVER_NAME, the production
configuration's refusal without them), and private tokens never reach the logs (gunicorn's
access lines, the application's own messages).
"""

from __future__ import annotations

import logging
import os
import re
import runpy
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from app import create_app
from app.db import Base, dispose_engines, get_engine, get_session
from app.models import Diagnostic
from app.security import redact_path, redact_text
from config import ProdConfig, TestConfig
from tests.pg import free_port

ROOT = Path(__file__).resolve().parent.parent
TOKEN = secrets.token_urlsafe(32)
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _app(**overrides: Any) -> Flask:
    """Return a test application on an empty in-memory database."""
    application = create_app(TestConfig, **overrides)
    with application.app_context():
        Base.metadata.create_all(get_engine())
    return application


@pytest.fixture
def trusted() -> Iterator[Flask]:
    """Yield an application that answers to aict.example only."""
    application = _app(TRUSTED_HOSTS=["aict.example"])
    yield application
    with application.app_context():
        dispose_engines()


def _start(client: Any, host: str) -> Any:
    """Post the start form (its token read from the page of the trusted host) with a Host."""
    landing = client.get("/", headers={"Host": "aict.example"}).get_data(as_text=True)
    token = CSRF_RE.search(landing)
    assert token
    return client.post(
        "/diagnostic/commencer", data={"csrf_token": token.group(1)}, headers={"Host": host}
    )


def _count(app: Flask) -> int:
    with app.app_context():
        return int(get_session().scalar(select(func.count()).select_from(Diagnostic)) or 0)


# --- Hosts --------------------------------------------------------------------------------------


def test_a_forged_host_gets_400_and_no_link(trusted: Flask) -> None:
    client = trusted.test_client()
    for path in ("/", "/diagnostic/commencer", f"/diagnostic/{TOKEN}/etape/profile"):
        response = client.get(path, headers={"Host": "evil.example"})
        assert response.status_code == 400, path
        assert "evil.example" not in response.get_data(as_text=True)
    refused = _start(client, "evil.example")
    assert refused.status_code == 400
    assert "Location" not in refused.headers
    assert _count(trusted) == 0


def test_the_trusted_host_builds_the_private_link(trusted: Flask) -> None:
    client = trusted.test_client()
    started = _start(client, "aict.example")
    assert started.status_code == 302
    page = client.get(started.headers["Location"], headers={"Host": "aict.example"})
    assert page.status_code == 200
    links = re.findall(r"https?://[^/\"<\s]+/diagnostic/", page.get_data(as_text=True))
    assert links
    assert set(links) == {"http://aict.example/diagnostic/"}
    forged = client.get(started.headers["Location"], headers={"Host": "evil.example"})
    assert forged.status_code == 400
    assert "evil.example" not in forged.get_data(as_text=True)


def test_a_forged_forwarded_host_behind_the_proxy_gets_400() -> None:
    application = _app(TRUSTED_HOSTS=["aict.example"], PROXY_HOPS=1)
    try:
        client = application.test_client()
        ok = client.get("/", headers={"Host": "10.0.0.5", "X-Forwarded-Host": "aict.example"})
        assert ok.status_code == 200
        forged = client.get("/", headers={"Host": "10.0.0.5", "X-Forwarded-Host": "evil.example"})
        assert forged.status_code == 400
    finally:
        with application.app_context():
            dispose_engines()


def test_trusted_hosts_come_from_a_comma_separated_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SECRET_KEY", "0123456789abcdef" * 4)
    monkeypatch.setenv("TRUSTED_HOSTS", " aict.arricod.fr, .arricod.org ,")
    monkeypatch.delenv("SERVER_NAME", raising=False)
    assert ProdConfig().TRUSTED_HOSTS == ["aict.arricod.fr", ".arricod.org"]


def test_production_refuses_to_start_without_trusted_hosts_or_server_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SECRET_KEY", "0123456789abcdef" * 4)
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    monkeypatch.delenv("SERVER_NAME", raising=False)
    with pytest.raises(RuntimeError, match="TRUSTED_HOSTS"):
        ProdConfig()
    monkeypatch.setenv("SERVER_NAME", "aict.arricod.fr")
    assert ProdConfig().SERVER_NAME == "aict.arricod.fr"


def test_with_server_name_links_use_it_whatever_the_host() -> None:
    application = _app(SERVER_NAME="aict.example")
    try:
        client = application.test_client()
        started = _start(client, "aict.example")
        assert started.status_code == 302
        page = client.get(started.headers["Location"], headers={"Host": "evil.example"})
        text = page.get_data(as_text=True)
        assert "evil.example" not in text
        assert "http://aict.example/diagnostic/" in text
    finally:
        with application.app_context():
            dispose_engines()


# --- Logs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"/diagnostic/{TOKEN}", "/diagnostic/<token>"),
        (f"/diagnostic/{TOKEN}/etape/profile", "/diagnostic/<token>/etape/profile"),
        (f"/diagnostic/{TOKEN}/enregistre", "/diagnostic/<token>/enregistre"),
        (f"/resultat/{TOKEN}/reponses.csv", "/resultat/<token>/reponses.csv"),
        (f"/resultat/{TOKEN}?lang=en", "/resultat/<token>"),
        ("/resultat/abc", "/resultat/<token>"),  # even a short (mistyped) token
        ("/diagnostic/commencer", "/diagnostic/commencer"),
        (f"/ailleurs/{TOKEN}/x", "/ailleurs/<token>/x"),  # any long URL-safe segment
        (
            "/static/vendor/plotly/plotly-custom.min.js",
            "/static/vendor/plotly/plotly-custom.min.js",
        ),
        ("/admin/export.csv", "/admin/export.csv"),
    ],
)
def test_redact_path(path: str, expected: str) -> None:
    assert redact_path(path) == expected


def _conf() -> dict[str, Any]:
    """Return the settings of gunicorn.conf.py."""
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def _access_line(
    tmp_path: Path, log_format: str, environ: dict[str, str], response: Any, request: Any
) -> str:
    """Return what the project's gunicorn logger writes for one request in this format."""
    from gunicorn.config import Config

    cfg = Config()
    log = tmp_path / "access.log"
    cfg.set("accesslog", str(log))
    cfg.set("access_log_format", log_format)
    logger = _conf()["AccessLogger"](cfg)
    logger.access(response, request, environ, timedelta(milliseconds=12))
    for handler in logger.access_log.handlers:
        handler.close()
    return log.read_text()


def test_access_log_lines_hold_no_token_no_address_no_referer(tmp_path: Path) -> None:
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/resultat/{TOKEN}?lang=en",
        "PATH_INFO": f"/resultat/{TOKEN}",
        "QUERY_STRING": "lang=en",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "198.51.100.23",
        "HTTP_REFERER": f"https://aict.example/diagnostic/{TOKEN}/etape/goals",
        "HTTP_USER_AGENT": "Navigateur/1.0",
    }
    response = SimpleNamespace(status="200 OK", headers=[("Content-Type", "text/html")], sent=512)
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    line = _access_line(tmp_path, _conf()["access_log_format"], environ, response, request)
    assert '"GET /resultat/<token> HTTP/1.1" 200 512 12ms' in line
    for secret in (TOKEN, "198.51.100.23", "lang=en", "Navigateur"):
        assert secret not in line


def test_a_header_in_the_log_format_is_left_out(tmp_path: Path) -> None:
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/diagnostic/{TOKEN}", "PATH_INFO":
               f"/diagnostic/{TOKEN}", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "192.0.2.9",
               "QUERY_STRING": "a=b"}  # fmt: skip
    response = SimpleNamespace(status="302 FOUND", headers=[], sent=0)
    request = SimpleNamespace(headers=[("REFERER", f"https://x/resultat/{TOKEN}")])
    log_format = '%(h)s "%(r)s" "%({referer}i)s" %(q)s'
    line = _access_line(tmp_path, log_format, environ, response, request)
    assert TOKEN not in line
    assert "192.0.2.9" not in line
    assert "/diagnostic/<token>" in line


def test_flask_error_messages_hold_no_token(caplog: pytest.LogCaptureFixture) -> None:
    application = _app(PROPAGATE_EXCEPTIONS=False)
    try:

        def broken(token: str) -> str:
            raise RuntimeError("boom")

        application.add_url_rule("/diagnostic/<token>/_boom", "boom", broken)
        with caplog.at_level(logging.ERROR):
            assert application.test_client().get(f"/diagnostic/{TOKEN}/_boom").status_code == 500
        messages = [record.getMessage() for record in caplog.records]
        assert any("/diagnostic/<token>/_boom" in m for m in messages), messages
        assert not [m for m in messages if TOKEN in m]
        assert redact_text(f"GET /resultat/{TOKEN}/supprimer") == "GET /resultat/<token>/supprimer"
    finally:
        with application.app_context():
            dispose_engines()


def _wait(url: str, timeout: float = 30) -> int:
    """Return the status of GET url, retrying while the server starts."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (local URL)
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_gunicorn_access_log_has_no_private_link(tmp_path: Path) -> None:
    """The production server writes its access lines without the token of the path asked."""
    port = free_port()
    log = tmp_path / "access.log"
    env = {
        **os.environ,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'g.sqlite3'}",
        "APP_ENV": "development",
        "ACCESS_LOG": str(log),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    subprocess.run(  # noqa: S603 (the project's own CLI)
        [str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    process = subprocess.Popen(  # noqa: S603 (the project's own server)
        [str(gunicorn), "-c", "gunicorn.conf.py", "--no-control-socket", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _wait(f"http://127.0.0.1:{port}/") == 200
        assert _wait(f"http://127.0.0.1:{port}/resultat/{TOKEN}?lang=en") == 404
    finally:
        process.terminate()
        process.wait(timeout=10)
    text = log.read_text()
    assert "/resultat/<token>" in text, text
    assert TOKEN not in text
    assert "127.0.0.1" not in text
