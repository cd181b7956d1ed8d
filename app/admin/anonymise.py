"""Anonymity rules shared by the dashboard and the exports (pure: no Flask, no database).

Two rules, both with k = ``MIN_CELL_SIZE``:

* **Cell suppression** (dashboard): a breakdown of a shown total hides every cell under k, and,
  when the hidden cells could be recomputed from the total (a single hidden cell, or hidden cells
  adding up to less than k), also hides the next smallest cells (secondary suppression).
* **k-anonymous row export**: every quasi-identifier the export carries (collectivity type,
  population band, region, period, questionnaire version and the partners' income group) is
  generalised with *full-domain* recoding: one generalisation level per column, applied to the
  whole table. The month is treated as identifying: the period is at best the quarter, then the
  half-year, the year, or suppressed. The chosen levels are the lowest node of the generalisation
  lattice (fewest steps in total) where every combination of all the quasi-identifiers that
  appears holds at least k rows, once at most ``MAX_SUPPRESSION_RATE`` of the rows, those left in
  smaller combinations, are removed. Removing rows is the last resort: among nodes of the same
  height the one removing fewest rows wins.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import operator
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from app import partners
from app.models import PROFILE_COLUMNS, SHARED_SCORE_COLUMNS

K = TypeVar("K", bound=Hashable)

# The export's quasi-identifiers, in the order of their generalisation levels. An original row
# carries the month where the export carries the period.
QUASI_IDENTIFIERS = (
    "collectivity_type",
    "population",
    "region",
    "period",
    "questionnaire_version",
    "partner_income_group",
)
QuasiIdentifier = tuple[str, ...]
Levels = tuple[int, ...]

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

# Level 1 of the partners' income group: the two halves of the World Bank classification, and the
# diagnostics whose partners say nothing of it (no partner, or unclassified countries).
INCOME_CLASSES = {
    "low": "low_or_lower_middle",
    "lower_middle": "low_or_lower_middle",
    "upper_middle": "upper_middle_or_high",
    "high": "upper_middle_or_high",
    "unknown": "none_or_unknown",
    "none": "none_or_unknown",
}


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


def _income_level_1(code: str) -> str:
    """Return the broader income class of a World Bank income group."""
    return INCOME_CLASSES.get(code, ANY)


def quarter(month: str) -> str:
    """Return the quarter of a "YYYY-MM" month, as "YYYY-Qn" (the period's finest level)."""
    year, _, number = month.partition("-")
    if not (year.isdigit() and number.isdigit() and 1 <= int(number) <= 12):
        return ANY
    return f"{year}-Q{(int(number) - 1) // 3 + 1}"


def _half_year(period: str) -> str:
    """Return the half-year "YYYY-Hn" of a quarter "YYYY-Qn"."""
    year, _, q = period.partition("-Q")
    return f"{year}-H{1 if q in ('1', '2') else 2}" if q else ANY


def _year(period: str) -> str:
    """Return the year "YYYY" of a half-year "YYYY-Hn"."""
    year, _, half = period.partition("-H")
    return year if half else ANY


def _keep(code: str) -> str:
    """Return the code unchanged (level 0)."""
    return code


def _hide(_code: str) -> str:
    """Return the fully generalised value (top level)."""
    return ANY


# HIERARCHIES[column] = (base, step 1, step 2, …): base maps an original value to level 0 and
# step l maps a value of level l − 1 to level l, so that a level is reached from the one below.
HIERARCHIES: dict[str, tuple[Callable[[str], str], ...]] = {
    "collectivity_type": (_keep, _type_level_1, _hide),
    "population": (_keep, _population_level_1, _hide),
    "region": (_keep, _region_level_1, _hide),
    "period": (quarter, _half_year, _year, _hide),
    "questionnaire_version": (_keep, _hide),
    "partner_income_group": (_keep, _income_level_1, _hide),
}
DEPTHS = tuple(len(HIERARCHIES[col]) for col in QUASI_IDENTIFIERS)
TOP: Levels = tuple(depth - 1 for depth in DEPTHS)
BOTTOM: Levels = (0,) * len(QUASI_IDENTIFIERS)

# What each level of each column is called in the data dictionary and the JSON export.
LEVEL_NAMES: dict[str, tuple[str, ...]] = {
    "collectivity_type": ("exact", "grouped", "masked"),
    "population": ("exact", "grouped", "masked"),
    "region": ("exact", "grouped", "masked"),
    "period": ("quarter", "half_year", "year", "masked"),
    "questionnaire_version": ("exact", "masked"),
    "partner_income_group": ("exact", "grouped", "masked"),
}


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


def generalise_value(column: str, code: str, level: int) -> str:
    """Return an original value of a quasi-identifier generalised to a level of its hierarchy."""
    value = code
    for step in HIERARCHIES[column][: level + 1]:
        value = step(value)
    return value


def generalise(qi: QuasiIdentifier, levels: Levels) -> QuasiIdentifier:
    """Return the (original) quasi-identifiers of a row generalised to the given levels."""
    return tuple(
        generalise_value(col, code, level)
        for col, level, code in zip(QUASI_IDENTIFIERS, levels, qi, strict=True)
    )


# At equal height, the period is generalised first, then the questionnaire version, the income
# group, the region, the population and the type: the columns the dashboard analyses by (type,
# then size) are kept as long as possible.
PREFERENCE = (0, 1, 2, 5, 4, 3)


def lattice() -> list[Levels]:
    """Return every node of the generalisation lattice, lowest first."""
    nodes = [tuple(n) for n in itertools.product(*(range(depth) for depth in DEPTHS))]
    return sorted(nodes, key=lambda n: (sum(n), *(n[i] for i in PREFERENCE)))


def evaluate(counts: Mapping[QuasiIdentifier, int], levels: Levels) -> Counter[QuasiIdentifier]:
    """Return the row count of every generalised combination at these levels."""
    grouped: Counter[QuasiIdentifier] = Counter()
    for qi, n in counts.items():
        grouped[generalise(qi, levels)] += n
    return grouped


class _Rollup:
    """Counts of the generalised combinations per lattice node, each rolled up from a node
    one step below (so that a node costs a pass over its predecessor's few combinations).
    """

    def __init__(self, counts: Mapping[QuasiIdentifier, int]) -> None:
        self.nodes: dict[Levels, Counter[QuasiIdentifier]] = {BOTTOM: evaluate(counts, BOTTOM)}

    def at(self, levels: Levels) -> Counter[QuasiIdentifier]:
        """Return the counts of the combinations at this node."""
        found = self.nodes.get(levels)
        if found is not None:
            return found
        column = max(i for i, level in enumerate(levels) if level)
        below = self.at(tuple(lv - (i == column) for i, lv in enumerate(levels)))
        step = HIERARCHIES[QUASI_IDENTIFIERS[column]][levels[column]]
        mapped: dict[str, str] = {}
        grouped: Counter[QuasiIdentifier] = Counter()
        for qi, n in below.items():
            value = qi[column]
            if value not in mapped:
                mapped[value] = step(value)
            grouped[(*qi[:column], mapped[value], *qi[column + 1 :])] += n
        self.nodes[levels] = grouped
        return grouped


def max_suppressed_rows(rows: int, rate: float = MAX_SUPPRESSION_RATE) -> int:
    """Return how many rows the export may remove rather than generalise further."""
    return math.floor(rows * rate)


def choose_generalisation(
    counts: Mapping[QuasiIdentifier, int], k: int, rate: float = MAX_SUPPRESSION_RATE
) -> Generalisation:
    """Return the lowest generalisation making every combination hold at least k rows.

    counts maps each original combination of QUASI_IDENTIFIERS (the month standing for the
    period) to its number of rows. A table of fewer than k rows is removed entirely.
    """
    total = sum(counts.values())
    budget = max_suppressed_rows(total, rate)
    rollup = _Rollup(counts)
    best: Generalisation | None = None
    for levels in lattice():
        if best is not None and sum(levels) > best.height:
            break
        grouped = rollup.at(levels)
        small = frozenset(qi for qi, n in grouped.items() if n < k)
        removed = sum(grouped[qi] for qi in small)
        if removed > budget:
            continue
        candidate = Generalisation(levels, k, total, removed, small)
        if best is None or removed < best.suppressed_rows:
            best = candidate
    if best is None:
        grouped = rollup.at(TOP)
        small = frozenset(qi for qi, n in grouped.items() if n < k)
        best = Generalisation(TOP, k, total, sum(grouped[qi] for qi in small), small)
    return best


def qi_counts(rows: Iterable[QuasiIdentifier]) -> Counter[QuasiIdentifier]:
    """Return how many rows hold each combination of quasi-identifiers."""
    return Counter(rows)


# --- Export table -------------------------------------------------------------------------------

# An original row: (type, population, region, month, version, dominant, six scores, partner
# income group, '|'-joined recommendation ids); the export row has the period for the month.
EXPORT_COLUMNS = (
    *PROFILE_COLUMNS,
    "period",
    "questionnaire_version",
    "dominant",
    *SHARED_SCORE_COLUMNS,
    "partner_income_group",
    "recommendations",
)
_FIRST_SCORE = EXPORT_COLUMNS.index(SHARED_SCORE_COLUMNS[0])
SCORE_SLICE = slice(_FIRST_SCORE, _FIRST_SCORE + len(SHARED_SCORE_COLUMNS))
# Where each quasi-identifier sits in a row, in the order of QUASI_IDENTIFIERS.
QI_POSITIONS = tuple(
    EXPORT_COLUMNS.index("period" if col == "period" else col) for col in QUASI_IDENTIFIERS
)

ExportRow = tuple[Any, ...]


_qi_of = operator.itemgetter(*QI_POSITIONS)
# The quasi-identifiers are the first columns of a row, and the income group before the last.
_LEADING = QI_POSITIONS.index(EXPORT_COLUMNS.index("partner_income_group"))
if (*range(_LEADING), len(EXPORT_COLUMNS) - 2) != QI_POSITIONS:
    raise RuntimeError("the export's quasi-identifier columns moved")


def row_qi(row: Sequence[Any]) -> QuasiIdentifier:
    """Return the quasi-identifiers of a row, in the order of QUASI_IDENTIFIERS."""
    found: QuasiIdentifier = _qi_of(row)
    return found


def anonymise_rows(rows: Iterable[ExportRow], generalisation: Generalisation) -> list[ExportRow]:
    """Return the rows with generalised quasi-identifiers, small combinations removed, sorted.

    The sort on every column makes the order say nothing about when a diagnostic was completed.
    """
    generalised: dict[QuasiIdentifier, QuasiIdentifier | None] = {}
    ordered: dict[Any, str] = {}
    sizes: Counter[QuasiIdentifier] = Counter()
    kept: list[ExportRow] = []
    for row in rows:
        key = _qi_of(row)
        qi = generalised.get(key, key)
        if qi is key:
            qi = generalised[key] = generalisation.apply(key)
        if qi is None:
            continue
        recs = row[-1]
        text = ordered.get(recs)
        if text is None:
            text = ordered[recs] = "|".join(sorted(filter(None, str(recs or "").split("|"))))
        kept.append((*qi[:_LEADING], *row[_LEADING:-2], qi[_LEADING], text))
        sizes[qi] += 1
    # A row absent from the counts the generalisation was chosen from could form a new, small
    # combination: the rule is enforced on the rows themselves.
    if any(n < generalisation.k for n in sizes.values()):
        kept = [row for row in kept if sizes[_qi_of(row)] >= generalisation.k]
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

    Values are codes, periods and numbers: a line needs quoting only if one holds a separator, a
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
            col: LEVEL_NAMES[col][level]
            for col, level in zip(QUASI_IDENTIFIERS, generalisation.levels, strict=True)
        },
        "rows": generalisation.rows,
        "suppressed_rows": generalisation.suppressed_rows,
    }
