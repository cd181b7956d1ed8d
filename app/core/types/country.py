"""One partner country (the partner of one partnership block): an ISO alpha-2 code.

The country counts among the partner countries (partner facts, partner lists), each once however
many blocks name it; it adds no weights of its own: a question derived from the blocks (``derive:
how: union`` into a country_multi question) scores the partners once.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from wtforms import SelectChoice, SelectField

from app.core import partners
from app.core.model import AnswerValue, Question, Text, Vector
from app.core.partners import Classified, Country
from app.core.types import QuestionType, SummaryRow, message, register
from app.core.types.country_multi import check_country, country_label

if TYPE_CHECKING:
    from app.core.loader import Problems

CHOOSE = Text("Choisir un pays", "Choose a country")


def _choosable(question: Question, lang: str = "fr") -> list[Country]:
    """Return the countries a partner may be in, by name in lang (France left out if strict)."""
    return [
        c
        for c in partners.countries(lang)
        if not (question.abroad_only and partners.is_french_territory(c.code))
    ]


class CountryType(QuestionType):
    """One partner country, chosen in a list of every country with its income group."""

    name = "country"
    template = "survey/types/country.html"
    coded = False
    has_options = False

    def check(self, question: Question, problems: Problems) -> None:
        """Record partner weights: the question derived from the blocks scores the partners."""
        if question.partner_weights:
            problems.add(
                question.line,
                f"«\u00a0{question.id}\u00a0»\u00a0: une question country ne porte pas de "
                "«\u00a0partner_weights\u00a0» (la question dérivée des blocs compte les pays)",
            )

    def clean(self, question: Question, value: Any, lang: str) -> AnswerValue:
        """Return the country's code, or raise ValueError."""
        if not isinstance(value, str):
            raise ValueError(message("not_text", lang))
        check_country(question, value, lang)
        return value

    def countries(self, question: Question, value: AnswerValue | None) -> list[Country]:
        """Return the partner country of the answer, classified."""
        return partners.classify(self.codes(value))

    def vector(
        self, question: Question, value: AnswerValue | None, classified: Classified | None = None
    ) -> Vector:
        """Return no weights (a derived question scores the partners once)."""
        return {}

    def extremes(self, question: Question, dim: str) -> tuple[float, float]:
        """Return no points either way."""
        return 0.0, 0.0

    def sample(self, question: Question, rng: random.Random) -> AnswerValue:
        """Return a random country."""
        return rng.choice(_choosable(question)).code

    def labels(
        self,
        question: Question,
        codes: Iterable[str],
        lang: str,
        classified: Classified | None = None,
    ) -> list[str]:
        """Return the country's name."""
        return [c.name(lang) for c in partners.classified_as(list(codes), classified)]

    def reason_labels(
        self,
        question: Question,
        codes: Iterable[str],
        lang: str,
        value_labels: Mapping[str, Text],
        classified: Classified | None = None,
    ) -> list[str]:
        """Return the country's name as it is written."""
        return self.labels(question, codes, lang, classified)

    def options_json(self, question: Question, lang: str) -> list[dict[str, str]]:
        """Return every country as an option."""
        return [{"code": c.code, "label": c.name(lang)} for c in _choosable(question, lang)]

    def summary(
        self, question: Question, values: Iterable[AnswerValue | None], lang: str
    ) -> list[SummaryRow]:
        """Return how many partners fall in each income group."""
        counts = dict.fromkeys(partners.INCOME_GROUPS, 0)
        for value in values:
            for country in self.countries(question, value):
                counts[country.income_group] += 1
        return [SummaryRow(g, partners.income_label(g, lang), n) for g, n in counts.items()]

    def form_field(self, question: Question, lang: str) -> Any:
        """Return a select of every country with its income group, « Choisir un pays » first."""
        choices = [SelectChoice("", CHOOSE.get(lang))] + [
            SelectChoice(c.code, country_label(c, lang)) for c in _choosable(question, lang)
        ]
        return SelectField(question.label.get(lang), choices=choices, validate_choice=False)

    def form_value(self, value: AnswerValue | None) -> Any:
        """Return the stored code, or the empty first choice."""
        return value or ""

    def first_control(self, field_id: str) -> str:
        """Return the select itself."""
        return field_id


COUNTRY = register(CountryType())
