"""Score a diagnostic's answers against the positionings and logics (pure: no Flask, no database).

Each answer adds the weights its type gives it (its option's weights, the average of partner
countries' income-group weights…); a repeat section's answers add the average over its items.
Each dimension's total is normalised to 0–100 between the lowest and highest totals the
questionnaire makes possible, so a score reads as "how far towards this positioning the answers
go". Skip logic has pruned irrelevant answers before (see ``answers.validate``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from app.core.facts import (
    PARTNER_FACTS,
    PARTNER_LISTS,
    PARTNER_PREDICATES,
    countries_of,
    derived_facts,
    in_partner_fact,
    partner_facts,
    partner_income_group,
)
from app.core.model import Answers, AnswerValue, Question, Questionnaire, Vector
from app.core.partners import Classified, Country
from app.core.relevance import prune

__all__ = [
    "PARTNER_FACTS",
    "PARTNER_LISTS",
    "PARTNER_PREDICATES",
    "Contribution",
    "Result",
    "Tip",
    "derived_facts",
    "in_partner_fact",
    "partner_facts",
    "partner_income_group",
    "ranges",
    "score",
]


@dataclass(frozen=True)
class Contribution:
    """What one answer added to a dimension, in score points (out of 100)."""

    question_id: str
    codes: tuple[str, ...]
    points: float


@dataclass(frozen=True)
class Tip:
    """The single answer change that would most move the dominant positioning."""

    question_id: str
    from_codes: tuple[str, ...]
    to_codes: tuple[str, ...]
    dominant_after: str
    scores_after: dict[str, float]
    flips: bool


@dataclass(frozen=True)
class Result:
    """The scoring of one answer set."""

    questionnaire_version: str
    scores: dict[str, float]
    logics: dict[str, float]
    dominant: str
    partners: tuple[Country, ...]
    facts: dict[str, float | bool]
    contributions: dict[str, tuple[Contribution, ...]]
    tip: Tip | None
    partner_income_group: str

    @property
    def classified(self) -> Classified:
        """Return the partner countries by code, as they were classified for this scoring."""
        return {c.code: c for c in self.partners}

    @property
    def all_scores(self) -> dict[str, float]:
        """Return positioning and logic scores in one mapping."""
        return {**self.scores, **self.logics}


def _sum(vectors: Iterable[Vector]) -> Vector:
    """Return the sum of weight vectors."""
    total: Vector = {}
    for vector in vectors:
        for dim, w in vector.items():
            total[dim] = total.get(dim, 0.0) + w
    return total


def items_of(answers: Answers, repeat_id: str) -> list[Mapping[str, Any]]:
    """Return the items of a repeat section's answer."""
    value = answers.get(repeat_id)
    return [i for i in value if isinstance(i, dict)] if isinstance(value, list) else []


def answer_vector(
    question: Question, answers: Answers, classified: Classified | None = None
) -> Vector:
    """Return the weights a question's answer adds (the mean over items in a repeat).

    ``classified``: the answers' partner countries, already classified.
    """
    kind = question.kind
    if question.repeat is None:
        return kind.vector(question, answers.get(question.id), classified)  # type: ignore[arg-type]
    items = items_of(answers, question.repeat)
    vectors = [kind.vector(question, item.get(question.id), classified) for item in items]
    return {dim: w / len(items) for dim, w in _sum(vectors).items()} if items else {}


def answer_codes(question: Question, answers: Answers) -> tuple[str, ...]:
    """Return the codes of a question's answer (every item's, in a repeat)."""
    if question.repeat is None:
        return question.kind.codes(answers.get(question.id))  # type: ignore[arg-type]
    codes = [
        c
        for i in items_of(answers, question.repeat)
        for c in question.kind.codes(i.get(question.id))
    ]
    return tuple(dict.fromkeys(codes))


# --- What the questionnaire makes possible ----------------------------------------------------


def _extremes(questionnaire: Questionnaire, question: Question, dim: str) -> tuple[float, float]:
    """Return the lowest and highest points of a question, 0 included if it can be left out."""
    low, high = question.kind.extremes(question, dim)
    section = questionnaire.section(question.section_id)
    optional_items = section is not None and section.repeat is not None and section.repeat.min == 0
    if question.conditional or optional_items:
        return min(low, 0.0), max(high, 0.0)
    return low, high


@cache
def ranges(questionnaire: Questionnaire) -> dict[str, tuple[float, float]]:
    """Return, per dimension, the lowest and highest totals the questionnaire allows."""
    result: dict[str, tuple[float, float]] = {}
    for dim in questionnaire.dimensions:
        low = high = 0.0
        for question in questionnaire.questions.values():
            lo, hi = _extremes(questionnaire, question, dim.id)
            low, high = low + lo, high + hi
        result[dim.id] = (low, high)
    return result


# --- Scoring ----------------------------------------------------------------------------------


def _normalise(raw: Vector, questionnaire: Questionnaire) -> dict[str, float]:
    """Return each dimension's total as 0–100 of its possible range, to one decimal."""
    scores = {}
    for dim_id, (low, high) in ranges(questionnaire).items():
        span = high - low
        value = 100.0 * (raw.get(dim_id, 0.0) - low) / span if span else 0.0
        scores[dim_id] = round(min(100.0, max(0.0, value)), 1)
    return scores


