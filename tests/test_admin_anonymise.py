"""Anonymity rules as pure functions: cell suppression (with secondary suppression), the
k-anonymous generalisation of the row export (a Hypothesis property over random tables), the
CSV format and the quantiles the box plots are drawn from.
"""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import partners
from app.admin import anonymise as an

TYPES = ["commune", "intercommunalite", "metropole", "departement", "region", "other"]
POPULATIONS = list(an.POPULATION_BANDS)
REGIONS = [r.code for r in partners.regions()]


# --- Cell suppression -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [
        ({"a": 10, "b": 7, "c": 5}, set()),  # nothing under k
        ({"a": 10, "b": 7, "c": 4}, {"b", "c"}),  # k−1 hidden, with the next smallest
        ({"a": 10, "b": 7, "c": 6}, set()),  # k+1 shown
        ({"a": 10, "b": 2, "c": 1, "d": 9}, {"b", "c", "d"}),  # 2+1 < k: one more
        ({"a": 10, "b": 3, "c": 2}, {"b", "c"}),  # two hidden adding up to k: enough
        ({"a": 3}, {"a"}),  # nothing to hide with
        ({"a": 4, "b": 3}, {"a", "b"}),
        ({"a": 10, "b": 0}, set()),  # empty categories are not cells
    ],
)
def test_hidden_cells(counts: dict[str, int], hidden: set[str]) -> None:
    assert an.hidden_cells(counts, 5) == hidden


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.text("abcdefgh", min_size=1, max_size=2), st.integers(0, 40), max_size=8),
    st.integers(2, 10),
)
def test_hidden_cells_cannot_be_recomputed_from_the_total(counts: dict[str, int], k: int) -> None:
    hidden = an.hidden_cells(counts, k)
    present = {c: n for c, n in counts.items() if n > 0}
    shown = {c: n for c, n in present.items() if c not in hidden}
    assert all(n >= k for n in shown.values())
    assert all(c in hidden for c, n in present.items() if n < k)
    if hidden:
        # Total minus the shown cells gives only the sum of two or more hidden cells, and that
        # sum is itself at least k.
        assert len(hidden) >= 2 or not shown
        assert sum(present[c] for c in hidden) >= k or not shown


# --- Row export: generalisation ---------------------------------------------------------------

MONTHS = ["2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-07"]
INCOME = ["low", "lower_middle", "upper_middle", "high", "unknown", "none"]

rows_strategy = st.lists(
    st.tuples(
        st.sampled_from(TYPES),
        st.sampled_from(POPULATIONS),
        st.sampled_from(REGIONS),
        st.sampled_from(MONTHS),
        st.sampled_from(["1", "2"]),
        st.sampled_from(INCOME),
    ),
    max_size=400,
)


def qi(
    ctype: str = "commune",
    population: str = "lt_20k",
    region: str = "84",
    month: str = "2026-02",
    version: str = "1",
    income: str = "high",
) -> an.QuasiIdentifier:
    """Return an original combination of quasi-identifiers (the month stands for the period)."""
    return (ctype, population, region, month, version, income)


def _is_generalisation(original: an.QuasiIdentifier, shown: an.QuasiIdentifier) -> bool:
    """Return whether shown is original at some level of each hierarchy (never the month)."""
    return all(
        any(
            an.generalise_value(col, code, level) == value
            for level in range(len(an.HIERARCHIES[col]))
        )
        for col, code, value in zip(an.QUASI_IDENTIFIERS, original, shown, strict=True)
    )


@settings(max_examples=200, deadline=None)
@given(rows_strategy, st.integers(2, 8))
def test_export_is_k_anonymous(rows: list[an.QuasiIdentifier], k: int) -> None:
    counts = an.qi_counts(rows)
    chosen = an.choose_generalisation(counts, k)
    kept = [(qi, shown) for qi in rows if (shown := chosen.apply(qi)) is not None]
    classes = Counter(shown for _qi, shown in kept)
    # Every combination of all the quasi-identifiers that appears does so in at least k rows.
    assert all(n >= k for n in classes.values())
    # Rows are generalised, never altered, and removed only within the budget.
    assert all(_is_generalisation(qi, shown) for qi, shown in kept)
    # The month never survives: the period is a quarter at best.
    assert not {shown[3] for _qi, shown in kept} & set(MONTHS)
    removed = len(rows) - len(kept)
    assert removed == chosen.suppressed_rows
    if len(rows) >= k:
        assert removed <= an.max_suppressed_rows(len(rows))
    else:
        assert kept == []
    # No lower node of the lattice would have done (minimal generalisation).
    if len(rows) >= k:
        for levels in an.lattice():
            if sum(levels) >= chosen.height:
                break
            grouped = an.evaluate(counts, levels)
            small = sum(n for n in grouped.values() if n < k)
            assert small > an.max_suppressed_rows(len(rows)), levels


@settings(max_examples=100, deadline=None)
@given(rows_strategy, st.integers(2, 8))
def test_rolled_up_counts_match_direct_generalisation(
    rows: list[an.QuasiIdentifier], k: int
) -> None:
    counts = an.qi_counts(rows)
    chosen = an.choose_generalisation(counts, k)
    grouped = an.evaluate(counts, chosen.levels)
    assert chosen.suppressed_rows == sum(n for n in grouped.values() if n < k)


