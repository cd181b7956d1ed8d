"""Faults: a server killed between two steps, the database briefly out of reach, and the same
form sent twice at once. None of them may lose an answer already saved.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, make_url, select
from werkzeug.datastructures import MultiDict
from werkzeug.serving import make_server

from app import create_app, services
from app import db as db_module
from app.cli import upgrade
from app.db import dispose_engines, get_session
from app.models import Diagnostic, Result
from config import TestConfig
from tests import pg
from tests.factories import EXAMPLE_A
from tests.pg import (
    Gunicorn,
    Respondent,
    answer_step,
    checked,
    client_sender,
    csrf_token,
    section_ids,
    start_diagnostic,
    step_form_data,
    step_path,
)

pg_url = pg.pg_url
db_url = pg.db_url
gunicorn_servers = pg.gunicorn_servers

UNAVAILABLE = "momentanément indisponible"


def answers_of(section_ids_: list[str]) -> dict[str, Any]:
    """Return the answers of EXAMPLE_A that belong to the given steps."""
    from app import questionnaire as qn

    wanted = {q.id for s in qn.current().sections if s.id in section_ids_ for q in s.questions}
    return {k: v for k, v in EXAMPLE_A.items() if k in wanted}


def stored(app: Flask, token: str) -> Diagnostic:
    """Return the diagnostic as the database holds it now (a fresh session)."""
    with app.app_context():
        diagnostic = services.find_by_token(get_session(), token)
        assert diagnostic is not None
        return diagnostic


def current_results(app: Flask, diagnostic_id: int) -> list[Result]:
    """Return the results of a diagnostic marked current."""
    with app.app_context():
        return list(
            get_session().scalars(
                select(Result).where(Result.diagnostic_id == diagnostic_id, Result.is_current)
            )
        )


@pytest.fixture
def reader(db_url: str) -> Iterator[Flask]:
    """Yield an application on db_url used only to read what the servers stored."""
    app = create_app(TestConfig, DATABASE_URL=db_url)
    yield app
    with app.app_context():
        dispose_engines()


# --- (a) The server killed between two steps ----------------------------------------------------


@pytest.mark.slow
def test_server_killed_between_two_steps_loses_no_saved_answer(
    db_url: str, reader: Flask, gunicorn_servers: list[Gunicorn], tmp_path: Path
) -> None:
    pg.migrate(db_url)
    server = Gunicorn(db_url, workers=2).start(tmp_path)
    gunicorn_servers.append(server)
    respondent = Respondent([server.base_url])
    send = respondent.request
    token = start_diagnostic(send)
    steps = section_ids()
    for section_id in steps[:2]:
        assert answer_step(send, token, section_id).status == 302

    server.kill(signal.SIGKILL)
    # Refused, or reset when a dying worker still held the listening socket for a moment.
    with pytest.raises((ConnectionRefusedError, ConnectionResetError)):
        respondent.get(f"/diagnostic/{token}")
    server.start(tmp_path)  # same port, same database

    diagnostic = stored(reader, token)
    assert diagnostic.answers == answers_of(steps[:2])
    assert diagnostic.current_step == steps[2]
    # The resume link leads to the first step not yet answered, with the CSRF flow intact.
    resumed = respondent.get(f"/diagnostic/{token}")
    assert resumed.status == 302
    assert resumed.location == step_path(token, steps[2])
    # The first step shows the answers saved before the crash.
    first_page = respondent.get(step_path(token, steps[0]))
    assert checked(first_page.body) == {
        qid: [str(value)] for qid, value in answers_of(steps[:1]).items()
    }
    for index, section_id in enumerate(steps[2:], start=2):
        nav = "finish" if index == len(steps) - 1 else "next"
        assert answer_step(send, token, section_id, nav=nav).status == 302
    assert stored(reader, token).answers == EXAMPLE_A
    assert respondent.get(f"/resultat/{token}").status == 200


# --- (b) The database briefly unavailable ----------------------------------------------------


class TcpProxy:
    """A TCP forwarder on 127.0.0.1 that can be cut (every connection closed) and restored."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> TcpProxy:
        """Listen and forward every accepted connection to the target."""
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening and close every forwarded connection, as a network cut would."""
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._sockets = self._sockets, set()
        if listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone would not.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def proxy(pg_url: str) -> Iterator[TcpProxy]:
    """Yield a running TCP proxy in front of the test PostgreSQL server."""
    url = make_url(pg_url)
    forwarder = TcpProxy((url.host or "127.0.0.1", url.port or 5432)).start()
    yield forwarder
    forwarder.stop()


@pytest.mark.postgres
def test_database_briefly_unavailable_gives_503_and_loses_nothing(
    pg_url: str, proxy: TcpProxy
) -> None:
    through_proxy = (
        make_url(pg_url)
        .set(host="127.0.0.1", port=proxy.port, query={"connect_timeout": "3"})
        .render_as_string(hide_password=False)
    )
    app = create_app(TestConfig, DATABASE_URL=through_proxy)
    with app.app_context():
        upgrade()
    client = app.test_client()
    raw_send = client_sender(client)

    def send(method: str, path: str, data: list[tuple[str, str]] | None = None) -> Any:
        return raw_send(method, path, MultiDict(data) if data is not None else None)

    steps = section_ids()
    token = start_diagnostic(send)
    assert answer_step(send, token, steps[0]).status == 302
    page = send("GET", step_path(token, steps[1]))
    assert page.status == 200
    form = step_form_data(steps[1], csrf=csrf_token(page.body))

    proxy.stop()
    for method, data in (("GET", None), ("POST", form)):
        down = send(method, step_path(token, steps[1]), data)
        assert down.status == 503, (method, down.status)
        assert UNAVAILABLE in down.body
        assert down.headers.get("retry-after") == "30"
        assert "text/html" in down.headers["content-type"]
    assert send("GET", f"/diagnostic/{token}").status == 503

    proxy.start()
    assert send("POST", step_path(token, steps[1]), form).status == 302
    resumed = send("GET", f"/diagnostic/{token}")
    assert resumed.location == step_path(token, steps[2])
    with app.app_context():
        diagnostic = services.find_by_token(get_session(), token)
        assert diagnostic is not None
        assert diagnostic.answers == answers_of(steps[:2])
        get_session().close()
        dispose_engines()


def test_a_database_that_does_not_answer_gives_503_within_the_connect_timeout() -> None:
    # A port that completes TCP handshakes but never speaks: a hung or black-holed server.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        url = f"postgresql+psycopg://nobody@127.0.0.1:{port}/none?connect_timeout=1"
        app = create_app(TestConfig, DATABASE_URL=url)
        started = time.monotonic()
        response = app.test_client().get("/diagnostic/" + "x" * 43)
        elapsed = time.monotonic() - started
        with app.app_context():
            dispose_engines()
    assert response.status_code == 503
    assert UNAVAILABLE in response.get_data(as_text=True)
    assert elapsed < 5


class _Captured(Exception):
    """Raised instead of connecting, once the connection parameters are seen."""


@pytest.mark.parametrize(
    ("query", "expected"), [("", str(db_module.PG_CONNECT_TIMEOUT)), ("?connect_timeout=2", "2")]
)
def test_postgres_connections_have_a_connect_timeout(query: str, expected: str) -> None:
    engine = db_module.make_engine(f"postgresql+psycopg://nobody@127.0.0.1:1/none{query}")
    seen: dict[str, Any] = {}

    @event.listens_for(engine, "do_connect")
    def capture(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
        seen.update(cparams)
        raise _Captured

    with pytest.raises(_Captured):
        engine.connect()
    engine.dispose()
    assert str(seen["connect_timeout"]) == expected


# --- (c) The same form sent twice at once -------------------------------------------------------


@pytest.fixture
def live_url(db_url: str) -> Iterator[str]:
    """Serve a migrated application on db_url from a threaded server; yield its base URL."""
    app = create_app(TestConfig, DATABASE_URL=db_url)
    with app.app_context():
        upgrade()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()
    with app.app_context():
        dispose_engines()


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together; return their results (or raise)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        barrier.wait(timeout=10)
        try:
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001  (re-raised in the main thread)
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    if errors:
        raise errors[0]
    return results


def twin(respondent: Respondent) -> Respondent:
    """Return a second client holding the same cookies (a second tab of the same browser)."""
    other = Respondent(respondent.base_urls)
    other.cookies = dict(respondent.cookies)
    return other


def test_same_step_sent_twice_at_once_stores_one_answer_set(live_url: str, reader: Flask) -> None:
    respondent = Respondent([live_url])
    send = respondent.request
    steps = section_ids()
    token = start_diagnostic(send)
    assert answer_step(send, token, steps[0]).status == 302
    for section_id in steps[1:3]:
        page = respondent.get(step_path(token, section_id))
        form = step_form_data(section_id, csrf=csrf_token(page.body))
        other = twin(respondent)
        path = step_path(token, section_id)
        first, second = at_once(
            lambda p=path, f=form: respondent.post(p, f),
            lambda p=path, f=form, o=other: o.post(p, f),
        )
        assert (first.status, second.status) == (302, 302)
    diagnostic = stored(reader, token)
    assert diagnostic.answers == answers_of(steps[:3])
    assert diagnostic.current_step == steps[3]


def test_finishing_twice_at_once_leaves_one_current_result(live_url: str, reader: Flask) -> None:
    respondent = Respondent([live_url])
    send = respondent.request
    steps = section_ids()
    token = start_diagnostic(send)
    for section_id in steps[:-1]:
        assert answer_step(send, token, section_id).status == 302
    last = step_path(token, steps[-1])
    page = respondent.get(last)
    form = step_form_data(steps[-1], nav="finish", csrf=csrf_token(page.body))
    other = twin(respondent)
    first, second = at_once(lambda: respondent.post(last, form), lambda: other.post(last, form))
    assert (first.status, second.status) == (302, 302)
    assert first.location == second.location == f"/resultat/{token}"
    diagnostic = stored(reader, token)
    assert diagnostic.status == "completed"
    assert diagnostic.answers == EXAMPLE_A
    assert len(current_results(reader, diagnostic.id)) == 1
    assert respondent.get(f"/resultat/{token}").status == 200


def test_two_steps_sent_at_once_from_two_tabs_both_keep_their_answers(
    live_url: str, reader: Flask
) -> None:
    """Two tabs of one diagnostic saving different steps at the same moment lose neither step.

    A lost update shows only when the two requests interleave, so the race is run a few times.
    """
    steps = section_ids()
    for _attempt in range(8):
        respondent = Respondent([live_url])
        token = start_diagnostic(respondent.request)
        assert answer_step(respondent.request, token, steps[0]).status == 302
        posts = []
        for section_id in steps[1:3]:
            page = respondent.get(step_path(token, section_id))
            posts.append(
                (
                    step_path(token, section_id),
                    step_form_data(section_id, csrf=csrf_token(page.body)),
                )
            )
        (first_path, first_form), (second_path, second_form) = posts
        other = twin(respondent)
        first, second = at_once(
            lambda r=respondent, p=first_path, f=first_form: r.post(p, f),
            lambda o=other, p=second_path, f=second_form: o.post(p, f),
        )
        assert (first.status, second.status) == (302, 302)
        assert stored(reader, token).answers == answers_of(steps[:3])
