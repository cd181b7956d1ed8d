"""Published statistics: the OpenDP noise (statistical properties, never exact draws), the
privacy budget, the fixed cells, the daily snapshot and how the dashboard reads it.
"""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta

import opendp.prelude as dp
import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, inspect, select, update

from app.db import get_engine, get_session
from app.models import StatsCell, StatsSnapshot
from app.stats import mechanisms, release, snapshot
from tests.factories import EXAMPLE_A, EXAMPLE_B
from tests.stats_support import TOTAL_RE, estimates, forget_snapshots, publish
from tests.test_admin_support import admin_app, logged_in, share

__all__ = ["admin_app"]

DOMAINS = snapshot.domains(date(2026, 6, 1))


def _record(**changes: object) -> release.Record:
    base: dict[str, object] = {
        "collectivity_type": "commune",
        "population": "20k_100k",
        "region": "84",
        "month": "2026-03",
        "version": "1",
        "dominant": "economic_cooperation",
        "scores": (20.0, 60.0, 40.0),
        "income_group": "low",
        "recommendations": (),
    }
    base.update(changes)
    return release.Record(**base)  # type: ignore[arg-type]


# --- Noise -------------------------------------------------------------------------------------


def test_noisy_counts_are_unbiased_with_the_stated_scale() -> None:
    epsilon = 0.5  # scale 2
    draws = [x - 50 for x in mechanisms.noisy_counts([50] * 3000, epsilon)]
    assert abs(statistics.mean(draws)) < 0.4  # standard error ≈ 0.05
    assert 1.6 < statistics.mean(abs(x) for x in draws) < 2.4  # E|X| ≈ b
    assert len(set(draws)) > 10  # really random, not a fixed offset


def test_laplace_margin_covers_95_percent_of_draws() -> None:
    epsilon, sensitivity = 0.1, 1.0  # scale 10
    bound = mechanisms.margin([mechanisms.scale_of(epsilon, sensitivity)])
    draws = mechanisms.noisy_sums([0.0] * 4000, epsilon, sensitivity)
    inside = sum(abs(x) <= bound for x in draws) / len(draws)
    assert 0.935 < inside < 0.965


def test_summed_noises_margin_covers_95_percent() -> None:
    scale = mechanisms.scale_of(0.5, 1.0)
    bound = mechanisms.margin([scale] * 6)
    flat = mechanisms.noisy_counts([0] * 6 * 3000, 0.5)
    draws = [sum(flat[i : i + 6]) for i in range(0, len(flat), 6)]
    inside = sum(abs(x) <= bound for x in draws) / len(draws)
    assert 0.93 < inside < 0.97


def test_the_budget_adds_up_to_epsilon_as_opendp_accounts_it() -> None:
    epsilon = 2.0
    assert sum(release.BUDGET.values()) == pytest.approx(1.0)
    # Two questionnaire versions: a diagnostic answers one, so their cells compose in parallel.
    domains = release.Domains(
        DOMAINS.values,
        DOMAINS.recommendations,
        DOMAINS.overseas,
        answers={**DOMAINS.answers, "2": {"q": (("a", "b", "c"), 2), "r": (("x",), 1)}},
    )
    assert domains.answer_sensitivity("2") == 3
    spent = 0.0
    for dimension, figures in release.scales(epsilon, domains).items():
        losses = []
        for figure, scale in figures.items():
            kind = float if figure in ("sums", "pair_sums") else int
            atom = dp.atom_domain(T=kind, nan=False) if kind is float else dp.atom_domain(T=kind)
            mechanism = dp.m.make_laplace(
                dp.vector_domain(atom), dp.l1_distance(T=kind), scale=scale
            )
            bound = release.sensitivity(figure, domains)
            losses.append(mechanism.map(kind(bound)))
            assert dimension in release.BUDGET
        # Versions are disjoint cells (parallel); the figures of one cell add up (sequential).
        spent += max(losses) if dimension == "answers" else sum(losses)
        assert spent <= epsilon * (1 + 1e-9)
    # Each diagnostic lies in one cell per dimension: the losses of the dimensions add up.
    assert spent == pytest.approx(epsilon, rel=1e-6)


