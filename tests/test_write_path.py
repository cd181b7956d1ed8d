"""One write per step and one for finishing: what the database sees when a respondent posts.

Statements and commits are counted with SQLAlchemy's engine events, on a SQLite file and on
PostgreSQL, while the steps are posted through the test client (CSRF on).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import Engine

from app import create_app, partners, services
from app.core import report
from app.db import Base, dispose_engines, get_engine, get_session
from app.models import Diagnostic, Result, SharedResult
from config import TestConfig
from tests import pg
from tests.factories import EXAMPLE_A, EXAMPLE_B
from tests.test_survey import SECTIONS, csrf, form_data, post_step, start, step_url

db_url = pg.db_url
LAST = SECTIONS[-1]


@pytest.fixture
def db_app(db_url: str) -> Iterator[Flask]:
    """Yield an application on a fresh database: a SQLite file, then PostgreSQL."""
    app = create_app(TestConfig, DATABASE_URL=db_url)
    with app.app_context():
        Base.metadata.create_all(get_engine())
    yield app
    with app.app_context():
        dispose_engines()


class Log:
    """The statements and commits an engine runs while recording."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.commits = 0

    def on(self, table: str) -> list[str]:
        """Return the recorded statements that read or write a table (by its name)."""
        return [s for s in self.statements if f" {table} " in f" {s} ".replace("\n", " ")]


@contextmanager
def recording(app: Flask) -> Iterator[Log]:
    """Record the statements and commits of the application's engine inside the block."""
    with app.app_context():
        engine: Engine = get_engine()
    log = Log()

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        log.statements.append(sql)

    def commit(_conn: Any) -> None:
        log.commits += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


def post(client: FlaskClient, token: str, section_id: str, data: dict[str, Any], nav: str) -> Any:
    """Post a step with the CSRF token of its page (the page is opened before, not recorded)."""
    page = client.get(step_url(token, section_id))
    return client.post(
        step_url(token, section_id), data={**data, "nav": nav, "csrf_token": csrf(page.text)}
    )


def all_but_last(client: FlaskClient, token: str, answers: dict[str, Any]) -> None:
    """Answer every step but the last one, with next."""
    for section_id in SECTIONS[:-1]:
        response = post_step(client, token, section_id, form_data(section_id, answers), "next")
        assert response.status_code == 302


def stored(app: Flask, token: str) -> Diagnostic:
    """Return the stored diagnostic of a token, read in its own app context."""
    with app.app_context():
        diagnostic = services.find_by_token(get_session(), token)
        assert diagnostic is not None
        return diagnostic


def counts(app: Flask) -> tuple[int, int]:
    """Return the number of results and of shared rows stored."""
    with app.app_context():
        session = get_session()
        return (
            session.scalar(select(func.count()).select_from(Result)) or 0,
            session.scalar(select(func.count()).select_from(SharedResult)) or 0,
        )


def test_saving_a_step_is_one_transaction_reading_the_diagnostic_once(db_app: Flask) -> None:
    client = db_app.test_client()
    token = start(client)
    page = client.get(step_url(token, SECTIONS[0]))
    data = {**form_data(SECTIONS[0], EXAMPLE_A), "nav": "next", "csrf_token": csrf(page.text)}
    with recording(db_app) as log:
        response = client.post(step_url(token, SECTIONS[0]), data=data)
    assert response.status_code == 302
    assert log.commits == 1
    # One statement reads the diagnostic, one writes it if it is still the version read.
    reads, writes = log.on("diagnostic")
    assert reads.lstrip().startswith("SELECT"), reads
    assert writes.lstrip().startswith("UPDATE diagnostic"), writes
    assert "diagnostic.updated_at = " in writes, writes
    assert len(log.statements) == 2, log.statements
    assert stored(db_app, token).answers["collectivity_type"] == EXAMPLE_A["collectivity_type"]


def test_finishing_saves_the_last_step_and_scores_in_one_commit(db_app: Flask) -> None:
    client = db_app.test_client()
    token = start(client)
    all_but_last(client, token, EXAMPLE_A)
    page = client.get(step_url(token, LAST))
    data = {
        **form_data(LAST, EXAMPLE_A),
        "share_anonymised": "y",
        "nav": "finish",
        "csrf_token": csrf(page.text),
    }
    with recording(db_app) as log:
        response = client.post(step_url(token, LAST), data=data)
    assert response.headers["Location"] == f"/resultat/{token}"
    assert log.commits == 1
    diagnostic_statements = log.on("diagnostic")
    # Read once, written once (the last step's answers with the completion).
    assert len(diagnostic_statements) == 2, diagnostic_statements
    assert diagnostic_statements[0].lstrip().startswith("SELECT")
    assert diagnostic_statements[1].lstrip().startswith("UPDATE diagnostic")
    diagnostic = stored(db_app, token)
    assert diagnostic.status == "completed"
    assert diagnostic.answers["goals"] == EXAMPLE_A["goals"]
    assert counts(db_app) == (1, 1)


