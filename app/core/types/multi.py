"""Multiple choice: a list of option codes (1 to max), some options exclusive, as checkboxes."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from typing import Any

from wtforms import SelectChoice, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.model import AnswerValue, Question, Text
from app.core.types import QuestionType, message, register

EXCLUSIVE = Text(
    "«\u00a0{label}\u00a0» ne peut pas être combiné avec d'autres réponses.",
    "“{label}” cannot be combined with other answers.",
)


class MultiCheckboxField(SelectMultipleField):  # type: ignore[misc]
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def clean_codes(question: Question, value: Any, lang: str) -> list[str]:
    """Return a de-duplicated list of codes within the question's bounds, or raise ValueError."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(message("not_list", lang))
    codes = list(dict.fromkeys(value))
    if len(codes) < question.min_choices:
        raise ValueError(MIN_CHOICES.get(lang).format(n=question.min_choices))
    if question.max_choices is not None and len(codes) > question.max_choices:
        raise ValueError(MAX_CHOICES.get(lang).format(n=question.max_choices))
    return codes


MAX_ENUMERATED_OPTIONS = 10
MIN_CHOICES = Text("Choisissez au moins {n} réponse(s).", "Choose at least {n} answer(s).")
MAX_CHOICES = Text("Choisissez au plus {n} réponses.", "Choose at most {n} answers.")


class MultiType(QuestionType):
    """Several options among many."""

    name = "multi"
    multiple = True

    def clean(self, question: Question, value: Any, lang: str) -> AnswerValue:
        """Return the list of codes, or raise ValueError."""
        codes = clean_codes(question, value, lang)
        for code in codes:
            option = question.option(code)
            if option is None:
                raise ValueError(message("unknown_code", lang, code=code[:40]))
            if option.exclusive and len(codes) > 1:
                raise ValueError(EXCLUSIVE.get(lang).format(label=option.label.get(lang)))
        return codes

    def extremes(self, question: Question, dim: str) -> tuple[float, float]:
        """Return the lowest and highest sums the allowed numbers of ticks give."""
        weights = [o.weights.get(dim, 0.0) for o in question.options if not o.exclusive]
        candidates = [o.weights.get(dim, 0.0) for o in question.options if o.exclusive]
        max_c = question.max_choices or len(weights)
        ordered = sorted(weights)
        for k in range(max(question.min_choices, 1), min(max_c, len(weights)) + 1):
            candidates += [float(sum(ordered[:k])), float(sum(ordered[-k:]))]
        if not question.required or question.min_choices == 0:
            candidates.append(0.0)
        return min(candidates), max(candidates)

    def alternatives(self, question: Question, value: AnswerValue | None) -> Iterator[AnswerValue]:
        """Yield the answers one tick more or less (or an exclusive option alone)."""
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

    def sample(self, question: Question, rng: random.Random) -> AnswerValue:
        """Return random ticks within the bounds (sometimes an exclusive option alone)."""
        exclusive = [o.code for o in question.options if o.exclusive]
        plain = [o.code for o in question.options if not o.exclusive]
        if exclusive and rng.random() < 0.1:
            return [rng.choice(exclusive)]
        high = min(question.max_choices or len(plain), len(plain))
        return rng.sample(plain, rng.randint(min(max(question.min_choices, 1), high), high))

    def domain(self, question: Question) -> list[AnswerValue] | None:
        """Return every allowed set of ticks when there are few options, else None."""
        plain = [o.code for o in question.options if not o.exclusive]
        if len(plain) > MAX_ENUMERATED_OPTIONS:
            return None
        high = min(question.max_choices or len(plain), len(plain))
        sets: list[AnswerValue] = [[o.code] for o in question.options if o.exclusive]
        for k in range(max(question.min_choices, 1), high + 1):
            sets += [list(combo) for combo in itertools.combinations(plain, k)]
        return sets

    def form_field(self, question: Question, lang: str) -> Any:
        """Return a group of checkboxes."""
        choices = [SelectChoice(o.code, o.label.get(lang)) for o in question.options]
        return MultiCheckboxField(question.label.get(lang), choices=choices, validate_choice=False)


MULTI = register(MultiType())
