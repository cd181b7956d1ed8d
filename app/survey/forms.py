"""Step forms built from the questionnaire data, and the reading of a submitted step.

One WTForms class per (questionnaire version, section, language, number of items) is built on
first use, with one field per question named by the question id (contract § 4), in the manner of
Indico's ``make_survey_form``; each question type builds its own field. A repeat section holds one
block per item (``<section>-<n>-<question>``), added and removed by plain submit buttons
(``nav=add``, ``nav=remove:N``). Answers are checked by ``app.core.answers.validate`` (the same
rules as the JSON API), not by WTForms validators, so that a step and the API can never disagree;
the CSRF token of every form is checked by CSRFProtect (app.security) before any view runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, StringField

from app.core import partners
from app.core.answers import AnswerErrors, item_key, validate
from app.core.model import AnswerValue, Question, Questionnaire, Section
from app.core.relevance import applies, prune
from app.models import Diagnostic

# The values of the ``nav`` buttons (contract § 4), and of a repeat group's buttons.
NEXT, PREV, SAVE, FINISH = "next", "prev", "save", "finish"
ADD, REMOVE = "add", "remove:"
SHARE_FIELD = "share_anonymised"
ITEM_MARK = "block"  # posted by every block, so that an empty block is kept


class StepForm(FlaskForm):  # type: ignore[misc]
    """Base class of the step forms: the pressed button, plus one field per question."""

    nav = StringField()
    questions: tuple[Question, ...] = ()
    repeat_id: str | None = None

    def raw_answers(self) -> dict[str, Any]:
        """Return the submitted value of each question of the step (items for a repeat)."""
        if self.repeat_id is not None:
            items = [
                {k: v for k, v in entry.data.items() if k != ITEM_MARK}
                for entry in self[self.repeat_id]
            ]
            return {self.repeat_id: items}
        # A derived question is not shown: its value counts only if a post carries it.
        return {
            q.id: self[q.id].data for q in self.questions if q.derive is None or self[q.id].raw_data
        }

    def show_errors(self, errors: Mapping[str, list[str]]) -> None:
        """Attach validation messages to the fields they concern."""
        for key, messages in errors.items():
            found = self.field_named(key)
            if found is not None:
                found.errors = list(messages)

    def field_named(self, key: str) -> Any:
        """Return the field posted under this name, if the step has it."""
        if self.repeat_id is None:
            return self._fields.get(key)
        for entry in self[self.repeat_id]:
            for sub in entry.form:
                if sub.name == key:
                    return sub
        return None


class ItemForm(Form):  # type: ignore[misc]
    """Base class of one block of a repeat section (no CSRF token of its own)."""


@cache
def item_form_class(questionnaire: Questionnaire, section_id: str, lang: str) -> type[Form]:
    """Return the form class of one item of a repeat section."""
    section = questionnaire.section(section_id)
    assert section is not None  # noqa: S101 - called with the section of a step
    attrs: dict[str, Any] = {ITEM_MARK: HiddenField(default="1")}
    for question in section.questions:
        if question.id == ITEM_MARK:
            raise ValueError(f"question id '{question.id}' clashes with the block mark")
        attrs[question.id] = question.kind.form_field(question, lang)
    return type(f"ItemForm_{section.id}", (ItemForm,), attrs)


@cache
def step_form_class(questionnaire: Questionnaire, section_id: str, lang: str) -> type[StepForm]:
    """Return the form class of a step: one field per question, plus consent on the last step."""
    section = questionnaire.section(section_id)
    if section is None:
        raise KeyError(section_id)
    attrs: dict[str, Any] = {"questions": section.questions}
    if section.repeat is not None:
        item_form = item_form_class(questionnaire, section_id, lang)
        attrs["repeat_id"] = section.id
        attrs[section.id] = FieldList(FormField(item_form), max_entries=section.repeat.max)
    else:
        for question in section.questions:
            if hasattr(StepForm, question.id) or question.id == SHARE_FIELD:
                raise ValueError(f"question id '{question.id}' clashes with a form attribute")
            attrs[question.id] = question.kind.form_field(question, lang)
    later = questionnaire.sections[questionnaire.sections.index(section) + 1 :]
    if all(s.relevant is not None for s in later):  # this step may be the last one shown
        attrs[SHARE_FIELD] = BooleanField(
            lazy_gettext(
                "J'accepte qu'ARRICOD compte le résultat anonymisé de ce diagnostic dans les "
                "statistiques de son réseau"
            )
        )
    return type(f"StepForm_{section.id}", (StepForm,), attrs)


def _form_data(section: Section, values: Mapping[str, Any]) -> dict[str, Any]:
    """Return stored answers of a step's questions as form data (each type says how)."""
    return {q.id: q.kind.form_value(values.get(q.id)) for q in section.questions}


