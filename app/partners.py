"""Partner countries and French regions (see ``app.core.partners``), and ``flask partners``.

``flask partners import CLASS.xlsx`` loads the World Bank's yearly classification (published
each 1 July) into ``app/data/country_income_groups.csv``: income groups from the sheet « List of
economies », OECD membership from the group ``OED`` of the sheet « composition ». The file is
checked whole before anything is written; results keep the classification year they used.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from pathlib import Path

import click
import pycountry
from flask import Flask

from app.cli_i18n import tr
from app.core import partners as core
from app.core.partners import (
    INCOME_GROUPS,
    Country,
    IncomeGroup,
    Region,
    classify,
    countries,
    country,
    income_label,
    oecd_label,
    region,
    regions,
)

__all__ = [
    "INCOME_GROUPS",
    "Country",
    "IncomeGroup",
    "Region",
    "ClassificationError",
    "classify",
    "countries",
    "country",
    "import_classification",
    "income_label",
    "init_app",
    "oecd_label",
    "read_classification",
    "region",
    "regions",
]

HEADER = ("iso2", "iso3", "name_en", "income_group", "oecd_member", "source_fy")
INCOME = {
    "Low income": "low",
    "Lower middle income": "lower_middle",
    "Upper middle income": "upper_middle",
    "High income": "high",
    None: "",
    "": "",
}
# Economies without an ISO 3166-1 alpha-3 code: Kosovo keeps its user-assigned codes, the
# Channel Islands are left out (Jersey and Guernsey are not classified apart).
EXTRA = {"XKX": "XK"}
SKIP = {"CHI"}
# A smaller list is not the World Bank's classification.
MIN_ECONOMIES = 150


class ClassificationError(Exception):
    """Raised when a CLASS.xlsx file cannot be read as the World Bank classification."""


def _year_of(path: Path, year: str | None) -> str:
    """Return « FY2027 » from --year or from the file name (CLASS_FY2027.xlsx)."""
    found = year or next(iter(re.findall(r"FY\d{4}", path.name.upper())), None)
    if not found or not re.fullmatch(r"FY\d{4}", found.upper()):
        raise ClassificationError(
            tr("Année de classification inconnue\u00a0: donnez --year FY2027 par exemple.")
        )
    return found.upper()


def _iso2(iso3: str) -> str:
    """Return the ISO alpha-2 code of an economy's alpha-3 code."""
    if iso3 in EXTRA:
        return EXTRA[iso3]
    found = pycountry.countries.get(alpha_3=iso3)
    if found is None:
        raise ClassificationError(tr("Code d'économie inconnu\u00a0: {code}.", code=iso3))
    return str(found.alpha_2)


def read_classification(path: Path, year: str | None = None) -> list[list[str]]:
    """Return the CSV rows of a World Bank CLASS.xlsx, or raise ClassificationError."""
    import openpyxl  # type: ignore[import-untyped]

    fy = _year_of(path, year)
    try:
        book = openpyxl.load_workbook(path, read_only=True)
        rows = list(book["List of economies"].iter_rows(values_only=True))
        groups = list(book["composition"].iter_rows(values_only=True))
    except (OSError, KeyError, ValueError) as exc:
        raise ClassificationError(
            tr(
                "Fichier illisible comme classification de la Banque mondiale\u00a0: {error}.",
                error=exc,
            )
        ) from exc
    if not rows or tuple(rows[0][:4]) != ("Economy", "Code", "Region", "Income group"):
        raise ClassificationError(
            tr("La feuille «\u00a0List of economies\u00a0» n'a pas les colonnes attendues.")
        )
    oecd = {str(r[2]) for r in groups if len(r) > 2 and r[0] == "OED"}
    result = []
    for name, iso3, region_name, income, *_ in rows[1:]:
        if not iso3 or not region_name or iso3 in SKIP:
            continue  # aggregates have no region
        if income not in INCOME:
            raise ClassificationError(
                tr("Groupe de revenu inconnu pour {code}\u00a0: {group}.", code=iso3, group=income)
            )
        member = "1" if iso3 in oecd else "0"
        result.append([_iso2(str(iso3)), str(iso3), str(name), INCOME[income], member, fy])
    if len(result) < MIN_ECONOMIES or not oecd:
        raise ClassificationError(
            tr(
                "Trop peu d'économies ({count}) ou aucun membre de l'OCDE\u00a0: fichier refusé.",
                count=len(result),
            )
        )
    return sorted(result)


def import_classification(path: Path, output: Path, year: str | None = None) -> tuple[int, str]:
    """Write the classification of a CLASS.xlsx to output at once; return its size and year."""
    rows = read_classification(path, year)
    handle, temporary = tempfile.mkstemp(dir=output.parent, suffix=".csv")
    with os.fdopen(handle, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    os.replace(temporary, output)
    for loader in (core._income_data, core._countries_by_code, core.classification_year):
        loader.cache_clear()
    core._sorted_countries.cache_clear()
    return len(rows), rows[0][5]


@click.group("partners")
def partners_cli() -> None:
    """Partner countries' reference data."""


@partners_cli.command("import")
@click.argument("xlsx", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", default=None, help="Fiscal year of the classification (e.g. FY2027).")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CSV file to write (default: the shipped app/data/country_income_groups.csv).",
)
def import_command(xlsx: Path, year: str | None, output: Path | None) -> None:
    """Load the World Bank's yearly classification (CLASS.xlsx)."""
    target = output or core._INCOME_CSV
    try:
        count, fy = import_classification(xlsx, target, year)
    except ClassificationError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        tr(
            "{count} économies classées ({year}) écrites dans {path}. "
            "Redémarrez l'application pour les utiliser.",
            count=count,
            year=fy,
            path=target,
        )
    )


def init_app(app: Flask) -> None:
    """Register ``flask partners`` on the application."""
    app.cli.add_command(partners_cli)
