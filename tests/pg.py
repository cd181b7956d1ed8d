"""PostgreSQL and real-server helpers for the tests: throw-away databases, gunicorn processes,
an HTTP respondent that keeps its cookies, and a respondent's journey through the step forms.

A test module uses a fixture by binding it at module level: ``pg_url = pg.pg_url``.

``TEST_POSTGRES_URL`` names a PostgreSQL server (``postgresql+psycopg://postgres@127.0.0.1:5432/
test``); each test that asks for ``pg_url`` gets a database of its own, created with
``CREATE DATABASE`` and dropped afterwards. Without the variable, or when the server does not
answer, those tests skip and say why; with ``REQUIRE_POSTGRES=1`` (CI) they fail instead.
"""

from __future__ import annotations

import html
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL

from app import questionnaire as qn
from app.core.relevance import section_applies
from tests.factories import EXAMPLE_A

ROOT = Path(__file__).resolve().parent.parent
PG_ENV = "TEST_POSTGRES_URL"
REQUIRE_ENV = "REQUIRE_POSTGRES"
REDIS_ENV = "TEST_REDIS_URL"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
GUNICORN = Path(sys.executable).parent / "gunicorn"
CONNECT_TIMEOUT = 3
HTTP_TIMEOUT = 20
SERVER_START_TIMEOUT = 20.0
# A fixed 64-character key shared by the instances of a test, so one session cookie works on all.
SHARED_SECRET = "7f3c" * 16

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


# --- PostgreSQL ---------------------------------------------------------------------------------


def _required() -> bool:
    """Return True when PostgreSQL tests must run (CI), not skip."""
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0")


def _unavailable(reason: str) -> None:
    """Skip the test with reason, or fail it when PostgreSQL is required."""
    if _required():
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1: PostgreSQL tests must not be skipped)")
    pytest.skip(reason)


_probe_cache: dict[str, str | None] = {}


def _probe(url: str) -> str | None:
    """Return None when the server at url answers, else why not (cached per URL)."""
    if url not in _probe_cache:
        engine = create_engine(url, connect_args={"connect_timeout": CONNECT_TIMEOUT})
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            _probe_cache[url] = None
        except Exception as exc:  # noqa: BLE001  (any failure means "not reachable")
            _probe_cache[url] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        finally:
            engine.dispose()
    return _probe_cache[url]


def pg_server_url() -> URL:
    """Return the URL of the PostgreSQL server to test against, or skip/fail the test."""
    raw = os.environ.get(PG_ENV, "").strip()
    if not raw:
        _unavailable(
            f"PostgreSQL not reachable: {PG_ENV} is not set; "
            f"set {PG_ENV}=postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
    url = make_url(raw)
    if url.drivername == "postgresql":  # the application's driver is psycopg 3
        url = url.set(drivername="postgresql+psycopg")
        raw = url.render_as_string(hide_password=False)
    problem = _probe(raw)
    if problem is not None:
        where = f"{url.host or 'localhost'}:{url.port or 5432}"
        _unavailable(f"PostgreSQL not reachable at {where} ({problem}); set {PG_ENV}")
    return url


@contextmanager
def temporary_database(server: URL) -> Iterator[str]:
    """Create a uniquely named, empty database on the server; yield its URL; drop it after."""
    name = f"aict_test_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": CONNECT_TIMEOUT}
    )
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """Yield the URL of a fresh, empty PostgreSQL database of this test's own."""
    with temporary_database(pg_server_url()) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Yield an empty database URL: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    with temporary_database(pg_server_url()) as url:
        yield url


def redis_url() -> str | None:
    """Return the Redis URL for rate-limit storage when a server answers there, else None."""
    url = os.environ.get(REDIS_ENV, DEFAULT_REDIS_URL)
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        client.close()
    except Exception:  # noqa: BLE001
        return None
    return url


# --- Real servers -------------------------------------------------------------------------------


