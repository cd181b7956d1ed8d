"""``shared_result``, ARRICOD's read model, follows consent, completion and deletion.

Each test runs on a migrated SQLite file and on PostgreSQL (``TEST_POSTGRES_URL``; skipped with
the reason when unset, failing with ``REQUIRE_POSTGRES=1``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import func, select

from app import create_app, services
from app.admin import queries
from app.cli import alembic_config, upgrade
from app.db import dispose_engines, get_engine, get_session
from app.models import Diagnostic, Result, SharedResult
from app.stats import snapshot
from config import TestConfig
from tests import pg
from tests.factories import EXAMPLE_A, EXAMPLE_B, completed_diagnostic
from tests.test_admin_support import variant

db_url = pg.db_url


@pytest.fixture
def db_app(db_url: str) -> Iterator[Flask]:
    """Yield an application on a fresh database migrated by Alembic: SQLite, then PostgreSQL."""
    app = create_app(TestConfig, DATABASE_URL=db_url)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        dispose_engines()


def shared_rows() -> dict[int, SharedResult]:
    """Return the rows of shared_result by diagnostic id, read afresh."""
    session = get_session()
    session.expire_all()
    return {row.diagnostic_id: row for row in session.scalars(select(SharedResult))}


def current(diagnostic_id: int) -> Result:
    """Return a diagnostic's current result."""
    result = get_session().scalar(
        select(Result).where(Result.diagnostic_id == diagnostic_id, Result.is_current.is_(True))
    )
    assert result is not None
    return result


def assert_mirrors(row: SharedResult, diagnostic: Diagnostic, result: Result) -> None:
    """Check that a shared row copies the diagnostic's profile and its current result."""
    assert row.result_id == result.id
    assert (row.collectivity_type, row.population, row.region) == (
        diagnostic.collectivity_type,
        diagnostic.population,
        diagnostic.region,
    )
    for column in services.SHARED_RESULT_COLUMNS:
        assert getattr(row, column) == getattr(result, column), column
    expected = sorted(r["id"] for r in result.payload["fr"]["recommendations"])
    assert row.recommendations.split(",") == expected


def test_ticking_on_completion_adds_one_row(db_app: Flask) -> None:
    with db_app.app_context():
        diagnostic, _token = completed_diagnostic(get_session(), EXAMPLE_A, share=True)
        rows = shared_rows()
        assert list(rows) == [diagnostic.id]
        assert_mirrors(rows[diagnostic.id], diagnostic, current(diagnostic.id))


def test_unshared_diagnostics_never_appear(db_app: Flask) -> None:
    with db_app.app_context():
        session = get_session()
        completed_diagnostic(session, EXAMPLE_A, share=False)
        # Ticked but never finished: not completed, so not shared either.
        started, _token = services.start(session, "fr")
        services.save_answers(
            session, started, dict(EXAMPLE_B), started.current_step, share_anonymised=True
        )
        assert shared_rows() == {}
        assert snapshot.records(session)[0] == []
        assert list(queries.export_rows(session)) == []


def test_unticking_after_completion_removes_the_row_and_ticking_again_restores_it(
    db_app: Flask,
) -> None:
    with db_app.app_context():
        session = get_session()
        diagnostic, _token = completed_diagnostic(session, EXAMPLE_A, share=True)
        other, _token = completed_diagnostic(session, EXAMPLE_B, share=True)
        step = diagnostic.current_step
        services.save_answers(session, diagnostic, {}, step, share_anonymised=False)
        assert list(shared_rows()) == [other.id]
        services.save_answers(session, diagnostic, {}, step, share_anonymised=True)
        rows = shared_rows()
        assert sorted(rows) == sorted([diagnostic.id, other.id])
        assert_mirrors(rows[diagnostic.id], diagnostic, current(diagnostic.id))
        services.set_sharing(session, other, False)
        assert list(shared_rows()) == [diagnostic.id]


def test_finishing_unticked_removes_the_row(db_app: Flask) -> None:
    with db_app.app_context():
        session = get_session()
        diagnostic, _token = completed_diagnostic(session, EXAMPLE_A, share=True)
        services.complete(session, diagnostic, share_anonymised=False)
        assert shared_rows() == {}


def test_modifying_answers_and_finishing_again_keeps_one_row_for_the_new_result(
    db_app: Flask,
) -> None:
    with db_app.app_context():
        session = get_session()
        diagnostic, _token = completed_diagnostic(session, EXAMPLE_A, share=True)
        first = current(diagnostic.id).id
        changed = variant(EXAMPLE_B, collectivity_type="departement", population="500k_1m")
        services.save_answers(session, diagnostic, changed, diagnostic.current_step)
        # Answers changed but not finished: the row still holds the current (first) result.
        assert shared_rows()[diagnostic.id].result_id == first
        services.complete(session, diagnostic, share_anonymised=True)
        rows = shared_rows()
        assert list(rows) == [diagnostic.id]
        newest = current(diagnostic.id)
        assert newest.id != first
        assert rows[diagnostic.id].collectivity_type == "departement"
        assert_mirrors(rows[diagnostic.id], diagnostic, newest)
        assert len(snapshot.records(session)[0]) == 1


def test_deleting_the_diagnostic_deletes_its_row(db_app: Flask) -> None:
    with db_app.app_context():
        session = get_session()
        diagnostic, _token = completed_diagnostic(session, EXAMPLE_A, share=True)
        kept, _token = completed_diagnostic(session, EXAMPLE_B, share=True)
        services.delete(session, diagnostic)
        assert list(shared_rows()) == [kept.id]
        # The foreign keys cascade too, whoever deletes the rows.
        session.delete(session.get(Diagnostic, kept.id))
        session.commit()
        assert shared_rows() == {}
        assert session.scalar(select(func.count()).select_from(Result)) == 0


def _snapshot() -> list[tuple[Any, ...]]:
    """Return the rows of shared_result as sorted tuples of their values."""
    table = SharedResult.__table__
    with get_engine().connect() as connection:
        return sorted(tuple(row) for row in connection.execute(select(table)))


def test_migration_backfills_what_the_services_wrote(db_app: Flask) -> None:
    with db_app.app_context():
        session = get_session()
        shared, _token = completed_diagnostic(session, EXAMPLE_A, share=True)
        services.complete(session, shared, share_anonymised=True)  # a second, current result
        completed_diagnostic(session, EXAMPLE_B, share=True)
        completed_diagnostic(session, EXAMPLE_B, share=False)
        unfinished, _token = services.start(session, "en")
        services.save_answers(
            session, unfinished, {}, unfinished.current_step, share_anonymised=True
        )
        session.close()
        written = _snapshot()
        assert len(written) == 2
        cfg = alembic_config()
        with get_engine().begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "0001")
        upgrade()
        assert _snapshot() == written
