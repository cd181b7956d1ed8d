"""The row export as an attacker sees it: the month-range differencing of issue 10 (attack 3)
followed by the export must not single out the one région of a month, and every combination of
all the quasi-identifier columns in the export holds at least k rows.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from typing import Any

from flask import Flask
from sqlalchemy import update

from app.admin import anonymise, queries
from app.db import get_session
from app.models import Result, SharedResult
from tests.factories import EXAMPLE_A, EXAMPLE_B
from tests.test_admin_support import admin_app, logged_in, share, variant

__all__ = ["admin_app"]  # fixture used by the tests below

K = 5
VICTIM = variant(EXAMPLE_B, region="44", cross_service=1, elected_awareness=1)
INTERCO = variant(EXAMPLE_A, collectivity_type="intercommunalite")
DEPARTEMENT = variant(EXAMPLE_A, collectivity_type="departement", population="500k_1m")
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _share_in(app: Flask, answers: dict[str, Any], n: int, month: str) -> None:
    """Store n shared diagnostics completed in the given month."""
    ids = share(app, answers, n)
    with app.app_context():
        session = get_session()
        for model in (Result, SharedResult):
            session.execute(update(model).where(model.diagnostic_id.in_(ids)).values(month=month))
        session.commit()


def _attack_data(app: Flask) -> None:
    """January: 18 diagnostics (six régions among them); February: the victim région and two
    intercommunalités, the only three rows of that month with the economic competence.
    """
    _share_in(app, EXAMPLE_A, 6, "2026-01")
    _share_in(app, DEPARTEMENT, 6, "2026-01")
    for code in ("28", "84", "11", "53", "75", "76"):
        _share_in(app, variant(EXAMPLE_B, region=code), 1, "2026-01")
    _share_in(app, VICTIM, 1, "2026-02")
    _share_in(app, INTERCO, 2, "2026-02")


def _export(client: Any) -> tuple[list[str], list[list[str]]]:
    """Return the CSV export's header and rows."""
    response = client.get("/admin/export.csv")
    assert response.status_code == 200
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    return rows[0], rows[1:]


def _compatible(value: str, column: str, original: str) -> bool:
    """Return whether an exported value is the original one at some generalisation level."""
    levels = range(len(anonymise.HIERARCHIES[column]))
    return any(anonymise.generalise_value(column, original, lv) == value for lv in levels)


def test_the_export_does_not_single_out_the_only_region_of_a_month(admin_app: Flask) -> None:
    _attack_data(admin_app)
    header, body = _export(logged_in(admin_app))
    assert len(body) >= 2 * K
    qi_columns = [header.index(c) for c in anonymise.QUASI_IDENTIFIERS]
    classes = Counter(tuple(row[i] for i in qi_columns) for row in body)
    # k-anonymous over every quasi-identifier column it carries, together.
    assert min(classes.values()) >= K, classes
    # The victim's month, or any month, appears nowhere in the file.
    assert "month" not in header
    assert not [cell for row in body for cell in row if MONTH_RE.match(cell)]
    assert not [row for row in body if "2026-02" in ";".join(row)]
    # What the attacker knows of the victim (région 44, over 1 million, completed in February)
    # fits at least k rows: its six scores cannot be picked out.
    known = {"collectivity_type": "region", "population": "gt_1m", "region": "44",
             "period": "2026-02"}  # fmt: skip
    fitting = [
        row
        for row in body
        if all(_compatible(row[header.index(c)], c, v) for c, v in known.items())
    ]
    assert len(fitting) >= K


def test_the_same_data_month_by_month_would_have_isolated_the_victim(admin_app: Flask) -> None:
    """The attack holds on the raw rows: the generalisation is what defeats it."""
    _attack_data(admin_app)
    with admin_app.app_context():
        rows = list(queries.export_rows(get_session()))
    february = [r for r in rows if r[3] == "2026-02" and r[0] in anonymise.ECONOMIC_COMPETENCE]
    assert len(february) == 3
    assert len([r for r in february if r[0] == "region"]) == 1


def test_json_export_and_dictionary_state_the_generalisation(admin_app: Flask) -> None:
    _attack_data(admin_app)
    client = logged_in(admin_app)
    data = json.loads(client.get("/admin/export.json").get_data(as_text=True))
    levels = data["generalisation"]["levels"]
    assert set(levels) == set(anonymise.QUASI_IDENTIFIERS)
    assert levels["period"] in ("quarter", "half_year", "year", "masked")
    assert "period" in data["columns"]
    assert "month" not in data["columns"]
    kept = data["generalisation"]["rows"] - data["generalisation"]["suppressed_rows"]
    assert kept == len(data["rows"])
    page = client.get("/admin/dictionnaire").get_data(as_text=True)
    assert "Généralisation appliquée à un export téléchargé maintenant" in page
    assert "trimestre" in page
    assert f"Lignes exportées\u00a0: {kept} sur 21" in page