def free_port() -> int:
    """Return a TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def migrate(database_url: str) -> None:
    """Create the schema of database_url with the Alembic migrations."""
    from app.cli import upgrade_database

    upgrade_database(database_url)


def migrate_with_cli(database_url: str) -> None:
    """Create the schema of database_url with ``flask db upgrade``, as an operator would."""
    env = {**os.environ, "DATABASE_URL": database_url, "APP_ENV": "development"}
    flask = Path(sys.executable).parent / "flask"
    done = subprocess.run(
        [str(flask), "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@dataclass
class Gunicorn:
    """A gunicorn process group serving ``wsgi:app`` on 127.0.0.1."""

    database_url: str
    workers: int = 1
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    @property
    def base_url(self) -> str:
        """Return ``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """Return the process environment: database, shared key, shared rate-limit storage."""
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": SHARED_SECRET,
            "APP_ENV": "development",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("WEB_CONCURRENCY", None)
        limiter = redis_url()
        if limiter:
            env["RATELIMIT_STORAGE_URI"] = limiter
        return env

    def start(self, log_dir: Path) -> Gunicorn:
        """Start the server and wait until it answers (or fail with its log)."""
        self.launch(log_dir)
        self.wait_ready()
        return self

    def launch(self, log_dir: Path) -> Gunicorn:
        """Start the server without waiting for it."""
        if not GUNICORN.exists():
            pytest.skip(f"gunicorn not installed at {GUNICORN}")
        self.log = log_dir / f"gunicorn-{self.port}.log"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(GUNICORN),
                    "-w",
                    str(self.workers),
                    "-b",
                    f"127.0.0.1:{self.port}",
                    "--graceful-timeout",
                    "2",
                    # One control socket per user by default: instances side by side would share it.
                    "--no-control-socket",
                    "wsgi:app",
                ],
                cwd=ROOT,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def wait_ready(self) -> None:
        """Poll the landing page until it answers 200."""
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited early:\n{self.read_log()}")
            connection = HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                connection.request("GET", "/")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                connection.close()
            time.sleep(0.1)
        self.kill()
        raise AssertionError(
            f"gunicorn did not answer in {SERVER_START_TIMEOUT} s:\n{self.read_log()}"
        )

    def read_log(self) -> str:
        """Return the server's output so far."""
        return self.log.read_text(errors="replace")[-4000:] if self.log else ""

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send sig to the whole process group (master and workers) and reap the master.

        A killed process's sockets close at once, so the port is free again afterwards.
        """
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        self.process = None


@pytest.fixture
def gunicorn_servers(tmp_path: Path) -> Iterator[list[Gunicorn]]:
    """Collect the servers a test starts; kill them all at teardown."""
    servers: list[Gunicorn] = []
    yield servers
    for server in servers:
        server.kill(signal.SIGTERM)


# --- A respondent over HTTP ---------------------------------------------------------------------


@dataclass
class Response:
    """What the respondent received."""

    status: int
    headers: dict[str, str]
    body: str
    url: str

    @property
    def location(self) -> str:
        """Return the path of a redirect's Location header."""
        parts = urlsplit(self.headers.get("location", ""))
        return parts.path + (f"?{parts.query}" if parts.query else "")


