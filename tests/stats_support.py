"""Helpers of the statistics tests: publishing snapshots and reading released figures off pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import delete, update

from app import services
from app.db import get_session
from app.models import Diagnostic, SharedResult, StatsSnapshot
from app.stats import snapshot

ESTIMATE_RE = re.compile(r"(-?[\d\u00a0\u202f ]+(?:,\d+)?) ± ([\d\u00a0\u202f ]+(?:,\d+)?)")
TOTAL_RE = re.compile(r'data-estimate="(-?\d+)"')


def publish(app: Flask, days: int = 0) -> StatsSnapshot:
    """Publish the snapshot of today + days (the figures the pages will read)."""
    with app.app_context():
        now = datetime.now(UTC) + timedelta(days=days)
        found = snapshot.publish(
            get_session(), now, app.config["PRIVACY_EPSILON"], app.config["MIN_CELL_SIZE"]
        )
        get_session().expunge(found)
        return found


def forget_snapshots(app: Flask) -> None:
    """Delete every published snapshot (a fresh, independent draw comes next)."""
    with app.app_context():
        session = get_session()
        session.execute(delete(StatsSnapshot))
        session.commit()


def set_month(app: Flask, ids: list[int], month: str) -> None:
    """Move shared diagnostics to another month of completion (as the snapshot reads them)."""
    with app.app_context():
        session = get_session()
        session.execute(
            update(SharedResult).where(SharedResult.diagnostic_id.in_(ids)).values(month=month)
        )
        session.commit()


def redone(app: Flask, previous_id: int, answers: dict[str, object]) -> int:
    """Redo a diagnostic (« Refaire le diagnostic »), answer, finish and share, as any
    respondent can with its private link; return the new diagnostic's id.
    """
    with app.app_context():
        session = get_session()
        previous = session.get(Diagnostic, previous_id)
        assert previous is not None
        diagnostic, _token, _dropped = services.redo(session, previous)
        services.save_answers(session, diagnostic, dict(answers), diagnostic.current_step)
        services.complete(session, diagnostic, share_anonymised=True)
        return diagnostic.id


def number(text: str) -> float:
    """Return a number written the French way ("1 234,5")."""
    return float(re.sub(r"[\u00a0\u202f ]", "", text).replace(",", "."))


def estimates(html: str) -> list[tuple[float, float]]:
    """Return every « value ± margin » of a page, in order."""
    return [(number(v), number(m)) for v, m in ESTIMATE_RE.findall(html)]


def table(html: str, table_class: str) -> list[list[str]]:
    """Return the body rows of the first table of a class, as cell texts."""
    start = html.index(table_class)
    body = html[html.index("<tbody>", start) : html.index("</tbody>", start)]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, flags=re.S)
        ]
        for r in rows
    ]


def section(html: str, element_id: str) -> str:
    """Return the HTML of the section holding an element id, up to the next section."""
    start = html.index(f'id="{element_id}"')
    end = html.find("<section", start)
    return html[start : end if end != -1 else len(html)]
