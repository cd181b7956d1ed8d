"""PostgreSQL: the migrations, the respondent's journey, the JSON and boolean columns, and the
ARRICOD aggregates, on a real server (``TEST_POSTGRES_URL``), each test on a database of its own.

Queries whose SQL differs between dialects run on a SQLite file and on PostgreSQL alike
(the ``db_url`` fixture).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import create_engine, func, inspect, make_url, select, text
from werkzeug.datastructures import MultiDict

from app import create_app, services
from app.admin import anonymise, queries
from app.cli import alembic_config, upgrade
from app.db import Base, dispose_engines, get_engine, get_session
from app.models import Diagnostic, Result, ResultRecommendation
from app.stats import release, snapshot
from config import TestConfig
from tests import pg
from tests.factories import EXAMPLE_A, EXAMPLE_B, completed_diagnostic
from tests.pg import (
    answer_step,
    client_sender,
    csrf_token,
    section_ids,
    start_diagnostic,
    step_path,
)
from tests.test_admin_support import EMAIL, PASSWORD, create_admin, post_login, wire

# Fixtures of tests/pg.py used here.
pg_url = pg.pg_url
db_url = pg.db_url

TABLES = {
    "diagnostic",
    "diagnostic_link",
    "plan_action",
    "perspective",
    "result",
    "result_recommendation",
    "shared_result",
    "admin",
    "stats_snapshot",
    "stats_cell",
}


@contextmanager
def migrated_app(url: str) -> Iterator[Flask]:
    """Yield an application on url, its schema created by the Alembic migrations."""
    app = create_app(TestConfig, DATABASE_URL=url)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        dispose_engines()


@pytest.fixture
def pg_app(pg_url: str) -> Iterator[Flask]:
    """Yield an application on a fresh, migrated PostgreSQL database."""
    with migrated_app(pg_url) as app:
        yield app


@pytest.fixture
def db_app(db_url: str) -> Iterator[Flask]:
    """Yield an application on a fresh, migrated database: a SQLite file, then PostgreSQL."""
    with migrated_app(db_url) as app:
        yield app


def _sender(app: Flask) -> Any:
    """Return a ``send(method, path, data)`` over a test client of app (tests.pg.answer_step)."""
    base_send = client_sender(app.test_client())

    def send(method: str, path: str, data: list[tuple[str, str]] | None = None) -> Any:
        return base_send(method, path, MultiDict(data) if data is not None else None)

    return send


# --- Migrations ---------------------------------------------------------------------------------


@pytest.mark.postgres
def test_upgrade_head_on_empty_postgres_equals_models(pg_app: Flask) -> None:
    with pg_app.app_context(), get_engine().connect() as connection:
        assert connection.dialect.name == "postgresql"
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        assert set(inspect(connection).get_table_names()) == TABLES | {"alembic_version"}


@pytest.mark.postgres
def test_downgrade_to_base_and_upgrade_again_on_postgres(pg_app: Flask) -> None:
    from alembic import command

    with pg_app.app_context():
        cfg = alembic_config()
        with get_engine().begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "base")
        with get_engine().connect() as connection:
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
        upgrade()
        with get_engine().connect() as connection:
            assert set(inspect(connection).get_table_names()) >= TABLES


# --- The respondent's journey -------------------------------------------------------------------


@pytest.mark.postgres
def test_whole_journey_on_postgres(pg_app: Flask) -> None:
    send = _sender(pg_app)
    token = start_diagnostic(send)
    steps = section_ids()
    with pg_app.app_context():
        diagnostic = services.find_by_token(get_session(), token)
        assert diagnostic is not None
        assert diagnostic.current_step == steps[0]

    for index, section_id in enumerate(steps):
        last = index == len(steps) - 1
        sent = answer_step(send, token, section_id, EXAMPLE_A, nav="finish" if last else "next")
        assert sent.status in (302, 303), (section_id, sent.status, sent.body[:500])
        if last:
            assert sent.location == f"/resultat/{token}"
        else:
            assert sent.location == step_path(token, steps[index + 1])

    result_page = send("GET", f"/resultat/{token}")
    assert result_page.status == 200
    assert 'data-recommendation-id="' in result_page.body

    with pg_app.app_context():
        session = get_session()
        diagnostic = services.find_by_token(session, token)
        assert diagnostic is not None
        assert diagnostic.status == "completed"
        assert diagnostic.share_anonymised is True
        assert diagnostic.answers == EXAMPLE_A
        current = session.scalars(
            select(Result).where(Result.diagnostic_id == diagnostic.id, Result.is_current)
        ).all()
        assert len(current) == 1

    # The resume link of a completed diagnostic leads to its result.
    resumed = send("GET", f"/diagnostic/{token}")
    assert resumed.location == f"/resultat/{token}"

    # Deletion removes the diagnostic and every row attached to it.
    confirm = send("GET", f"/resultat/{token}/supprimer")
    assert confirm.status == 200
    deleted = send(
        "POST", f"/resultat/{token}/supprimer", [("csrf_token", csrf_token(confirm.body))]
    )
    assert deleted.status in (302, 303)
    with pg_app.app_context():
        session = get_session()
        assert session.scalar(select(func.count()).select_from(Diagnostic)) == 0
        assert session.scalar(select(func.count()).select_from(Result)) == 0
        assert session.scalar(select(func.count()).select_from(ResultRecommendation)) == 0
    assert send("GET", f"/resultat/{token}").status == 404


@pytest.mark.postgres
def test_steps_work_after_the_server_drops_every_connection(pg_app: Flask, pg_url: str) -> None:
    """A database restart (here: every connection of the database terminated) costs no error.

    The application's one pool pings its connections before use (``pool_pre_ping``) and
    replaces the dead ones.
    """
    send = _sender(pg_app)
    token = start_diagnostic(send)
    steps = section_ids()
    sent = answer_step(send, token, steps[0], EXAMPLE_A)
    assert sent.location == step_path(token, steps[1])
    assert send("GET", step_path(token, steps[1])).status == 200  # the pool holds a connection

    server = create_engine(make_url(pg_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            dropped = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": make_url(pg_url).database},
            ).scalar_one()
    finally:
        server.dispose()
    assert dropped >= 1

    page = send("GET", step_path(token, steps[1]))
    assert page.status == 200
    assert "Étape 2 sur" in page.body
    sent = answer_step(send, token, steps[1], EXAMPLE_A)
    assert sent.location == step_path(token, steps[2])
    with pg_app.app_context():
        diagnostic = services.find_by_token(get_session(), token)
        assert diagnostic is not None
        assert diagnostic.current_step == steps[2]


# --- Columns whose behaviour differs between dialects -------------------------------------------


def test_json_answers_round_trip(db_app: Flask) -> None:
    answers: dict[str, Any] = {
        **EXAMPLE_B,
        "partner_countries": ["CA", "DE", "JP"],
        "cross_service": 4,
        "note": "coopération « décentralisée » — 東京 ✓",
        "nested": {"a": [1, 2.5, None, True], "b": {}},
    }
    with db_app.app_context():
        session = get_session()
        diagnostic, token = services.start(session, "fr")
        services.save_answers(session, diagnostic, answers, "goals")
        session.close()
        stored = services.find_by_token(get_session(), token)
        assert stored is not None
        assert stored.answers == answers
        assert isinstance(stored.answers["cross_service"], int)
        # Reassigning the dict is what persists a change (no in-place mutation tracking).
        services.save_answers(get_session(), stored, {"cross_service": 1}, "goals", ["note"])
        get_session().close()
        again = services.find_by_token(get_session(), token)
        assert again is not None
        assert again.answers["cross_service"] == 1
        assert "note" not in again.answers
        assert again.answers["nested"] == answers["nested"]


def test_boolean_filters_and_current_result(db_app: Flask) -> None:
    with db_app.app_context():
        session = get_session()
        shared, _ = completed_diagnostic(session, EXAMPLE_A, share=True)
        completed_diagnostic(session, EXAMPLE_B, share=False)
        services.start(session, "fr")
        # Completing again keeps the older result but marks only the newest as current.
        services.complete(session, shared, share_anonymised=True)
        session.close()

        def count(*where: Any) -> int:
            query = select(func.count()).select_from(Diagnostic).where(*where)
            return int(get_session().scalar(query) or 0)

        assert count(Diagnostic.share_anonymised.is_(True)) == 1
        assert count(Diagnostic.share_anonymised.is_(False)) == 2
        assert count(Diagnostic.share_anonymised, Diagnostic.status == "completed") == 1
        assert count(~Diagnostic.share_anonymised) == 2

        results = (
            get_session()
            .scalars(select(Result).where(Result.diagnostic_id == shared.id).order_by(Result.id))
            .all()
        )
        assert [r.is_current for r in results] == [False, True]
        current = services.current_result(get_session(), shared)
        assert current is not None
        assert current.id == results[-1].id
        assert current.payload["fr"]["scores"] == results[0].payload["fr"]["scores"]
        # The current results of shared, completed diagnostics: one row per diagnostic.
        joined = (
            get_session()
            .scalars(
                select(Result.diagnostic_id)
                .join(Diagnostic)
                .where(Result.is_current.is_(True), Diagnostic.share_anonymised.is_(True))
            )
            .all()
        )
        assert joined == [shared.id]


def test_timestamps_come_back_in_utc(db_app: Flask) -> None:
    with db_app.app_context():
        session = get_session()
        diagnostic, token = services.start(session, "fr")
        created = diagnostic.created_at
        session.close()
        stored = services.find_by_token(get_session(), token)
        assert stored is not None
        back = stored.created_at
        # PostgreSQL returns aware datetimes, SQLite naive ones; both hold the same UTC instant.
        naive = back.replace(tzinfo=None) if back.tzinfo is None else None
        if naive is None:
            assert back == created
        else:
            assert naive == created.replace(tzinfo=None)


# --- ARRICOD's aggregates -----------------------------------------------------------------------


def test_dashboard_and_export_queries(db_app: Flask) -> None:
    with db_app.app_context():
        session = get_session()
        a_ids = [completed_diagnostic(session, EXAMPLE_A)[0].id for _ in range(5)]
        b_ids = [completed_diagnostic(session, EXAMPLE_B)[0].id for _ in range(3)]
        completed_diagnostic(session, EXAMPLE_B, share=False)  # not shared: counted nowhere
        services.start(session, "fr")  # unfinished: counted nowhere
        again = session.get(Diagnostic, a_ids[0])
        assert again is not None
        services.complete(session, again, share_anonymised=True)  # counted once, by its newest
        session.close()

        session = get_session()
        current = {
            r.diagnostic_id: r
            for r in session.scalars(select(Result).where(Result.is_current.is_(True)))
        }
        shared_results = [current[i] for i in a_ids + b_ids]
        expected_recs: dict[str, int] = {}
        for result in shared_results:
            for rec in result.payload["fr"]["recommendations"]:
                expected_recs[rec["id"]] = expected_recs.get(rec["id"], 0) + 1

        shared, _digest = snapshot.records(session)
        assert len(shared) == 8
        assert Counter(r.collectivity_type for r in shared) == {"commune": 5, "region": 3}
        newest = current[a_ids[0]]
        mine = next(r for r in shared if r.collectivity_type == "commune")
        assert mine.scores[1] == pytest.approx(newest.score_economic_cooperation)
        assert sum(len(r.recommendations) for r in shared) == sum(expected_recs.values())
        published = snapshot.publish(session, datetime.now(UTC), 2.0, 5)
        assert published.releasable
        found = snapshot.read(session, published)
        assert found.cell("collectivity_type", "commune") is not None  # JSON round trip
        assert len(found.histogram("economic_cooperation")) == release.HISTOGRAM_BINS

        month = shared_results[0].month
        assert queries.qi_histogram(session) == {
            ("commune", "100k_500k", "84"): 5,
            ("region", "gt_1m", "28"): 3,
        }

        rows = list(queries.export_rows(session, batch=2))
        assert len(rows) == 8
        by_type_rows = sorted(rows, key=lambda r: r[0])
        for row in by_type_rows:
            assert row[3] == month
            expected = {
                rec["id"]
                for rec in current[a_ids[0] if row[0] == "commune" else b_ids[0]].payload["fr"][
                    "recommendations"
                ]
            }
            assert set(str(row[-1]).split("|")) == expected


@pytest.mark.postgres
def test_dashboard_and_exports_over_http_on_postgres(pg_app: Flask) -> None:
    app = wire(pg_app)
    demo = app.test_cli_runner().invoke(args=["demo-data", "--count", "60", "--seed", "3"])
    assert demo.exit_code == 0, demo.output
    with app.app_context():
        for _ in range(5):
            completed_diagnostic(get_session(), EXAMPLE_A)
        completed_diagnostic(get_session(), EXAMPLE_B, share=False)
        get_session().close()
    create_admin(app, EMAIL, PASSWORD)
    client = app.test_client()
    assert post_login(client).status_code == 302

    dashboard = client.get("/admin/")
    assert dashboard.status_code == 200
    assert client.get("/admin/?selection=collectivity_type:commune").status_code == 200
    with app.app_context():
        assert snapshot.latest(get_session()) is not None  # published on the first view

    exported = client.get("/admin/export.csv")
    assert exported.status_code == 200
    text = exported.get_data(as_text=True).lstrip("\ufeff")
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;")
    rows = list(csv.DictReader(io.StringIO(text), dialect=dialect))
    assert 0 < len(rows) <= 65  # the unshared diagnostic is never exported
    k = int(app.config["MIN_CELL_SIZE"])
    combos = Counter((r["collectivity_type"], r["population"], r["region"]) for r in rows)
    assert min(combos.values()) >= k, combos
    every_qi = Counter(tuple(r[c] for c in anonymise.QUASI_IDENTIFIERS) for r in rows)
    assert min(every_qi.values()) >= k, every_qi
    assert "month" not in rows[0]

    as_json = client.get("/admin/export.json")
    assert as_json.status_code == 200
    assert json.loads(as_json.get_data(as_text=True))


def test_demo_data_then_aggregates(db_app: Flask) -> None:
    from app.admin import cli as admin_cli

    if "demo-data" not in db_app.cli.commands:
        admin_cli.init_app(db_app)
    done = db_app.test_cli_runner().invoke(args=["demo-data", "--count", "50", "--seed", "7"])
    assert done.exit_code == 0, done.output
    with db_app.app_context():
        session = get_session()
        assert session.scalar(select(func.count()).select_from(Diagnostic)) == 50
        current = select(func.count()).select_from(Result).where(Result.is_current.is_(True))
        assert session.scalar(current) == 50
        rows, _digest = snapshot.records(session)
        assert len(rows) == 50
        assert sum(len(r.recommendations) for r in rows) == session.scalar(
            select(func.count()).select_from(ResultRecommendation)
        )
        assert len(list(queries.export_rows(session))) == 50
        sample = session.scalars(select(Diagnostic).limit(1)).one()
        assert isinstance(sample.answers, dict)
        assert sample.answers