def _prefill(
    diagnostic_answers: Mapping[str, Any], share: bool, section: Section
) -> dict[str, Any]:
    """Return the stored answers of a step as form data."""
    if section.repeat is not None:
        items = diagnostic_answers.get(section.id)
        data: dict[str, Any] = {
            section.id: [_form_data(section, i) for i in items if isinstance(i, dict)]
            if isinstance(items, list)
            else []
        }
    else:
        data = _form_data(section, diagnostic_answers)
    data[SHARE_FIELD] = share
    return data


def step_form(
    questionnaire: Questionnaire, section: Section, diagnostic: Diagnostic, lang: str
) -> StepForm:
    """Return the step's form: the submitted data on POST, else prefilled from stored answers."""
    form_class = step_form_class(questionnaire, section.id, lang)
    if request.method == "POST":
        return form_class()
    data = _prefill(diagnostic.answers, diagnostic.share_anonymised, section)
    return form_class(formdata=None, data=data)


# --- Reading a submitted step -----------------------------------------------------------------


@dataclass(frozen=True)
class StepInput:
    """What a submitted step holds: the valid answers, the emptied ones and the errors."""

    answers: dict[str, AnswerValue]
    cleared: list[str]
    errors: dict[str, list[str]]


def _step_keys(section: Section) -> list[str]:
    """Return the answer keys of a step: its question ids, or its repeat section's id."""
    return [section.id] if section.repeat is not None else [q.id for q in section.questions]


def check_step(
    questionnaire: Questionnaire,
    section: Section,
    raw: Mapping[str, Any],
    lang: str,
    strict: bool,
    stored: Mapping[str, Any] | None = None,
) -> StepInput:
    """Return the step's valid answers and its errors; ``strict`` also requires the required ones.

    An invalid answer is left out (the stored one is kept); an emptied answer is listed in
    ``cleared`` so that removing an optional answer is stored too. Skip logic and constraints
    are judged over the stored answers of the other steps as well.
    """
    ids = _step_keys(section)
    context = {k: v for k, v in (stored or {}).items() if k not in ids}
    errors: dict[str, list[str]] = {}
    kwargs: dict[str, Any] = {"lang": lang, "context": context}
    try:
        answers = validate(questionnaire, raw, only=ids, partial=not strict, **kwargs)
    except AnswerErrors as exc:
        errors = exc.errors
        failed = {k.split("-")[0] for k in errors}
        valid = [k for k in ids if k not in failed]
        answers = validate(
            questionnaire, raw, only=valid, partial=True, constraints=False, **kwargs
        )
    cleared = [k for k in ids if k not in answers and k not in errors]
    return StepInput(answers, cleared, errors)


