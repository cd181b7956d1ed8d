"""Where the team's views diverge: per perception question, the answers by role, the gap with
the officer's (consolidated) answer, and the positioning each perspective would give."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext

from app import charts, services
from app.core.answers import AnswerErrors
from app.core.model import Question, Questionnaire
from app.models import Diagnostic, Perspective
from app.results.downloads import answer_labels

CHART_ID = "chart-perspectives"
ROLES = {
    "elected": lazy_gettext("Élu·e"),
    "general_management": lazy_gettext("Direction générale"),
    "ri_service": lazy_gettext("Service relations internationales"),
    "economic_development": lazy_gettext("Service développement économique"),
    "partner": lazy_gettext("Partenaire"),
    "other": lazy_gettext("Autre"),
}


def perception_questions(questionnaire: Questionnaire) -> list[Question]:
    """Return the questions marked ``perception: true``, in questionnaire order."""
    return [q for q in questionnaire.questions.values() if q.perception and q.repeat is None]


def _codes(value: Any) -> set[str]:
    """Return an answer's codes as a set (one for a single choice or a scale)."""
    if value is None:
        return set()
    return {str(v) for v in value} if isinstance(value, list) else {str(value)}


def gap(official: Any, other: Any) -> float:
    """Return how far one answer is from another, 0 (same) to 1 (nothing in common)."""
    a, b = _codes(official), _codes(other)
    if not a and not b:
        return 0.0
    return 1 - len(a & b) / len(a | b)


def _label(question: Question, value: Any, lang: str) -> str:
    """Return an answer's labels, « — » when unanswered."""
    if value is None:
        return "—"
    return ", ".join(answer_labels(question, sorted(_codes(value)), lang))


def _positioning(
    questionnaire: Questionnaire, diagnostic: Diagnostic, perspective: Perspective, lang: str
) -> str:
    """Return the dominant positioning the officer's answers would give with this view's."""
    answers = {**diagnostic.answers, **perspective.answers}
    try:
        report = services.score_answers(questionnaire, answers, lang).reports[lang]
    except AnswerErrors:
        return "—"
    return report.labels[report.dominant]


def context(
    questionnaire: Questionnaire,
    diagnostic: Diagnostic,
    perspectives: Sequence[Perspective],
    lang: str,
    percent: Callable[[float], str],
) -> dict[str, Any] | None:
    """Return the divergence table and chart, largest gaps first; None before any answer."""
    answered = [p for p in perspectives if p.answers]
    if not answered:
        return None
    rows: list[dict[str, Any]] = []
    for question in perception_questions(questionnaire):
        official = diagnostic.answers.get(question.id)
        views = [p for p in answered if question.id in p.answers]
        if not views:
            continue
        mean = sum(gap(official, p.answers[question.id]) for p in views) / len(views)
        rows.append(
            {
                "question": question,
                "label": question.short.get(lang) or question.id,
                "official": _label(question, official, lang),
                "views": [
                    (
                        p,
                        str(ROLES.get(p.role, p.role)),
                        _label(question, p.answers[question.id], lang),
                    )
                    for p in views
                ],
                "gap": round(100 * mean, 1),
            }
        )
    rows.sort(key=lambda r: -r["gap"])
    caption = _("Écart moyen entre les regards et votre réponse, par question (en %)")
    return {
        "rows": rows,
        "chart": {
            "id": CHART_ID,
            "caption": caption,
            # On paper, beside its table (as the result page's charts).
            "print_width": 360,
            "print_height": 70 + 40 * len(rows),
            "figure": charts.bar_figure(
                [r["label"] for r in rows], [r["gap"] for r in rows], name=caption, unit="%"
            ),
            "headers": [_("Question"), _("Écart moyen")],
            "rows": [[r["label"], percent(r["gap"])] for r in rows],
        },
        "positionings": [
            [str(ROLES.get(p.role, p.role)), _positioning(questionnaire, diagnostic, p, lang)]
            for p in answered
        ],
    }
