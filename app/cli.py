"""Command-line interface: ``flask db …`` (Alembic), ``flask questions check``, ``flask doctor``.

Every command speaks French by default and English with ``LANG=en…`` or ``--lang en``, click's
own messages included (``app/cli_i18n.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from flask.cli import AppGroup

from app import cli_i18n
from app import questionnaire as qn
from app.cli_i18n import tr
from app.db import dispose_engines, get_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

db_cli = AppGroup("db", help="Create and migrate the database schema (Alembic).")
questions_cli = AppGroup("questions", help="Questionnaire files.")


def alembic_config() -> AlembicConfig:
    """Return the Alembic configuration bound to the application's database."""
    cfg = AlembicConfig(str(MIGRATIONS_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option(
        "sqlalchemy.url",
        current_app.config["DATABASE_URL"].replace("%", "%%"),
    )
    return cfg


def upgrade(revision: str = "head") -> None:
    """Migrate the application's database to revision."""
    cfg = alembic_config()
    with get_engine().begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def upgrade_database(database_url: str, revision: str = "head") -> None:
    """Migrate the database at database_url (outside any running application)."""
    from app import create_app
    from config import Config

    app = create_app(Config, DATABASE_URL=database_url)
    with app.app_context():
        upgrade(revision)
        dispose_engines()


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Create or migrate the schema to REVISION (default: head)."""
    upgrade(revision)
    click.echo(tr("Base de données à jour ({revision}).", revision=revision))


def downgrade(revision: str) -> None:
    """Revert the application's database to revision (``-1``: one step back; ``base``: empty)."""
    cfg = alembic_config()
    with get_engine().begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def downgrade_command(revision: str) -> None:
    """Revert the schema to REVISION (default: one step back); the backup restores the data."""
    from app.doctor import database_revisions

    downgrade(revision)
    now = ", ".join(sorted(database_revisions())) or "base"
    click.echo(tr("Schéma ramené à la révision {revision}.", revision=now))


@db_cli.command("current")
def current_command() -> None:
    """Show the schema's current revision."""
    cfg = alembic_config()
    with get_engine().connect() as connection:
        cfg.attributes["connection"] = connection
        command.current(cfg)


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate/--empty", default=True)
def revision_command(message: str, autogenerate: bool) -> None:
    """Write a new migration from the difference between the models and the database."""
    cfg = alembic_config()
    with get_engine().begin() as connection:
        cfg.attributes["connection"] = connection
        command.revision(cfg, message=message, autogenerate=autogenerate)


@questions_cli.command("check")
def check_command() -> None:
    """Validate every questionnaire version; print each problem once, with its file and line."""
    problems: list[str] = []
    base = qn.QUESTIONS_DIR
    for name in qn.versions(base):
        questionnaire, found = qn.check_folder(base / name)
        problems += found
        if not found:
            click.echo(
                tr(
                    "{name} : version {version}, {questions} questions, {rules} règles, "
                    "{constraints} contraintes : OK",
                    name=name,
                    version=questionnaire.version,
                    questions=len(questionnaire.questions),
                    rules=len(questionnaire.rules),
                    constraints=len(questionnaire.constraints),
                )
            )
    for problem in dict.fromkeys(problems):
        click.echo(problem, err=True)
    if problems:
        click.echo(tr("{count} problème(s) trouvé(s).", count=len(set(problems))), err=True)
        sys.exit(1)


def init_app(app: Flask) -> None:
    """Register the command groups on the application."""
    from app import doctor, purge
    from app import partners as partners_module
    from app.admin import cli as admin_cli
    from app.stats.cli import stats_cli

    app.cli.add_command(db_cli)
    app.cli.add_command(questions_cli)
    app.cli.add_command(stats_cli)
    admin_cli.init_app(app)
    purge.init_app(app)
    doctor.init_app(app)
    partners_module.init_app(app)
    # Last: every command registered above gets --lang. Under `flask`, the language applies
    # from now on, so that the group's own errors (an unknown command) are translated too.
    cli_i18n.add_lang_option(app.cli)
    context = click.get_current_context(silent=True)
    if context is not None:
        # `flask` itself (its options and run, shell, routes) is translated too.
        cli_i18n.remember_help(context.find_root().command)
        cli_i18n.activate()
