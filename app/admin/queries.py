"""Aggregate SELECTs over shared diagnostics (anonymised dashboard, exports, peer benchmark).

Only diagnostics whose respondents ticked ``share_anonymised``, completed, are counted, each by
its current result: exactly the rows of ``shared_result``, the narrow read model that
``services`` keeps up to date, and the only table read here (no join, no answers, no payload).
Every aggregate is computed by the database (GROUP BY); quartiles come from the histogram of a
score column (scores have one decimal, so at most 1,001 distinct values), which gives exact
quantiles on SQLite and PostgreSQL alike and never sends individual rows to Python.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVarTuple

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    func,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from app import questionnaire as qn
from app.models import (
    RECOMMENDATION_SEPARATOR,
    SHARED_SCORE_COLUMNS,
    Diagnostic,
    Result,
    SharedResult,
)
from app.questionnaire import LANGS, Text

COMPLETED = "completed"
POSITIONINGS = ("business_internationalisation", "economic_cooperation", "multisector_cooperation")
LOGICS = ("business_support", "sustainable_development", "territorial_promotion")
DIMENSIONS = POSITIONINGS + LOGICS
SCORE_COLUMNS: dict[str, InstrumentedAttribute[float]] = {
    dimension: getattr(SharedResult, column)
    for dimension, column in zip(DIMENSIONS, SHARED_SCORE_COLUMNS, strict=True)
}

Ts = TypeVarTuple("Ts")


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters; None means no restriction."""

    collectivity_type: str | None = None
    region: str | None = None
    month_from: str | None = None
    month_to: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """Return the WHERE conditions of these filters."""
        found: list[ColumnElement[bool]] = []
        if self.collectivity_type:
            found.append(SharedResult.collectivity_type == self.collectivity_type)
        if self.region:
            found.append(SharedResult.region == self.region)
        if self.month_from:
            found.append(SharedResult.month >= self.month_from)
        if self.month_to:
            found.append(SharedResult.month <= self.month_to)
        return found

    @property
    def active(self) -> bool:
        """Return whether any filter restricts the data."""
        return any((self.collectivity_type, self.region, self.month_from, self.month_to))


def shared(stmt: Select[*Ts], filters: Filters | None = None) -> Select[*Ts]:
    """Read a SELECT from the current results of shared, completed diagnostics (shared_result)."""
    stmt = stmt.select_from(SharedResult)
    return stmt.where(*filters.conditions()) if filters else stmt


# --- Dashboard ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """Shared diagnostics of one combination of the dashboard's dimensions, with score sums."""

    collectivity_type: str
    income_group: str
    month: str
    version: str
    dominant: str
    n: int
    sums: tuple[float, ...]  # in DIMENSIONS order


@dataclass(frozen=True)
class Group:
    """Shared diagnostics of one category of a breakdown: their number and score sums."""

    n: int = 0
    sums: tuple[float, ...] = (0.0,) * len(DIMENSIONS)

    def add(self, n: int, sums: Sequence[float]) -> Group:
        """Return this group with more diagnostics added."""
        return Group(self.n + n, tuple(a + b for a, b in zip(self.sums, sums, strict=True)))

    def mean(self, dimension: str) -> float:
        """Return the mean score of a dimension over the group."""
        return self.sums[DIMENSIONS.index(dimension)] / self.n if self.n else 0.0


@dataclass(frozen=True)
class Box:
    """The distribution of a score: quartiles and 5th/95th percentiles, never a raw value."""

    n: int
    p5: float
    q1: float
    median: float
    q3: float
    p95: float
    mean: float


