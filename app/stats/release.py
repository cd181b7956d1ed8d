"""The statistics release: which figures a snapshot publishes, their privacy budget, and the
figures read back from it. Pure Python (no Flask, no database): ``snapshot.py`` feeds it rows.

What is released, once per snapshot, with a total privacy budget ε (``PRIVACY_EPSILON``):

- the snapshot is cut by a fixed set of *dimensions* (``BUDGET``); each dimension partitions the
  shared diagnostics into cells whose values come from the questionnaire and the reference data
  (never from the data, so that an empty cell is released too, as noise);
- every cell of a profile dimension releases the counts of its diagnostics by dominant
  positioning (a histogram: one diagnostic moves one bin by 1, L1 sensitivity 1) and the sums of
  the three positioning scores minus 50, the middle of the 0–100 range (one diagnostic moves each
  by at most 50, L1 sensitivity 150);
- the ``all`` dimension (one cell) releases a 10-point histogram of each positioning score
  (L1 sensitivity 3) and the number of diagnostics given each recommendation (a diagnostic may
  get every recommendation of the catalogue: L1 sensitivity = the catalogue's size);
- the ``answers`` dimension (one cell per questionnaire version) releases, for every question of
  the version, how many diagnostics count in each row of the question's summary (its type's
  ``summary()``: options, bands, partners' income groups). A diagnostic counts at most once per
  row and in at most ``summary_width`` rows of a question (one for a single choice, the most
  ticks for a multiple choice; in a repeat group once per row whatever its number of items), so
  the L1 sensitivity of a version's vector is the sum of its questions' widths;
- the ``pairs`` dimension (one cell) releases the number of re-diagnosis pairs and the sums of
  their score changes per positioning (newer minus older). A pair is a shared diagnostic and the
  shared diagnostic it was redone from, keeping only the newest shared re-diagnosis of each
  earlier one. Adding or removing one diagnostic D removes at most its own pair (D, P) and the
  pair (E, D) of its newest re-diagnosis E, and may bring in P's next newest re-diagnosis C:
  the count moves by at most 2 and each sum by at most 100 (the changes telescope: −(D−P) −
  (E−D) + (C−P) = C − E), so the sums' L1 sensitivity is 300.

A diagnostic lies in exactly one cell of each dimension, so adding or removing it changes the
release by at most ε = Σ weight·ε (sequential composition across dimensions, parallel within).
The shares are stored with each snapshot (``budget`` cell), so that a snapshot published under
an earlier split is read with its own noise.
Everything else is post-processing and costs nothing: totals are sums of the bins, the whole set
is the sum of the collectivity-type cells, metropolitan/overseas the sum of its regions, a year the
sum of its two half-years, means are noisy sums over noisy counts, quartiles are read from the
noisy histograms.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.stats import mechanisms

POSITIONINGS = ("business_internationalisation", "economic_cooperation", "multisector_cooperation")
SCORE_MAX = 100.0
HISTOGRAM_BINS = 10  # 10-point bins of the 0–100 score range
BOX_MIN = 50  # quartiles never below this noisy number of diagnostics (see Release.box_minimum)
BOX_FACTOR = 20  # ... nor below BOX_FACTOR × the 95 % margin of one histogram bin's noise
IMPRECISE = 25.0  # a mean whose margin exceeds this many points is shown as too imprecise

# Share of ε spent on each dimension (they add up to 1), and within each cell on each figure.
BUDGET: dict[str, float] = {
    "collectivity_type": 0.45,
    "population": 0.10,
    "region": 0.05,
    "half_year": 0.05,
    "income_group": 0.05,
    "version": 0.05,
    "all": 0.10,
    "answers": 0.10,
    "pairs": 0.05,
}
# The split of the snapshots published before the answers and pairs were released.
LEGACY_BUDGET: dict[str, float] = {
    "collectivity_type": 0.45,
    "population": 0.10,
    "region": 0.10,
    "half_year": 0.10,
    "income_group": 0.10,
    "version": 0.05,
    "all": 0.10,
}
WHOLE_SET_DIMENSIONS = ("all", "answers", "pairs")
PROFILE_DIMENSIONS = tuple(d for d in BUDGET if d not in WHOLE_SET_DIMENSIONS)
CELL_SPLIT = {"counts": 0.6, "sums": 0.4}  # of a profile dimension's share
ALL_SPLIT = {"histograms": 0.5, "recommendations": 0.5}  # of the "all" share
PAIR_SPLIT = {"counts": 0.3, "sums": 0.7}  # of the "pairs" share
SENSITIVITY = {
    "counts": 1.0,
    "sums": SCORE_MAX / 2 * len(POSITIONINGS),
    "histograms": float(len(POSITIONINGS)),
    "pair_counts": 2.0,
    "pair_sums": SCORE_MAX * len(POSITIONINGS),
}
ANSWER_SEPARATOR = ","  # between the "question=row" tokens of a shared row's answer_codes
ANSWER_JOINER = "="
# Filters offered on the dashboard: released dimensions, and those summed from one of them.
DERIVED = {"all": "collectivity_type", "area": "region", "year": "half_year"}
FILTER_DIMENSIONS = (
    "all",
    "collectivity_type",
    "population",
    "region",
    "area",
    "year",
    "half_year",
)


@dataclass(frozen=True)
class Record:
    """One shared diagnostic as a snapshot reads it."""

    collectivity_type: str
    population: str
    region: str
    month: str  # "YYYY-MM"
    version: str
    dominant: str
    scores: tuple[float, ...]  # in POSITIONINGS order
    income_group: str
    recommendations: tuple[str, ...] = ()
    answer_codes: tuple[str, ...] = ()  # "question=row" tokens (app.core.summary)

    def key(self, dimension: str) -> str:
        """Return the cell of a released dimension this diagnostic falls in."""
        if dimension == "half_year":
            return half_year(self.month)
        if dimension == "version":
            return self.version
        return str(getattr(self, dimension))


def half_year(month: str) -> str:
    """Return "2026-S1" for "2026-01" … "2026-06", "2026-S2" for the rest."""
    return f"{month[:4]}-S{1 if int(month[5:7]) <= 6 else 2}"


@dataclass(frozen=True)
class Domains:
    """The fixed values of each dimension, and where each region lies."""

    values: Mapping[str, Sequence[str]]
    recommendations: Sequence[str]
    overseas: frozenset[str] = frozenset()
    # Per questionnaire version, per question: the rows of its summary and its width.
    answers: Mapping[str, Mapping[str, tuple[tuple[str, ...], int]]] = field(default_factory=dict)

    def of(self, dimension: str) -> Sequence[str]:
        """Return the cells of a released dimension ("all" and "pairs" have one, "")."""
        if dimension in ("all", "pairs"):
            return ("",)
        if dimension == "answers":
            return tuple(self.answers)
        return self.values.get(dimension, ())

    def answer_sensitivity(self, version: str) -> int:
        """Return how much one diagnostic of a version can move that version's per-option
        counts (L1 norm): the sum of its questions' widths.
        """
        return sum(width for _codes, width in self.answers.get(version, {}).values())


def sensitivity(figure: str, domains: Domains) -> float:
    """Return how much one diagnostic can move a figure's vector (L1 norm); an answers figure
    is named after its questionnaire version.
    """
    if figure == "recommendations":
        return float(max(1, len(domains.recommendations)))
    if figure in SENSITIVITY:
        return SENSITIVITY[figure]
    return float(max(1, domains.answer_sensitivity(figure)))


def _split(dimension: str, domains: Domains) -> dict[str, float]:
    """Return how a dimension's share is split among its figures (versions are disjoint cells,
    each spending the whole answers share: parallel composition).
    """
    if dimension == "all":
        return ALL_SPLIT
    if dimension == "pairs":
        return {"pair_counts": PAIR_SPLIT["counts"], "pair_sums": PAIR_SPLIT["sums"]}
    if dimension == "answers":
        return dict.fromkeys(domains.answers, 1.0)
    return CELL_SPLIT


def scales(
    epsilon: float, domains: Domains, budget: Mapping[str, float] | None = None
) -> dict[str, dict[str, float]]:
    """Return the Laplace scale of every released figure, per dimension, for a total ε."""
    found: dict[str, dict[str, float]] = {}
    for dimension, weight in (budget or BUDGET).items():
        found[dimension] = {
            figure: mechanisms.scale_of(epsilon * weight * share, sensitivity(figure, domains))
            for figure, share in _split(dimension, domains).items()
        }
    return found


def _bin(score: float) -> int:
    """Return the 10-point bin of a score (100 falls in the last)."""
    return min(HISTOGRAM_BINS - 1, max(0, int(score // (SCORE_MAX / HISTOGRAM_BINS))))


def _centred(score: float) -> float:
    """Return a score clamped to 0–100, minus the middle of the range (so |x| ≤ 50)."""
    return min(SCORE_MAX, max(0.0, score)) - SCORE_MAX / 2


# The keys a summary groups the diagnostics by: every released dimension, and the dominant.
GROUP_KEYS = (*PROFILE_DIMENSIONS, "dominant")


@dataclass
class Summary:
    """The exact inputs of a release, never released as such: the diagnostics summed per group
    of equal keys (``GROUP_KEYS``), the score histograms and the recommendation counts.
    """

    groups: dict[tuple[str, ...], tuple[int, list[float]]] = field(default_factory=dict)
    histograms: dict[str, list[int]] = field(
        default_factory=lambda: {p: [0] * HISTOGRAM_BINS for p in POSITIONINGS}
    )
    recommendations: dict[str, int] = field(default_factory=dict)
    answers: dict[str, dict[str, int]] = field(default_factory=dict)  # version → token → n
    pairs: int = 0
    pair_sums: list[float] = field(default_factory=lambda: [0.0] * len(POSITIONINGS))
    size: int = 0

    def add_group(self, key: tuple[str, ...], n: int, centred_sums: Sequence[float]) -> None:
        """Count n diagnostics of one group, with the sums of their centred scores."""
        count, sums = self.groups.get(key, (0, [0.0] * len(POSITIONINGS)))
        self.groups[key] = (count + n, [a + b for a, b in zip(sums, centred_sums, strict=True)])
        self.size += n

    def add_scores(self, positioning: str, score: float, n: int = 1) -> None:
        """Count n diagnostics with this score in the positioning's histogram."""
        self.histograms[positioning][_bin(score)] += n

    def add_recommendations(self, ids: Iterable[str], n: int = 1) -> None:
        """Count n diagnostics given this set of recommendations."""
        for rec in set(ids):
            self.recommendations[rec] = self.recommendations.get(rec, 0) + n

    def add_answers(
        self, version: str, tokens: Iterable[str], n: int, widths: Mapping[str, int]
    ) -> None:
        """Count n diagnostics of a version in these summary rows ("question=row" tokens): each
        row once, and never more rows of a question than its width, whatever the row says.
        """
        counts = self.answers.setdefault(version, {})
        taken: dict[str, int] = {}
        for token in sorted(set(tokens)):
            question = token.split(ANSWER_JOINER, 1)[0]
            if taken.get(question, 0) >= widths.get(question, 0):
                continue
            taken[question] = taken.get(question, 0) + 1
            counts[token] = counts.get(token, 0) + n

    def add_pairs(self, n: int, changes: Sequence[float]) -> None:
        """Count n re-diagnosis pairs with the sums of their score changes (each in ±100)."""
        self.pairs += n
        self.pair_sums = [a + b for a, b in zip(self.pair_sums, changes, strict=True)]


