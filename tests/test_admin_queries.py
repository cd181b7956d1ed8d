"""Queries whose SQL differs between dialects (demo data, the row export, the statistics
snapshot), on a SQLite file and on PostgreSQL alike (``TEST_POSTGRES_URL``; skipped with the
reason when unset, failing with ``REQUIRE_POSTGRES=1``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from app import demo, services
from app.admin import anonymise, export, queries
from app.db import dispose_engines, get_engine, get_session
from app.models import Diagnostic, Result
from app.stats import release, snapshot
from tests import pg
from tests.factories import EXAMPLE_A, EXAMPLE_B
from tests.test_admin_support import DEPARTEMENT, admin_app, make_app, share

__all__ = ["admin_app", "db_url", "pg_url"]

db_url = pg.db_url
pg_url = pg.pg_url
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


# --- Both dialects ------------------------------------------------------------------------------


@pytest.fixture
def dialect_app(db_url: str) -> Iterator[Flask]:
    """Yield a wired application on an empty SQLite file or PostgreSQL database."""
    application = make_app(DATABASE_URL=db_url)
    yield application
    with application.app_context():
        dispose_engines()


def test_demo_data_and_aggregates_on_both_dialects(dialect_app: Flask) -> None:
    with dialect_app.app_context():
        demo.generate(get_engine(), 300, seed=7, now=NOW, batch=120)
        session = get_session()
        rows, _digest = snapshot.records(session)
        assert len(rows) == 300
        assert {r.month for r in rows} <= {
            f"{y}-{m:02d}" for y in (2024, 2025, 2026) for m in range(1, 13)
        }
        n_recs = session.execute(text("SELECT count(*) FROM result_recommendation")).scalar_one()
        assert sum(len(r.recommendations) for r in rows) == n_recs
        by_sql, by_rows = snapshot.summary_of(session), release.summarise(rows)
        assert by_sql.groups.keys() == by_rows.groups.keys()
        for key, (n, sums) in by_rows.groups.items():
            assert by_sql.groups[key][0] == n
            assert by_sql.groups[key][1] == pytest.approx(sums)
        assert by_sql.histograms == by_rows.histograms
        assert by_sql.recommendations == by_rows.recommendations
        assert by_sql.size == 300
        found = snapshot.publish(session, NOW, 2.0, 5)
        assert found.releasable
        published = snapshot.read(session, found)
        whole = published.selection("all")
        assert whole is not None
        assert abs(whole.n.value - 300) <= 3 * whole.n.margin  # noisy, but about right
        communes = published.cell("collectivity_type", "commune")
        assert communes is not None
        expected = session.scalar(
            select(func.count())
            .select_from(Result)
            .join(Diagnostic)
            .where(Diagnostic.collectivity_type == "commune", Result.is_current.is_(True))
        )
        assert abs(communes.n.value - (expected or 0)) <= 3 * communes.n.margin

        # The app's own inserts still get fresh ids after the explicit ones.
        diagnostic, _token = services.start(session, "fr")
        assert diagnostic.id == 301


def test_export_rows_on_both_dialects(dialect_app: Flask) -> None:
    share(dialect_app, EXAMPLE_A, 5)
    share(dialect_app, DEPARTEMENT, 2)
    share(dialect_app, EXAMPLE_B, 1, shared=False)
    with dialect_app.app_context():
        session = get_session()
        rows = list(queries.export_rows(session, batch=3))
        assert len(rows) == 7
        current = {
            r.diagnostic_id: {rec.recommendation_id for rec in r.recommendations}
            for r in session.scalars(select(Result).where(Result.is_current.is_(True)))
        }
        assert {frozenset(str(r[-1]).split("|")) for r in rows} <= {
            frozenset(v) for v in current.values()
        }
        _chosen, out = export.build(rows, 5)
        assert len(out) == 7
        assert len({anonymise.row_qi(r) for r in out}) == 1  # 5 communes + 2 départements
