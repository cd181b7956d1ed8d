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
from collections.abc import Mapping, Sequence
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
_LDC_CSV = _DATA_DIR / "least_developed_countries.csv"
_NAMES_FR_CSV = _DATA_DIR / "country_names_fr.csv"

# France and its overseas collectivities and territories: a cooperation partner is abroad.
FRENCH_TERRITORIES: frozenset[str] = frozenset(
    ("FR", "RE", "GP", "MQ", "GF", "YT", "PM", "BL", "MF", "WF", "PF", "NC", "TF")
)
# French articles and prepositions the names file may use.
_ARTICLES = ("le", "la", "l'", "les", "")
_PREPOSITIONS = ("au", "en", "aux", "à")

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


# The partner countries of one answer set, classified once, by code: scoring and the report pass
# them along so that each answer's weights and words read them instead of classifying again.
Classified = Mapping[str, Country]


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


def classified_as(codes: Sequence[str], classified: Classified | None) -> list[Country]:
    """Return the countries for codes from those already classified, else classify them."""
    if classified is not None and all(code in classified for code in codes):
        return [classified[code] for code in codes]
    return classify(codes)


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


@cache
def _ldc_codes() -> frozenset[str]:
    """Return the ISO alpha-2 codes of the UN least-developed countries (shipped list)."""
    return frozenset(row["iso2"] for row in _csv_rows(_LDC_CSV, ("iso2", "iso3", "name_en")))


def is_ldc(country: Country) -> bool:
    """Return whether the country is on the UN list of least-developed countries."""
    return country.code in _ldc_codes()


def is_french_territory(code: str) -> bool:
    """Return whether a code names France or one of its overseas territories (not a partner)."""
    return code.upper() in FRENCH_TERRITORIES


@dataclass(frozen=True)
class FrenchName:
    """A country's name in a French sentence: with its article, and after « à »."""

    name: str
    article: str
    preposition: str

    @property
    def definite(self) -> str:
        """Return « le Burkina Faso », « l'Équateur », « les Comores », « Haïti »."""
        if not self.article:
            return self.name
        return (
            f"{self.article}{self.name}" if self.article == "l'" else f"{self.article} {self.name}"
        )

    @property
    def locative(self) -> str:
        """Return « au Mali », « aux Comores », « en Haïti », « à Cuba », « à la Barbade »."""
        if self.preposition == "à":
            return f"à {self.definite}"
        return f"{self.preposition} {self.name}"


@cache
def _french_names() -> dict[str, FrenchName]:
    """Load the French names with their article and preposition, checking each value."""
    names = {}
    for row in _csv_rows(_NAMES_FR_CSV, ("iso2", "name", "article", "preposition")):
        if row["article"] not in _ARTICLES or row["preposition"] not in _PREPOSITIONS:
            raise ValueError(f"{row['iso2']}: invalid article or preposition")
        names[row["iso2"]] = FrenchName(row["name"], row["article"], row["preposition"])
    return names


def french_name(country: Country) -> FrenchName:
    """Return the country's French name with its article (the plain name when not listed)."""
    return _french_names().get(country.code) or FrenchName(country.name_fr, "", "à")


def in_sentence(countries: Sequence[Country], lang: str) -> str:
    """Return « le Burkina Faso et le Mali » (English: « Burkina Faso and Mali »)."""
    words = [c.name_en if _lang(lang) == "en" else french_name(c).definite for c in countries]
    if len(words) < 2:
        return "".join(words)
    joiner = " and " if _lang(lang) == "en" else " et "
    return ", ".join(words[:-1]) + joiner + words[-1]


@cache
def classification_year() -> str:
    """Return the World Bank fiscal year of the shipped classification (« FY2026 »)."""
    header = ("iso2", "iso3", "name_en", "income_group", "oecd_member", "source_fy")
    years = {row["source_fy"] for row in _csv_rows(_INCOME_CSV, header)}
    return ", ".join(sorted(years))


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
