"""``flask stats publish``: publish today's statistics snapshot."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from app.cli_i18n import decimal, tr
from app.db import get_session
from app.stats import snapshot, web

stats_cli = AppGroup("stats", help="Published statistics (differentially private snapshots).")


@stats_cli.command("publish")
def publish_command() -> None:
    """Publish today's snapshot of the shared diagnostics (at most one a day)."""
    session = get_session()
    before = snapshot.latest(session)
    found = snapshot.publish(session, datetime.now(UTC), web.epsilon(), web.min_cell_size())
    if before is not None and found.id == before.id:
        click.echo(
            tr(
                "Instantané du {day} conservé (déjà publié aujourd'hui ou sans changement).",
                day=found.day,
            )
        )
    else:
        click.echo(
            tr(
                "Instantané du {day} publié (ε = {epsilon}).",
                day=found.day,
                epsilon=decimal(found.epsilon),
            )
        )
