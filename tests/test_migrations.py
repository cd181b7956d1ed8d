"""Alembic: upgrading an empty database to head yields exactly the models' schema."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from app import create_app
from app.cli import upgrade
from app.db import Base, dispose_engines, get_engine
from config import TestConfig


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
