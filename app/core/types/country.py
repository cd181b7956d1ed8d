"""One partner country (the partner of one partnership block): an ISO alpha-2 code.

The country counts among the partner countries (partner facts, partner lists), each once however
many blocks name it; it adds no weights of its own: a question derived from the blocks (``derive:
how: union`` into a country_multi question) scores the partners once.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from wtforms import SelectChoice, SelectField

from app.core.model import AnswerValue, Question, Text, Vector
from app.core.partners import Classified
from app.core.types import message, register
from app.core.types.country_multi import CountryWords, check_country, choosable, country_label

if TYPE_CHECKING:
    from app.core.loader import Problems

CHOOSE = Text("Choisir un pays", "Choose a country")


class CountryType(CountryWords):
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
        return rng.choice(choosable(question)).code

    def form_field(self, question: Question, lang: str) -> Any:
        """Return a select of every country with its income group, « Choisir un pays » first."""
        choices = [SelectChoice("", CHOOSE.get(lang))] + [
            SelectChoice(c.code, country_label(c, lang)) for c in choosable(question, lang)
        ]
        return SelectField(question.label.get(lang), choices=choices, validate_choice=False)

    def form_value(self, value: AnswerValue | None) -> Any:
        """Return the stored code, or the empty first choice."""
        return value or ""

    def first_control(self, field_id: str) -> str:
        """Return the select itself."""
        return field_id


COUNTRY = register(CountryType())
