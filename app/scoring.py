"""Score a diagnostic's answers against the positionings and logics (pure: no Flask, no database).

Each answer adds the weights its option carries in ``questions/``; partner countries add the
average of their income group's weights. Each dimension's total is normalised to 0–100 between
the lowest and highest totals the questionnaire makes possible, so a score reads as "how far
towards this positioning the answers go".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from app import partners
from app.partners import Country
from app.questionnaire import Question, Questionnaire

AnswerValue = str | int | list[str]
Answers = Mapping[str, AnswerValue]
Vector = dict[str, float]

# Partner groups used for the "positionings by partners' income group" aggregate.
PARTNER_PROFILE_ORDER = ("low", "lower_middle", "upper_middle", "high", "unknown")


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
    def all_scores(self) -> dict[str, float]:
        """Return positioning and logic scores in one mapping."""
        return {**self.scores, **self.logics}


# --- Per-question vectors ---------------------------------------------------------------------


def _partner_vector(question: Question, codes: Sequence[str]) -> Vector:
    """Return the average of the partners' weights (the 'none' weights with no partner)."""
    if not codes:
        return dict(question.partner_weights.get("none", {}))
    total: Vector = {}
    for country in partners.classify(codes):
        for weights in (
            question.partner_weights.get(country.income_group, {}),
            question.partner_weights.get("oecd", {}) if country.oecd else {},
        ):
            for dim, w in weights.items():
                total[dim] = total.get(dim, 0.0) + w
    return {dim: w / len(codes) for dim, w in total.items()}


def answer_vector(question: Question, value: AnswerValue | None) -> Vector:
    """Return the weights one answer adds, by dimension (empty when unanswered)."""
    if value is None:
        return {}
    if question.type == "country_multi":
        return _partner_vector(question, list(value) if isinstance(value, list) else [])
    codes = value if isinstance(value, list) else [str(value)]
    total: Vector = {}
    for code in codes:
        option = question.option(code)
        if option is not None:
            for dim, w in option.weights.items():
                total[dim] = total.get(dim, 0.0) + w
    return total


def _codes(value: AnswerValue | None) -> tuple[str, ...]:
    """Return an answer as a tuple of codes."""
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(value)
    return (str(value),)


# --- What the questionnaire makes possible ----------------------------------------------------


def _multi_extremes(
    weights: list[float], exclusive: list[float], q: Question
) -> tuple[float, float]:
    """Return the lowest and highest sums a multi question allows for one dimension."""
    max_c = q.max_choices or len(weights)
    ordered = sorted(weights)
    candidates = list(exclusive)
    for k in range(max(q.min_choices, 1), min(max_c, len(weights)) + 1):
        candidates += [float(sum(ordered[:k])), float(sum(ordered[-k:]))]
    if not q.required or q.min_choices == 0:
        candidates.append(0.0)
    return min(candidates), max(candidates)


def _question_extremes(q: Question, dim: str) -> tuple[float, float]:
    """Return the lowest and highest points a question can give a dimension."""
    if q.type == "country_multi":
        combos = {(c.income_group, c.oecd) for c in partners.countries()}
        values = [
            q.partner_weights.get(group, {}).get(dim, 0.0)
            + (q.partner_weights.get("oecd", {}).get(dim, 0.0) if oecd else 0.0)
            for group, oecd in combos
        ]
        values.append(q.partner_weights.get("none", {}).get(dim, 0.0))
        return min(values), max(values)
    if q.type == "multi":
        plain = [o.weights.get(dim, 0.0) for o in q.options if not o.exclusive]
        exclusive = [o.weights.get(dim, 0.0) for o in q.options if o.exclusive]
        return _multi_extremes(plain, exclusive, q)
    values = [o.weights.get(dim, 0.0) for o in q.options]
    if not q.required:
        values.append(0.0)
    return min(values), max(values)


@cache
def ranges(questionnaire: Questionnaire) -> dict[str, tuple[float, float]]:
    """Return, per dimension, the lowest and highest totals the questionnaire allows."""
    result: dict[str, tuple[float, float]] = {}
    for dim in questionnaire.dimensions:
        low = high = 0.0
        for question in questionnaire.questions.values():
            lo, hi = _question_extremes(question, dim.id)
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


_MIDDLE = ("lower_middle", "upper_middle")

# Which partner countries count towards each partner share fact.
PARTNER_PREDICATES: dict[str, Callable[[Country], bool]] = {
    "low_income_share": lambda c: c.income_group == "low",
    "south_share": lambda c: c.income_group in ("low", "lower_middle"),
    "middle_income_share": lambda c: c.income_group in _MIDDLE,
    "high_income_share": lambda c: c.income_group == "high",
    "oecd_share": lambda c: c.oecd,
    "middle_or_oecd_share": lambda c: c.income_group in _MIDDLE or c.oecd,
    "unknown_income_share": lambda c: c.income_group == "unknown",
}


def partner_facts(countries: Sequence[Country]) -> dict[str, float]:
    """Return the partner facts rules can test: count and shares by income group and OECD."""
    n = len(countries)
    facts = {"partner_count": float(n)}
    for fact_id, pred in PARTNER_PREDICATES.items():
        facts[fact_id] = sum(1 for c in countries if pred(c)) / n if n else 0.0
    return facts


