"""Questions computed from the blocks of a repeat section (``derive:``), a pure module.

A derived question (say ``partner_countries``) keeps its id, codes and weights, so that the API's
core answers and the step forms' blocks score the same situation alike. Its value is:

- computed from the blocks whenever the answers hold the repeat section, even with no block
  (``union`` of a field's codes in block order, each once; the ``max`` of a field's codes by the
  target's option order; the ``share`` of the blocks answering a field with some codes, mapped by
  bands), the target's ``empty`` code when there is no block, nothing when no block answered the
  field;
- computed as from zero blocks when skip logic leaves the repeat section out (its condition reads
  answered questions and does not hold);
- otherwise the value given (an API client posting the core answers alone), kept as it is.

A derived question that skip logic leaves out itself has no value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.core.conditions import Env, answered, holds
from app.core.facts import derived_facts
from app.core.model import AnswerValue, Condition, Derivation, Question, Questionnaire


def _holds(
    questionnaire: Questionnaire, cond: Condition | None, answers: Mapping[str, Any]
) -> bool:
    """Return whether a skip-logic condition holds over the answers (no condition: always)."""
    return cond is None or holds(
        cond, Env(questionnaire, answers, derived_facts(questionnaire, answers))
    )


def left_out(questionnaire: Questionnaire, section_id: str, answers: Mapping[str, Any]) -> bool:
    """Return whether skip logic leaves a section out, judged on answered questions only.

    A section whose condition reads a question not answered yet is not left out: the answers
    may simply not go that far (the API's core answers, an unfinished diagnostic).
    """
    section = questionnaire.section(section_id)
    cond = section.relevant if section is not None else None
    if cond is None:
        return False
    ready = all(answered(answers.get(qid)) for qid in cond.question_ids())
    return ready and not _holds(questionnaire, cond, answers)


def from_blocks(
    target: Question, field: Question, derivation: Derivation, items: Sequence[Any]
) -> AnswerValue | None:
    """Return the value derived from the blocks' answers to field (None: unanswered)."""
    blocks = [i for i in items if isinstance(i, Mapping)]
    if not blocks:
        return [] if derivation.how == "union" else derivation.empty
    kind = field.kind
    values = [kind.codes(b[field.id]) for b in blocks if not kind.is_empty(b.get(field.id))]
    if not values:
        return None
    if derivation.how == "union":
        return list(dict.fromkeys(code for codes in values for code in codes))
    if derivation.how == "max":
        given = {code for codes in values for code in codes}
        reached = [code for code in target.codes if code in given]
        return reached[-1] if reached else None
    wanted = set(derivation.codes)
    share = sum(1 for codes in values if wanted & set(codes)) / len(values)
    for band in derivation.bands:
        if band.lt is None or share < band.lt:
            return band.code
    return None


def derived_value(
    questionnaire: Questionnaire, question: Question, answers: Mapping[str, Any]
) -> AnswerValue | None:
    """Return the value a derived question takes over the answers (None: no answer)."""
    derivation = question.derive
    if derivation is None:
        return answers.get(question.id)  # type: ignore[no-any-return]
    section = questionnaire.section(question.section_id)
    own = [question.relevant, section.relevant if section is not None else None]
    if not all(_holds(questionnaire, cond, answers) for cond in own):
        return None
    field = questionnaire.questions[derivation.field]
    if left_out(questionnaire, derivation.repeat, answers):
        return from_blocks(question, field, derivation, [])
    if derivation.repeat in answers:
        items = answers[derivation.repeat]
        return from_blocks(question, field, derivation, items if isinstance(items, list) else [])
    return answers.get(question.id)  # type: ignore[no-any-return]


def holds_blocks(questionnaire: Questionnaire, question: Question, raw: Mapping[str, Any]) -> bool:
    """Return whether raw answers decide a derived question (its flat value is then ignored)."""
    derivation = question.derive
    return derivation is not None and (
        derivation.repeat in raw or left_out(questionnaire, derivation.repeat, raw)
    )


def derive(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Return the answers with every derived question set from the blocks, or left out."""
    result = dict(answers)
    for question in questionnaire.derived:
        value = derived_value(questionnaire, question, result)
        if value is None:
            result.pop(question.id, None)
        else:
            result[question.id] = value
    return result
