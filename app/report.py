"""Assemble a scored result as plain data: the API response and what the result page stores."""

from __future__ import annotations

from typing import Any

from app import partners
from app.questionnaire import LANGS, Questionnaire
from app.recommend import recommend
from app.scoring import Answers, Result, score

TOP_CONTRIBUTIONS = 5


def _answer_text(questionnaire: Questionnaire, qid: str, codes: tuple[str, ...], lang: str) -> str:
    """Return the labels of some codes of a question, joined."""
    question = questionnaire.questions[qid]
    if question.type == "country_multi":
        return ", ".join(c.name(lang) for c in partners.classify(list(codes)))
    labels = [o.label.get(lang) for c in codes if (o := question.option(c)) is not None]
    return ", ".join(labels)


def _contributions(questionnaire: Questionnaire, result: Result, lang: str) -> dict[str, Any]:
    """Return, per dimension, the answers that weighed most, in words and points."""
    return {
        dim_id: [
            {
                "question_id": c.question_id,
                "question": questionnaire.questions[c.question_id].short.get(lang),
                "answer": _answer_text(questionnaire, c.question_id, c.codes, lang),
                "points": c.points,
            }
            for c in items[:TOP_CONTRIBUTIONS]
            if c.points > 0
        ]
        for dim_id, items in result.contributions.items()
    }


def _tip(questionnaire: Questionnaire, result: Result, lang: str) -> dict[str, Any] | None:
    """Return the answer change that would most move the result, in words."""
    tip = result.tip
    if tip is None:
        return None
    q = questionnaire.questions[tip.question_id]
    return {
        "question_id": tip.question_id,
        "question": q.short.get(lang),
        "from": _answer_text(questionnaire, tip.question_id, tip.from_codes, lang),
        "to": _answer_text(questionnaire, tip.question_id, tip.to_codes, lang),
        "to_codes": list(tip.to_codes),
        "flips": tip.flips,
        "dominant_after": tip.dominant_after,
        "dominant_after_label": questionnaire.dimension(tip.dominant_after).label.get(lang),
        "scores_after": tip.scores_after,
    }


def build(
    questionnaire: Questionnaire, answers: Answers, lang: str = "fr", result: Result | None = None
) -> dict[str, Any]:
    """Return the full report of valid answers in one language (API fields and explanations)."""
    result = result or score(questionnaire, answers)
    fired = recommend(questionnaire, answers, result, lang)
    return {
        "questionnaire_version": result.questionnaire_version,
        "lang": lang,
        "scores": result.scores,
        "dominant": result.dominant,
        "logics": result.logics,
        "partners": [
            {
                "code": c.code,
                "name": c.name(lang),
                "income_group": c.income_group,
                "income_label": partners.income_label(c.income_group, lang),
                "oecd": c.oecd,
            }
            for c in result.partners
        ],
        "partner_income_group": result.partner_income_group,
        "recommendations": [
            {
                "id": r.id,
                "title": r.title,
                "priority": r.priority,
                "because": list(r.because),
                "text": r.text,
                "source": r.source,
            }
            for r in fired
            if r.kind == "recommendation"
        ],
        "warnings": [
            {
                "id": r.id,
                "message": r.text,
                "title": r.title,
                "priority": r.priority,
                "because": list(r.because),
                "source": r.source,
            }
            for r in fired
            if r.kind == "warning"
        ],
        "labels": {d.id: d.label.get(lang) for d in questionnaire.dimensions},
        "descriptions": {d.id: d.description.get(lang) for d in questionnaire.dimensions},
        "contributions": _contributions(questionnaire, result, lang),
        "tip": _tip(questionnaire, result, lang),
    }


def build_all(questionnaire: Questionnaire, answers: Answers) -> dict[str, dict[str, Any]]:
    """Return the report in every language, scoring the answers once (what a result stores)."""
    result = score(questionnaire, answers)
    return {lang: build(questionnaire, answers, lang, result) for lang in LANGS}
