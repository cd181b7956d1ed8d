"""Anonymity rules shared by the dashboard and the exports (pure: no Flask, no database).

Two rules, both with k = ``MIN_CELL_SIZE``:

* **Cell suppression** (dashboard): a breakdown of a shown total hides every cell under k, and,
  when the hidden cells could be recomputed from the total (a single hidden cell, or hidden cells
  adding up to less than k), also hides the next smallest cells (secondary suppression).
* **k-anonymous row export**: the quasi-identifiers (collectivity type, population band, region)
  are generalised with *full-domain* recoding: one generalisation level per column, applied to the
  whole table. The chosen levels are the lowest node of the generalisation lattice (fewest steps
  in total) where every combination that appears holds at least k rows, once at most
  ``MAX_SUPPRESSION_RATE`` of the rows, those left in smaller combinations, are removed. Removing
  rows is the last resort: among nodes of the same height the one removing fewest rows wins.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from app import partners
from app.models import PROFILE_COLUMNS, SHARED_SCORE_COLUMNS

K = TypeVar("K", bound=Hashable)

QUASI_IDENTIFIERS = ("collectivity_type", "population", "region")
QuasiIdentifier = tuple[str, str, str]

ANY = "*"
MAX_SUPPRESSION_RATE = 0.01

# Level 1 of the collectivity type: the NOTRe law gives economic-development competence to régions
# and intercommunalités (métropoles included), which is what the diagnostic's analysis turns on.
WITH_COMPETENCE = "with_economic_competence"
WITHOUT_COMPETENCE = "without_economic_competence"
ECONOMIC_COMPETENCE = frozenset({"region", "intercommunalite", "metropole"})

# Level 1 of the population: three bands instead of five.
POPULATION_BANDS = {
    "lt_20k": "lt_100k",
    "20k_100k": "lt_100k",
    "100k_500k": "100k_1m",
    "500k_1m": "100k_1m",
    "gt_1m": "gt_1m",
}

METROPOLITAN = "metropolitan"
OVERSEAS = "overseas"


def _type_level_1(code: str) -> str:
    """Return the competence group of a collectivity type."""
    return WITH_COMPETENCE if code in ECONOMIC_COMPETENCE else WITHOUT_COMPETENCE


def _population_level_1(code: str) -> str:
    """Return the three-band population class of a five-band code."""
    return POPULATION_BANDS.get(code, ANY)


def _region_level_1(code: str) -> str:
    """Return metropolitan or overseas for an INSEE region code."""
    found = partners.region(code)
    if found is None:
        return ANY
    return METROPOLITAN if found.metropolitan else OVERSEAS


def _keep(code: str) -> str:
    """Return the code unchanged (level 0)."""
    return code


def _hide(_code: str) -> str:
    """Return the fully generalised value (top level)."""
    return ANY


# HIERARCHIES[column][level] maps an original code to its generalised value.
HIERARCHIES: dict[str, tuple[Callable[[str], str], ...]] = {
    "collectivity_type": (_keep, _type_level_1, _hide),
    "population": (_keep, _population_level_1, _hide),
    "region": (_keep, _region_level_1, _hide),
}

Levels = tuple[int, int, int]


# --- Dashboard cells --------------------------------------------------------------------------


def hidden_cells(counts: Mapping[K, int], k: int) -> set[K]:
    """Return the cells of a breakdown to hide so that no shown or deducible figure is under k.

    Empty cells (0) are not part of the breakdown. Cells under k are hidden; while the hidden
    cells are a single one, or add up to less than k (the shown total minus the shown cells would
    give them away), the smallest shown cell is hidden too. When nothing is left to hide with,
    every cell is hidden.
    """
    present = {key: n for key, n in counts.items() if n > 0}
    hidden = {key for key, n in present.items() if n < k}
    shown = sorted((c for c in present if c not in hidden), key=lambda c: (present[c], str(c)))
    while hidden and (len(hidden) < 2 or sum(present[c] for c in hidden) < k):
        if not shown:
            return set(present)
        hidden.add(shown.pop(0))
    return hidden


# --- Row export: full-domain generalisation ---------------------------------------------------


@dataclass(frozen=True)
class Generalisation:
    """The generalisation chosen for a table: levels per quasi-identifier and rows removed."""

    levels: Levels
    k: int
    rows: int
    suppressed_rows: int
    suppressed_classes: frozenset[QuasiIdentifier]

    def apply(self, qi: QuasiIdentifier) -> QuasiIdentifier | None:
        """Return the generalised quasi-identifiers of a row, or None if the row is removed."""
        generalised = generalise(qi, self.levels)
        return None if generalised in self.suppressed_classes else generalised

    @property
    def height(self) -> int:
        """Return the number of generalisation steps, all columns together."""
        return sum(self.levels)


def generalise(qi: QuasiIdentifier, levels: Levels) -> QuasiIdentifier:
    """Return the quasi-identifiers of a row generalised to the given levels."""
    t, p, r = (
        HIERARCHIES[col][lvl](code)
        for col, lvl, code in zip(QUASI_IDENTIFIERS, levels, qi, strict=True)
    )
    return (t, p, r)


def lattice() -> list[Levels]:
    """Return every node of the generalisation lattice, lowest first.

    At equal height, region is generalised before population, and population before type, which
    keeps the columns the dashboard analyses by (type, then size) as long as possible.
    """
    depths = [range(len(HIERARCHIES[col])) for col in QUASI_IDENTIFIERS]
    nodes: list[Levels] = [(t, p, r) for t, p, r in itertools.product(*depths)]
    return sorted(nodes, key=lambda n: (sum(n), n[0], n[1], n[2]))


def evaluate(counts: Mapping[QuasiIdentifier, int], levels: Levels) -> Counter[QuasiIdentifier]:
    """Return the row count of every generalised combination at these levels."""
    grouped: Counter[QuasiIdentifier] = Counter()
    for qi, n in counts.items():
        grouped[generalise(qi, levels)] += n
    return grouped


def max_suppressed_rows(rows: int, rate: float = MAX_SUPPRESSION_RATE) -> int:
    """Return how many rows the export may remove rather than generalise further."""
    return math.floor(rows * rate)


def choose_generalisation(
    counts: Mapping[QuasiIdentifier, int], k: int, rate: float = MAX_SUPPRESSION_RATE
) -> Generalisation:
    """Return the lowest generalisation making every combination hold at least k rows.

    counts maps each original (collectivity_type, population, region) to its number of rows.
    A table of fewer than k rows is removed entirely (nothing can protect it).
    """
    total = sum(counts.values())
    budget = max_suppressed_rows(total, rate)
    best: Generalisation | None = None
    for levels in lattice():
        if best is not None and sum(levels) > best.height:
            break
        grouped = evaluate(counts, levels)
        small = frozenset(qi for qi, n in grouped.items() if n < k)
        removed = sum(grouped[qi] for qi in small)
        if removed > budget:
            continue
        candidate = Generalisation(levels, k, total, removed, small)
        if best is None or removed < best.suppressed_rows:
            best = candidate
    if best is None:
        top = (2, 2, 2)
        grouped = evaluate(counts, top)
        small = frozenset(qi for qi, n in grouped.items() if n < k)
        best = Generalisation(top, k, total, sum(grouped[qi] for qi in small), small)
    return best


def qi_counts(rows: Iterable[QuasiIdentifier]) -> Counter[QuasiIdentifier]:
    """Return how many rows hold each combination of quasi-identifiers."""
    return Counter(rows)


# --- Export table -------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    *PROFILE_COLUMNS,
    "month",
    "questionnaire_version",
    "dominant",
    *SHARED_SCORE_COLUMNS,
    "partner_income_group",
    "recommendations",
)
_FIRST_SCORE = EXPORT_COLUMNS.index(SHARED_SCORE_COLUMNS[0])
SCORE_SLICE = slice(_FIRST_SCORE, _FIRST_SCORE + len(SHARED_SCORE_COLUMNS))
LEVEL_NAMES = ("exact", "grouped", "masked")

ExportRow = tuple[Any, ...]


def anonymise_rows(rows: Iterable[ExportRow], generalisation: Generalisation) -> list[ExportRow]:
    """Return the rows with generalised quasi-identifiers, small combinations removed, sorted.

    Rows are (type, population, region, month, version, dominant, six scores, partner income
    group, '|'-joined recommendation ids). The sort on every column makes the order say nothing
    about when a diagnostic was completed.
    """
    generalised: dict[tuple[Any, Any, Any], QuasiIdentifier | None] = {}
    ordered: dict[Any, str] = {}
    kept: list[ExportRow] = []
    for row in rows:
        key = (row[0], row[1], row[2])
        if key not in generalised:
            generalised[key] = generalisation.apply((str(row[0]), str(row[1]), str(row[2])))
        qi = generalised[key]
        if qi is None:
            continue
        recs = row[-1]
        if recs not in ordered:
            ordered[recs] = "|".join(sorted(filter(None, str(recs or "").split("|"))))
        kept.append((*qi, *row[len(qi) : -1], ordered[recs]))
    # A diagnostic shared between the histogram the generalisation was chosen from and this
    # read could form a new, small combination: the rule is enforced on the rows themselves.
    sizes = Counter(row[:3] for row in kept)
    if any(n < generalisation.k for n in sizes.values()):
        kept = [row for row in kept if sizes[row[:3]] >= generalisation.k]
    kept.sort()
    return kept


def decimal_comma(value: float) -> str:
    """Return a score with one decimal and a decimal comma (French spreadsheets)."""
    return f"{value:.1f}".replace(".", ",")


def to_csv_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Return a table as CSV that French spreadsheets open as is: UTF-8 BOM, ';', CRLF."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue()


def _quoted_line(cells: Sequence[str]) -> str:
    """Return one CSV line with the csv module's quoting, without its line end."""
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="").writerow(cells)
    return out.getvalue()


