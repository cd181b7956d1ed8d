"""Question types: one class per type, each in its own module, found through a registry.

A type knows everything the engine asks of an answer: how to clean it, whether it is empty, the
weights it adds and their extremes, the alternatives the tip may try, its labels in French and
English, its form field and template fragment, its description in the API and its summary on the
dashboard. Adding a type is one module (``register(MyType())``) plus its template fragment.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from app.core.model import AnswerValue, Question, Text, Vector
from app.core.partners import Classified, Country

if TYPE_CHECKING:
    from app.core.loader import Problems

MESSAGES = {
    "unknown_question": Text("Question inconnue.", "Unknown question."),
    "required": Text("Veuillez répondre à cette question.", "Please answer this question."),
    "unknown_code": Text(
        "Réponse non reconnue\u00a0: «\u00a0{code}\u00a0».", "Unrecognised answer: “{code}”."
    ),
    "not_text": Text("La réponse doit être un code.", "The answer must be a code."),
    "not_list": Text(
        "La réponse doit être une liste de codes.", "The answer must be a list of codes."
    ),
    "not_items": Text(
        "La réponse doit être une liste de blocs de réponses.",
        "The answer must be a list of answer blocks.",
    ),
    "too_many_items": Text("Au plus {n} blocs.", "At most {n} blocks."),
    "too_few_items": Text("Au moins {n} blocs.", "At least {n} blocks."),
}


def message(key: str, lang: str, **kwargs: Any) -> str:
    """Return a validation message in lang (French by default)."""
    return MESSAGES[key].get(lang).format(**kwargs)


@dataclass(frozen=True)
class SummaryRow:
    """One line of a question's dashboard summary: a code, its label and how many chose it."""

    code: str
    label: str
    count: int


def mid_sentence(label: str) -> str:
    """Return a label as it reads inside a sentence: « Commune » → « commune », « CCI » kept."""
    if label[1:2].isupper():
        return label
    return label[:1].lower() + label[1:]


