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

from app import partners
from app.models import Diagnostic, Result
from app.questionnaire import Question, Questionnaire

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
    if question.type == "country_multi":
        return [country.name(lang) for country in partners.classify(codes)]
    labels = []
    for code in codes:
        option = question.option(code)
        labels.append(option.label.get(lang) if option is not None else code)
    return labels


def answers_rows(
    questionnaire: Questionnaire, answers: Mapping[str, Any], lang: str
) -> list[dict[str, Any]]:
    """Return the answers in questionnaire order (unknown ids last), with questions and labels."""
    known = [qid for qid in questionnaire.questions if qid in answers]
    unknown = sorted(qid for qid in answers if qid not in questionnaire.questions)
    rows = []
    for qid in known + unknown:
        question = questionnaire.questions.get(qid)
        codes = _codes(answers[qid])
        rows.append(
            {
                "question_id": qid,
                "question": question.label.get(lang) if question is not None else "",
                "codes": codes,
                "labels": answer_labels(question, codes, lang),
            }
        )
    return rows


def export_data(
    diagnostic: Diagnostic, result: Result, report: Mapping[str, Any], questionnaire: Questionnaire
) -> dict[str, Any]:
    """Return everything the respondent may take away: their answers and their stored result."""
    lang = str(report.get("lang", "fr"))
    return {
        "questionnaire_version": result.questionnaire_version,
        "lang": lang,
        "completed_at": result.created_at.isoformat(timespec="seconds"),
        "answers": answers_rows(questionnaire, diagnostic.answers, lang),
        "result": {
            "scores": report["scores"],
            "dominant": report["dominant"],
            "dominant_label": report["labels"].get(report["dominant"], ""),
            "logics": report["logics"],
            "labels": report["labels"],
            "partners": [
                {
                    "code": p["code"],
                    "name": p["name"],
                    "income_group": p["income_group"],
                    "oecd": p["oecd"],
                }
                for p in report["partners"]
            ],
            "recommendations": [
                {"id": r["id"], "title": r["title"], "priority": r["priority"]}
                for r in report["recommendations"]
            ],
            "warnings": [{"id": w["id"], "title": w["title"]} for w in report["warnings"]],
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
