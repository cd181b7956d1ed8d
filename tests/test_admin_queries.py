"""Aggregate queries: the peer benchmark and its partial, the cache's fingerprint, and the
queries whose SQL differs between dialects, on a SQLite file and on PostgreSQL alike
(``TEST_POSTGRES_URL``; skipped with the reason when unset, failing with ``REQUIRE_POSTGRES=1``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask, render_template
from sqlalchemy import func, select, text

from app import demo, services
from app.admin import anonymise, queries
from app.db import dispose_engines, get_engine, get_session
from app.models import Diagnostic, Result
from tests import pg
from tests.factories import EXAMPLE_A, EXAMPLE_B, completed_diagnostic
from tests.test_admin_support import DEPARTEMENT, admin_app, make_app, share, variant

__all__ = ["admin_app", "db_url", "pg_url"]

db_url = pg.db_url
pg_url = pg.pg_url
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


# --- Peer benchmark -----------------------------------------------------------------------------


def _own(app: Flask, answers: dict[str, object], *, shared: bool = True) -> Diagnostic:
    with app.app_context():
        session = get_session()
        diagnostic, _token = completed_diagnostic(session, answers, share=shared)
        session.expunge(diagnostic)
        return diagnostic


def _peers(app: Flask, diagnostic: Diagnostic, k: int = 5) -> dict[str, object] | None:
    with app.app_context():
        return queries.peer_benchmark(get_session(), diagnostic, k)


@pytest.mark.parametrize(("others", "expected"), [(4, None), (5, 5), (6, 6)])
def test_peer_benchmark_needs_k_peers_of_the_same_type(
    admin_app: Flask, others: int, expected: int | None
) -> None:
    share(admin_app, EXAMPLE_A, others)
    share(admin_app, EXAMPLE_A, 3, shared=False)  # not shared: never peers
    own = _own(admin_app, EXAMPLE_A, shared=False)  # the respondent need not share
    peers = _peers(admin_app, own)
    if expected is None:
        assert peers is None
        return
    assert peers is not None
    assert peers["basis"] == "collectivity_type"
    assert peers["n"] == expected
    rows = {p["id"]: p for p in peers["positionings"]}  # type: ignore[attr-defined]
    with admin_app.app_context():
        result = services.current_result(get_session(), own)
    assert result is not None
    ec = rows["economic_cooperation"]
    assert ec["own"] == result.score_economic_cooperation
    assert ec["mean"] == pytest.approx(result.score_economic_cooperation, abs=0.05)
    assert ec["median"] == pytest.approx(result.score_economic_cooperation, abs=0.05)


def test_peer_benchmark_excludes_the_respondent(admin_app: Flask) -> None:
    share(admin_app, EXAMPLE_A, 4)
    own = _own(admin_app, EXAMPLE_A)  # shared: five communes, but only four others
    assert _peers(admin_app, own) is None
    assert _peers(admin_app, own, k=4) is not None


def test_peer_benchmark_falls_back_to_the_population_band(admin_app: Flask) -> None:
    same_band = variant(EXAMPLE_B, collectivity_type="departement", population="100k_500k")
    share(admin_app, same_band, 5)
    own = _own(admin_app, EXAMPLE_A)  # a commune of 100k–500k: no other commune
    peers = _peers(admin_app, own)
    assert peers is not None
    assert (peers["basis"], peers["value"], peers["n"]) == ("population", "100k_500k", 5)


def test_peer_cache_follows_consent_changes(admin_app: Flask) -> None:
    ids = share(admin_app, EXAMPLE_A, 5)
    own = _own(admin_app, EXAMPLE_A, shared=False)
    first = _peers(admin_app, own)
    assert first is not None
    assert first["n"] == 5
    with admin_app.app_context():
        session = get_session()
        withdrawn = session.get(Diagnostic, ids[0])
        assert withdrawn is not None
        services.set_sharing(session, withdrawn, False)  # consent withdrawn, no new result
    assert _peers(admin_app, own) is None


def test_peers_partial(admin_app: Flask) -> None:
    share(admin_app, EXAMPLE_A, 5)
    own = _own(admin_app, EXAMPLE_A)
    peers = _peers(admin_app, own)
    with admin_app.test_request_context("/"):
        html = render_template("results/_peers.html", peers=peers)
        assert "Vous et des collectivités comparables" in html
        assert "5 diagnostics partagés" in html
        assert "Commune" in html
        assert html.count("<tr>") == 4  # header and three positionings
        assert render_template("results/_peers.html", peers=None).strip() == ""
    with admin_app.test_request_context("/?lang=en"):
        english = render_template("results/_peers.html", peers=peers)
        assert "Municipality (commune)" in english
        assert "Develop economic cooperation" in english


# --- Cache ------------------------------------------------------------------------------------


def test_data_version_changes_with_the_data(admin_app: Flask) -> None:
    with admin_app.app_context():
        session = get_session()
        before = queries.data_version(session)
        diagnostic, _token = completed_diagnostic(session, EXAMPLE_A)
        after_complete = queries.data_version(session)
        assert after_complete != before
        services.set_sharing(session, diagnostic, False)
        after_consent = queries.data_version(session)
        assert after_consent != after_complete
        services.delete(session, diagnostic)
        assert queries.data_version(session) != after_consent


def test_cache_reuses_and_refreshes(admin_app: Flask) -> None:
    share(admin_app, EXAMPLE_A, 5)
    cache = queries.AggregateCache(ttl=60)
    with admin_app.app_context():
        session = get_session()
        first, hit = cache.get(session, queries.Filters(), 5, now=0.0)
        assert (first.total, hit) == (5, False)
        assert cache.get(session, queries.Filters(), 5, now=1.0)[1] is True
        assert cache.get(session, queries.Filters(), 5, now=100.0)[1] is False  # expired
        completed_diagnostic(session, EXAMPLE_A)
        again, hit = cache.get(session, queries.Filters(), 5, now=101.0)
        assert (again.total, hit) == (6, False)


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
        found = queries.aggregates(session, k=5)
        assert found.total == 300
        assert sum(g.n for g in found.by("collectivity_type").values()) == 300
        assert {c.month for c in found.cells} <= {
            f"{y}-{m:02d}" for y in (2024, 2025, 2026) for m in range(1, 13)
        }
        for dimension, hist in found.histograms.items():
            assert sum(n for _v, n in hist) == 300, dimension
        n_recs = session.execute(text("SELECT count(*) FROM result_recommendation")).scalar_one()
        assert sum(found.recommendations.values()) == n_recs

        filtered = queries.aggregates(
            session, queries.Filters(collectivity_type="commune", month_from="2025-06"), k=1
        )
        expected = session.scalar(
            select(func.count())
            .select_from(Result)
            .join(Diagnostic)
            .where(Diagnostic.collectivity_type == "commune", Result.month >= "2025-06")
        )
        assert filtered.total == expected

        # The app's own inserts still get fresh ids after the explicit ones.
        diagnostic, _token = services.start(session, "fr")
        assert diagnostic.id == 301


@pytest.mark.postgres
def test_histogram_quantiles_equal_percentile_cont(pg_url: str) -> None:
    application = make_app(DATABASE_URL=pg_url)
    try:
        with application.app_context():
            demo.generate(get_engine(), 200, seed=3, now=NOW)
            session = get_session()
            hists = queries.histograms(session)
            for pid in queries.POSITIONINGS:
                column = queries.SCORE_COLUMNS[pid]
                for q in (0.05, 0.25, 0.5, 0.75, 0.95):
                    expected = session.scalar(select(func.percentile_cont(q).within_group(column)))
                    assert queries.quantile(hists[pid], q) == pytest.approx(expected), (pid, q)
    finally:
        with application.app_context():
            dispose_engines()


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
        chosen = anonymise.choose_generalisation(queries.qi_histogram(session), 5)
        out = anonymise.anonymise_rows(rows, chosen)
        assert len(out) == 7
        assert len({r[:3] for r in out}) == 1  # 5 communes + 2 départements: one class
