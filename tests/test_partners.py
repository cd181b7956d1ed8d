"""Tests for app.partners: countries, income groups, OECD membership, French regions."""

import unicodedata
from dataclasses import FrozenInstanceError
from typing import get_args

import pycountry
import pytest

from app.core import partners
from app.core.partners import (
    INCOME_GROUPS,
    Country,
    IncomeGroup,
    classify,
    countries,
    country,
    income_label,
    region,
    regions,
)


def _get(code: str) -> Country:
    found = country(code)
    assert found is not None, code
    return found


def _initial(name: str) -> str:
    return unicodedata.normalize("NFKD", name)[0].upper()


# --- income groups and OECD ----------------------------------------------------------------


def test_germany_high_income_oecd() -> None:
    de = _get("DE")
    assert (de.income_group, de.oecd) == ("high", True)


def test_morocco_lower_middle_not_oecd() -> None:
    ma = _get("MA")
    assert (ma.income_group, ma.oecd) == ("lower_middle", False)


def test_burkina_faso_low_income() -> None:
    bf = _get("BF")
    assert (bf.income_group, bf.oecd) == ("low", False)


def test_united_states_high_income_oecd() -> None:
    us = _get("US")
    assert (us.income_group, us.oecd) == ("high", True)


def test_japan_and_canada_high_income_oecd() -> None:
    for code in ("JP", "CA"):
        c = _get(code)
        assert (c.income_group, c.oecd) == ("high", True), code


def test_lebanon_lower_middle_not_oecd() -> None:
    lb = _get("LB")
    assert (lb.income_group, lb.oecd) == ("lower_middle", False)


def test_ethiopia_and_venezuela_unclassified_are_unknown() -> None:
    for code in ("ET", "VE"):
        c = _get(code)
        assert (c.income_group, c.oecd) == ("unknown", False), code


def test_kosovo_present_with_income_group_from_csv() -> None:
    xk = _get("XK")
    assert (xk.name_fr, xk.name_en) == ("Kosovo", "Kosovo")
    assert xk.income_group == "upper_middle"
    assert not xk.oecd
    assert xk in countries("fr")
    assert xk in countries("en")


def test_countries_absent_from_world_bank_list_are_unknown() -> None:
    # Holy See, Western Sahara, French overseas departments and collectivities, Cook Islands,
    # Niue, Anguilla.
    for code in ("VA", "EH", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "WF", "CK", "NU", "AI"):
        c = _get(code)
        assert (c.income_group, c.oecd) == ("unknown", False), code


def test_french_polynesia_and_new_caledonia_classified_separately() -> None:
    # Both are World Bank economies of their own, unlike the other French territories.
    for code in ("PF", "NC"):
        c = _get(code)
        assert (c.income_group, c.oecd) == ("high", False), code


def test_exactly_38_oecd_members() -> None:
    members = {c.code for c in countries() if c.oecd}
    assert len(members) == 38
    assert {"FR", "DE", "US", "JP", "CA", "KR", "MX", "CO", "CR", "TR"} <= members
    assert not members & {"CN", "RU", "BR", "IN", "MA"}


def test_every_income_group_is_valid_and_used() -> None:
    assert get_args(IncomeGroup) == INCOME_GROUPS
    used = {c.income_group for c in countries()}
    assert used == set(INCOME_GROUPS)


def test_world_bank_classification_counts() -> None:
    # 217 World Bank economies in the CSV, 2 of them unclassified (Ethiopia, Venezuela).
    all_countries = countries()
    classified = [c for c in all_countries if c.income_group != "unknown"]
    assert len(classified) == 215
    assert len(all_countries) - len(classified) == len(pycountry.countries) + 1 - 215


# --- lookups -------------------------------------------------------------------------------


def test_country_lookup_is_case_sensitive_and_rejects_bogus_codes() -> None:
    for code in ("de", "De", "ma", "xk", "", "ZZ", "DEU", "D", " DE", "FR "):
        assert country(code) is None, repr(code)


def test_all_pycountry_codes_known() -> None:
    codes = {c.code for c in countries()}
    assert codes == {str(c.alpha_2) for c in pycountry.countries} | {"XK"}
    assert len(codes) == len(countries())


def test_classify_keeps_order_and_duplicates() -> None:
    result = classify(["MA", "DE", "BF", "XK", "MA"])
    assert [c.code for c in result] == ["MA", "DE", "BF", "XK", "MA"]
    assert classify([]) == []
    assert classify(("US",)) == [_get("US")]


def test_classify_raises_on_unknown_code() -> None:
    with pytest.raises(KeyError, match="ZZ"):
        classify(["DE", "ZZ"])
    with pytest.raises(KeyError):
        classify(["de"])


def test_classify_rejects_single_string() -> None:
    with pytest.raises(TypeError):
        classify("DE")


def test_country_is_frozen() -> None:
    with pytest.raises(FrozenInstanceError):
        _get("DE").income_group = "low"  # type: ignore[misc]


