"""Retention: ``flask purge`` deletes unfinished diagnostics untouched for PURGE_AFTER_DAYS days,
on a SQLite file and on PostgreSQL (the date comparison runs in SQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from app import create_app, purge, services
from app.cli import upgrade
from app.db import dispose_engines, get_session
from app.models import Diagnostic, Result, ResultRecommendation, utcnow
from config import TestConfig
from tests import pg
from tests.factories import EXAMPLE_A, completed_diagnostic

db_url = pg.db_url


@pytest.fixture
def app(db_url: str) -> Iterator[Flask]:
    """Yield a migrated application on db_url whose retention period is 30 days."""
    application = create_app(TestConfig, DATABASE_URL=db_url, PURGE_AFTER_DAYS=30)
    if "purge" not in application.cli.commands:
        purge.init_app(application)
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        dispose_engines()


def age(token: str, days: float) -> None:
    """Set a diagnostic's last change to days ago (bypassing the ORM's onupdate)."""
    when = utcnow() - timedelta(days=days)
    session = get_session()
    session.execute(
        update(Diagnostic)
        .where(Diagnostic.token_hash == services.hash_token(token))
        .values(updated_at=when)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def remaining(session_tokens: dict[str, str]) -> set[str]:
    """Return the names of the diagnostics still in the database."""
    session = get_session()
    session.expire_all()
    return {
        name
        for name, token in session_tokens.items()
        if services.find_by_token(session, token) is not None
    }


@pytest.fixture
def diagnostics(app: Flask) -> dict[str, str]:
    """Store diagnostics of various ages and states; return their tokens by name."""
    with app.app_context():
        session = get_session()
        tokens = {
            "old_unfinished": services.start(session, "fr")[1],
            "recent_unfinished": services.start(session, "fr")[1],
            "borderline_unfinished": services.start(session, "fr")[1],
            "old_completed": completed_diagnostic(session, EXAMPLE_A)[1],
        }
        reopened, reopened_token = completed_diagnostic(session, EXAMPLE_A)
        reopened.status = "in_progress"  # completed once, then reopened and abandoned
        session.commit()
        tokens["old_reopened"] = reopened_token
        age(tokens["old_unfinished"], 200)
        age(tokens["recent_unfinished"], 10)
        age(tokens["borderline_unfinished"], 29.9)
        age(tokens["old_completed"], 400)
        age(tokens["old_reopened"], 31)
        session.close()
    return tokens


def test_purge_deletes_only_old_unfinished_diagnostics(
    app: Flask, diagnostics: dict[str, str]
) -> None:
    with app.app_context():
        assert purge.purge(get_session(), 30) == 2
        assert remaining(diagnostics) == {
            "recent_unfinished",
            "borderline_unfinished",
            "old_completed",
        }
        session = get_session()
        # The reopened diagnostic's result went with it; the completed one's is kept.
        assert session.scalar(select(func.count()).select_from(Result)) == 1
        kept_recs = session.scalar(select(func.count()).select_from(ResultRecommendation))
        assert kept_recs == len(
            session.scalars(select(Result)).one().payload["fr"]["recommendations"]
        )
        assert purge.purge(session, 30) == 0


def test_cli_purge_uses_the_configured_period_and_prints_the_count(
    app: Flask, diagnostics: dict[str, str]
) -> None:
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2 diagnostic(s)")
    assert "30 jours" in result.output
    with app.app_context():
        assert "old_unfinished" not in remaining(diagnostics)


def test_cli_purge_days_option(app: Flask, diagnostics: dict[str, str]) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["purge", "--days", "5"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("4 diagnostic(s)")
    with app.app_context():
        assert remaining(diagnostics) == {"old_completed"}
    refused = runner.invoke(args=["purge", "--days", "-1"])
    assert refused.exit_code != 0


def test_create_app_registers_flask_purge() -> None:
    assert "purge" in create_app(TestConfig).cli.commands