def summarise(
    records: Iterable[Record],
    domains: Domains | None = None,
    pairs: Iterable[tuple[Sequence[float], Sequence[float]]] = (),
) -> Summary:
    """Return the summary of some diagnostics (scores clamped to 0–100), with the re-diagnosis
    pairs given as (newer scores, older scores).
    """
    summary = Summary()
    for r in records:
        key = tuple(r.dominant if d == "dominant" else r.key(d) for d in GROUP_KEYS)
        summary.add_group(key, 1, [_centred(x) for x in r.scores[: len(POSITIONINGS)]])
        for p, score in zip(POSITIONINGS, r.scores, strict=False):
            summary.add_scores(p, score)
        summary.add_recommendations(r.recommendations)
        if domains is not None:
            summary.add_answers(r.version, r.answer_codes, 1, widths(domains, r.version))
    for newer, older in pairs:
        summary.add_pairs(1, [_change(a, b) for a, b in zip(newer, older, strict=True)])
    return summary


def widths(domains: Domains, version: str) -> dict[str, int]:
    """Return the width of each question of a version."""
    return {qid: width for qid, (_codes, width) in domains.answers.get(version, {}).items()}


def _change(newer: float, older: float) -> float:
    """Return a score change between two results, each clamped to 0–100 (so |x| ≤ 100)."""
    return min(SCORE_MAX, max(0.0, newer)) - min(SCORE_MAX, max(0.0, older))