def to_csv(rows: Iterable[ExportRow]) -> str:
    """Return the export rows as CSV: BOM, ';' separator, scores with a decimal comma.

    Values are codes, months and numbers: a line needs quoting only if one holds a separator, a
    quote or a line break, which the csv module then handles.
    """
    formatted: dict[Any, str] = {}

    def score(value: Any) -> str:
        text = formatted.get(value)
        if text is None:
            text = formatted[value] = decimal_comma(float(value))
        return text

    separators = len(EXPORT_COLUMNS) - 1
    lines = ["\ufeff" + ";".join(EXPORT_COLUMNS)]
    for row in rows:
        cells = [
            *map(str, row[: SCORE_SLICE.start]),
            *map(score, row[SCORE_SLICE]),
            *map(str, row[SCORE_SLICE.stop :]),
        ]
        line = ";".join(cells)
        if line.count(";") != separators or '"' in line or "\n" in line or "\r" in line:
            line = _quoted_line(cells)
        lines.append(line)
    lines.append("")
    return "\r\n".join(lines)


def to_records(rows: Iterable[ExportRow]) -> list[dict[str, Any]]:
    """Return the rows as JSON-ready objects (scores as numbers, recommendations as a list)."""
    records = []
    for row in rows:
        record = dict(zip(EXPORT_COLUMNS, row, strict=True))
        for name in EXPORT_COLUMNS[SCORE_SLICE]:
            record[name] = round(float(record[name]), 1)
        record["recommendations"] = [r for r in str(record["recommendations"]).split("|") if r]
        records.append(record)
    return records


def describe(generalisation: Generalisation) -> dict[str, Any]:
    """Return the generalisation as plain data (level names per column, rows removed)."""
    return {
        "k": generalisation.k,
        "levels": {
            col: LEVEL_NAMES[level]
            for col, level in zip(QUASI_IDENTIFIERS, generalisation.levels, strict=True)
        },
        "rows": generalisation.rows,
        "suppressed_rows": generalisation.suppressed_rows,
    }