@dataclass(frozen=True)
class StepPage:
    """A step of a diagnostic: its questionnaire, its section, its form and where it stands."""

    questionnaire: Questionnaire
    section: Section
    form: StepForm
    lang: str
    stored: Mapping[str, Any] = field(default_factory=dict)

    @property
    def index(self) -> int:
        """Return the step's position, from 0."""
        return self.questionnaire.sections.index(self.section)

    def _applies(self, section: Section, answers: Mapping[str, Any]) -> bool:
        """Return whether a section is relevant to these answers."""
        return applies(section.relevant, self.questionnaire, answers)

    @property
    def steps(self) -> list[Section]:
        """Return the steps shown to this respondent: those skip logic keeps for the answers
        given so far, and this one (« Étape 2 sur 5 » counts them, not the skipped ones).
        """
        return [
            s
            for s in self.questionnaire.sections
            if s is self.section or self._applies(s, self.stored)
        ]

    @property
    def step_number(self) -> int:
        """Return the step's position among the steps shown, from 1."""
        return self.steps.index(self.section) + 1

    @property
    def is_last(self) -> bool:
        """Return whether this is the last relevant step (which finishes the diagnostic)."""
        later = self.questionnaire.sections[self.index + 1 :]
        return not any(self._applies(s, self.stored) for s in later)

    @property
    def fields(self) -> list[tuple[Question, Any]]:
        """Return each relevant question of the step with its form field."""
        if self.section.repeat is not None:
            return []
        known = {**self.stored, **self.form.raw_answers()}
        return [
            (q, self.form[q.id])
            for q in self.section.questions
            if q.derive is None and applies(q.relevant, self.questionnaire, known)
        ]

    @property
    def items(self) -> list[tuple[int, list[tuple[Question, Any]]]]:
        """Return each block of a repeat step with its relevant questions and fields."""
        if self.section.repeat is None:
            return []
        blocks = []
        for index, entry in enumerate(self.form[self.section.id]):
            item = {k: v for k, v in entry.data.items() if k != ITEM_MARK}
            known = {**self.stored, **item}
            pairs = [
                (q, entry.form[q.id])
                for q in self.section.questions
                if applies(q.relevant, self.questionnaire, known)
            ]
            blocks.append((index, pairs))
        return blocks

    def item_name(self, index: int) -> str:
        """Return « Partenariat 2 » for the block at index 1."""
        assert self.section.repeat is not None  # noqa: S101 - repeat steps only
        return self.section.repeat.item_name(index, self.lang)

    @property
    def can_add(self) -> bool:
        """Return whether the repeat step may take one more block."""
        repeat = self.section.repeat
        return repeat is not None and len(self.form[self.section.id]) < repeat.max

    def neighbour(self, offset: int, answers: Mapping[str, Any]) -> Section:
        """Return the relevant step offset places away, clamped to the first and last steps."""
        sections = self.questionnaire.sections
        index = self.index
        while offset and 0 <= index + offset < len(sections):
            index += offset
            if self._applies(sections[index], answers):
                return sections[index]
        return self.section

    def nav(self) -> str:
        """Return the pressed button: ``next`` and ``finish`` both mean forward (by position)."""
        pressed = str(self.form.nav.data or "")
        if pressed in (PREV, SAVE, ADD) or pressed.startswith(REMOVE):
            return pressed
        return FINISH if self.is_last else NEXT

    def _edited_raw(self, nav: str) -> dict[str, Any]:
        """Return the submitted answers, with a block added or removed as the button asked."""
        raw = self.form.raw_answers()
        if self.section.repeat is None or nav not in (ADD,) and not nav.startswith(REMOVE):
            return raw
        items = list(raw[self.section.id])
        if nav == ADD and len(items) < self.section.repeat.max:
            items.append({})
        elif nav.startswith(REMOVE) and nav[len(REMOVE) :].isdigit():
            index = int(nav[len(REMOVE) :])
            items = [item for i, item in enumerate(items) if i != index]
        return {self.section.id: items}

    def read(self) -> Submission:
        """Return the submitted step: valid answers, errors, and the step to store as current."""
        nav = self.nav()
        raw = self._edited_raw(nav)
        strict = nav in (NEXT, FINISH)
        step = check_step(self.questionnaire, self.section, raw, self.lang, strict, self.stored)
        self.form.show_errors(step.errors)
        blocked = bool(step.errors) and strict
        merged = {k: v for k, v in self.stored.items() if k not in step.cleared}
        merged = prune(self.questionnaire, {**merged, **step.answers})
        offset = {NEXT: 1, PREV: -1}.get(nav, 0)
        target = self.section if blocked else self.neighbour(offset, merged)
        share = self.form[SHARE_FIELD].data if SHARE_FIELD in self.form else None
        return Submission(nav, step, blocked, target.id, share)

    def error_links(self) -> list[tuple[str, str]]:
        """Return (field id, « label : message ») pairs for the error summary."""
        pairs = list(self.fields) + [pair for _, block in self.items for pair in block]
        links = []
        for question, form_field in pairs:
            for message in form_field.errors:
                anchor = question.kind.first_control(form_field.id)
                short = question.short.get(self.lang)
                label = short[:1].upper() + short[1:]
                links.append(
                    (anchor, _("%(question)s\u00a0: %(message)s", question=label, message=message))
                )
        return links


@dataclass(frozen=True)
class Submission:
    """The outcome of posting a step."""

    nav: str
    step: StepInput
    blocked: bool
    current_step: str
    share_anonymised: bool | None


def first_section_with(questionnaire: Questionnaire, question_ids: Iterable[str]) -> Section:
    """Return the first step holding one of these questions (the first step if none does)."""
    wanted = {k.split("-")[0] for k in question_ids}
    return next(
        (
            s
            for s in questionnaire.sections
            if s.id in wanted or any(q.id in wanted for q in s.questions)
        ),
        questionnaire.sections[0],
    )


def missing_labels(questionnaire: Questionnaire, question_ids: Iterable[str], lang: str) -> str:
    """Return the short labels of these questions, in questionnaire order, comma-separated."""
    wanted = {k.rsplit("-", 1)[-1] for k in question_ids}
    return ", ".join(q.short.get(lang) for q in questionnaire.questions.values() if q.id in wanted)


@dataclass(frozen=True)
class PartnerRow:
    """A chosen partner country as the step lists it."""

    code: str
    name: str
    income: str
    oecd: bool


def selected_codes(data: object) -> frozenset[str]:
    """Return the codes a field currently holds, as strings, for the step template."""
    if data is None or data == "":
        return frozenset()
    if isinstance(data, list | tuple | set | frozenset):
        return frozenset(str(item) for item in data)
    return frozenset((str(data),))


def chosen_partners(codes: Iterable[str] | None, lang: str) -> list[PartnerRow]:
    """Return the known countries among codes, with their income group and OECD membership."""
    rows = []
    for code in codes or []:
        country = partners.country(code)
        if country is not None:
            income = partners.income_label(country.income_group, lang)
            rows.append(PartnerRow(code, country.name(lang), income, country.oecd))
    return rows


__all__ = ["ADD", "FINISH", "NEXT", "PREV", "REMOVE", "SAVE", "item_key"]