def _profile_cell(
    counts: Sequence[int], sums: Sequence[float], scale: Mapping[str, float]
) -> dict[str, Any]:
    """Return the noisy dominant counts and centred positioning sums of one cell."""
    bound = SENSITIVITY["sums"]
    return {
        "counts": mechanisms.noisy_counts(counts, 1 / scale["counts"], 1),
        "sums": mechanisms.noisy_sums(sums, bound / scale["sums"], bound),
    }


def _all_cell(summary: Summary, scale: Mapping[str, float], domains: Domains) -> dict[str, Any]:
    """Return the noisy score histograms and recommendation counts of the whole snapshot."""
    flat = [n for p in POSITIONINGS for n in summary.histograms[p]]
    rec_counts = {rec: summary.recommendations.get(rec, 0) for rec in domains.recommendations}
    bound = int(SENSITIVITY["histograms"])
    noisy = mechanisms.noisy_counts(flat, bound / scale["histograms"], bound)
    rec_bound = int(sensitivity("recommendations", domains))
    recs = mechanisms.noisy_counts(
        list(rec_counts.values()), rec_bound / scale["recommendations"], rec_bound
    )
    return {
        "histograms": {
            p: noisy[i * HISTOGRAM_BINS : (i + 1) * HISTOGRAM_BINS]
            for i, p in enumerate(POSITIONINGS)
        },
        "recommendations": dict(zip(rec_counts, recs, strict=True)),
    }


