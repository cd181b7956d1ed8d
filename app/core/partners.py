"""Partner countries and French regions.

Countries come from ISO 3166-1 (``pycountry``) plus Kosovo (``XK``). Each country gets its
World Bank income group (FY2026 list) and its OECD membership from
``data/country_income_groups.csv``; the 18 INSEE regions come from ``data/fr_regions.csv``.
See ``data/README.md`` for sources, licences and how to refresh the files.

Pure module: no Flask, no database. Data is loaded once, on first use.
"""

import csv
import gettext
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import pycountry

IncomeGroup = Literal["low", "lower_middle", "upper_middle", "high", "unknown"]
Lang = Literal["fr", "en"]

INCOME_GROUPS: tuple[str, ...] = ("low", "lower_middle", "upper_middle", "high", "unknown")

_DATA_DIR = Path(__file__).resolve().parent.parent / "data"
_INCOME_CSV = _DATA_DIR / "country_income_groups.csv"
_REGIONS_CSV = _DATA_DIR / "fr_regions.csv"

# Kosovo: user-assigned code, not in ISO 3166-1, but on the World Bank list.
_KOSOVO_CODE = "XK"
_KOSOVO_NAME = "Kosovo"

# CSV value -> income group. An empty value means the World Bank left the economy unclassified.
_CSV_INCOME: dict[str, IncomeGroup] = {
    "low": "low",
    "lower_middle": "lower_middle",
    "upper_middle": "upper_middle",
    "high": "high",
    "": "unknown",
}
_CSV_BOOL: dict[str, bool] = {"0": False, "1": True}

_INCOME_LABELS: dict[Lang, dict[str, str]] = {
    "fr": {
        "low": "faible revenu",
        "lower_middle": "revenu intermédiaire (tranche inférieure)",
        "upper_middle": "revenu intermédiaire (tranche supérieure)",
        "high": "revenu élevé",
        "unknown": "non classé",
    },
    "en": {
        "low": "low income",
        "lower_middle": "lower-middle income",
        "upper_middle": "upper-middle income",
        "high": "high income",
        "unknown": "unclassified",
    },
}


def _lang(lang: str) -> Lang:
    """English for any code starting with "en" ("en", "en_GB", "en-US"); French otherwise."""
    return "en" if lang[:2].lower() == "en" else "fr"


@dataclass(frozen=True)
class Country:
    """A partner country with its World Bank income group and OECD membership."""

    code: str
    name_fr: str
    name_en: str
    income_group: IncomeGroup
    oecd: bool

    def name(self, lang: str) -> str:
        """Return the name in English if lang starts with "en", else in French."""
        return self.name_en if _lang(lang) == "en" else self.name_fr


@dataclass(frozen=True)
class Region:
    """A French region (INSEE code officiel géographique)."""

    code: str
    name: str
    metropolitan: bool


class _Untranslated(gettext.NullTranslations):
    """Gettext fallback that returns "" so that missing translations can be detected."""

    def gettext(self, message: str) -> str:
        return ""


def _csv_rows(path: Path, header: Sequence[str]) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or list(reader.fieldnames) != list(header):
            raise ValueError(f"{path.name}: unexpected header {reader.fieldnames!r}")
        return list(reader)


def _parse(table: dict[str, bool], value: str, what: str) -> bool:
    if value not in table:
        raise ValueError(f"invalid {what}: {value!r}")
    return table[value]


@cache
def _income_data() -> dict[str, tuple[IncomeGroup, bool]]:
    """Map ISO alpha-2 code to (income group, OECD member) from the World Bank CSV."""
    header = ("iso2", "iso3", "name_en", "income_group", "oecd_member", "source_fy")
    data: dict[str, tuple[IncomeGroup, bool]] = {}
    for row in _csv_rows(_INCOME_CSV, header):
        code, group = row["iso2"], row["income_group"]
        if group not in _CSV_INCOME:
            raise ValueError(f"{code}: invalid income group {group!r}")
        if code in data:
            raise ValueError(f"{code}: duplicate row")
        data[code] = (_CSV_INCOME[group], _parse(_CSV_BOOL, row["oecd_member"], "oecd_member"))
    return data


