"""Command line of the ARRICOD side: ``flask admin create EMAIL``, ``flask admin set-password
EMAIL`` and ``flask demo-data``."""

from __future__ import annotations

import os
import sys

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from app import demo
from app.admin import auth
from app.cli_i18n import decimal, tr
from app.db import get_engine, get_session

admin_cli = AppGroup("admin", help="ARRICOD administrators.")


@admin_cli.command("create")
@click.argument("email")
def create_command(email: str) -> None:
    """Create an administrator; the password is asked twice, or read from ADMIN_PASSWORD."""
    session = get_session()
    normalised = auth.normalise_email(email)
    if not auth.valid_email(normalised):
        click.echo(tr("Adresse électronique invalide : « {email} ».", email=email), err=True)
        sys.exit(1)
    if auth.find(session, normalised) is not None:
        click.echo(
            tr("Un administrateur existe déjà avec l'adresse {email}.", email=normalised), err=True
        )
        sys.exit(1)
    password = os.environ.get("ADMIN_PASSWORD") or click.prompt(
        tr("Mot de passe"),
        hide_input=True,
        confirmation_prompt=tr("Confirmez le mot de passe"),
        prompt_suffix=tr(" : "),
    )
    try:
        admin = auth.create_admin(session, normalised, password)
    except auth.AdminError as exc:
        click.echo(tr(exc.template, **exc.params), err=True)
        sys.exit(1)
    click.echo(tr("Administrateur créé : {email}", email=admin.email))


@admin_cli.command("set-password")
@click.argument("email")
def set_password_command(email: str) -> None:
    """Change an administrator's password (asked twice, or ADMIN_PASSWORD); ends its sessions."""
    session = get_session()
    admin = auth.find(session, email)
    if admin is None:
        click.echo(
            tr("Aucun administrateur avec l'adresse {email}.", email=auth.normalise_email(email)),
            err=True,
        )
        sys.exit(1)
    password = os.environ.get("ADMIN_PASSWORD") or click.prompt(
        tr("Nouveau mot de passe"),
        hide_input=True,
        confirmation_prompt=tr("Confirmez le mot de passe"),
        prompt_suffix=tr(" : "),
    )
    try:
        auth.set_password(session, admin, password)
    except auth.AdminError as exc:
        click.echo(tr(exc.template, **exc.params), err=True)
        sys.exit(1)
    click.echo(tr("Mot de passe changé, sessions fermées : {email}", email=admin.email))


@click.command("demo-data")
@click.option("--count", type=click.IntRange(min=1), required=True, help="Diagnostics to insert.")
@click.option("--seed", type=int, default=None, help="Seed, to draw the same answers again.")
@with_appcontext
def demo_data_command(count: int, seed: int | None) -> None:
    """Insert COUNT synthetic completed diagnostics, shared with ARRICOD (for demos, benchmarks)."""
    report = demo.generate(get_engine(), count, seed)
    click.echo(
        tr(
            "{count} diagnostics de démonstration insérés ({profiles} jeux de réponses "
            "distincts) en {seconds} s (calcul {scoring} s, insertion {insert} s).",
            count=report.count,
            profiles=report.profiles,
            seconds=decimal(report.seconds),
            scoring=decimal(report.scoring_seconds),
            insert=decimal(report.insert_seconds),
        )
    )


def init_app(app: Flask) -> None:
    """Register ``flask admin …`` and ``flask demo-data`` on the application."""
    app.cli.add_command(admin_cli)
    app.cli.add_command(demo_data_command)