def test_the_answers_and_pairs_refuse_a_release_above_their_share() -> None:
    cells = release.publish([], DOMAINS, 2.0)
    bound = DOMAINS.answer_sensitivity("1")
    assert cells[("answers", "1")]["sensitivity"] == bound
    share = 2.0 * release.BUDGET["answers"]
    # Drawn for the version's true sensitivity, the counts pass OpenDP's map; claiming a
    # smaller one would spend more than the share and is refused.
    release.mechanisms.noisy_counts([0] * 3, share, bound)
    mechanism = release.mechanisms._laplace(int, release.mechanisms.scale_of(share, bound - 1))
    with pytest.raises(release.mechanisms.BudgetError):
        release.mechanisms._check(mechanism.map(bound), share)
    pairs = cells[("pairs", "")]
    assert len(pairs["counts"]) == 1
    assert len(pairs["sums"]) == len(release.POSITIONINGS)


def test_every_cell_of_the_fixed_domains_is_released_even_empty() -> None:
    cells = release.publish([], DOMAINS, 2.0)
    for dimension in release.PROFILE_DIMENSIONS:
        assert {v for d, v in cells if d == dimension} == set(DOMAINS.of(dimension))
    assert ("half_year", "2026-S1") in cells
    assert ("half_year", "2026-S2") not in cells  # not yet begun when published
    assert ("all", "") in cells


def test_derived_selections_are_sums_of_released_cells() -> None:
    rows = [_record(), _record(region="01", month="2026-09", collectivity_type="region")]
    cells = release.publish(rows, DOMAINS, 2.0)
    found = release.Release(2.0, cells, DOMAINS)
    types = found.cells_of("collectivity_type").values()
    whole = found.selection("all")
    assert whole is not None
    assert whole.counts == tuple(sum(c.counts[i] for c in types) for i in range(3))
    year = found.selection("year", "2026")
    first, second = found.cell("half_year", "2026-S1"), found.cell("half_year", "2026-S2")
    assert year is not None
    assert first is not None
    assert second is None
    assert year.counts == first.counts
    overseas = found.selection("area", "overseas")
    assert overseas is not None
    expected = [found.cell("region", code) for code in DOMAINS.overseas]
    assert overseas.sums == pytest.approx([sum(c.sums[i] for c in expected if c) for i in range(3)])
    assert len(overseas.sources) == len(DOMAINS.overseas)


def test_quantiles_are_read_from_the_histogram() -> None:
    hist = [0.0, 0.0, 10.0, 10.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert release.quantile_of_histogram(hist, 0.5) == 30.0
    assert release.quantile_of_histogram(hist, 0.25) == 25.0
    assert release.quantile_of_histogram([0.0] * 10, 0.5) == 0.0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 500), min_size=10, max_size=10))
def test_quantiles_of_a_noisy_histogram_are_ordered_and_in_range(hist: list[float]) -> None:
    found = [release.quantile_of_histogram(hist, q) for q in (0.1, 0.25, 0.5, 0.75, 0.9)]
    assert found == sorted(found)
    assert all(0.0 <= x <= 100.0 for x in found)


def test_quartiles_need_the_histogram_noise_to_be_small_against_the_counts() -> None:
    found = release.Release(2.0, release.publish([], DOMAINS, 2.0), DOMAINS)
    bin_margin = mechanisms.margin([found.noise["all"]["histograms"]])
    assert found.box_minimum() >= 20 * bin_margin  # ten bins, each twice its margin on average
    assert release.Release(1.0, {}, DOMAINS).box_minimum() > found.box_minimum()


def test_means_are_centred_sums_over_counts_with_a_wider_margin_for_fewer() -> None:
    small = release.Selection((10.0, 0.0, 0.0), (1.0,), (100.0, 0.0, -100.0), (50.0,))
    large = release.Selection((100.0, 0.0, 0.0), (1.0,), (1000.0, 0.0, -1000.0), (50.0,))
    assert small.mean(release.POSITIONINGS[0]).value == pytest.approx(60.0)
    assert small.mean(release.POSITIONINGS[2]).value == pytest.approx(40.0)
    assert large.mean(release.POSITIONINGS[0]).margin < small.mean(release.POSITIONINGS[0]).margin


# --- Snapshots ---------------------------------------------------------------------------------


def test_at_most_one_snapshot_a_day_and_none_without_change(admin_app: Flask) -> None:
    share(admin_app, EXAMPLE_A, 6)
    first = publish(admin_app)
    assert publish(admin_app).id == first.id  # same day
    share(admin_app, EXAMPLE_A, 1)
    assert publish(admin_app).id == first.id  # same day, even with new data
    second = publish(admin_app, days=1)
    assert second.id != first.id
    third = publish(admin_app, days=2)  # nothing changed: no new noise to average
    assert third.id == second.id
    with admin_app.app_context():
        assert get_session().scalar(select(func.count()).select_from(StatsSnapshot)) == 2
        cells = get_session().scalar(
            select(func.count()).select_from(StatsCell).where(StatsCell.snapshot_id == second.id)
        )
    assert cells == len(release.publish([], snapshot.domains(datetime.now(UTC).date()), 1.0))


