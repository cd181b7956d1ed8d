"""The dashboard at a glance, through the test client: key figures as tiles, the map of the
regions, and each table downloadable as CSV, all from the released figures only."""

from __future__ import annotations

import csv
import io

import plotly.graph_objects as go
from flask import Flask

from app import demo
from app.admin import charts
from app.charts import peers_figure
from app.db import get_engine
from tests.test_admin import _hand_release
from tests.test_admin_support import admin_app, logged_in

__all__ = ["admin_app"]  # fixture used by the tests below

K = 5


def test_tiles_show_released_counts_and_shares_and_hide_those_under_k(admin_app: Flask) -> None:
    found = _hand_release(
        {
            ("collectivity_type", "commune"): {"counts": [2, 20, 38], "sums": [0.0, 0, 0]},
            ("half_year", "2026-S1"): {"counts": [10, 10, 10], "sums": [0.0, 0, 0]},
            ("half_year", "2025-S2"): {"counts": [1, 1, 1], "sums": [0.0, 0, 0]},
        }
    )
    with admin_app.test_request_context():
        board = charts.build(found, "all", "", K, "fr")
    tiles = {t.id: t for t in board.tiles}
    assert tiles["tile-year-2026"].value == "30"  # the two halves of 2026, summed
    assert tiles["tile-year-2026"].margin.startswith("± ")
    assert tiles["tile-year-2025"].value == "moins de 5"  # 3 after noise: under k
    assert tiles["tile-year-2025"].margin == ""
    assert tiles["tile-business_internationalisation"].value == "moins de 5"
    assert tiles["tile-multisector_cooperation"].value == "63\u00a0%"  # 38 of 60
    assert tiles["tile-economic_cooperation"].margin.startswith("± ")


def test_the_map_colours_regions_by_released_count_and_greys_those_under_k(
    admin_app: Flask,
) -> None:
    found = _hand_release(
        {
            ("collectivity_type", "commune"): {"counts": [60, 60, 60], "sums": [0.0, 0, 0]},
            ("region", "11"): {"counts": [40, 40, 40], "sums": [0.0, 0, 0]},
            ("region", "04"): {"counts": [10, 0, 0], "sums": [0.0, 0, 0]},
            ("region", "94"): {"counts": [1, 1, 1], "sums": [0.0, 0, 0]},
        }
    )
    with admin_app.test_request_context():
        board = charts.build(found, "all", "", K, "fr")
    chart = board.chart("chart-map")
    assert chart is not None
    assert chart.figure is not None
    traces = {t.get("name"): t for t in chart.figure["data"]}
    assert all(t["type"] == "scatter" for t in traces.values())
    masked = traces["moins de 5"]
    assert masked["fill"] == "toself"
    assert masked["fillcolor"] == charts.MAP_MASKED
    # 18 regions, each drawn once: 13 metropolitan outlines, 5 insets with their frames.
    outlines = charts.region_outlines()["features"]
    assert len(outlines) == 18
    assert sum(f["properties"]["inset"] for f in outlines) == 5
    darkest = traces[next(n for n in traces if n and n.endswith("120"))]
    assert darkest["fillcolor"] == charts.MAP_CLASSES[-1]  # Île-de-France, 120
    rows = {row[0]: row[1:] for row in chart.rows}
    assert rows["Île-de-France"][0] == "Métropole"
    assert rows["Île-de-France"][1].startswith("120 ± ")
    assert rows["La Réunion"] == ["Outre-mer", "10 ± " + rows["La Réunion"][1].split("± ")[1]]
    assert rows["Corse"][1] == "moins de 5"
    assert [r[0] for r in chart.rows].index("Île-de-France") < [r[0] for r in chart.rows].index(
        "La Réunion"
    )


def test_each_dashboard_table_downloads_as_french_csv(admin_app: Flask) -> None:
    with admin_app.app_context():
        demo.generate(get_engine(), 150, seed=5)
    client = logged_in(admin_app)
    page = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/tableau.csv?figure=chart-types&amp;selection="' in page

    response = client.get("/admin/tableau.csv?figure=chart-types")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="arricod-types.csv"' in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")  # a BOM, so that a spreadsheet reads UTF-8
    rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))
    assert rows[0][:2] == ["Type de collectivité", "Diagnostics"]
    scores = [cell for row in rows[1:] for cell in row[2:] if "±" in cell]
    assert scores
    assert all("," in s.split(" ± ")[0] for s in scores)


def test_a_csv_of_an_unknown_or_masked_figure_is_not_found(admin_app: Flask) -> None:
    with admin_app.app_context():
        demo.generate(get_engine(), 150, seed=5)
    client = logged_in(admin_app)
    assert client.get("/admin/tableau.csv?figure=nothing").status_code == 404
    # Quartiles need far more diagnostics than 150: the figure is masked, so is its table.
    assert client.get("/admin/tableau.csv?figure=chart-scores").status_code == 404


def test_the_csv_of_a_filter_is_the_filtered_table(admin_app: Flask) -> None:
    with admin_app.app_context():
        demo.generate(get_engine(), 150, seed=5)
    client = logged_in(admin_app)
    whole = client.get("/admin/tableau.csv?figure=chart-dominant").get_data(as_text=True)
    one = client.get(
        "/admin/tableau.csv?figure=chart-dominant&selection=collectivity_type:commune"
    ).get_data(as_text=True)
    assert whole != one
    assert (
        client.get(
            "/admin/tableau.csv?figure=chart-types&selection=collectivity_type:commune"
        ).status_code
        == 404
    )


def test_every_dashboard_figure_is_a_valid_plotly_figure(admin_app: Flask) -> None:
    """Plotly's own validation knows every property the figures use (map and peers included)."""
    found = _hand_release(
        {
            ("collectivity_type", "commune"): {"counts": [60, 60, 60], "sums": [0.0, 0, 0]},
            ("region", "11"): {"counts": [40, 40, 40], "sums": [0.0, 0, 0]},
        }
    )
    with admin_app.test_request_context():
        board = charts.build(found, "all", "", K, "fr")
    figures = [c.figure for c in board.charts if c.figure is not None]
    assert len(figures) >= 4  # dominant, map, by type (two): the others lack cells here
    for figure in figures:
        go.Figure(figure)
    go.Figure(
        peers_figure(
            ["Prioriser l'internationalisation des entreprises", "Autre"],
            [40.0, 20.0],
            [30.0, None],
            [5.0, 30.0],
            own_name="Votre score",
            peers_name="Moyenne",
        )
    )


def test_a_table_csv_needs_an_administrator(admin_app: Flask) -> None:
    response = admin_app.test_client().get("/admin/tableau.csv?figure=chart-dominant")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login")
