"""Per-question summaries of many answer sets, each type summarising itself (the dashboard's)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from app.core.model import Question, Questionnaire
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


# --- One diagnostic's contribution to the released per-option counts ----------------------------


@cache
def summarised(questionnaire: Questionnaire) -> dict[str, Question]:
    """Return the questions whose counts are released, by id: every question but the block
    fields a derived question already summarises (a partnership's country and age are counted
    once, through the partner countries and the oldest partnership), so that no answer spends
    the privacy budget twice.
    """
    covered = {
        (q.derive.repeat, q.derive.field) for q in questionnaire.derived if q.derive is not None
    }
    return {
        qid: question
        for qid, question in questionnaire.questions.items()
        if (question.repeat, qid) not in covered
    }


@cache
def released_rows(questionnaire: Questionnaire) -> dict[str, tuple[tuple[str, ...], int]]:
    """Return, per question, the codes of its summary rows and the most rows one diagnostic can
    count in (its width).

    The codes come from the questionnaire alone (a summary of no answers), never from the data.
    A question inside a repeat group counts a diagnostic once per row, however many of its items
    chose it, so its width is at most the repeat's maximum times one item's width.
    """
    found: dict[str, tuple[tuple[str, ...], int]] = {}
    for qid, question in summarised(questionnaire).items():
        codes = tuple(row.code for row in question.kind.summary(question, [], "fr"))
        width = question.kind.summary_width(question)
        if question.repeat is not None:
            section = questionnaire.repeats.get(question.repeat)
            most = section.repeat.max if section is not None and section.repeat else 1
            width = min(len(codes), width * max(1, most))
        found[qid] = (codes, min(width, len(codes)))
    return found


def diagnostic_codes(
    questionnaire: Questionnaire, answers: Mapping[str, Any]
) -> dict[str, tuple[str, ...]]:
    """Return, per answered question, the summary rows one diagnostic counts in: each row once
    (for a repeat, once if any item chose it), and never more rows than the question's width.
    """
    widths = released_rows(questionnaire)
    found: dict[str, tuple[str, ...]] = {}
    for qid, question in summarised(questionnaire).items():
        if question.repeat is None:
            values = [answers.get(qid)]
        else:
            values = [i.get(qid) for i in items_of(answers, question.repeat)]
        values = [v for v in values if not question.kind.is_empty(v)]
        if not values:
            continue
        rows = question.kind.summary(question, values, "fr")
        reached = tuple(row.code for row in rows if row.count > 0)[: widths[qid][1]]
        if reached:
            found[qid] = reached
    return found
