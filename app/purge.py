"""Retention: ``flask purge`` deletes the diagnostics started and then abandoned.

A diagnostic still in progress whose last change is older than ``PURGE_AFTER_DAYS`` days (180
by default, as the privacy notice says) is deleted with everything attached to it. Completed
diagnostics are kept until their respondent deletes them. Run it nightly (cron or a systemd
timer, see docs/DEPLOYMENT.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.cli_i18n import tr
from app.db import get_session
from app.models import Diagnostic, Result, ResultRecommendation, SharedResult, utcnow

IN_PROGRESS = "in_progress"


def cutoff(days: int, now: datetime | None = None) -> datetime:
    """Return the instant before which an unfinished diagnostic is purged."""
    return (now or utcnow()) - timedelta(days=days)


def purge(session: Session, days: int, now: datetime | None = None) -> int:
    """Delete unfinished diagnostics untouched for more than days days; return how many.

    Their results and shared rows, if any (a diagnostic reopened after completion), go with them:
    the rows are deleted explicitly, not left to ``ON DELETE CASCADE`` alone (SQLite honours it
    only with its foreign-key pragma on).
    """
    if days < 0:
        raise ValueError("days must be zero or more")
    stale = select(Diagnostic.id).where(
        Diagnostic.status == IN_PROGRESS, Diagnostic.updated_at < cutoff(days, now)
    )
    ids = list(session.scalars(stale))
    if not ids:
        return 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        results = select(Result.id).where(Result.diagnostic_id.in_(chunk))
        session.execute(delete(SharedResult).where(SharedResult.diagnostic_id.in_(chunk)))
        session.execute(
            delete(ResultRecommendation).where(ResultRecommendation.result_id.in_(results))
        )
        session.execute(delete(Result).where(Result.diagnostic_id.in_(chunk)))
        session.execute(delete(Diagnostic).where(Diagnostic.id.in_(chunk)))
    session.commit()
    return len(ids)


@click.command("purge")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="Age in days of the last change (default: PURGE_AFTER_DAYS, 180).",
)
@with_appcontext
def purge_command(days: int | None) -> None:
    """Delete the unfinished diagnostics not modified for DAYS days."""
    if days is None:
        days = int(current_app.config["PURGE_AFTER_DAYS"])
    count = purge(get_session(), days)
    click.echo(
        tr(
            "{count} diagnostic(s) non terminé(s) depuis plus de {days} jours supprimé(s).",
            count=count,
            days=days,
        )
    )


def init_app(app: Flask) -> None:
    """Register ``flask purge`` on the application."""
    app.cli.add_command(purge_command)