@dataclass
class Aggregates:
    """Everything the dashboard draws, as computed by the database for some filters."""

    cells: list[Cell]
    histograms: dict[str, list[tuple[float, int]]] = field(default_factory=dict)
    recommendations: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Return the number of shared diagnostics counted."""
        return sum(c.n for c in self.cells)

    def by(self, attribute: str) -> dict[str, Group]:
        """Return the cells grouped by one dimension (collectivity_type, month, dominant…)."""
        groups: dict[str, Group] = {}
        for cell in self.cells:
            key = getattr(cell, attribute)
            groups[key] = groups.get(key, Group()).add(cell.n, cell.sums)
        return groups

    def box(self, dimension: str) -> Box | None:
        """Return the distribution of a score, or None with no data."""
        hist = self.histograms.get(dimension) or []
        return box_from_histogram(hist)


def cube(session: Session, filters: Filters | None = None) -> list[Cell]:
    """Return the shared diagnostics counted by type, partner income group, month, version and
    dominant positioning, with their score sums: the one scan every breakdown is summed from.
    """
    keys = (
        SharedResult.collectivity_type,
        SharedResult.partner_income_group,
        SharedResult.month,
        SharedResult.questionnaire_version,
        SharedResult.dominant,
    )
    sums = [func.sum(SCORE_COLUMNS[d]) for d in DIMENSIONS]
    stmt = shared(select(*keys, func.count(), *sums), filters).group_by(*keys)
    return [
        Cell(
            str(row[0]),
            str(row[1]),
            str(row[2]),
            str(row[3]),
            str(row[4]),
            int(row[5]),
            tuple(float(x or 0.0) for x in row[6:]),
        )
        for row in session.execute(stmt)
    ]


def _histogram_select(
    dimensions: Sequence[str],
    *keys: InstrumentedAttribute[Any],
    filters: Filters | None = None,
) -> CompoundSelect[Any]:
    """Return a SELECT of ([keys…,] dimension index, score value, count) for shared diagnostics.

    One GROUP BY per score, joined by UNION ALL: each groups by the score first, so that it
    reads the score's covering index in order (``ix_shared_result_score_…``) on SQLite.
    """
    parts = []
    for index, dimension in enumerate(dimensions):
        value = SCORE_COLUMNS[dimension]
        dim = literal_column(str(index), Integer).label("i")
        part = shared(select(*keys, dim, value.label("value"), func.count()), filters)
        parts.append(part.group_by(value, *keys))
    return union_all(*parts)


def _read_histograms(
    rows: Iterable[Any], dimensions: Sequence[str]
) -> dict[str, list[tuple[float, int]]]:
    """Return the histograms of (dimension index, value, count) rows, values ascending."""
    result: dict[str, list[tuple[float, int]]] = {d: [] for d in dimensions}
    for dim_index, value, n in rows:
        result[dimensions[int(dim_index)]].append((float(value), int(n)))
    for values in result.values():
        values.sort()
    return result


def histograms(
    session: Session, filters: Filters | None = None, dimensions: Sequence[str] = POSITIONINGS
) -> dict[str, list[tuple[float, int]]]:
    """Return, per score, its distinct values with their counts, in ascending order."""
    stmt = _histogram_select(dimensions, filters=filters)
    return _read_histograms(session.execute(stmt), dimensions)


def recommendation_counts(session: Session, filters: Filters | None = None) -> dict[str, int]:
    """Return how many shared diagnostics received each recommendation, most frequent first.

    The database counts each distinct set of recommendations (far fewer than the diagnostics);
    the sets are split here.
    """
    sets = SharedResult.recommendations
    counts: dict[str, int] = {}
    for joined, n in session.execute(shared(select(sets, func.count()), filters).group_by(sets)):
        for rec in str(joined or "").split(RECOMMENDATION_SEPARATOR):
            if rec:
                counts[rec] = counts.get(rec, 0) + int(n)
    return dict(sorted(counts.items(), key=lambda x: (-x[1], x[0])))


def aggregates(session: Session, filters: Filters | None = None, k: int = 1) -> Aggregates:
    """Return the dashboard's aggregates; below k diagnostics only the count is computed."""
    cells = cube(session, filters)
    result = Aggregates(cells)
    if result.total >= k:
        result.histograms = histograms(session, filters)
        result.recommendations = recommendation_counts(session, filters)
    return result


def months_available(session: Session) -> list[str]:
    """Return the months that have shared results, oldest first (for the period filter)."""
    stmt = shared(select(SharedResult.month).distinct()).order_by(SharedResult.month)
    return [str(m) for m in session.scalars(stmt)]


# --- Quantiles from a histogram -----------------------------------------------------------------


def _value_at(hist: Sequence[tuple[float, int]], index: int) -> float:
    """Return the index-th smallest value (0-based) of the values a histogram counts."""
    seen = 0
    for value, n in hist:
        seen += n
        if index < seen:
            return value
    return hist[-1][0]


