"""Per-question summaries of many answer sets, each type summarising itself (the dashboard's)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.core.model import Questionnaire
from app.core.scoring import items_of
from app.core.types import SummaryRow


def summaries(
    questionnaire: Questionnaire, answer_sets: Iterable[Mapping[str, Any]], lang: str
) -> dict[str, list[SummaryRow]]:
    """Return, per question, how many answers chose what (a repeat's items counted one by one)."""
    sets = list(answer_sets)
    result = {}
    for qid, question in questionnaire.questions.items():
        if question.repeat is None:
            values = [answers.get(qid) for answers in sets]
        else:
            values = [i.get(qid) for a in sets for i in items_of(a, question.repeat)]
        result[qid] = question.kind.summary(question, values, lang)
    return result
