"""Scale 1–4: a single choice whose answer is a whole number, which rules compare."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from app.core.model import AnswerValue, Question, Text
from app.core.partners import Classified
from app.core.types import register
from app.core.types.single import SingleType

if TYPE_CHECKING:
    from app.core.loader import Problems

SCALE_CODES = ["1", "2", "3", "4"]
NOT_SCALE = Text(
    "La réponse doit être un nombre entier de 1 à 4.",
    "The answer must be a whole number from 1 to 4.",
)


class ScaleType(SingleType):
    """A whole number from 1 to 4, shown as inline radio buttons."""

    name = "scale"
    ordered = True

    def check(self, question: Question, problems: Problems) -> None:
        """Record a scale whose options are not 1 to 4."""
        super().check(question, problems)
        if list(question.codes) != SCALE_CODES:
            problems.add(
                question.line,
                f"l'échelle «\u00a0{question.id}\u00a0» doit avoir les options 1 à 4",
            )

    def clean(self, question: Question, value: Any, lang: str) -> AnswerValue:
        """Return a scale value 1–4 (int or digit string), or raise ValueError."""
        if isinstance(value, bool):
            raise ValueError(_not_scale(lang))
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if not isinstance(value, int) or question.option(str(value)) is None:
            raise ValueError(_not_scale(lang))
        return value

    def option_value(self, code: str) -> AnswerValue:
        """Return the number an option stands for."""
        return int(code)

    def reason_labels(
        self,
        question: Question,
        codes: Iterable[str],
        lang: str,
        value_labels: Mapping[str, Text],
        classified: Classified | None = None,
    ) -> list[str]:
        """Return « 2 sur 4 »."""
        return [f"{code} {value_labels['out_of_4'].get(lang)}" for code in codes]

    def form_value(self, value: AnswerValue | None) -> Any:
        """Return the number as the posted string."""
        return str(value) if isinstance(value, int) else value


def _not_scale(lang: str) -> str:
    """Return the message of a value that is not 1 to 4."""
    return NOT_SCALE.get(lang)


SCALE = register(ScaleType())