def _answers_cell(summary: Summary, version: str, epsilon: float, domains: Domains) -> Any:
    """Return the noisy per-option counts of every question of a version, with the L1
    sensitivity their noise was drawn for (one discrete Laplace draw per count).
    """
    rows = domains.answers.get(version, {})
    flat = [(qid, code) for qid, (codes, _width) in rows.items() for code in codes]
    bound = domains.answer_sensitivity(version)
    if not flat or bound <= 0:
        return None
    found = summary.answers.get(version, {})
    counts = [found.get(f"{qid}{ANSWER_JOINER}{code}", 0) for qid, code in flat]
    noisy = mechanisms.noisy_counts(counts, epsilon, bound)
    released: dict[str, dict[str, int]] = {qid: {} for qid in rows}
    for (qid, code), n in zip(flat, noisy, strict=True):
        released[qid][code] = n
    return {"sensitivity": bound, "counts": released}


def _pairs_cell(summary: Summary, epsilon: float) -> dict[str, Any]:
    """Return the noisy number of re-diagnosis pairs and the noisy sums of their changes."""
    count_bound = int(SENSITIVITY["pair_counts"])
    sum_bound = SENSITIVITY["pair_sums"]
    return {
        "counts": mechanisms.noisy_counts(
            [summary.pairs], epsilon * PAIR_SPLIT["counts"], count_bound
        ),
        "sums": mechanisms.noisy_sums(summary.pair_sums, epsilon * PAIR_SPLIT["sums"], sum_bound),
    }


