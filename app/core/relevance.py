"""Skip logic: which questions and sections are relevant to an answer set, and pruning the rest.

A question or a section may carry ``relevant:`` (a condition over answers and facts). It is then
shown, required, validated and scored only when the condition holds over the answers that come
before it; answers to irrelevant questions are dropped. Pruning also sets the questions derived
from blocks (``app.core.derive``), so that every reader of pruned answers sees their values.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from app.core.conditions import Env, holds
from app.core.derive import derive
from app.core.facts import derived_facts
from app.core.model import Condition, Questionnaire, Section


@cache
def has_skip_logic(questionnaire: Questionnaire) -> bool:
    """Return whether any section or question of the questionnaire carries ``relevant``."""
    return any(
        s.relevant is not None or any(qu.relevant is not None for qu in s.questions)
        for s in questionnaire.sections
    )


def env_of(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> Env:
    """Return the environment skip logic and constraints are evaluated in."""
    return Env(questionnaire, answers, derived_facts(questionnaire, answers))


def applies(
    cond: Condition | None, questionnaire: Questionnaire, answers: Mapping[str, Any]
) -> bool:
    """Return whether a ``relevant`` condition holds (no condition: always)."""
    return cond is None or holds(cond, env_of(questionnaire, answers))


def section_applies(
    questionnaire: Questionnaire, section: Section, answers: Mapping[str, Any]
) -> bool:
    """Return whether a section is relevant to the answers."""
    return applies(section.relevant, questionnaire, answers)


def _prune_items(
    questionnaire: Questionnaire, section: Section, items: Any, kept: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Return the items of a repeat section with their irrelevant answers dropped."""
    result = []
    for item in items if isinstance(items, list) else []:
        clean: dict[str, Any] = {}
        for question in section.questions:
            if question.id in item and applies(question.relevant, questionnaire, {**kept, **clean}):
                clean[question.id] = item[question.id]
        result.append(clean)
    return result


def prune(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Return the answers without those to irrelevant questions or sections (others kept).

    Derived questions take their values from the kept blocks; skip logic may read them, so the
    answers are pruned once more over those values.
    """
    kept = _prune(questionnaire, answers)
    if not questionnaire.derived:
        return kept
    kept = derive(questionnaire, kept)
    return derive(questionnaire, _prune(questionnaire, kept))


def _prune(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Return the answers without those to irrelevant questions or sections."""
    if not has_skip_logic(questionnaire):
        return dict(answers)
    known = set(questionnaire.questions) | set(questionnaire.repeats)
    kept: dict[str, Any] = {k: v for k, v in answers.items() if k not in known}
    for section in questionnaire.sections:
        if not section_applies(questionnaire, section, kept):
            continue
        if section.repeat is not None:
            if section.id in answers:
                kept[section.id] = _prune_items(questionnaire, section, answers[section.id], kept)
            continue
        for question in section.questions:
            if question.id in answers and applies(question.relevant, questionnaire, kept):
                kept[question.id] = answers[question.id]
    return kept
