"""A toy question type, added the way any new type is: this one module plus its template fragment.

``number``: a whole number (staff, partners…). Its options are thresholds: the answer takes the
weights of the highest option code it reaches.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from wtforms import StringField

from app.core.model import AnswerValue, Question, Text, Vector
from app.core.partners import Classified
from app.core.types import QuestionType, SummaryRow, register

if TYPE_CHECKING:
    from app.core.loader import Problems

NOT_A_NUMBER = Text("Indiquez un nombre entier positif.", "Give a whole positive number.")


class NumberType(QuestionType):
    """A whole number scored by thresholds."""

    name = "number"
    template = "survey/types/number.html"
    ordered = True
    coded = False

    def check(self, question: Question, problems: Problems) -> None:
        """Record thresholds that are not whole numbers."""
        super().check(question, problems)
        if not all(code.isdigit() for code in question.codes):
            problems.add(
                question.line, f"«\u00a0{question.id}\u00a0»\u00a0: seuils entiers attendus"
            )

    def clean(self, question: Question, value: Any, lang: str) -> AnswerValue:
        """Return the number (an int or a digit string), or raise ValueError."""
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(NOT_A_NUMBER.get(lang))
        return value

    def _band(self, question: Question, value: int) -> str | None:
        """Return the highest threshold the value reaches."""
        reached = [c for c in question.codes if int(c) <= value]
        return max(reached, key=int) if reached else None

    def codes(self, value: AnswerValue | None) -> tuple[str, ...]:
        """Return the number as its one code."""
        return () if value is None else (str(value),)

    def vector(
        self, question: Question, value: AnswerValue | None, classified: Classified | None = None
    ) -> Vector:
        """Return the weights of the highest threshold reached."""
        band = self._band(question, int(value)) if isinstance(value, int) else None
        option = question.option(band) if band is not None else None
        return dict(option.weights) if option is not None else {}

    def alternatives(self, question: Question, value: AnswerValue | None) -> Iterator[AnswerValue]:
        """Yield each threshold other than the current band."""
        current = self._band(question, int(value)) if isinstance(value, int) else None
        return (int(c) for c in question.codes if c != current)

    def sample(self, question: Question, rng: random.Random) -> AnswerValue:
        """Return a number up to twice the highest threshold."""
        return rng.randint(0, 2 * max(int(c) for c in question.codes))

    def labels(
        self,
        question: Question,
        codes: Iterable[str],
        lang: str,
        classified: Classified | None = None,
    ) -> list[str]:
        """Return the numbers as written."""
        return list(codes)

    def summary(
        self, question: Question, values: Iterable[AnswerValue | None], lang: str
    ) -> list[SummaryRow]:
        """Return how many answers fall in each band."""
        counts = dict.fromkeys(question.codes, 0)
        for value in values:
            band = self._band(question, int(value)) if isinstance(value, int) else None
            if band is not None:
                counts[band] += 1
        return [SummaryRow(c, question.option(c).label.get(lang), n) for c, n in counts.items()]  # type: ignore[union-attr]

    def form_field(self, question: Question, lang: str) -> Any:
        """Return a number input."""
        return StringField(question.label.get(lang))

    def form_value(self, value: AnswerValue | None) -> Any:
        """Return the number as the posted text."""
        return "" if value is None else str(value)

    def first_control(self, field_id: str) -> str:
        """Return the input itself."""
        return field_id


NUMBER = register(NumberType())
