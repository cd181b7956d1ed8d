"""The peer benchmark of the result page: read from the published snapshot, the respondent's own
scores exact, the peers' means noisy with their margins, nothing below k.
"""

from __future__ import annotations

from datetime import date

from flask import Flask, render_template

from app import services
from app.db import get_session
from app.models import Diagnostic, Result
from app.results import peers
from app.stats import release, snapshot
from tests.factories import EXAMPLE_A, EXAMPLE_B, completed_diagnostic
from tests.stats_support import estimates, forget_snapshots, section, table
from tests.test_admin_support import admin_app, share

__all__ = ["admin_app"]

DOMAINS = snapshot.domains(date(2026, 6, 1))


def _release(cells: dict[tuple[str, str], dict[str, object]]) -> release.Release:
    """Return a release with these figures and zeros elsewhere (peers are post-processing)."""
    figures: dict[tuple[str, str], dict[str, object]] = {
        key: {"counts": [0, 0, 0], "sums": [0.0, 0.0, 0.0]}
        for key in release.publish([], DOMAINS, 2.0)
        if key[0] != "all"
    }
    figures.update(cells)
    return release.Release(2.0, figures, DOMAINS)  # type: ignore[arg-type]


def _own(app: Flask, answers: dict[str, object]) -> tuple[Diagnostic, Result]:
    with app.app_context():
        session = get_session()
        diagnostic, _token = completed_diagnostic(session, answers, share=False)
        result = services.current_result(session, diagnostic)
        assert result is not None
        session.expunge_all()
        return diagnostic, result


def test_peers_come_from_the_type_cell_with_the_own_scores_exact(admin_app: Flask) -> None:
    diagnostic, result = _own(admin_app, EXAMPLE_A)
    found = _release(
        {("collectivity_type", "commune"): {"counts": [4, 3, 3], "sums": [100.0, -50.0, 0.0]}}
    )
    benchmark = peers.peer_benchmark(found, diagnostic, result, 5)
    assert benchmark is not None
    assert benchmark["basis"] == "collectivity_type"
    assert benchmark["n"].value == 10
    first, second, third = benchmark["positionings"]
    assert first.own == result.score_business_internationalisation
    assert first.mean.value == 60.0  # 50 + 100 / 10
    assert second.mean.value == 45.0
    assert third.mean.value == 50.0
    assert first.mean.margin > 0


def test_peers_fall_back_to_the_population_band_and_need_k(admin_app: Flask) -> None:
    diagnostic, result = _own(admin_app, EXAMPLE_A)  # a commune of 100k–500k
    few = {("collectivity_type", "commune"): {"counts": [2, 1, 1], "sums": [0.0, 0.0, 0.0]}}
    band = {("population", "100k_500k"): {"counts": [3, 3, 3], "sums": [0.0, 0.0, 0.0]}}
    found = peers.peer_benchmark(_release({**few, **band}), diagnostic, result, 5)
    assert found is not None
    assert (found["basis"], found["value"]) == ("population", "100k_500k")
    assert peers.peer_benchmark(_release(few), diagnostic, result, 5) is None


def test_peers_partial_shows_estimates_with_margins_and_no_median(admin_app: Flask) -> None:
    diagnostic, result = _own(admin_app, EXAMPLE_A)
    cell = {"counts": [400, 300, 300], "sums": [1000.0, -500.0, 0.0]}
    benchmark = peers.peer_benchmark(
        _release({("collectivity_type", "commune"): cell}), diagnostic, result, 5
    )
    assert benchmark is not None
    benchmark.update(published_at="1 juin 2026", imprecise=release.IMPRECISE)
    with admin_app.test_request_context("/"):
        html = render_template("results/_peers.html", peers=benchmark)
        assert "Vous et des collectivités comparables" in html
        assert "environ 1\u202f000 diagnostics" in html or "environ 1 000 diagnostics" in html
        assert "Médiane" not in html
        rows = table(html, "peers-table")
        assert len(rows) == 3
        assert estimates(rows[0][2])[0][0] == 51.0  # 50 + 1000 / 1000
        assert render_template("results/_peers.html", peers=None).strip() == ""
    with admin_app.test_request_context("/?lang=en"):
        english = render_template("results/_peers.html", peers=benchmark)
        assert "Municipality (commune)" in english
        assert "Estimated mean of comparable authorities" in english


def test_result_page_compares_with_the_snapshot(admin_app: Flask) -> None:
    share(admin_app, EXAMPLE_A, 40)
    share(admin_app, EXAMPLE_B, 5)
    with admin_app.app_context():
        diagnostic, token = completed_diagnostic(get_session(), EXAMPLE_A, share=False)
        result = services.current_result(get_session(), diagnostic)
        assert result is not None
        own = result.score_economic_cooperation
    html = admin_app.test_client().get(f"/resultat/{token}").get_data(as_text=True)
    part = section(html, "comparaison")
    assert 'data-peers="collectivity_type"' in html
    rows = {row[0]: row for row in table(part, "peers-table")}
    assert any(row[1] == f"{own:.1f}".replace(".", ",") for row in rows.values())


def test_no_peer_figure_while_fewer_than_k_are_shared(admin_app: Flask) -> None:
    share(admin_app, EXAMPLE_A, 4)
    with admin_app.app_context():
        _diagnostic, token = completed_diagnostic(get_session(), EXAMPLE_A, share=False)
    client = admin_app.test_client()
    for _ in range(5):
        forget_snapshots(admin_app)  # whatever the noise drawn
        html = client.get(f"/resultat/{token}").get_data(as_text=True)
        assert 'id="comparaison"' not in html