class Respondent:
    """A browser-like HTTP client: one cookie jar, requests sent to the servers in turn."""

    def __init__(self, base_urls: list[str]) -> None:
        self.base_urls = base_urls
        self.cookies: dict[str, str] = {}
        self.turn = 0
        self.sent_to: list[str] = []

    def _next_base(self) -> str:
        """Return the server of the next request (round robin over base_urls)."""
        base = self.base_urls[self.turn % len(self.base_urls)]
        self.turn += 1
        return base

    def request(
        self, method: str, path: str, data: list[tuple[str, str]] | None = None
    ) -> Response:
        """Send one request (no redirect followed) with the jar's cookies; keep new cookies."""
        base = self._next_base()
        parts = urlsplit(base)
        connection = HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=HTTP_TIMEOUT)
        headers = {"Accept-Language": "fr"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            content = raw.read().decode("utf-8", errors="replace")
            for value in raw.headers.get_all("Set-Cookie") or []:
                jar: SimpleCookie = SimpleCookie()
                jar.load(value)
                for name, morsel in jar.items():
                    self.cookies[name] = morsel.value
            received = {k.lower(): v for k, v in raw.getheaders()}
            self.sent_to.append(base)
            return Response(raw.status, received, content, base + path)
        finally:
            connection.close()

    def get(self, path: str) -> Response:
        """GET path."""
        return self.request("GET", path)

    def post(self, path: str, data: list[tuple[str, str]]) -> Response:
        """POST form data to path."""
        return self.request("POST", path, data)


# --- The journey --------------------------------------------------------------------------------


def csrf_token(page: str) -> str:
    """Return the CSRF token of the first form of an HTML page."""
    match = CSRF_RE.search(page)
    assert match, "no csrf_token in the page"
    return html.unescape(match.group(1) or match.group(2))


def checked(page: str) -> dict[str, list[str]]:
    """Return the values of the checked radio buttons and checkboxes of a page, by name."""
    found: dict[str, list[str]] = {}
    for tag in re.findall(r"<input\b[^>]*\bchecked\b[^>]*>", page):
        name = re.search(r'\bname="([^"]*)"', tag)
        value = re.search(r'\bvalue="([^"]*)"', tag)
        if name and value:
            found.setdefault(html.unescape(name.group(1)), []).append(html.unescape(value.group(1)))
    return found


def section_ids(answers: Mapping[str, Any] = EXAMPLE_A) -> list[str]:
    """Return the ids of the steps a respondent giving these answers goes through, in order.

    A step that skip logic leaves out for them (v2's partnership blocks, without partnerships)
    is not among them.
    """
    questionnaire = qn.current()
    return [s.id for s in questionnaire.sections if section_applies(questionnaire, s, answers)]


def step_form_data(
    section_id: str,
    answers: Mapping[str, Any] = EXAMPLE_A,
    *,
    nav: str = "next",
    share: bool = True,
    csrf: str = "",
) -> list[tuple[str, str]]:
    """Return the form fields a browser posts for one step of the current questionnaire."""
    questionnaire = qn.current()
    section = questionnaire.section(section_id)
    assert section is not None, section_id
    data: list[tuple[str, str]] = [("csrf_token", csrf)] if csrf else []
    for question in section.questions:
        value = answers.get(question.id)
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        data += [(question.id, str(v)) for v in values]
    if share and section_id == questionnaire.sections[-1].id:
        data.append(("share_anonymised", "y"))
    data.append(("nav", nav))
    return data


def step_path(token: str, section_id: str) -> str:
    """Return the path of a step page."""
    return f"/diagnostic/{token}/etape/{section_id}"


def token_of(path: str) -> str:
    """Return the private token in a /diagnostic/<token>/… or /resultat/<token> path."""
    match = re.search(r"/(?:diagnostic|resultat)/([^/?]+)", path)
    assert match, path
    return match.group(1)


def start_diagnostic(send: Callable[[str, str, list[tuple[str, str]] | None], Any]) -> str:
    """GET the landing page, press its start button; return the new diagnostic's token."""
    landing = send("GET", "/", None)
    assert landing.status == 200, landing.status
    started = send("POST", "/diagnostic/commencer", [("csrf_token", csrf_token(landing.body))])
    assert started.status in (302, 303), (started.status, started.body[:300])
    return token_of(started.location)


def answer_step(
    send: Callable[[str, str, list[tuple[str, str]] | None], Any],
    token: str,
    section_id: str,
    answers: Mapping[str, Any] = EXAMPLE_A,
    *,
    nav: str = "next",
) -> Any:
    """GET a step, then POST its answers with the page's CSRF token; return the POST's response.

    ``send(method, path, data)`` returns an object with ``status`` and a text ``body``.
    """
    page = send("GET", step_path(token, section_id), None)
    assert page.status == 200, (page.status, section_id)
    data = step_form_data(section_id, answers, nav=nav, csrf=csrf_token(page.body))
    return send("POST", step_path(token, section_id), data)


def client_sender(client: Any) -> Callable[[str, str, list[tuple[str, str]] | None], Response]:
    """Return a ``send(method, path, data)`` over a Flask test client (no redirect followed)."""

    def send(method: str, path: str, data: list[tuple[str, str]] | None = None) -> Response:
        raw = client.open(path, method=method, data=data)
        headers = {k.lower(): v for k, v in raw.headers.items()}
        return Response(raw.status_code, headers, raw.get_data(as_text=True), path)

    return send
