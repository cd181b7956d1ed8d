"""Progress over re-diagnoses: each result's scores on one chart, what changed in the answers,
the plan's statuses, and, across questionnaire versions, what the new version alone changes.

When two results come from different questionnaire versions, the earlier answers are rescored
under the newer version (where they still hold): the gap between an earlier result as stored
and as rescored is what « the questionnaire changed »; the gap between the rescored earlier
result and the newer one is what « we changed ».
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app import services
from app.charts import ACCENT, MUTED, SCORE_AXIS, _base_layout
from app.core.answers import AnswerErrors
from app.core.model import Question, Questionnaire
from app.core.report import Report
from app.models import Diagnostic, Result
from app.plan import exports, store
from app.results.downloads import answer_labels

CHART_ID = "chart-progress"
COLOURS = (ACCENT, "#6a3d9a", MUTED)
DASHES = ("solid", "dash", "dot")


def _rescored(diagnostic: Diagnostic, newer: Questionnaire, lang: str) -> dict[str, float] | None:
    """Return the diagnostic's answers scored under a newer version, None if they cannot be
    (an answer the newer version no longer takes: scoring without it would compare other
    answers than the respondent's).
    """
    old = services.questionnaire_of(diagnostic)
    answers, dropped = services.carry_over(old, newer, diagnostic.answers)
    if dropped:
        return None
    try:
        scored = services.score_answers(newer, answers, lang)
    except AnswerErrors:
        return None
    return dict(scored.reports[lang].scores)


def _points(
    session: Session, chain: list[Diagnostic], newer: Questionnaire, lang: str
) -> list[dict[str, Any]]:
    """Return one point per completed diagnostic of the chain: date, version, scores."""
    points = []
    for diagnostic in chain:
        result = services.current_result(session, diagnostic)
        if result is None:
            continue
        report = Report.from_payload(result.payload.get(lang) or result.payload["fr"])
        rescored = None
        if result.questionnaire_version != newer.version:
            rescored = _rescored(diagnostic, newer, lang)
        points.append(
            {
                "date": format_date(result.created_at, format="medium"),
                "version": result.questionnaire_version,
                "scores": dict(report.scores),
                "rescored": rescored,
                "labels": report.labels,
            }
        )
    for point, date in zip(points, _distinct([p["date"] for p in points]), strict=True):
        point["date"] = date
    return points


def _distinct(dates: list[str]) -> list[str]:
    """Return the dates with a number after each repeat (two results on one day: « … (2) »),
    so that each result has its own column on the chart."""
    seen: dict[str, int] = {}
    labels = []
    for date in dates:
        seen[date] = seen.get(date, 0) + 1
        labels.append(date if seen[date] == 1 else f"{date} ({seen[date]})")
    return labels


def _figure(points: list[dict[str, Any]], dims: list[str], labels: dict[str, str]) -> Any:
    """Return a line chart of each positioning's score over the results."""
    layout = _base_layout(height=320)
    layout["margin"] = {"l": 8, "r": 24, "t": 16, "b": 16, "pad": 4}
    layout["yaxis"] = {**SCORE_AXIS, "automargin": True}
    layout["xaxis"] = {"type": "category", "fixedrange": True, "automargin": True}
    # Each line is named below the chart (its dash tells it apart in black and white).
    layout["showlegend"] = True
    layout["legend"] = {"orientation": "h", "x": 0, "y": -0.12, "yanchor": "top"}
    dates = [p["date"] for p in points]
    data = []
    for i, dim in enumerate(dims):
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": labels[dim],
                "x": dates,
                "y": [p["scores"][dim] for p in points],
                "line": {"color": COLOURS[i % 3], "dash": DASHES[i % 3]},
                "hovertemplate": "%{x}<br>%{y:.1f} / 100<extra>" + labels[dim] + "</extra>",
            }
        )
        if any(p["rescored"] for p in points):
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": _(
                        "%(label)s, recalculé avec le questionnaire actuel", label=labels[dim]
                    ),
                    "x": [p["date"] for p in points if p["rescored"]],
                    "y": [p["rescored"][dim] for p in points if p["rescored"]],
                    "marker": {"color": COLOURS[i % 3], "symbol": "diamond-open", "size": 11},
                }
            )
    return {"data": data, "layout": layout}


