"""The respondent's own data as files: answers and stored result, in JSON and in CSV.

The CSV is made for a French spreadsheet: UTF-8 with a byte-order mark (so that Excel reads the
accents), ``;`` as separator and, on French pages, decimal commas.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from typing import Any

from flask import Response
from flask_babel import format_decimal, lazy_gettext
from flask_babel import gettext as _

from app.core.answers import item_key
from app.core.model import Question, Questionnaire
from app.core.report import Report
from app.models import Diagnostic, Result

CSV_SEPARATOR = ";"
BOM = "\ufeff"
FILE_STEM = "autodiagnostic-aict"
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

PRIORITY_LABELS = {
    "high": lazy_gettext("Priorité haute"),
    "medium": lazy_gettext("Priorité moyenne"),
    "low": lazy_gettext("Priorité basse"),
}


def _codes(value: Any) -> list[str]:
    """Return a stored answer as a list of codes (a scale's integer becomes its code)."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def answer_labels(question: Question | None, codes: list[str], lang: str) -> list[str]:
    """Return the label of each code of an answer in lang (the code itself if it has none)."""
    if question is None:
        return list(codes)
    return question.kind.labels(question, codes, lang)


def _flat(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """Return (key, question, value) for every answer, a repeat group's item by item."""
    questions = questionnaire.questions
    rows: list[tuple[str, Any, Any]] = []
    for qid, question in questions.items():
        if question.repeat is None and qid in answers:
            rows.append((qid, question, answers[qid]))
    for sid, section in questionnaire.repeats.items():
        items = answers.get(sid)
        for i, item in enumerate(items if isinstance(items, list) else []):
            for question in section.questions:
                if isinstance(item, dict) and question.id in item:
                    rows.append((item_key(sid, i, question.id), question, item[question.id]))
    known = set(questions) | set(questionnaire.repeats)
    rows += [(k, None, answers[k]) for k in sorted(answers) if k not in known]
    return rows


def answers_rows(
    questionnaire: Questionnaire, answers: Mapping[str, Any], lang: str
) -> list[dict[str, Any]]:
    """Return the answers in questionnaire order (unknown ids last), with questions and labels."""
    rows = []
    for key, question, value in _flat(questionnaire, answers):
        codes = _codes(value)
        rows.append(
            {
                "question_id": key,
                "question": question.label.get(lang) if question is not None else "",
                "codes": codes,
                "labels": answer_labels(question, codes, lang),
            }
        )
    return rows


def export_data(
    diagnostic: Diagnostic, result: Result, report: Report, questionnaire: Questionnaire
) -> dict[str, Any]:
    """Return everything the respondent may take away: their answers and their stored result."""
    lang = report.lang
    return {
        "questionnaire_version": result.questionnaire_version,
        "lang": lang,
        "completed_at": result.created_at.isoformat(timespec="seconds"),
        "answers": answers_rows(questionnaire, diagnostic.answers, lang),
        "result": {
            "scores": report.scores,
            "dominant": report.dominant,
            "dominant_label": report.labels.get(report.dominant, ""),
            "logics": report.logics,
            "labels": report.labels,
            "partners": [
                {"code": p.code, "name": p.name, "income_group": p.income_group, "oecd": p.oecd}
                for p in report.partners
            ],
            "recommendations": [
                {"id": r.id, "title": r.title, "priority": r.priority}
                for r in report.recommendations
            ],
            "warnings": [{"id": w.id, "title": w.title} for w in report.warnings],
        },
    }


def _attachment(body: str, mimetype: str, extension: str) -> Response:
    """Return body as a downloaded file (never shown in the browser, never cached)."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{FILE_STEM}-reponses.{extension}"'
    )
    return response


def json_response(data: Mapping[str, Any]) -> Response:
    """Return the export as an indented UTF-8 JSON file."""
    body = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return _attachment(body, "application/json", "json")


def _cell(value: Any) -> str:
    """Return a CSV cell as text a spreadsheet will never evaluate as a formula."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _number(value: float) -> str:
    """Return a score with one decimal, in the page's locale (decimal comma in French)."""
    return str(format_decimal(value, format="0.0"))


def csv_rows(data: Mapping[str, Any]) -> Iterator[list[str]]:
    """Yield the CSV rows of an export: a header, the answers, then the result."""
    result = data["result"]
    labels = result["labels"]
    yield [_("Rubrique"), _("Identifiant"), _("Libellé"), _("Codes"), _("Valeur")]
    answer_kind = _("Réponse")
    for row in data["answers"]:
        codes, values = "|".join(row["codes"]), " | ".join(row["labels"])
        yield [answer_kind, row["question_id"], row["question"], codes, values]
    score_kind = _("Positionnement")
    for dim_id, value in result["scores"].items():
        yield [score_kind, dim_id, labels.get(dim_id, ""), "", _number(value)]
    dominant = result["dominant"]
    yield [_("Positionnement dominant"), dominant, labels.get(dominant, ""), "", ""]
    logic_kind = _("Logique d'action")
    for dim_id, value in result["logics"].items():
        yield [logic_kind, dim_id, labels.get(dim_id, ""), "", _number(value)]
    rec_kind = _("Recommandation")
    for rec in result["recommendations"]:
        priority = str(PRIORITY_LABELS.get(rec["priority"], rec["priority"]))
        yield [rec_kind, rec["id"], rec["title"], rec["priority"], priority]
    warning_kind = _("Point de vigilance")
    for warning in result["warnings"]:
        yield [warning_kind, warning["id"], warning["title"], "", ""]


def csv_response(data: Mapping[str, Any]) -> Response:
    """Return the export as a CSV file for a French spreadsheet (BOM, ``;``, one fact a row)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_SEPARATOR, lineterminator="\r\n")
    for row in csv_rows(data):
        writer.writerow([_cell(cell) for cell in row])
    return _attachment(BOM + buffer.getvalue(), "text/csv", "csv")