def partner_income_group(countries: Sequence[Country]) -> str:
    """Return the most frequent income group of the partners (the lower on a tie), or 'none'."""
    if not countries:
        return "none"
    counts = {g: sum(1 for c in countries if c.income_group == g) for g in PARTNER_PROFILE_ORDER}
    return max(PARTNER_PROFILE_ORDER, key=lambda g: (counts[g], -PARTNER_PROFILE_ORDER.index(g)))


def derived_facts(questionnaire: Questionnaire, answers: Answers) -> dict[str, float | bool]:
    """Return the facts derived from answers (e.g. economic competence) and partner facts."""
    facts: dict[str, float | bool] = {}
    for fact in questionnaire.facts:
        if not fact.computed:
            facts[fact.id] = str(answers.get(fact.from_question)) in fact.true_for
    countries = partners.classify(_codes(answers.get("partner_countries")))
    facts.update(partner_facts(countries))
    return facts


def score(questionnaire: Questionnaire, answers: Answers, *, with_tip: bool = True) -> Result:
    """Return the scores, dominant positioning, contributions and tipping change of answers.

    answers must already be valid (see answers.validate).
    """
    vectors = {
        qid: answer_vector(q, answers.get(qid)) for qid, q in questionnaire.questions.items()
    }
    raw = _sum(vectors.values())
    normalised = _normalise(raw, questionnaire)
    positioning_ids = [p.id for p in questionnaire.positionings]
    scores = {p: normalised[p] for p in positioning_ids}
    dominant = dominant_of(scores, questionnaire)
    countries = tuple(partners.classify(_codes(answers.get("partner_countries"))))
    return Result(
        questionnaire_version=questionnaire.version,
        scores=scores,
        logics={d.id: normalised[d.id] for d in questionnaire.logics},
        dominant=dominant,
        partners=countries,
        facts=derived_facts(questionnaire, answers),
        contributions=_contributions(questionnaire, answers, vectors),
        tip=_tip(questionnaire, answers, vectors, dominant) if with_tip else None,
        partner_income_group=partner_income_group(countries),
    )


def _sum(vectors: Iterable[Vector]) -> Vector:
    """Return the sum of weight vectors."""
    total: Vector = {}
    for vector in vectors:
        for dim, w in vector.items():
            total[dim] = total.get(dim, 0.0) + w
    return total


def _contributions(
    questionnaire: Questionnaire, answers: Answers, vectors: Mapping[str, Vector]
) -> dict[str, tuple[Contribution, ...]]:
    """Return, per dimension, the answers that added to it, largest first, in score points."""
    result = {}
    for dim_id, (low, high) in ranges(questionnaire).items():
        span = (high - low) or 1.0
        items = [
            Contribution(qid, _codes(answers.get(qid)), round(100.0 * v[dim_id] / span, 1))
            for qid, v in vectors.items()
            if v.get(dim_id)
        ]
        result[dim_id] = tuple(sorted(items, key=lambda c: -abs(c.points)))
    return result


def alternatives(question: Question, value: AnswerValue | None) -> Iterator[AnswerValue]:
    """Yield every valid answer one step away from value (another option, or one more/less tick)."""
    if question.type in ("single", "scale"):
        for option in question.options:
            if option.code != str(value):
                yield int(option.code) if question.type == "scale" else option.code
        return
    if question.type != "multi":
        return
    current = list(value) if isinstance(value, list) else []
    max_c = question.max_choices or len(question.options)
    plain = [o.code for o in question.options if not o.exclusive]
    for option in question.options:
        if option.exclusive:
            if current != [option.code]:
                yield [option.code]
        elif option.code in current:
            if len(current) > max(question.min_choices, 1):
                yield [c for c in current if c != option.code]
        elif len([c for c in current if c in plain]) < max_c:
            yield [c for c in current if c in plain] + [option.code]


def _tip(
    questionnaire: Questionnaire,
    answers: Answers,
    vectors: Mapping[str, Vector],
    dominant: str,
) -> Tip | None:
    """Return the one-answer change that most reduces the dominant positioning's lead."""
    raw = _sum(vectors.values())
    positioning_ids = [p.id for p in questionnaire.positionings]
    best: tuple[float, Tip] | None = None
    for qid, question in questionnaire.questions.items():
        for alt in alternatives(question, answers.get(qid)):
            new_vec = answer_vector(question, alt)
            changed = dict(raw)
            for dim, w in vectors[qid].items():
                changed[dim] = changed.get(dim, 0.0) - w
            for dim, w in new_vec.items():
                changed[dim] = changed.get(dim, 0.0) + w
            after = _normalise(changed, questionnaire)
            scores_after = {p: after[p] for p in positioning_ids}
            new_dominant = dominant_of(scores_after, questionnaire)
            others = max(v for p, v in scores_after.items() if p != dominant)
            lead = scores_after[dominant] - others
            tip = Tip(
                qid,
                _codes(answers.get(qid)),
                _codes(alt),
                new_dominant,
                scores_after,
                new_dominant != dominant,
            )
            if best is None or lead < best[0]:
                best = (lead, tip)
    return best[1] if best else None
