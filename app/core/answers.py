"""Validate raw answers (JSON or form data) against a questionnaire (pure, no Flask).

Each type cleans its own values; skip logic leaves irrelevant questions out (their answers are
dropped, never an error); a repeat section's answer is a list of items, each a mapping of its
questions' answers; a question derived from blocks takes its value from them when they are given
(its own value is then ignored, see ``app.core.derive``); consistency constraints are checked
once every answer they read is known.
Errors are keyed by question id, or ``<section>-<item>-<question>`` inside a repeat (the names
the step forms give their fields).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.core.conditions import answered, holds
from app.core.derive import holds_blocks
from app.core.model import AnswerValue, Question, Questionnaire, Section
from app.core.relevance import applies, env_of, prune
from app.core.types import message


class AnswerErrors(Exception):
    """Raised when answers are not valid; ``errors`` maps question ids to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(str(errors))
        self.errors = errors


def item_key(section_id: str, index: int, question_id: str) -> str:
    """Return the name of an item's answer: ``partnerships-0-partner_kind``."""
    return f"{section_id}-{index}-{question_id}"


@dataclass
class _Check:
    """One validation pass: what is wanted, what was found clean, and the errors."""

    questionnaire: Questionnaire
    lang: str
    partial: bool
    context: Mapping[str, Any]
    wanted: set[str]
    clean: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def known(self) -> dict[str, Any]:
        """Return the answers relevance is judged on: stored context, then clean answers."""
        return {**self.context, **self.clean}

    def value(self, question: Question, value: Any, key: str, into: dict[str, Any]) -> None:
        """Clean one value into ``into``, or record its error under key."""
        kind = question.kind
        if kind.is_empty(value):
            if question.required and not self.partial:
                self.errors[key] = [message("required", self.lang)]
            return
        try:
            into[question.id] = kind.clean(question, value, self.lang)
        except ValueError as exc:
            self.errors[key] = [str(exc)]

    def section(self, section: Section, raw: Mapping[str, Any]) -> None:
        """Check the wanted questions of a section, if the section is relevant."""
        if section.relevant is not None and not applies(
            section.relevant, self.questionnaire, self.known
        ):
            return
        if section.repeat is not None:
            # Blocks that questions are derived from stay absent when not given: the derived
            # questions then keep their given values (the API's core answers).
            derived = self.questionnaire.derived
            sourced = any(d.derive and d.derive.repeat == section.id for d in derived)
            if section.id in self.wanted and (section.id in raw or not sourced):
                self.items(section, raw.get(section.id))
            return
        for question in section.questions:
            if question.derive is not None and holds_blocks(
                self.questionnaire, question, {**self.known, **raw}
            ):
                continue
            if question.id in self.wanted and (
                question.relevant is None
                or applies(question.relevant, self.questionnaire, self.known)
            ):
                self.value(question, raw.get(question.id), question.id, self.clean)

    def items(self, section: Section, value: Any) -> None:
        """Check the items of a repeat section: a list of mappings within its bounds."""
        assert section.repeat is not None  # noqa: S101 - called for repeat sections only
        if value is None:
            value = []
        if not isinstance(value, list) or not all(isinstance(i, dict) for i in value):
            self.errors[section.id] = [message("not_items", self.lang)]
            return
        if len(value) > section.repeat.max:
            self.errors[section.id] = [message("too_many_items", self.lang, n=section.repeat.max)]
            return
        if len(value) < section.repeat.min and not self.partial:
            self.errors[section.id] = [message("too_few_items", self.lang, n=section.repeat.min)]
        ids = {q.id for q in section.questions}
        items = []
        for i, raw_item in enumerate(value):
            item: dict[str, Any] = {}
            for key in raw_item:
                if key not in ids:
                    self.errors[item_key(section.id, i, str(key)[:60])] = [
                        message("unknown_question", self.lang)
                    ]
            for question in section.questions:
                if applies(question.relevant, self.questionnaire, {**self.known, **item}):
                    key = item_key(section.id, i, question.id)
                    self.value(question, raw_item.get(question.id), key, item)
            items.append(item)
        self.clean[section.id] = items

    def constraints(self) -> None:
        """Record the message of every constraint that fails over the known answers."""
        known = self.known
        env = None
        for constraint in self.questionnaire.constraints:
            qids = constraint.question_ids
            ready = all(answered(known.get(self._top(qid))) for qid in qids)
            concerned = any(self._top(qid) in self.wanted for qid in qids)
            if not (ready and concerned):
                continue
            env = env or env_of(self.questionnaire, known)
            if not holds(constraint.check, env):
                text = constraint.message.get(self.lang)
                for qid in dict.fromkeys(self._top(q) for q in qids):
                    self.errors.setdefault(qid, []).append(text)

    def _top(self, qid: str) -> str:
        """Return the answer key a question is stored under (its repeat section for an item)."""
        return self.questionnaire.questions[qid].repeat or qid


def validate(
    questionnaire: Questionnaire,
    raw: Mapping[str, Any],
    lang: str = "fr",
    *,
    only: Iterable[str] | None = None,
    partial: bool = False,
    context: Mapping[str, Any] | None = None,
    constraints: bool = True,
) -> dict[str, AnswerValue]:
    """Return the clean, relevant answers of raw, or raise AnswerErrors listing every problem.

    ``only`` restricts the check to some questions or repeat sections (a step); ``partial`` lets
    required questions be missing (answers saved before the end); ``context`` holds the answers
    stored elsewhere (other steps), on which skip logic and constraints are judged too.
    """
    questions = questionnaire.questions
    repeats = questionnaire.repeats
    wanted = set(only) if only is not None else set(questions) | set(repeats)
    check = _Check(questionnaire, lang, partial, context or {}, wanted)
    for key in raw:
        if (key not in questions or questions[key].repeat) and key not in repeats:
            check.errors[str(key)[:60]] = [message("unknown_question", lang)]
    for section in questionnaire.sections:
        check.section(section, raw)
    if constraints and not check.errors:
        check.constraints()
    if check.errors:
        raise AnswerErrors(check.errors)
    if only is None and questionnaire.derived:
        return prune(questionnaire, check.clean)
    return check.clean
