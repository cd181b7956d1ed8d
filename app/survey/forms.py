"""Step forms built from the questionnaire data, and the reading of a submitted step.

One WTForms class per (questionnaire version, section, language) is built on first use, with one
field per question named by the question id (contract § 4), in the manner of Indico's
``make_survey_form``. Answers are checked by ``app.answers.validate`` (the same rules as the JSON
API), not by WTForms validators, so that a step and the API can never disagree; the CSRF token
of every form is checked by CSRFProtect (app.security) before any view runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, SelectMultipleField, StringField
from wtforms.widgets import CheckboxInput, ListWidget

from app import partners
from app.answers import AnswerErrors, validate
from app.models import Diagnostic
from app.partners import Country
from app.questionnaire import Question, Questionnaire, Section
from app.scoring import AnswerValue

# The values of the ``nav`` buttons (contract § 4).
NEXT, PREV, SAVE, FINISH = "next", "prev", "save", "finish"
SHARE_FIELD = "share_anonymised"


class MultiCheckboxField(SelectMultipleField):  # type: ignore[misc]
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StepForm(FlaskForm):  # type: ignore[misc]
    """Base class of the step forms: the pressed button, plus one field per question."""

    nav = StringField()
    questions: tuple[Question, ...] = ()

    def raw_answers(self) -> dict[str, Any]:
        """Return the submitted value of each question of the step, by question id."""
        return {q.id: self[q.id].data for q in self.questions}

    def show_errors(self, errors: Mapping[str, list[str]]) -> None:
        """Attach validation messages to the fields they concern."""
        for qid, messages in errors.items():
            if qid in self:
                self[qid].errors = list(messages)


# --- Field builders, one per question type ---------------------------------------------------


def _options(question: Question, lang: str) -> list[SelectChoice]:
    """Return a question's options as WTForms choices, labelled in lang."""
    return [SelectChoice(o.code, o.label.get(lang)) for o in question.options]


def _single_field(question: Question, lang: str) -> Any:
    """Return a group of radio buttons for a single-choice question."""
    return RadioField(
        question.label.get(lang), choices=_options(question, lang), validate_choice=False
    )


def _scale_field(question: Question, lang: str) -> Any:
    """Return radio buttons 1 to 4 for a scale question (values posted as ``1``–``4``)."""
    return RadioField(
        question.label.get(lang), choices=_options(question, lang), validate_choice=False
    )


def _multi_field(question: Question, lang: str) -> Any:
    """Return a group of checkboxes for a multiple-choice question."""
    return MultiCheckboxField(
        question.label.get(lang), choices=_options(question, lang), validate_choice=False
    )


def country_label(country: Country, lang: str) -> str:
    """Return « Maroc — revenu intermédiaire (tranche inférieure) », OECD membership added."""
    label = f"{country.name(lang)} — {partners.income_label(country.income_group, lang)}"
    return f"{label}, " + _("membre de l'OCDE") if country.oecd else label


def _country_field(question: Question, lang: str) -> Any:
    """Return a multiple select of every country, each labelled with its income group."""
    choices = [
        SelectChoice(
            c.code,
            country_label(c, lang),
            {
                "data-name": c.name(lang),
                "data-income": partners.income_label(c.income_group, lang),
                "data-oecd": "1" if c.oecd else "0",
            },
        )
        for c in partners.countries(lang)
    ]
    return SelectMultipleField(question.label.get(lang), choices=choices, validate_choice=False)


FIELD_BUILDERS: dict[str, Callable[[Question, str], Any]] = {
    "single": _single_field,
    "scale": _scale_field,
    "multi": _multi_field,
    "country_multi": _country_field,
}


@cache
def step_form_class(questionnaire: Questionnaire, section_id: str, lang: str) -> type[StepForm]:
    """Return the form class of a step: one field per question, plus consent on the last step."""
    section = questionnaire.section(section_id)
    if section is None:
        raise KeyError(section_id)
    attrs: dict[str, Any] = {"questions": section.questions}
    for question in section.questions:
        if hasattr(StepForm, question.id) or question.id == SHARE_FIELD:
            raise ValueError(f"question id '{question.id}' clashes with a form attribute")
        attrs[question.id] = FIELD_BUILDERS[question.type](question, lang)
    if section.id == questionnaire.sections[-1].id:
        attrs[SHARE_FIELD] = BooleanField(
            lazy_gettext(
                "J'accepte qu'ARRICOD compte le résultat anonymisé de ce diagnostic dans les "
                "statistiques de son réseau"
            )
        )
    return type(f"StepForm_{section.id}", (StepForm,), attrs)