def quantile(hist: Sequence[tuple[float, int]], q: float) -> float:
    """Return the q-quantile by linear interpolation (as PostgreSQL's percentile_cont)."""
    n = sum(c for _, c in hist)
    position = q * (n - 1)
    low = math.floor(position)
    below = _value_at(hist, low)
    if position == low:
        return below
    return below + (position - low) * (_value_at(hist, low + 1) - below)


def box_from_histogram(hist: Sequence[tuple[float, int]]) -> Box | None:
    """Return the box-plot statistics of a histogram (None when empty)."""
    n = sum(c for _, c in hist)
    if not n:
        return None
    mean = sum(v * c for v, c in hist) / n
    q = [round(quantile(hist, p), 1) for p in (0.05, 0.25, 0.5, 0.75, 0.95)]
    return Box(n, q[0], q[1], q[2], q[3], q[4], round(mean, 1))


# --- Row export -------------------------------------------------------------------------------


def qi_histogram(session: Session) -> dict[tuple[str, str, str], int]:
    """Return how many shared diagnostics hold each (collectivity_type, population, region)."""
    keys = (SharedResult.collectivity_type, SharedResult.population, SharedResult.region)
    stmt = shared(select(*keys, func.count())).group_by(*keys)
    return {(str(t), str(p), str(r)): int(n) for t, p, r, n in session.execute(stmt)}


def export_rows(session: Session, batch: int = 5000) -> Iterator[tuple[Any, ...]]:
    """Yield one tuple per shared diagnostic: type, population, region, month, version, dominant,
    the six scores, partner income group and the '|'-joined recommendation ids (unordered).
    """
    stmt = shared(
        select(
            SharedResult.collectivity_type,
            SharedResult.population,
            SharedResult.region,
            SharedResult.month,
            SharedResult.questionnaire_version,
            SharedResult.dominant,
            *(SCORE_COLUMNS[d] for d in DIMENSIONS),
            SharedResult.partner_income_group,
            func.replace(SharedResult.recommendations, RECOMMENDATION_SEPARATOR, "|"),
        )
    )
    # Core rows through the session's connection: no ORM result processing per row.
    result = session.connection().execution_options(yield_per=batch).execute(stmt)
    for row in result:
        yield tuple(row)


# --- Peer benchmark -----------------------------------------------------------------------------


Histogram = list[tuple[float, int]]
PeerGroups = dict[tuple[str, str], dict[str, Histogram]]
PEER_BASES = ("collectivity_type", "population")


def peer_groups(session: Session) -> PeerGroups:
    """Return the positioning scores' histograms of every collectivity type and population band.

    A few index scans serve every result page until the data changes: they are kept per engine
    with the data's fingerprint (``data_version``).
    """
    engine = session.get_bind()
    version = data_version(session)
    cached = _peer_cache.get(engine)  # type: ignore[arg-type]
    if cached is not None and cached[0] == version:
        return cached[1]
    groups: PeerGroups = {}
    for basis in PEER_BASES:
        column: InstrumentedAttribute[Any] = getattr(SharedResult, basis)
        for value, dim_index, score, n in session.execute(_histogram_select(POSITIONINGS, column)):
            hists = groups.setdefault((basis, str(value)), {p: [] for p in POSITIONINGS})
            hists[POSITIONINGS[int(dim_index)]].append((float(score), int(n)))
    for hists in groups.values():
        for hist in hists.values():
            hist.sort()
    _peer_cache[engine] = (version, groups)  # type: ignore[index]
    return groups


_peer_cache: weakref.WeakKeyDictionary[Any, tuple[tuple[Any, ...], PeerGroups]] = (
    weakref.WeakKeyDictionary()
)


def _without(hist: Histogram, value: float) -> Histogram:
    """Return a histogram with one occurrence of value taken out."""
    out = []
    for v, n in hist:
        if v == value:
            n -= 1
        if n:
            out.append((v, n))
    return out


