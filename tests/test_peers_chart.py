"""The peer benchmark as a chart: the respondent's exact scores against the peers' released
noisy means with their margins, drawn from the same figures as its table."""

from __future__ import annotations

import json
import re

from flask import Flask

from app import services
from app.db import get_session
from tests.factories import EXAMPLE_A, EXAMPLE_EIGHT, completed_diagnostic
from tests.stats_support import section, table
from tests.test_admin_support import admin_app, share
from tests.test_brief_pdf import fill_ratio, normalise, page_texts, pdf_of

__all__ = ["admin_app"]  # fixture used by the tests below


def _number(text: str) -> float:
    """Return a French number (« 48,2 ») as a float."""
    return float(text.replace("\u202f", "").replace(",", "."))


def test_the_peer_chart_draws_the_table_own_scores_means_and_margins(admin_app: Flask) -> None:
    share(admin_app, EXAMPLE_A, 40)
    with admin_app.app_context():
        diagnostic, token = completed_diagnostic(get_session(), EXAMPLE_A, share=False)
        result = services.current_result(get_session(), diagnostic)
        assert result is not None
    html = admin_app.test_client().get(f"/resultat/{token}").get_data(as_text=True)
    part = section(html, "comparaison")
    found = re.search(r'<script type="application/json" id="chart-peers-data">(.*?)</script>', part)
    assert found, "no peer chart"
    own, peers = json.loads(found.group(1))["data"]
    assert own["type"] == "bar"
    assert peers["type"] == "scatter"
    assert peers["error_x"]["visible"]
    rows = table(part, "peers-table")
    assert [round(x, 1) for x in own["x"]] == [_number(r[1]) for r in rows]
    for row, mean, margin in zip(rows, peers["x"], peers["error_x"]["array"], strict=True):
        if "±" in row[2] and not row[2].startswith("trop"):
            shown_mean, shown_margin = (_number(x) for x in row[2].split(" ± "))
            assert mean == shown_mean
            assert round(margin, 1) == shown_margin
        else:
            assert mean is None  # too imprecise: not drawn, as the table says
    assert 'id="chart-peers-figure"' in part  # the table sits in the chart's figure


def test_the_server_pdf_draws_the_peer_chart_beside_its_table(admin_app: Flask) -> None:
    share(admin_app, EXAMPLE_EIGHT, 120)  # enough for means precise enough to be drawn
    with admin_app.app_context():
        _diagnostic, token = completed_diagnostic(get_session(), EXAMPLE_EIGHT, share=False)
    client = admin_app.test_client()
    html = client.get(f"/resultat/{token}").get_data(as_text=True)
    rows = table(section(html, "comparaison"), "peers-table")

    reader = pdf_of(client, token)
    texts = page_texts(reader)
    peers_page = next(i for i, t in enumerate(texts) if "collectivités comparables" in t)
    assert peers_page == 1  # the second page: partnerships and the peer comparison
    for row in rows:
        assert normalise(row[1]) in texts[peers_page]  # the table, own scores
    # The drawing writes each own score with the peers' mean: « 48,2 / ≈ 51,0 ».
    drawn = sum(1 for r in rows if "±" in r[2] and not r[2].startswith("trop"))
    assert drawn > 0
    assert texts[peers_page].count("/ ≈") == drawn
    for index in range(len(texts) - 1):
        assert fill_ratio(reader, index) >= 0.5, f"printed page {index + 1} is under half full"