def _prefill(diagnostic: Diagnostic, section: Section) -> dict[str, Any]:
    """Return the stored answers of a step as form data (scales as strings)."""
    data: dict[str, Any] = {}
    for question in section.questions:
        value = diagnostic.answers.get(question.id)
        data[question.id] = str(value) if isinstance(value, int) else value
    data[SHARE_FIELD] = diagnostic.share_anonymised
    return data


def step_form(
    questionnaire: Questionnaire, section: Section, diagnostic: Diagnostic, lang: str
) -> StepForm:
    """Return the step's form: the submitted data on POST, else prefilled from stored answers."""
    form_class = step_form_class(questionnaire, section.id, lang)
    if request.method == "POST":
        return form_class()
    return form_class(formdata=None, data=_prefill(diagnostic, section))


# --- Reading a submitted step -----------------------------------------------------------------


def _is_empty(value: Any) -> bool:
    """Return whether a submitted value means "no answer"."""
    return value is None or value == "" or value == []


@dataclass(frozen=True)
class StepInput:
    """What a submitted step holds: the valid answers, the emptied ones and the errors."""

    answers: dict[str, AnswerValue]
    cleared: list[str]
    errors: dict[str, list[str]]


def check_step(
    questionnaire: Questionnaire, section: Section, raw: Mapping[str, Any], lang: str, strict: bool
) -> StepInput:
    """Return the step's valid answers and its errors; ``strict`` also requires the required ones.

    An invalid answer is left out (the stored one is kept); an emptied answer is listed in
    ``cleared`` so that removing an optional answer is stored too.
    """
    ids = [q.id for q in section.questions]
    errors: dict[str, list[str]] = {}
    try:
        answers = validate(questionnaire, raw, lang, only=ids, partial=not strict)
    except AnswerErrors as exc:
        errors = exc.errors
        valid = [qid for qid in ids if qid not in errors]
        answers = validate(questionnaire, raw, lang, only=valid, partial=True)
    cleared = [qid for qid in ids if qid not in answers and _is_empty(raw.get(qid))]
    return StepInput(answers, cleared, errors)


@dataclass(frozen=True)
class StepPage:
    """A step of a diagnostic: its questionnaire, its section, its form and where it stands."""

    questionnaire: Questionnaire
    section: Section
    form: StepForm
    lang: str

    @property
    def index(self) -> int:
        """Return the step's position, from 0."""
        return self.questionnaire.sections.index(self.section)

    @property
    def is_last(self) -> bool:
        """Return whether this is the last step (which finishes the diagnostic)."""
        return self.index == len(self.questionnaire.sections) - 1

    @property
    def fields(self) -> list[tuple[Question, Any]]:
        """Return each question of the step with its form field."""
        return [(q, self.form[q.id]) for q in self.section.questions]

    def neighbour(self, offset: int) -> Section:
        """Return the step offset places away, clamped to the first and last steps."""
        sections = self.questionnaire.sections
        return sections[min(max(self.index + offset, 0), len(sections) - 1)]

    def nav(self) -> str:
        """Return the pressed button: ``next`` and ``finish`` both mean forward (by position)."""
        pressed = self.form.nav.data
        if pressed in (PREV, SAVE):
            return str(pressed)
        return FINISH if self.is_last else NEXT

    def read(self) -> Submission:
        """Return the submitted step: valid answers, errors, and the step to store as current."""
        nav = self.nav()
        step = check_step(
            self.questionnaire,
            self.section,
            self.form.raw_answers(),
            self.lang,
            strict=nav in (NEXT, FINISH),
        )
        self.form.show_errors(step.errors)
        blocked = bool(step.errors) and nav in (NEXT, FINISH)
        offset = {NEXT: 1, PREV: -1}.get(nav, 0)
        target = self.section if blocked else self.neighbour(offset)
        share = self.form[SHARE_FIELD].data if SHARE_FIELD in self.form else None
        return Submission(nav, step, blocked, target.id, share)

    def error_links(self) -> list[tuple[str, str]]:
        """Return (field id, « label : message ») pairs for the error summary."""
        links = []
        for question, field in self.fields:
            for message in field.errors:
                anchor = field.id if question.type == "country_multi" else f"{field.id}-0"
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
    wanted = set(question_ids)
    return next(
        (s for s in questionnaire.sections if any(q.id in wanted for q in s.questions)),
        questionnaire.sections[0],
    )


def missing_labels(questionnaire: Questionnaire, question_ids: Iterable[str], lang: str) -> str:
    """Return the short labels of these questions, in questionnaire order, comma-separated."""
    wanted = set(question_ids)
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