def test_a_scoring_failure_while_finishing_stores_nothing_of_the_last_step(
    db_app: Flask,
) -> None:
    db_app.config["PROPAGATE_EXCEPTIONS"] = False  # the error page, as in production
    client = db_app.test_client()
    token = start(client)
    all_but_last(client, token, EXAMPLE_A)
    before = stored(db_app, token)
    assert "goals" not in before.answers
    last_step = {**form_data(LAST, EXAMPLE_A), "share_anonymised": "y"}
    with mock.patch.object(report, "build_all", side_effect=RuntimeError("scoring failed")):
        response = post(client, token, LAST, last_step, "finish")
    assert response.status_code == 500
    after = stored(db_app, token)
    assert after.answers == before.answers
    assert (after.status, after.current_step, after.share_anonymised) == (
        "in_progress",
        before.current_step,
        False,
    )
    assert after.updated_at == before.updated_at
    assert counts(db_app) == (0, 0)
    # The database is not left locked: the same step finishes at once.
    response = post(client, token, LAST, last_step, "finish")
    assert response.headers["Location"] == f"/resultat/{token}"
    assert counts(db_app) == (1, 1)


def test_a_missing_answer_elsewhere_keeps_the_last_step_saved(db_app: Flask) -> None:
    client = db_app.test_client()
    token = start(client)
    post_step(client, token, SECTIONS[0], form_data(SECTIONS[0], EXAMPLE_A), "next")
    with recording(db_app) as log:
        response = post(client, token, LAST, form_data(LAST, EXAMPLE_A), "finish")
    assert response.headers["Location"] == step_url(token, SECTIONS[1])
    assert log.commits == 1
    diagnostic = stored(db_app, token)
    assert diagnostic.answers["goals"] == EXAMPLE_A["goals"]
    assert diagnostic.status == "in_progress"
    assert counts(db_app) == (0, 0)


def test_finishing_again_with_other_answers_replaces_the_shared_row(db_app: Flask) -> None:
    client = db_app.test_client()
    token = start(client)
    all_but_last(client, token, EXAMPLE_A)
    post(client, token, LAST, {**form_data(LAST, EXAMPLE_A), "share_anonymised": "y"}, "finish")
    first = stored(db_app, token)
    changed = {**form_data(LAST, EXAMPLE_B), "share_anonymised": "y"}
    with recording(db_app) as log:
        response = post(client, token, LAST, changed, "finish")
    assert response.headers["Location"] == f"/resultat/{token}"
    assert log.commits == 1
    with db_app.app_context():
        session = get_session()
        results = session.scalars(select(Result).order_by(Result.id)).all()
        shared = session.scalars(select(SharedResult)).all()
        assert [r.is_current for r in results] == [False, True]
        assert [s.result_id for s in shared] == [results[-1].id]
    assert stored(db_app, token).answers["goals"] == EXAMPLE_B["goals"]
    assert first.completed_at is not None


def test_a_change_made_between_reading_and_writing_is_merged_not_overwritten(
    db_app: Flask,
) -> None:
    """Another tab saves a step after this request read the diagnostic and before it writes:
    the write notices (the row is no longer the version read), reads it again under its lock
    and merges into it."""
    client = db_app.test_client()
    token = start(client)
    with db_app.app_context():
        session = get_session()
        diagnostic = services.find_by_token(session, token)
        assert diagnostic is not None
        session.commit()  # the request's read, its transaction ended (as on SQLite)
        with db_app.extensions["db_sessionmaker"]() as other_tab:
            same = services.find_by_token(other_tab, token)
            assert same is not None
            services.save_answers(other_tab, same, {"budget_trend": "stable"}, "partners")
        services.save_answers(session, diagnostic, {"roi_demand": "strong"}, "budget")
    answers = stored(db_app, token).answers
    assert answers == {"budget_trend": "stable", "roi_demand": "strong"}


def test_finishing_merges_a_step_saved_meanwhile_into_what_it_scores(db_app: Flask) -> None:
    client = db_app.test_client()
    token = start(client)
    all_but_last(client, token, EXAMPLE_A)
    with db_app.app_context():
        session = get_session()
        diagnostic = services.find_by_token(session, token)
        assert diagnostic is not None
        session.commit()
        with db_app.extensions["db_sessionmaker"]() as other_tab:
            same = services.find_by_token(other_tab, token)
            assert same is not None
            services.save_answers(other_tab, same, {"roi_demand": "strong"}, LAST)
        last = {qid: EXAMPLE_A[qid] for qid in form_data(LAST, EXAMPLE_A)}
        result = services.finish(session, diagnostic, last, LAST, share_anonymised=True)
        assert (
            result.payload["fr"]
            == report.build_all(
                services.questionnaire_of(diagnostic), {**EXAMPLE_A, "roi_demand": "strong"}
            )["fr"].to_payload()
        )
    assert stored(db_app, token).answers == {**EXAMPLE_A, "roi_demand": "strong"}
    assert counts(db_app) == (1, 1)


