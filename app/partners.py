"""Partner countries and French regions: see ``app.core.partners`` (kept here for old imports)."""

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
    "classify",
    "countries",
    "country",
    "income_label",
    "oecd_label",
    "region",
    "regions",
]