# --- names and sorting ---------------------------------------------------------------------


def test_french_names_have_accents() -> None:
    expected = {
        "DE": "Allemagne",
        "MA": "Maroc",
        "US": "États-Unis",
        "EG": "Égypte",
        "EC": "Équateur",
        "SN": "Sénégal",
        "CI": "Côte d'Ivoire",
        "XK": "Kosovo",
    }
    for code, name in expected.items():
        assert _get(code).name_fr == name, code
        assert _get(code).name("fr") == name, code


def test_short_names_preferred() -> None:
    assert (_get("BO").name_fr, _get("BO").name_en) == ("Bolivie", "Bolivia")
    assert (_get("TW").name_fr, _get("TW").name_en) == ("Taïwan", "Taiwan")
    assert (_get("KR").name_fr, _get("KR").name_en) == ("Corée du Sud", "South Korea")
    assert _get("VA").name_fr == "Saint-Siège (état de la cité du Vatican)"


def test_name_by_language() -> None:
    de = _get("DE")
    assert de.name("en") == "Germany"
    assert de.name("en_GB") == "Germany"
    assert de.name("fr") == "Allemagne"
    assert de.name("de") == "Allemagne"  # French is the default language


def test_no_french_name_left_in_english() -> None:
    # Every pycountry name has a French translation (identical names are fine: "Canada").
    same = {c.code for c in countries() if c.name_fr == c.name_en}
    assert "CA" in same
    assert not same & {"DE", "US", "GB", "BO", "TW", "KR", "VA", "EG"}


def test_french_sorting_ignores_accents() -> None:
    names = [c.name_fr for c in countries("fr")]
    egypte, equateur = names.index("Égypte"), names.index("Équateur")
    first_f = next(i for i, n in enumerate(names) if _initial(n) == "F")
    last_d = max(i for i, n in enumerate(names) if _initial(n) == "D")
    assert last_d < egypte < equateur < names.index("Espagne") < first_f
    assert names.index("Érythrée") < names.index("Espagne") < names.index("États-Unis")
    assert names.index("États-Unis") < names.index("Éthiopie") < first_f
    # Initial letters, accents removed, never go backwards.
    initials = [_initial(n) for n in names]
    assert initials == sorted(initials)


def test_sorting_default_is_french_and_english_sorts_by_english_name() -> None:
    assert countries() == countries("fr")
    names_en = [c.name_en for c in countries("en")]
    assert names_en[0] == "Afghanistan"
    assert names_en.index("Egypt") < names_en.index("Germany") < names_en.index("Morocco")
    assert names_en.index("Åland Islands") < names_en.index("Albania")
    assert names_en.index("Côte d'Ivoire") < names_en.index("Croatia")


def test_countries_returns_a_fresh_list() -> None:
    first = countries()
    first.clear()
    assert len(countries()) == len(pycountry.countries) + 1


# --- income labels -------------------------------------------------------------------------


def test_income_labels() -> None:
    assert [income_label(g, "fr") for g in INCOME_GROUPS] == [
        "faible revenu",
        "revenu intermédiaire (tranche inférieure)",
        "revenu intermédiaire (tranche supérieure)",
        "revenu élevé",
        "non classé",
    ]
    assert [income_label(g, "en") for g in INCOME_GROUPS] == [
        "low income",
        "lower-middle income",
        "upper-middle income",
        "high income",
        "unclassified",
    ]


def test_income_label_rejects_unknown_group() -> None:
    with pytest.raises(ValueError, match="bogus"):
        income_label("bogus", "fr")


# --- regions -------------------------------------------------------------------------------


def test_eighteen_regions_thirteen_metropolitan() -> None:
    all_regions = regions()
    assert len(all_regions) == 18
    assert sum(r.metropolitan for r in all_regions) == 13
    assert all(len(r.code) == 2 and r.code.isdigit() for r in all_regions)
    assert [r.code for r in all_regions] == sorted(r.code for r in all_regions)


def test_region_guadeloupe_overseas() -> None:
    gp = region("01")
    assert gp is not None
    assert (gp.name, gp.metropolitan) == ("Guadeloupe", False)


def test_region_auvergne_rhone_alpes_metropolitan() -> None:
    ara = region("84")
    assert ara is not None
    assert (ara.name, ara.metropolitan) == ("Auvergne-Rhône-Alpes", True)


def test_overseas_regions() -> None:
    overseas = {r.code for r in regions() if not r.metropolitan}
    assert overseas == {"01", "02", "03", "04", "06"}


def test_region_lookup_unknown() -> None:
    for code in ("1", "001", "99", "", "84 "):
        assert region(code) is None, repr(code)


def test_data_loaded_once() -> None:
    assert countries() is not countries()
    assert partners._countries_by_code() is partners._countries_by_code()
    assert partners._regions() is partners._regions()