def test_scoring_runs_without_holding_the_sqlite_write_lock(tmp_path: Any) -> None:
    """SQLite's write lock is database-wide: while one respondent's result is computed, the
    others can still save their steps (another connection writes without waiting)."""
    app = create_app(TestConfig, DATABASE_URL=f"sqlite:///{tmp_path / 'lock.sqlite3'}")
    with app.app_context():
        Base.metadata.create_all(get_engine())
    client = app.test_client()
    token = start(client)
    all_but_last(client, token, EXAMPLE_A)
    other = create_engine(f"sqlite:///{tmp_path / 'lock.sqlite3'}", connect_args={"timeout": 0})
    written: list[int] = []
    build_all = report.build_all

    def score_while_another_writes(*args: Any, **kwargs: Any) -> Any:
        with other.begin() as connection:  # "database is locked" at once if the lock is held
            written.append(connection.execute(text("UPDATE diagnostic SET lang = lang")).rowcount)
        return build_all(*args, **kwargs)

    try:
        with mock.patch.object(report, "build_all", side_effect=score_while_another_writes):
            response = post(client, token, LAST, form_data(LAST, EXAMPLE_A), "finish")
    finally:
        other.dispose()
        with app.app_context():
            dispose_engines()
    assert response.headers["Location"] == f"/resultat/{token}"
    assert written[0] == 1


def test_finishing_classifies_the_partner_codes_once(app: Flask, client: FlaskClient) -> None:
    token = start(client)
    all_but_last(client, token, EXAMPLE_A)
    # Patched where it is defined, which is where every caller finds it.
    home = sys.modules[partners.classify.__module__]
    with mock.patch.object(home, "classify", wraps=partners.classify) as classify:
        response = post(client, token, LAST, form_data(LAST, EXAMPLE_A), "finish")
    assert response.headers["Location"] == f"/resultat/{token}"
    assert classify.call_count == 1


# --- The bulk path ------------------------------------------------------------------------------


def _row(obj: Any, skip: set[str]) -> dict[str, Any]:
    """Return a model instance's columns, but those in skip."""
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns if c.key not in skip}


def test_the_bulk_path_stores_what_a_completion_stores(db_app: Flask) -> None:
    """``complete_many`` writes the same diagnostic, result, recommendation and shared rows as
    ``complete`` for the same answers (ids, private link and dates aside)."""
    from tests.factories import completed_diagnostic

    when = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    with db_app.app_context():
        session = get_session()
        real, _token = completed_diagnostic(session, EXAMPLE_B, share=True)
        questionnaire = services.questionnaire_of(real)
        scored = services.score_answers(questionnaire, EXAMPLE_B)
        bulk = [
            services.Completion(scored, "fr", when, when, share_anonymised=True),
            services.Completion(scored, "fr", when, when, share_anonymised=False),
        ]
        assert services.complete_many(session, bulk, batch=1) == 2
        session.expire_all()
        diagnostics = session.scalars(select(Diagnostic).order_by(Diagnostic.id)).all()
        results = session.scalars(select(Result).order_by(Result.id)).all()
        shared = session.scalars(select(SharedResult).order_by(SharedResult.diagnostic_id)).all()
        dates = {"created_at", "updated_at", "completed_at"}
        # (The factory leaves the real one on its first step; a respondent finishes on the last.)
        skip = {"id", "token_hash", "share_anonymised", "current_step", *dates}
        assert _row(diagnostics[1], skip) == _row(diagnostics[0], skip)
        assert diagnostics[1].current_step == questionnaire.sections[-1].id
        assert diagnostics[1].answers == real.answers
        assert len({d.token_hash for d in diagnostics}) == 3
        assert all(len(d.token_hash) == 64 for d in diagnostics)
        assert [d.share_anonymised for d in diagnostics] == [True, True, False]
        completed_at = diagnostics[1].completed_at
        assert completed_at is not None
        assert completed_at.replace(tzinfo=completed_at.tzinfo or UTC) == when  # naive on SQLite
        skip = {"id", "diagnostic_id", "created_at", "month"}
        assert _row(results[1], skip) == _row(results[0], skip)
        assert results[1].month == "2026-03"
        assert [
            {(r.recommendation_id, r.priority) for r in result.recommendations}
            for result in results
        ] == [{(r.recommendation_id, r.priority) for r in results[0].recommendations}] * 3
        assert [s.diagnostic_id for s in shared] == [diagnostics[0].id, diagnostics[1].id]
        skip = {"diagnostic_id", "result_id", "month"}
        assert _row(shared[1], skip) == _row(shared[0], skip)
        assert shared[1].result_id == results[1].id
        # The application's own inserts go on after the bulk ids.
        _diagnostic, _token = services.start(session, "fr")
        assert _diagnostic.id == diagnostics[-1].id + 1
