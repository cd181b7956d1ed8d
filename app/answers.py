"""Validate raw answers (JSON or form data) against a questionnaire (pure, no Flask)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app import partners
from app.questionnaire import Question, Questionnaire
from app.scoring import AnswerValue

MESSAGES = {
    "unknown_question": {"fr": "Question inconnue.", "en": "Unknown question."},
    "required": {"fr": "Veuillez répondre à cette question.", "en": "Please answer this question."},
    "unknown_code": {
        "fr": "Réponse non reconnue : « {code} ».",
        "en": "Unrecognised answer: “{code}”.",
    },
    "not_text": {"fr": "La réponse doit être un code.", "en": "The answer must be a code."},
    "not_list": {
        "fr": "La réponse doit être une liste de codes.",
        "en": "The answer must be a list of codes.",
    },
    "not_scale": {
        "fr": "La réponse doit être un nombre entier de 1 à 4.",
        "en": "The answer must be a whole number from 1 to 4.",
    },
    "min_choices": {
        "fr": "Choisissez au moins {n} réponse(s).",
        "en": "Choose at least {n} answer(s).",
    },
    "max_choices": {
        "fr": "Choisissez au plus {n} réponses.",
        "en": "Choose at most {n} answers.",
    },
    "exclusive": {
        "fr": "« {label} » ne peut pas être combiné avec d'autres réponses.",
        "en": "“{label}” cannot be combined with other answers.",
    },
    "unknown_country": {
        "fr": "Pays inconnu : « {code} » (code ISO 3166-1 à deux lettres attendu).",
        "en": "Unknown country: “{code}” (an ISO 3166-1 two-letter code is expected).",
    },
}


class AnswerErrors(Exception):
    """Raised when answers are not valid; ``errors`` maps question ids to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(str(errors))
        self.errors = errors


def message(key: str, lang: str, **kwargs: Any) -> str:
    """Return a validation message in lang (French by default)."""
    texts = MESSAGES[key]
    return texts.get(lang, texts["fr"]).format(**kwargs)


def _is_empty(value: Any) -> bool:
    """Return whether a raw value counts as no answer."""
    return value is None or value == "" or value == []


def _clean_single(q: Question, value: Any, lang: str) -> AnswerValue:
    """Return a single-choice code, or raise ValueError with a message."""
    if not isinstance(value, str):
        raise ValueError(message("not_text", lang))
    if q.option(value) is None:
        raise ValueError(message("unknown_code", lang, code=value[:40]))
    return value


def _clean_scale(q: Question, value: Any, lang: str) -> AnswerValue:
    """Return a scale value 1–4 (int or digit string), or raise ValueError."""
    if isinstance(value, bool):
        raise ValueError(message("not_scale", lang))
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or q.option(str(value)) is None:
        raise ValueError(message("not_scale", lang))
    return value


def _clean_codes(q: Question, value: Any, lang: str) -> list[str]:
    """Return a de-duplicated list of codes, or raise ValueError."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(message("not_list", lang))
    codes = list(dict.fromkeys(value))
    if len(codes) < q.min_choices:
        raise ValueError(message("min_choices", lang, n=q.min_choices))
    if q.max_choices is not None and len(codes) > q.max_choices:
        raise ValueError(message("max_choices", lang, n=q.max_choices))
    return codes


def _clean_multi(q: Question, value: Any, lang: str) -> AnswerValue:
    """Return a multi-choice list of codes, or raise ValueError."""
    codes = _clean_codes(q, value, lang)
    for code in codes:
        option = q.option(code)
        if option is None:
            raise ValueError(message("unknown_code", lang, code=code[:40]))
        if option.exclusive and len(codes) > 1:
            raise ValueError(message("exclusive", lang, label=option.label.get(lang)))
    return codes


def _clean_countries(q: Question, value: Any, lang: str) -> AnswerValue:
    """Return a list of partner country codes, or raise ValueError."""
    codes = _clean_codes(q, value, lang)
    for code in codes:
        if partners.country(code) is None:
            raise ValueError(message("unknown_country", lang, code=code[:40]))
    return codes


CLEANERS = {
    "single": _clean_single,
    "scale": _clean_scale,
    "multi": _clean_multi,
    "country_multi": _clean_countries,
}


def validate(
    questionnaire: Questionnaire,
    raw: Mapping[str, Any],
    lang: str = "fr",
    *,
    only: Iterable[str] | None = None,
    partial: bool = False,
) -> dict[str, AnswerValue]:
    """Return the clean answers of raw, or raise AnswerErrors listing every problem.

    ``only`` restricts the check to some questions (a step); ``partial`` lets required
    questions be missing (answers saved before the end).
    """
    questions = questionnaire.questions
    wanted = list(only) if only is not None else list(questions)
    errors: dict[str, list[str]] = {}
    clean: dict[str, AnswerValue] = {}
    for key in raw:
        if key not in questions:
            errors[str(key)[:60]] = [message("unknown_question", lang)]
    for qid in wanted:
        q = questions[qid]
        value = raw.get(qid)
        if _is_empty(value) and not (q.type == "country_multi" and value == []):
            if q.required and not partial:
                errors[qid] = [message("required", lang)]
            continue
        try:
            clean[qid] = CLEANERS[q.type](q, value, lang)
        except ValueError as exc:
            errors[qid] = [str(exc)]
    if errors:
        raise AnswerErrors(errors)
    return clean