def dominant_of(scores: Mapping[str, float], questionnaire: Questionnaire) -> str:
    """Return the highest-scoring positioning; on a tie, the first in the questionnaire's tie order.

    Scores are compared at one decimal, the precision the respondent sees.
    """
    order = questionnaire.tie_order
    return max(order, key=lambda p: (round(scores[p], 1), -order.index(p)))


def _vectors(
    questionnaire: Questionnaire, answers: Answers, classified: Classified | None = None
) -> dict[str, Vector]:
    """Return each question's weight vector, in questionnaire order."""
    return {
        qid: answer_vector(q, answers, classified) for qid, q in questionnaire.questions.items()
    }


def score(questionnaire: Questionnaire, answers: Answers, *, with_tip: bool = True) -> Result:
    """Return the scores, dominant positioning, contributions and tipping change of answers.

    answers must already be valid (see answers.validate). The partner countries are classified
    once, here, and passed along to whatever reads them.
    """
    countries = tuple(countries_of(questionnaire, answers))
    classified = {c.code: c for c in countries}
    vectors = _vectors(questionnaire, answers, classified)
    normalised = _normalise(_sum(vectors.values()), questionnaire)
    scores = {p.id: normalised[p.id] for p in questionnaire.positionings}
    dominant = dominant_of(scores, questionnaire)
    return Result(
        questionnaire_version=questionnaire.version,
        scores=scores,
        logics={d.id: normalised[d.id] for d in questionnaire.logics},
        dominant=dominant,
        partners=countries,
        facts=derived_facts(questionnaire, answers, countries),
        contributions=_contributions(questionnaire, answers, vectors),
        tip=_tip(questionnaire, answers, vectors, dominant, classified) if with_tip else None,
        partner_income_group=partner_income_group(countries),
    )


def _contributions(
    questionnaire: Questionnaire, answers: Answers, vectors: Mapping[str, Vector]
) -> dict[str, tuple[Contribution, ...]]:
    """Return, per dimension, the answers that added to it, largest first, in score points."""
    questions = questionnaire.questions
    result = {}
    for dim_id, (low, high) in ranges(questionnaire).items():
        span = (high - low) or 1.0
        items = [
            Contribution(
                qid, answer_codes(questions[qid], answers), round(100.0 * v[dim_id] / span, 1)
            )
            for qid, v in vectors.items()
            if v.get(dim_id)
        ]
        result[dim_id] = tuple(sorted(items, key=lambda c: -abs(c.points)))
    return result


def alternatives(question: Question, value: AnswerValue | None) -> Iterator[AnswerValue]:
    """Yield every valid answer one step away from value (another option, one more/less tick)."""
    return question.kind.alternatives(question, value)


def _changed_total(
    questionnaire: Questionnaire,
    answers: Answers,
    vectors: Mapping[str, Vector],
    question: Question,
    alt: AnswerValue,
    classified: Classified,
) -> Vector | None:
    """Return the raw totals with one answer changed, or None if skip logic leaves it out.

    When the change makes other questions relevant or irrelevant, every vector is recomputed
    over the pruned answers; otherwise only the changed one is swapped.
    """
    changed_answers = prune(questionnaire, {**answers, question.id: alt})
    if question.id not in changed_answers:
        return None
    same_derived = all(
        changed_answers.get(d.id) == answers.get(d.id) for d in questionnaire.derived
    )
    if changed_answers.keys() == {**answers, question.id: alt}.keys() and same_derived:
        changed = _sum(vectors.values())
        for dim, w in vectors[question.id].items():
            changed[dim] = changed.get(dim, 0.0) - w
        for dim, w in question.kind.vector(question, alt, classified).items():
            changed[dim] = changed.get(dim, 0.0) + w
        return changed
    return _sum(_vectors(questionnaire, changed_answers, classified).values())


def _tip(
    questionnaire: Questionnaire,
    answers: Answers,
    vectors: Mapping[str, Vector],
    dominant: str,
    classified: Classified,
) -> Tip | None:
    """Return the one-answer change that most reduces the dominant positioning's lead.

    Only relevant questions outside repeat groups are tried (an irrelevant one was pruned), and
    never a question derived from the blocks (its value follows them).
    """
    positioning_ids = [p.id for p in questionnaire.positionings]
    best: tuple[float, Tip] | None = None
    for qid, question in questionnaire.questions.items():
        if question.repeat is not None or question.derive is not None:
            continue
        value: AnswerValue | None = answers.get(qid)  # type: ignore[assignment]
        for alt in question.kind.alternatives(question, value):
            changed = _changed_total(questionnaire, answers, vectors, question, alt, classified)
            if changed is None:
                continue
            after = _normalise(changed, questionnaire)
            scores_after = {p: after[p] for p in positioning_ids}
            new_dominant = dominant_of(scores_after, questionnaire)
            others = max(v for p, v in scores_after.items() if p != dominant)
            lead = scores_after[dominant] - others
            kind = question.kind
            tip = Tip(
                qid,
                kind.codes(value),
                kind.codes(alt),
                new_dominant,
                scores_after,
                new_dominant != dominant,
            )
            if best is None or lead < best[0]:
                best = (lead, tip)
    return best[1] if best else None