def test_the_dashboard_publishes_the_first_snapshot_and_refreshes_a_stale_one(
    admin_app: Flask,
) -> None:
    share(admin_app, EXAMPLE_A, 6)
    client = logged_in(admin_app)
    assert client.get("/admin/").status_code == 200
    with admin_app.app_context():
        session = get_session()
        current = snapshot.latest(session)
        assert current is not None
        old = current.id
        share_day = datetime.now(UTC) - timedelta(days=2)
        session.execute(update(StatsSnapshot).values(day="2000-01-01", checked_at=share_day))
        session.commit()
    share(admin_app, EXAMPLE_B, 1)
    assert client.get("/admin/").status_code == 200
    with admin_app.app_context():
        current = snapshot.latest(get_session())
        assert current is not None
        assert current.id != old


def test_reloading_the_dashboard_rereads_the_same_noise(admin_app: Flask) -> None:
    share(admin_app, EXAMPLE_A, 8)
    share(admin_app, EXAMPLE_B, 8)
    client = logged_in(admin_app)
    pages = [client.get("/admin/").get_data(as_text=True) for _ in range(3)]
    seen = {
        (tuple(estimates(p)), "dashboard-suppressed" in p, str(TOTAL_RE.findall(p))) for p in pages
    }
    assert len(seen) == 1


def test_cli_publishes_once(admin_app: Flask) -> None:
    share(admin_app, EXAMPLE_A, 5)
    runner = admin_app.test_cli_runner()
    first = runner.invoke(args=["stats", "publish"])
    assert first.exit_code == 0, first.output
    assert "publié" in first.output
    again = runner.invoke(args=["stats", "publish"])
    assert again.exit_code == 0
    assert "conservé" in again.output


def test_migration_0003_downgrades_and_upgrades(tmp_path: object) -> None:
    from alembic import command

    from app import create_app
    from app.cli import alembic_config, upgrade
    from app.db import dispose_engines
    from config import TestConfig

    app = create_app(TestConfig, DATABASE_URL=f"sqlite:///{tmp_path}/m.sqlite3")
    with app.app_context():
        upgrade()
        assert {"stats_snapshot", "stats_cell"} <= set(inspect(get_engine()).get_table_names())
        cfg = alembic_config()
        with get_engine().begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "0002")
        assert not {"stats_snapshot", "stats_cell"} & set(inspect(get_engine()).get_table_names())
        upgrade()
        assert {"stats_snapshot", "stats_cell"} <= set(inspect(get_engine()).get_table_names())
        dispose_engines()


# --- Dashboard ---------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 4])
def test_dashboard_below_k_shared_diagnostics_shows_nothing(admin_app: Flask, n: int) -> None:
    share(admin_app, EXAMPLE_A, n)
    share(admin_app, EXAMPLE_B, 3, shared=False)  # not shared: never counted
    client = logged_in(admin_app)
    for _ in range(5):
        forget_snapshots(admin_app)  # whatever the noise drawn
        page = client.get("/admin/").get_data(as_text=True)
        assert 'id="dashboard-suppressed"' in page
        assert 'class="chart"' not in page
        assert 'id="methodology"' in page


def test_filters_offer_fixed_partitions_only(admin_app: Flask) -> None:
    share(admin_app, EXAMPLE_A, 5)
    client = logged_in(admin_app)
    page = client.get("/admin/").get_data(as_text=True)
    year = datetime.now(UTC).year
    for code in (
        "collectivity_type:commune",
        "population:lt_20k",
        "region:84",
        "area:overseas",
        f"year:{year}",
        f"half_year:{year}-S1",
    ):
        assert f'value="{code}"' in page, code
    assert "month_from" not in page
    assert "month_to" not in page
    refused = client.get("/admin/?selection=month:2026-02").get_data(as_text=True)
    assert "Sélection inconnue" in refused
    assert 'aria-invalid="true"' in refused


def test_methodology_note_states_the_guarantee_in_french_and_english(admin_app: Flask) -> None:
    share(admin_app, EXAMPLE_A, 5)
    client = logged_in(admin_app)
    page = client.get("/admin/").get_data(as_text=True)
    assert "ε = 2" in page
    assert "e^ε ≈ 7,4" in page
    assert "confidentialité différentielle" in page
    assert "Instantané publié le" in page
    english = client.get("/admin/?lang=en").get_data(as_text=True)
    assert "differential privacy" in english
    assert "e^ε ≈ 7.4" in english