@cache
def _countries_by_code() -> dict[str, Country]:
    """Build every country once: ISO 3166-1 from pycountry, plus Kosovo."""
    fr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    fr.add_fallback(_Untranslated())
    income = _income_data()

    def build(code: str, name_fr: str, name_en: str) -> Country:
        group, oecd = income.get(code, ("unknown", False))
        return Country(code, name_fr, name_en, group, oecd)

    result: dict[str, Country] = {}
    for entry in pycountry.countries:
        code = str(entry.alpha_2)
        name = str(entry.name)
        common = str(getattr(entry, "common_name", "") or "")
        # Short usual names read better ("Bolivie", "Corée du Sud") than the ISO
        # names ("Bolivie, état plurinational de"); use them when translated.
        name_fr = (common and fr.gettext(common)) or fr.gettext(name) or name
        result[code] = build(code, name_fr, common or name)
    result[_KOSOVO_CODE] = build(_KOSOVO_CODE, _KOSOVO_NAME, _KOSOVO_NAME)

    unknown = sorted(set(income) - set(result))
    if unknown:
        raise ValueError(f"income CSV has codes that are not countries: {unknown}")
    return result


def _sort_key(name: str) -> tuple[str, str]:
    """Accent- and case-insensitive key ("Égypte" sorts with E), original name as tie-break."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    base = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return base.replace("œ", "oe").replace("æ", "ae"), name


@cache
def _sorted_countries(lang: Lang) -> tuple[Country, ...]:
    return tuple(
        sorted(_countries_by_code().values(), key=lambda c: (_sort_key(c.name(lang)), c.code))
    )


def country(code: str) -> Country | None:
    """Return the country with this upper-case ISO 3166-1 alpha-2 code (or "XK"), else None."""
    return _countries_by_code().get(code)


def countries(lang: str = "fr") -> list[Country]:
    """Return all countries sorted by name in lang, ignoring accents and case."""
    return list(_sorted_countries(_lang(lang)))


def classify(codes: Sequence[str]) -> list[Country]:
    """Return the countries for codes, in the same order; raise KeyError on an unknown code."""
    if isinstance(codes, str):
        raise TypeError("classify() expects a sequence of codes, not a single string")
    by_code = _countries_by_code()
    result: list[Country] = []
    for code in codes:
        found = by_code.get(code)
        if found is None:
            raise KeyError(code)
        result.append(found)
    return result


@cache
def _regions() -> tuple[Region, ...]:
    """Load the INSEE regions in file order (by code)."""
    result: list[Region] = []
    for row in _csv_rows(_REGIONS_CSV, ("insee_code", "name_fr", "is_metropolitan")):
        code = row["insee_code"]
        if len(code) != 2 or not code.isdigit():
            raise ValueError(f"invalid INSEE region code {code!r}")
        metropolitan = _parse(_CSV_BOOL, row["is_metropolitan"], "is_metropolitan")
        result.append(Region(code, row["name_fr"], metropolitan))
    return tuple(result)


@cache
def _regions_by_code() -> dict[str, Region]:
    return {r.code: r for r in _regions()}


def regions() -> list[Region]:
    """Return the 18 French regions, ordered by INSEE code."""
    return list(_regions())


def region(code: str) -> Region | None:
    """Return the region with this 2-character INSEE code ("01", "84"), else None."""
    return _regions_by_code().get(code)


def income_label(group: str, lang: str) -> str:
    """Return the label of an income group in French, or in English if lang starts with "en"."""
    labels = _INCOME_LABELS[_lang(lang)]
    if group not in labels:
        raise ValueError(f"unknown income group: {group!r}")
    return labels[group]


_OECD_LABELS: dict[Lang, tuple[str, str]] = {
    "fr": ("hors OCDE", "membre de l'OCDE"),
    "en": ("not in the OECD", "OECD member"),
}


def oecd_label(member: bool, lang: str) -> str:
    """Return « membre de l'OCDE » or « hors OCDE » (in English if lang starts with "en")."""
    return _OECD_LABELS[_lang(lang)][int(member)]
