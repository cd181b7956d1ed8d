"""Command line of the ARRICOD side: ``flask admin create EMAIL`` and ``flask demo-data``."""

from __future__ import annotations

import os
import sys

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from app import demo
from app.admin import auth
from app.db import get_engine, get_session

admin_cli = AppGroup("admin", help="ARRICOD administrators.")


@admin_cli.command("create")
@click.argument("email")
def create_command(email: str) -> None:
    """Create an administrator; the password is asked twice, or read from ADMIN_PASSWORD."""
    session = get_session()
    normalised = auth.normalise_email(email)
    if not auth.valid_email(normalised):
        click.echo(f"Adresse électronique invalide : « {email} ».", err=True)
        sys.exit(1)
    if auth.find(session, normalised) is not None:
        click.echo(f"Un administrateur existe déjà avec l'adresse {normalised}.", err=True)
        sys.exit(1)
    password = os.environ.get("ADMIN_PASSWORD") or click.prompt(
        "Mot de passe", hide_input=True, confirmation_prompt="Confirmez le mot de passe"
    )
    try:
        admin = auth.create_admin(session, normalised, password)
    except auth.AdminError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(f"Administrateur créé : {admin.email}")


@click.command("demo-data")
@click.option("--count", type=click.IntRange(min=1), required=True, help="Diagnostics to insert.")
@click.option("--seed", type=int, default=None, help="Seed, to draw the same answers again.")
@with_appcontext
def demo_data_command(count: int, seed: int | None) -> None:
    """Insert COUNT synthetic completed diagnostics, shared with ARRICOD (for demos, benchmarks)."""
    report = demo.generate(get_engine(), count, seed)
    click.echo(
        f"{report.count} diagnostics de démonstration insérés "
        f"({report.profiles} jeux de réponses distincts) en {report.seconds:.1f} s "
        f"(calcul {report.scoring_seconds:.1f} s, insertion {report.insert_seconds:.1f} s)."
    )


def init_app(app: Flask) -> None:
    """Register ``flask admin …`` and ``flask demo-data`` on the application."""
    app.cli.add_command(admin_cli)
    app.cli.add_command(demo_data_command)
