"""Facts derived from answers rather than asked: NOTRe competence, partner counts and shares."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.core.model import Answers, AnswerValue, Questionnaire
from app.core.partners import Country, is_ldc

# Partner facts the engine computes; rules may test them.
PARTNER_FACTS = (
    "partner_count",
    "low_income_share",
    "south_share",
    "middle_income_share",
    "high_income_share",
    "oecd_share",
    "middle_or_oecd_share",
    "unknown_income_share",
    "ldc_share",
    "upstream_share",
    "middle_or_high_share",
)

# Partner lists a rule text may name with {placeholder}, each with the partner fact whose
# countries it lists.
PARTNER_LISTS = {
    "low_income_partners": "low_income_share",
    "south_partners": "south_share",
    "middle_or_oecd_partners": "middle_or_oecd_share",
    "oecd_partners": "oecd_share",
    "ldc_partners": "ldc_share",
    "upstream_partners": "upstream_share",
    "middle_or_high_partners": "middle_or_high_share",
}

# Partner groups used for the "positionings by partners' income group" aggregate.
PARTNER_PROFILE_ORDER = ("low", "lower_middle", "upper_middle", "high", "unknown")

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
    # UN least-developed countries, whatever their World Bank income group (Haiti, Senegal…).
    "ldc_share": is_ldc,
    # Where the North/South upstream role applies: low income or least developed (§ 3).
    "upstream_share": lambda c: c.income_group == "low" or is_ldc(c),
    # « pays à revenus intermédiaires ou OCDE » (§ 3): middle or high income, OECD member or not.
    "middle_or_high_share": lambda c: c.income_group in (*_MIDDLE, "high"),
}


def in_partner_fact(fact_id: str, country: Country) -> bool:
    """Return whether a partner country counts towards a partner share fact."""
    pred = PARTNER_PREDICATES.get(fact_id)
    return pred(country) if pred else True


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


def countries_of(questionnaire: Questionnaire, answers: Answers) -> list[Country]:
    """Return the partner countries the answers name, classified, in questionnaire order.

    Countries named in the blocks of a repeat group (one partnership each) come after, each
    once: two partnerships in one country make one partner country.
    """
    found: list[Country] = []
    for qid, question in questionnaire.questions.items():
        value = answers.get(qid)
        if question.repeat is None and value is not None:
            found += question.kind.countries(question, value)  # type: ignore[arg-type]
    for question in questionnaire.questions.values():
        if question.repeat is None:
            continue
        items = answers.get(question.repeat)
        for item in items if isinstance(items, list) else []:
            value = item.get(question.id) if isinstance(item, dict) else None
            if value is not None:
                codes = {c.code for c in found}
                found += [
                    c for c in question.kind.countries(question, value) if c.code not in codes
                ]
    return found


def derived_facts(
    questionnaire: Questionnaire, answers: Answers, countries: Sequence[Country] | None = None
) -> dict[str, float | bool]:
    """Return the facts derived from answers (e.g. economic competence) and partner facts.

    ``countries``: the answers' partner countries when they are already classified
    (``countries_of``).
    """
    facts: dict[str, float | bool] = {}
    for fact in questionnaire.facts:
        if not fact.computed:
            value: AnswerValue | None = answers.get(fact.from_question)  # type: ignore[assignment]
            facts[fact.id] = str(value) in fact.true_for
    if countries is None:
        countries = countries_of(questionnaire, answers)
    facts.update(partner_facts(countries))
    return facts