def publish(
    data: Iterable[Record] | Summary, domains: Domains, epsilon: float
) -> dict[tuple[str, str], dict[str, Any]]:
    """Return the released figures of every cell of every dimension, keyed (dimension, value)."""
    summary = data if isinstance(data, Summary) else summarise(data, domains)
    scale = scales(epsilon, domains)
    cells: dict[tuple[str, str], dict[str, Any]] = {
        ("all", ""): _all_cell(summary, scale["all"], domains),
        ("budget", ""): {"shares": dict(BUDGET)},
        ("pairs", ""): _pairs_cell(summary, epsilon * BUDGET["pairs"]),
    }
    for version in domains.answers:
        found = _answers_cell(summary, version, epsilon * BUDGET["answers"], domains)
        if found is not None:
            cells[("answers", version)] = found
    dominant_at = GROUP_KEYS.index("dominant")
    for index, dimension in enumerate(PROFILE_DIMENSIONS):
        width = len(POSITIONINGS)
        counts = {value: [0] * width for value in domains.of(dimension)}
        sums = {value: [0.0] * width for value in domains.of(dimension)}
        for key, (n, group_sums) in summary.groups.items():
            value = key[index]
            if value not in counts or key[dominant_at] not in POSITIONINGS:
                continue
            counts[value][POSITIONINGS.index(key[dominant_at])] += n
            sums[value] = [a + b for a, b in zip(sums[value], group_sums, strict=True)]
        for value in counts:
            cells[(dimension, value)] = _profile_cell(counts[value], sums[value], scale[dimension])
    return cells


# --- Reading a release (post-processing only) ---------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """A released figure: the noisy value and the half-width of its 95 % interval."""

    value: float
    margin: float

    def below(self, k: float) -> bool:
        """Return whether the figure is a count shown as « moins de k »."""
        return self.value < k


@dataclass(frozen=True)
class Selection:
    """The released counts and sums of a filter's diagnostics (one cell or a sum of cells)."""

    counts: tuple[float, ...]
    count_scales: tuple[float, ...]  # one per noise summed into each count
    sums: tuple[float, ...]  # of the scores minus 50
    sum_scales: tuple[float, ...]
    sources: tuple[tuple[str, str], ...] = ()  # the released cells summed, each its own noise

    @property
    def n(self) -> Estimate:
        """Return the noisy number of diagnostics (the sum of the dominant counts)."""
        total = max(0.0, float(sum(self.counts)))
        return Estimate(total, mechanisms.margin(self.count_scales * len(POSITIONINGS)))

    def dominant(self, positioning: str) -> Estimate:
        """Return the noisy number of diagnostics with this dominant positioning."""
        value = self.counts[POSITIONINGS.index(positioning)]
        return Estimate(max(0.0, float(value)), mechanisms.margin(self.count_scales))

    def share(self, positioning: str) -> Estimate:
        """Return the noisy share (0–1) of a dominant positioning among the selection."""
        clipped = [max(0.0, float(c)) for c in self.counts]
        total = sum(clipped)
        if total <= 0:
            return Estimate(0.0, 1.0)
        count = self.dominant(positioning)
        return Estimate(count.value / total, min(1.0, count.margin / total))

    def mean(self, positioning: str) -> Estimate:
        """Return the noisy mean score of a positioning: 50 + noisy centred sum / noisy count,
        clamped to 0–100; the margin propagates both noises (first-order approximation).
        """
        n = self.n
        if n.value <= 0:
            return Estimate(SCORE_MAX / 2, SCORE_MAX / 2)
        total = self.sums[POSITIONINGS.index(positioning)]
        centred = total / n.value
        value = min(SCORE_MAX, max(0.0, SCORE_MAX / 2 + centred))
        sum_margin = mechanisms.margin(self.sum_scales)
        spread = math.sqrt(sum_margin**2 + (centred * n.margin) ** 2) / n.value
        return Estimate(value, min(SCORE_MAX, spread))