class QuestionType:
    """The behaviour shared by every question type; subclasses override what differs."""

    name: ClassVar[str] = ""
    # The Jinja fragment that renders the question on a step page (receives question, field).
    template: ClassVar[str] = "survey/types/choice.html"
    # Whether rules may test the answer with gte / lte, and with in / not_in option codes.
    ordered: ClassVar[bool] = False
    coded: ClassVar[bool] = True
    # Whether the answer is one value among options (so an 'all' can ask incompatible ones).
    single_valued: ClassVar[bool] = False
    has_options: ClassVar[bool] = True
    # Whether the answer is a list whose length min_choices / max_choices bound.
    multiple: ClassVar[bool] = False

    # -- loading --

    def check(self, question: Question, problems: Problems) -> None:
        """Record the problems of a question's declaration that are specific to the type."""
        if self.has_options and not question.options:
            problems.add(
                question.line, f"la question «\u00a0{question.id}\u00a0» n'a aucune option"
            )

    # -- answers --

    def is_empty(self, value: Any) -> bool:
        """Return whether a raw value counts as no answer."""
        return value is None or value == "" or value == []

    def clean(self, question: Question, value: Any, lang: str) -> AnswerValue:
        """Return the clean answer of a raw value, or raise ValueError with a message."""
        raise NotImplementedError

    def codes(self, value: AnswerValue | None) -> tuple[str, ...]:
        """Return an answer as a tuple of codes."""
        if value is None:
            return ()
        if isinstance(value, list):
            return tuple(value)
        return (str(value),)

    def countries(self, question: Question, value: AnswerValue | None) -> list[Country]:
        """Return the partner countries an answer names (none for most types)."""
        return []

    # -- scoring --

    def vector(
        self, question: Question, value: AnswerValue | None, classified: Classified | None = None
    ) -> Vector:
        """Return the weights one answer adds, by dimension (empty when unanswered).

        ``classified``: the answer set's partner countries, already classified (types that
        name countries read them there instead of classifying their codes again).
        """
        total: Vector = {}
        for code in self.codes(value):
            option = question.option(code)
            if option is not None:
                for dim, w in option.weights.items():
                    total[dim] = total.get(dim, 0.0) + w
        return total

    def extremes(self, question: Question, dim: str) -> tuple[float, float]:
        """Return the lowest and highest points the question can give a dimension."""
        values = [o.weights.get(dim, 0.0) for o in question.options]
        if not question.required:
            values.append(0.0)
        return min(values), max(values)

    def alternatives(self, question: Question, value: AnswerValue | None) -> Iterator[AnswerValue]:
        """Yield every valid answer one step away from value (for the tip search)."""
        return iter(())

    def sample(self, question: Question, rng: random.Random) -> AnswerValue:
        """Return a random valid answer (demo data, tests, satisfiability checks)."""
        raise NotImplementedError

    def domain(self, question: Question) -> list[AnswerValue] | None:
        """Return every possible answer when there are few, else None (then sample)."""
        return None

    # -- words --

    def labels(
        self,
        question: Question,
        codes: Iterable[str],
        lang: str,
        classified: Classified | None = None,
    ) -> list[str]:
        """Return the label of each code in lang (the code itself if it has none).

        ``classified``: as for ``vector``.
        """
        result = []
        for code in codes:
            option = question.option(code)
            result.append(option.label.get(lang) if option is not None else code)
        return result

    def reason_labels(
        self,
        question: Question,
        codes: Iterable[str],
        lang: str,
        value_labels: Mapping[str, Text],
        classified: Classified | None = None,
    ) -> list[str]:
        """Return the labels of an answer as a reason says them (lower-case start in French)."""
        labels = self.labels(question, codes, lang, classified)
        return [mid_sentence(label) if lang == "fr" else label for label in labels]

    def describe(self, question: Question, lang: str) -> dict[str, Any]:
        """Return what the API says of the question beyond id, type, label and required."""
        data: dict[str, Any] = {"options": self.options_json(question, lang)}
        if self.multiple:
            data["min_choices"] = question.min_choices
            if question.max_choices is not None:
                data["max_choices"] = question.max_choices
        return data

    def options_json(self, question: Question, lang: str) -> list[dict[str, str]]:
        """Return the possible answers as the API lists them."""
        return [{"code": o.code, "label": o.label.get(lang)} for o in question.options]

    def summary(
        self, question: Question, values: Iterable[AnswerValue | None], lang: str
    ) -> list[SummaryRow]:
        """Return how many answers chose each option, for the dashboard (Indico's get_summary)."""
        counts: dict[str, int] = {o.code: 0 for o in question.options}
        for value in values:
            for code in self.codes(value):
                counts[code] = counts.get(code, 0) + 1
        labels = self.labels(question, list(counts), lang)
        return [
            SummaryRow(c, label, n) for (c, n), label in zip(counts.items(), labels, strict=True)
        ]

    def summary_width(self, question: Question) -> int:
        """Return in how many summary rows one answer can count at most: the L1 sensitivity of
        the question's released per-option counts (each row counts a diagnostic at most once).
        """
        rows = len(self.summary(question, [], "fr"))
        if not self.multiple:
            return min(1, rows)
        return min(rows, question.max_choices or rows)

    # -- forms --

    def form_field(self, question: Question, lang: str) -> Any:
        """Return the WTForms field of the question, labelled in lang."""
        raise NotImplementedError

    def form_value(self, value: AnswerValue | None) -> Any:
        """Return a stored answer as form data."""
        return value

    def first_control(self, field_id: str) -> str:
        """Return the id of the control the error summary links to."""
        return f"{field_id}-0"


_REGISTRY: dict[str, QuestionType] = {}


def register(question_type: QuestionType) -> QuestionType:
    """Make a question type known by its name; return it."""
    _REGISTRY[question_type.name] = question_type
    return question_type


def unregister(name: str) -> None:
    """Forget a question type (tests that add a toy type)."""
    _REGISTRY.pop(name, None)


def get_type(name: str) -> QuestionType:
    """Return the question type of this name; raise KeyError if none is registered."""
    return _REGISTRY[name]


def type_names() -> tuple[str, ...]:
    """Return the names of the registered question types."""
    return tuple(_REGISTRY)


def load_builtin() -> None:
    """Register the shipped question types (imported for their register() side effect)."""
    from app.core.types import country, country_multi, multi, scale, single  # noqa: F401


load_builtin()