def _rows(
    points: list[dict[str, Any]], dims: list[str], score_text: Callable[[float], str]
) -> list[list[str]]:
    """Return the chart's table rows: one per result, one more per rescoring."""
    rows = []
    for p in points:
        rows.append(
            [p["date"], _("version %(v)s", v=p["version"])]
            + [score_text(p["scores"][d]) for d in dims]
        )
        if p["rescored"]:
            rows.append(
                [p["date"], _("recalculé avec le questionnaire actuel")]
                + [score_text(p["rescored"][d]) for d in dims]
            )
    return rows


def _reading(
    points: list[dict[str, Any]], dim: str, label: str, text: Callable[[float], str]
) -> str:
    """Say how the leading positioning moved, separating the questionnaire's change from ours."""
    before, after = points[-2], points[-1]
    if before["rescored"]:
        questionnaire = before["rescored"][dim] - before["scores"][dim]
        ours = after["scores"][dim] - before["rescored"][dim]
        return str(
            _(
                "«\u00a0%(label)s\u00a0»\u00a0: le changement de questionnaire compte pour %(q)s "
                "points, vos changements pour %(o)s points.",
                label=label,
                q=text(questionnaire),
                o=text(ours),
            )
        )
    if before["version"] != after["version"]:
        return str(
            _(
                "«\u00a0%(label)s\u00a0» passe de %(a)s à %(b)s sur 100, mais le questionnaire a "
                "changé et vos réponses précédentes ne suffisent pas pour le recalculer (une "
                "question nouvelle ou modifiée y reste sans réponse)\u00a0: l'écart mêle le "
                "changement de questionnaire et vos changements.",
                label=label,
                a=text(before["scores"][dim]),
                b=text(after["scores"][dim]),
            )
        )
    return str(
        _(
            "«\u00a0%(label)s\u00a0» passe de %(a)s à %(b)s sur 100, avec le même "
            "questionnaire\u00a0: l'écart vient de vos changements.",
            label=label,
            a=text(before["scores"][dim]),
            b=text(after["scores"][dim]),
        )
    )


def _answer_changes(
    before: Diagnostic, after: Diagnostic, questionnaire: Questionnaire, lang: str
) -> list[list[str]]:
    """Return (question, before, after) for each answer that differs between two diagnostics."""
    rows = []
    for qid, question in questionnaire.questions.items():
        old, new = before.answers.get(qid), after.answers.get(qid)
        if old == new or question.repeat is not None:
            continue
        rows.append(
            [
                question.short.get(lang) or qid,
                _labels(question, old, lang),
                _labels(question, new, lang),
            ]
        )
    return rows


def _labels(question: Question, value: Any, lang: str) -> str:
    """Return an answer's labels joined by commas, « — » when unanswered."""
    if value is None:
        return "—"
    codes = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return ", ".join(answer_labels(question, codes, lang))


def _plan_changes(
    session: Session, before: Diagnostic, after: Diagnostic, lang: str
) -> list[list[str]]:
    """Return (action, status then, status now) for the actions of the current plan."""
    then = {(a.title, a.recommendation_id): a for a in store.actions(session, before)}
    rows = []
    for action in store.actions(session, after):
        earlier = then.get((action.title, action.recommendation_id))
        status = exports.row(action, lang)["status"]
        rows.append(
            [action.title, exports.row(earlier, lang)["status"] if earlier else "—", status]
        )
    return rows


def context(
    session: Session,
    diagnostic: Diagnostic,
    result: Result,
    lang: str,
    score_text: Callable[[float], str],
) -> dict[str, Any] | None:
    """Return the progress section of a redone diagnostic's result page, None for a first one."""
    chain = services.history(session, diagnostic)
    if len(chain) < 2:
        return None
    newer = services.questionnaire_of(diagnostic)
    points = _points(session, chain, newer, lang)
    if len(points) < 2:
        return None
    report = Report.from_payload(result.payload.get(lang) or result.payload["fr"])
    dims = list(report.scores)
    labels = report.labels
    previous = chain[-2]
    caption = _("Scores des trois positionnements à chaque diagnostic, sur 100")
    return {
        "chart": {
            "id": CHART_ID,
            "caption": caption,
            "print_width": 520,
            "print_height": 300,
            "figure": _figure(points, dims, labels),
            "headers": [_("Diagnostic"), _("Questionnaire")] + [labels[d] for d in dims],
            "rows": _rows(points, dims, score_text),
            "reading": _reading(points, report.dominant, labels[report.dominant], score_text),
        },
        "versions_differ": len({p["version"] for p in points}) > 1,
        "rescored": any(p["rescored"] is not None for p in points),
        "answer_changes": _answer_changes(previous, diagnostic, newer, lang),
        "plan_changes": _plan_changes(session, previous, diagnostic, lang),
    }