def _sum(parts: Sequence[Selection]) -> Selection:
    """Return the selection of several disjoint cells (their noises add up)."""
    width = len(POSITIONINGS)
    return Selection(
        tuple(sum(p.counts[i] for p in parts) for i in range(width)),
        tuple(b for p in parts for b in p.count_scales),
        tuple(sum(p.sums[i] for p in parts) for i in range(width)),
        tuple(b for p in parts for b in p.sum_scales),
        tuple(source for p in parts for source in p.sources),
    )


@dataclass
class Release:
    """A published snapshot's figures, read back: cells and their noise scales."""

    epsilon: float
    cells: Mapping[tuple[str, str], Mapping[str, Any]]
    domains: Domains
    noise: dict[str, dict[str, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Derive the noise scales from ε and the split the snapshot was published with."""
        if not self.noise:
            stored = self.cells.get(("budget", ""), {}).get("shares")
            self.noise = scales(self.epsilon, self.domains, stored or LEGACY_BUDGET)

    @property
    def budget(self) -> Mapping[str, float]:
        """Return the shares of ε this snapshot was published with."""
        stored = self.cells.get(("budget", ""), {}).get("shares")
        return dict(stored) if stored else dict(LEGACY_BUDGET)

    def cell(self, dimension: str, value: str) -> Selection | None:
        """Return one released cell of a profile dimension, None if it was not released."""
        figures = self.cells.get((dimension, value))
        if figures is None or dimension not in self.noise or dimension in WHOLE_SET_DIMENSIONS:
            return None
        noise = self.noise[dimension]
        return Selection(
            tuple(float(c) for c in figures["counts"]),
            (noise["counts"],),
            tuple(float(s) for s in figures["sums"]),
            (noise["sums"],),
            ((dimension, value),),
        )

    def cells_of(self, dimension: str) -> dict[str, Selection]:
        """Return every released cell of a profile dimension, in the domain's order."""
        found = {}
        for value in self.domains.of(dimension):
            cell = self.cell(dimension, value)
            if cell is not None:
                found[value] = cell
        return found

    def selection(self, dimension: str, value: str = "") -> Selection | None:
        """Return the figures of a dashboard filter: a released cell or a sum of them."""
        if dimension not in DERIVED:
            return self.cell(dimension, value)
        source = self.cells_of(DERIVED[dimension])
        if dimension == "area":
            overseas = value == "overseas"
            parts = [c for v, c in source.items() if (v in self.domains.overseas) == overseas]
        elif dimension == "year":
            parts = [c for v, c in source.items() if v.startswith(f"{value}-")]
        else:
            parts = list(source.values())
        return _sum(parts) if parts else None

    def box_minimum(self) -> int:
        """Return the noisy number of diagnostics from which quartiles are shown: the 10 bins
        must hold on average twice the margin of one bin's noise (n ≥ 20 × margin), so that
        the noise cannot make the quartiles meaningless; and never fewer than BOX_MIN.
        """
        bin_margin = mechanisms.margin((self.noise["all"]["histograms"],))
        return max(BOX_MIN, 10 * math.ceil(BOX_FACTOR * bin_margin / 10))

    def histogram(self, positioning: str) -> list[float]:
        """Return the noisy 10-point histogram of a positioning score, negatives clipped."""
        figures = self.cells.get(("all", ""), {})
        return [max(0.0, float(x)) for x in figures.get("histograms", {}).get(positioning, [])]

    def recommendations(self) -> dict[str, Estimate]:
        """Return the noisy number of diagnostics given each recommendation, most first."""
        figures = self.cells.get(("all", ""), {})
        margin = mechanisms.margin((self.noise["all"]["recommendations"],))
        found = {
            rec: Estimate(max(0.0, float(n)), margin)
            for rec, n in figures.get("recommendations", {}).items()
        }
        return dict(sorted(found.items(), key=lambda x: (-x[1].value, x[0])))

    def answers(self, version: str) -> Answers | None:
        """Return a version's released per-option counts, None if this snapshot has none."""
        figures = self.cells.get(("answers", version))
        share = self.budget.get("answers")
        if figures is None or not share:
            return None
        bound = float(figures["sensitivity"])
        scale = mechanisms.scale_of(self.epsilon * share, bound)
        counts = {
            qid: {code: float(n) for code, n in rows.items()}
            for qid, rows in figures["counts"].items()
        }
        return Answers(version, counts, scale, int(bound))

    def pairs(self) -> Changes | None:
        """Return the released re-diagnosis pairs, None if this snapshot has none."""
        figures = self.cells.get(("pairs", ""))
        if figures is None or "pairs" not in self.noise:
            return None
        noise = self.noise["pairs"]
        return Changes(
            float(figures["counts"][0]),
            noise["pair_counts"],
            tuple(float(x) for x in figures["sums"]),
            noise["pair_sums"],
        )


@dataclass(frozen=True)
class Answers:
    """A questionnaire version's released per-option counts (each a noisy number of
    diagnostics), all drawn with one noise scale.
    """

    version: str
    counts: Mapping[str, Mapping[str, float]]  # question → summary row → noisy count
    scale: float
    sensitivity: int

    def count(self, question: str, code: str) -> Estimate:
        """Return the noisy number of diagnostics counted in one row of a question."""
        value = self.counts.get(question, {}).get(code, 0.0)
        return Estimate(max(0.0, value), mechanisms.margin((self.scale,)))

    def share(self, question: str, code: str, total: Estimate) -> Estimate:
        """Return a row's noisy count over a noisy number of diagnostics (0–1), with the margin
        of both noises (first-order approximation).
        """
        count = self.count(question, code)
        if total.value <= 0:
            return Estimate(0.0, 1.0)
        value = min(1.0, count.value / total.value)
        spread = math.sqrt(count.margin**2 + (value * total.margin) ** 2) / total.value
        return Estimate(value, min(1.0, spread))


@dataclass(frozen=True)
class Changes:
    """The released re-diagnosis pairs: their noisy number and the noisy sums of their score
    changes (newer minus older) per positioning.
    """

    count: float
    count_scale: float
    sums: tuple[float, ...]
    sum_scale: float

    @property
    def n(self) -> Estimate:
        """Return the noisy number of pairs."""
        return Estimate(max(0.0, self.count), mechanisms.margin((self.count_scale,)))

    def mean(self, positioning: str) -> Estimate:
        """Return the noisy mean change of a positioning's score, in points (−100 to 100)."""
        n = self.n
        if n.value <= 0:
            return Estimate(0.0, SCORE_MAX)
        total = self.sums[POSITIONINGS.index(positioning)]
        change = total / n.value
        value = min(SCORE_MAX, max(-SCORE_MAX, change))
        sum_margin = mechanisms.margin((self.sum_scale,))
        spread = math.sqrt(sum_margin**2 + (change * n.margin) ** 2) / n.value
        return Estimate(value, min(2 * SCORE_MAX, spread))


def difference_margins(release: Release, a: Selection, b: Selection) -> tuple[float, float]:
    """Return the 95 % margins of the noise left in (a − b): its count and its sums.

    Cells released in both cancel out in the difference (same draw); the others add up.
    """
    apart = set(a.sources) ^ set(b.sources)
    counts = [release.noise[d]["counts"] for d, _v in apart for _bin in POSITIONINGS]
    sums = [release.noise[d]["sums"] for d, _v in apart]
    return mechanisms.margin(counts), mechanisms.margin(sums)


def quantile_of_histogram(hist: Sequence[float], q: float) -> float:
    """Return the q-quantile read from a (noisy) 10-point histogram, linearly within a bin."""
    total = sum(hist)
    if total <= 0:
        return 0.0
    target = q * total
    width = SCORE_MAX / len(hist)
    seen = 0.0
    for index, n in enumerate(hist):
        if n > 0 and seen + n >= target:
            return round(index * width + width * (target - seen) / n, 1)
        seen += n
    return SCORE_MAX
