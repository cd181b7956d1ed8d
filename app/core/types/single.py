"""Single choice: one option code, shown as radio buttons."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from wtforms import RadioField, SelectChoice

from app.core.model import AnswerValue, Question
from app.core.types import QuestionType, message, register


class SingleType(QuestionType):
    """One option among several."""

    name = "single"
    single_valued = True

    def clean(self, question: Question, value: Any, lang: str) -> AnswerValue:
        """Return the option code, or raise ValueError."""
        if not isinstance(value, str):
            raise ValueError(message("not_text", lang))
        if question.option(value) is None:
            raise ValueError(message("unknown_code", lang, code=value[:40]))
        return value

    def option_value(self, code: str) -> AnswerValue:
        """Return the answer an option code stands for."""
        return code

    def alternatives(self, question: Question, value: AnswerValue | None) -> Iterator[AnswerValue]:
        """Yield every other option."""
        for option in question.options:
            if option.code != str(value):
                yield self.option_value(option.code)

    def sample(self, question: Question, rng: random.Random) -> AnswerValue:
        """Return a random option."""
        return self.option_value(rng.choice(question.codes))

    def domain(self, question: Question) -> list[AnswerValue] | None:
        """Return every option."""
        return [self.option_value(c) for c in question.codes]

    def form_field(self, question: Question, lang: str) -> Any:
        """Return a group of radio buttons."""
        choices = [SelectChoice(o.code, o.label.get(lang)) for o in question.options]
        return RadioField(question.label.get(lang), choices=choices, validate_choice=False)


SINGLE = register(SingleType())
