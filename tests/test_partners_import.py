"""``flask partners import CLASS.xlsx``: the World Bank's yearly classification, checked whole."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pytest
from flask import Flask

from app.core import partners as core

INCOME_NAMES = {
    "low": "Low income",
    "lower_middle": "Lower middle income",
    "upper_middle": "Upper middle income",
    "high": "High income",
    "": None,
}


def _shipped_rows() -> list[dict[str, str]]:
    """Return the rows of the shipped classification."""
    with core._INCOME_CSV.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _workbook(path: Path, changes: dict[str, str] | None = None, drop_oecd: bool = False) -> Path:
    """Write a CLASS.xlsx like the World Bank's: the shipped data, some groups changed."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "List of economies"
    sheet.append(["Economy", "Code", "Region", "Income group", "Lending category"])
    composition = book.create_sheet("composition")
    composition.append(["Group code", "Group name", "Country code", "Country name"])
    for row in _shipped_rows():
        group = (changes or {}).get(row["iso3"], row["income_group"])
        sheet.append([row["name_en"], row["iso3"], "Somewhere", INCOME_NAMES[group], None])
        if row["oecd_member"] == "1" and not drop_oecd:
            composition.append(["OED", "OECD members", row["iso3"], row["name_en"]])
    sheet.append(["World", "WLD", None, None, None])  # an aggregate: no region
    book.save(path)
    return path


def test_import_writes_the_new_year_and_groups(app: Flask, tmp_path: Path) -> None:
    xlsx = _workbook(tmp_path / "CLASS_FY2027.xlsx", {"SEN": "upper_middle"})
    out = tmp_path / "groups.csv"
    result = app.test_cli_runner().invoke(
        args=["partners", "import", str(xlsx), "--output", str(out), "--lang", "fr"]
    )
    assert result.exit_code == 0, result.output
    assert "économies classées (FY2027)" in result.output
    with out.open(encoding="utf-8", newline="") as f:
        rows = {r["iso2"]: r for r in csv.DictReader(f)}
    assert rows["SN"]["income_group"] == "upper_middle"
    assert rows["SN"]["source_fy"] == "FY2027"
    assert rows["FR"]["oecd_member"] == "1"
    assert rows["XK"]["iso3"] == "XKX"
    assert "WLD" not in {r["iso3"] for r in rows.values()}
    assert len(rows) == len(_shipped_rows())


def test_import_refuses_a_file_without_year(app: Flask, tmp_path: Path) -> None:
    xlsx = _workbook(tmp_path / "CLASS.xlsx")
    out = tmp_path / "groups.csv"
    result = app.test_cli_runner().invoke(
        args=["partners", "import", str(xlsx), "--output", str(out), "--lang", "en"]
    )
    assert result.exit_code != 0
    assert "Unknown classification year: give --year FY2027 for example." in result.output
    assert not out.exists()


def test_import_refuses_a_workbook_without_oecd_and_writes_nothing(
    app: Flask, tmp_path: Path
) -> None:
    xlsx = _workbook(tmp_path / "CLASS.xlsx", drop_oecd=True)
    out = tmp_path / "groups.csv"
    out.write_text("kept", encoding="utf-8")
    result = app.test_cli_runner().invoke(
        args=["partners", "import", str(xlsx), "--year", "FY2027", "--output", str(out)]
    )
    assert result.exit_code != 0
    assert "aucun membre de l'OCDE" in result.output
    assert out.read_text(encoding="utf-8") == "kept"


def test_import_refuses_a_sheet_that_is_not_the_classification(app: Flask, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Sheet"
    book.save(tmp_path / "CLASS_FY2027.xlsx")
    result = app.test_cli_runner().invoke(
        args=[
            "partners",
            "import",
            str(tmp_path / "CLASS_FY2027.xlsx"),
            "--output",
            str(tmp_path / "o.csv"),
            "--lang",
            "fr",
        ]
    )
    assert result.exit_code != 0
    assert "illisible comme classification de la Banque mondiale" in result.output


def test_shipped_names_cover_every_classified_country() -> None:
    for code in core._income_data():
        name = core.french_name(core.country(code))  # type: ignore[arg-type]
        assert core._french_names()[code] == name


@pytest.mark.parametrize(
    ("code", "definite", "locative"),
    [
        ("BF", "le Burkina Faso", "au Burkina Faso"),
        ("ML", "le Mali", "au Mali"),
        ("KM", "les Comores", "aux Comores"),
        ("HT", "Haïti", "en Haïti"),
        ("EC", "l'Équateur", "en Équateur"),
        ("SN", "le Sénégal", "au Sénégal"),
        ("CU", "Cuba", "à Cuba"),
        ("BB", "la Barbade", "à la Barbade"),
        ("US", "les États-Unis", "aux États-Unis"),
        ("DE", "l'Allemagne", "en Allemagne"),
        ("MX", "le Mexique", "au Mexique"),
        ("MG", "Madagascar", "à Madagascar"),
    ],
)
def test_french_names_take_their_article_and_preposition(
    code: str, definite: str, locative: str
) -> None:
    name = core.french_name(core.country(code))  # type: ignore[arg-type]
    assert (name.definite, name.locative) == (definite, locative)


def test_two_partners_read_with_their_articles() -> None:
    pair = core.classify(["BF", "ML"])
    assert core.in_sentence(pair, "fr") == "le Burkina Faso et le Mali"
    assert core.in_sentence(pair, "en") == "Burkina Faso and Mali"


@pytest.mark.parametrize("code", ["HT", "SN", "BJ"])
def test_least_developed_countries_classified_lower_middle_count_as_upstream(code: str) -> None:
    from app.core.facts import partner_facts

    (found,) = core.classify([code])
    assert found.income_group == "lower_middle"
    assert core.is_ldc(found)
    facts = partner_facts([found])
    assert facts["upstream_share"] == 1.0
    assert facts["low_income_share"] == 0.0


@pytest.mark.parametrize("code", ["SG", "AE", "RO", "HR", "PL"])
def test_high_income_partners_count_for_economic_cooperation_oecd_or_not(code: str) -> None:
    from app.core.facts import partner_facts

    assert partner_facts(core.classify([code]))["middle_or_high_share"] == 1.0


def test_the_least_developed_list_has_its_44_countries() -> None:
    assert len(core._ldc_codes()) == 44
    assert {"HT", "SN", "BJ", "BF", "KH"} <= core._ldc_codes()
    assert "ST" not in core._ldc_codes()  # graduated in December 2024
