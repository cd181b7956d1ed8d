"""Alembic: upgrading an empty database to head yields exactly the models' schema, and every
revision upgrades and downgrades cleanly on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from app import create_app
from app.cli import alembic_config, downgrade, upgrade
from app.db import Base, dispose_engines, get_engine
from config import TestConfig
from tests import pg


def test_upgrade_head_on_empty_database_equals_models(tmp_path: Path) -> None:
    app = create_app(TestConfig, DATABASE_URL=f"sqlite:///{tmp_path / 'm.sqlite3'}")
    with app.app_context():
        upgrade()
        with get_engine().connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            assert compare_metadata(context, Base.metadata) == []
        dispose_engines()


def test_cli_upgrade_creates_the_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    app = create_app(TestConfig, DATABASE_URL=url)
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    tables = set(inspect(create_engine(url)).get_table_names())
    assert {"diagnostic", "result", "result_recommendation", "admin", "alembic_version"} <= tables


# ---- Every revision, up and down, on SQLite and PostgreSQL ----

db_url = pg.db_url


def schema_snapshot() -> dict[str, object]:
    """Return the database's tables with their columns, keys, indexes and constraints."""
    inspector = inspect(get_engine())
    snapshot: dict[str, object] = {}
    for table in sorted(inspector.get_table_names()):
        if table == "alembic_version":
            continue
        snapshot[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
            ],
            "pk": inspector.get_pk_constraint(table)["constrained_columns"],
            "fks": sorted(
                (tuple(fk["constrained_columns"]), fk["referred_table"])
                for fk in inspector.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (i["name"] or "", tuple(str(c) for c in i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
            ),
            "unique": sorted(
                tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)
            ),
        }
    return snapshot


def revisions_in_order() -> list[tuple[str, str]]:
    """Return (revision, the revision below it or "base") for every migration, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    found = []
    for revision in script.walk_revisions("base", "heads"):
        below = revision.down_revision
        assert not isinstance(below, tuple), f"merge revision {revision.revision}: test it"
        found.append((revision.revision, below or "base"))
    return found[::-1]


def test_every_revision_upgrades_and_downgrades(db_url: str) -> None:
    """Each migration, applied then reverted, leaves the schema exactly as it found it; the
    list comes from the migrations folder, so a new revision is covered without a new test."""
    app = create_app(TestConfig, DATABASE_URL=db_url)
    with app.app_context():
        revisions = revisions_in_order()
        assert revisions, "no migration found"
        before = schema_snapshot()
        assert before == {}
        for revision, below in revisions:
            upgrade(revision)
            after = schema_snapshot()
            assert after != before, f"{revision} changed nothing"
            downgrade(below)
            assert schema_snapshot() == before, f"downgrading {revision} to {below}"
            upgrade(revision)
            assert schema_snapshot() == after, f"upgrading {revision} again"
            before = after
        with get_engine().connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            assert compare_metadata(context, Base.metadata) == []
        downgrade("base")
        assert schema_snapshot() == {}
        dispose_engines()


def test_cli_downgrade_one_step_and_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    app = create_app(TestConfig, DATABASE_URL=url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        (head, below) = revisions_in_order()[-1]
    result = runner.invoke(args=["db", "downgrade"])
    assert result.exit_code == 0, result.output
    assert f"Schéma ramené à la révision {below}." in result.output
    doctor = runner.invoke(args=["doctor"])
    assert f"révision {below} au lieu de {head}" in doctor.output
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert runner.invoke(args=["doctor"]).exit_code == 0
    with app.app_context():
        dispose_engines()


def test_migration_0006_fills_the_summary_rows_of_diagnostics_already_shared(
    db_url: str,
) -> None:
    from sqlalchemy import select

    from app import questionnaire as qn
    from app.db import get_session
    from app.models import SharedResult
    from app.services import answer_codes
    from tests.factories import EXAMPLE_A, EXAMPLE_B, completed_diagnostic

    app = create_app(TestConfig, DATABASE_URL=db_url)
    with app.app_context():
        upgrade()
        session = get_session()
        for answers in (EXAMPLE_A, EXAMPLE_B):
            completed_diagnostic(session, answers)
        session.close()
        downgrade("0005")  # as a database shared before 0006: no column
        upgrade("0006")
        session = get_session()
        found = session.scalars(select(SharedResult.answer_codes)).all()
        expected = [answer_codes(qn.current(), a) for a in (EXAMPLE_A, EXAMPLE_B)]
        assert sorted(found) == sorted(expected)
        assert all("collectivity_type=" in codes for codes in found)
        session.close()
        downgrade("base")
        dispose_engines()