def test_rare_region_is_generalised_not_dropped() -> None:
    rows = [qi(region="84")] * 20 + [qi(region="04")] * 2 + [qi(region="01")] * 3
    chosen = an.choose_generalisation(an.qi_counts(rows), 5)
    assert chosen.levels == (0, 0, 1, 0, 0, 0)
    assert chosen.apply(qi(region="04")) == (
        "commune",
        "lt_20k",
        "overseas",
        "2026-Q1",
        "1",
        "high",
    )
    assert chosen.suppressed_rows == 0


def test_the_period_is_generalised_before_the_profile() -> None:
    rows = [qi(month="2026-02")] * 3 + [qi(month="2026-05")] * 3
    chosen = an.choose_generalisation(an.qi_counts(rows), 5)
    assert chosen.levels == (0, 0, 0, 1, 0, 0)
    assert chosen.apply(qi(month="2026-05"))[3] == "2026-H1"


def test_a_rare_income_group_is_grouped() -> None:
    rows = [qi(income="high")] * 6 + [qi(income="upper_middle")] * 2
    rows += [qi(income="low")] * 3 + [qi(income="lower_middle")] * 3
    chosen = an.choose_generalisation(an.qi_counts(rows), 5)
    assert chosen.levels == (0, 0, 0, 0, 0, 1)
    assert {chosen.apply(r)[5] for r in rows} == {"upper_middle_or_high", "low_or_lower_middle"}


def test_a_single_outlier_is_removed_rather_than_generalising_everything() -> None:
    rows = [qi("commune", "lt_20k", "84")] * 150 + [qi("region", "gt_1m", "84")] * 150
    rows += [qi("other", "500k_1m", "04")]
    chosen = an.choose_generalisation(an.qi_counts(rows), 5)
    assert chosen.levels == an.BOTTOM
    assert chosen.suppressed_rows == 1
    assert chosen.apply(qi("other", "500k_1m", "04")) is None


def test_fewer_than_k_rows_are_all_removed() -> None:
    chosen = an.choose_generalisation(an.qi_counts([qi()] * 4), 5)
    assert chosen.suppressed_rows == 4


def test_hierarchies() -> None:
    assert an.generalise(qi("metropole", "500k_1m", "11", "2026-08", "2", "low"), (1,) * 6) == (
        an.WITH_COMPETENCE,
        "100k_1m",
        an.METROPOLITAN,
        "2026-H2",
        "*",
        "low_or_lower_middle",
    )
    assert an.generalise(qi("commune", "20k_100k", "03", "2026-12"), (1, 1, 1, 2, 0, 1)) == (
        an.WITHOUT_COMPETENCE,
        "lt_100k",
        an.OVERSEAS,
        "2026",
        "1",
        "upper_middle_or_high",
    )
    assert an.generalise(qi(), an.TOP) == ("*",) * 6
    assert [an.quarter(m) for m in ("2026-01", "2026-03", "2026-04", "2026-12", "x")] == [
        "2026-Q1",
        "2026-Q1",
        "2026-Q2",
        "2026-Q4",
        "*",
    ]


# --- Export rows and CSV ----------------------------------------------------------------------


def _row(ctype: str, month: str, recs: str) -> an.ExportRow:
    return (ctype, "lt_20k", "84", month, "1", "economic_cooperation", 10.0, 55.5, 20.25, 1, 2, 3,
            "high", recs)  # fmt: skip


def _chosen(rows: list[an.ExportRow]) -> an.Generalisation:
    return an.choose_generalisation(an.qi_counts(an.row_qi(r) for r in rows), 5)


def test_anonymise_rows_sorts_and_orders_recommendations() -> None:
    rows = [_row("commune", "2026-02", "b|a"), _row("commune", "2025-01", "c")] * 5
    out = an.anonymise_rows(rows, _chosen(rows))
    assert [r[3] for r in out] == ["2025-Q1"] * 5 + ["2026-Q1"] * 5
    assert out[-1][-1] == "a|b"


def test_rows_outside_the_counts_still_respect_k() -> None:
    counted = [_row("commune", "2026-02", "a")] * 5
    late = [_row("region", "2026-03", "a")]  # shared after the counts were taken
    out = an.anonymise_rows(counted + late, _chosen(counted))
    assert len(out) == 5
    assert all(r[0] == "commune" for r in out)


def test_csv_quotes_values_that_need_it() -> None:
    row = ("co;mune", 'x"y', "84", "2026-Q1", "1", "d", 1, 2, 3, 4, 5, 6, "h", "a")
    text = an.to_csv([row])
    assert list(csv.reader(io.StringIO(text[1:]), delimiter=";"))[1][:2] == ["co;mune", 'x"y']


def test_csv_has_bom_semicolons_and_decimal_commas() -> None:
    text = an.to_csv([_row("commune", "2026-Q1", "a|b")])
    assert text.startswith("\ufeff")
    header, row = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert header == list(an.EXPORT_COLUMNS)
    assert row[6:9] == ["10,0", "55,5", "20,2"]
    assert row[-1] == "a|b"