def peer_benchmark(session: Session, diagnostic: Diagnostic, k: int) -> dict[str, Any] | None:
    """Return how the diagnostic's scores compare with shared diagnostics of similar authorities.

    Peers are shared, completed diagnostics of the same collectivity type, else of the same
    population band (the respondent's own excluded); None unless the peer group has at least k
    members. The dict holds ``basis`` ("collectivity_type" or "population"), ``value`` (its
    code), ``value_label`` and, per positioning, ``label``, ``own``, ``mean`` and ``median``
    (one decimal).
    """
    scores = [SCORE_COLUMNS[p] for p in POSITIONINGS]
    mine = session.execute(
        shared(select(SharedResult.collectivity_type, SharedResult.population, *scores)).where(
            SharedResult.diagnostic_id == diagnostic.id
        )
    ).first()
    own: Sequence[Any] | None = tuple(mine)[2:] if mine is not None else None
    if own is None:  # not shared: the respondent's own scores, from their current result
        own = session.execute(
            select(
                Result.score_business_internationalisation,
                Result.score_economic_cooperation,
                Result.score_multisector_cooperation,
            )
            .where(Result.diagnostic_id == diagnostic.id, Result.is_current.is_(True))
            .order_by(Result.id.desc())
            .limit(1)
        ).first()
    groups = peer_groups(session)
    for basis in PEER_BASES:
        value = getattr(diagnostic, basis)
        hists = groups.get((basis, str(value))) if value else None
        if not hists:
            continue
        if mine is not None and getattr(mine, basis) == value:  # counted among its own peers
            own_values = dict(zip(POSITIONINGS, tuple(mine)[2:], strict=True))
            hists = {p: _without(h, float(own_values[p])) for p, h in hists.items()}
        n = sum(c for _v, c in hists[POSITIONINGS[0]])
        if n < k:
            continue
        questionnaire = qn.get(diagnostic.questionnaire_version) or qn.current()
        option = questionnaire.questions[basis].option(value)
        return {
            "basis": basis,
            "value": value,
            "value_label": _both(option.label) if option else {"fr": value, "en": value},
            "n": n,
            "k": k,
            "positionings": [
                {
                    "id": p,
                    "label": _both(questionnaire.dimension(p).label),
                    "own": float(own[i]) if own is not None else None,
                    "mean": round(sum(v * c for v, c in hists[p]) / n, 1),
                    "median": round(quantile(hists[p], 0.5), 1),
                }
                for i, p in enumerate(POSITIONINGS)
            ],
        }
    return None


def _both(text: Text) -> dict[str, str]:
    """Return a questionnaire text in every language, for templates to pick from."""
    return {lang: text.get(lang) for lang in LANGS}


# --- Cache -------------------------------------------------------------------------------------


def data_version(session: Session) -> tuple[Any, ...]:
    """Return a fingerprint of the data the dashboard reads, from index-only lookups.

    ``shared_result`` gains a row with a new, higher result id at every shared completion, loses
    one at every withdrawal or deletion, and every consent change touches the diagnostic's
    ``updated_at``: its count, its newest result id and the diagnostics' latest update change
    whenever the shared data do.
    """
    shared_rows = session.execute(
        select(func.count(), func.max(SharedResult.result_id)).select_from(SharedResult)
    ).one()
    latest = session.scalar(select(func.max(Diagnostic.updated_at)))
    return (*shared_rows, latest)


@dataclass
class AggregateCache:
    """Dashboard aggregates kept per filters while the data does not change (per process)."""

    ttl: float = 300.0
    size: int = 64
    entries: dict[tuple[Any, ...], tuple[float, tuple[Any, ...], Aggregates]] = field(
        default_factory=dict
    )

    def get(
        self, session: Session, filters: Filters, k: int, now: float
    ) -> tuple[Aggregates, bool]:
        """Return the aggregates for these filters and whether they came from the cache."""
        version = data_version(session)
        key = (filters, k)
        entry = self.entries.get(key)
        if entry is not None and entry[1] == version and now - entry[0] < self.ttl:
            return entry[2], True
        found = aggregates(session, filters, k)
        if len(self.entries) >= self.size:
            oldest = min(self.entries, key=lambda kk: self.entries[kk][0])
            del self.entries[oldest]
        self.entries[key] = (now, version, found)
        return found, False

    def clear(self) -> None:
        """Forget every entry."""
        self.entries.clear()
