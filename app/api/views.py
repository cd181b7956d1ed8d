"""JSON interface: ``GET /api/v1/questionnaire`` and stateless ``POST /api/v1/score``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from app import questionnaire as qn
from app.core import report
from app.core.answers import AnswerErrors, validate
from app.core.model import Question, Section

bp = Blueprint("api", __name__, url_prefix="/api/v1")

OPENAPI_FILE = Path(__file__).with_name("openapi.json")


def _lang() -> str:
    """Return the language asked by ?lang= (French by default)."""
    return "en" if request.args.get("lang") == "en" else "fr"


def question_json(question: Question, lang: str) -> dict[str, Any]:
    """Return a question as the API describes it."""
    data: dict[str, Any] = {
        "id": question.id,
        "type": question.type,
        "label": question.label.get(lang),
        "required": question.required,
    }
    if question.help:
        data["help"] = question.help.get(lang)
    data.update(question.kind.describe(question, lang))
    if question.derive is not None:
        # Computed from the blocks of a repeat section when they are posted; else as given.
        data["derived"] = True
    return data


@bp.get("/questionnaire")
def get_questionnaire() -> Response:
    """Return the current questionnaire's sections and questions in the asked language."""
    lang = _lang()
    q = qn.current()
    return jsonify({"version": q.version, "sections": [section_json(s, lang) for s in q.sections]})


def section_json(section: Section, lang: str) -> dict[str, Any]:
    """Return a section as the API describes it (a repeat group with its bounds)."""
    data: dict[str, Any] = {
        "id": section.id,
        "title": section.title.get(lang),
        "questions": [question_json(question, lang) for question in section.questions],
    }
    if section.repeat is not None:
        data["repeat"] = {
            "min": section.repeat.min,
            "max": section.repeat.max,
            "item_label": section.repeat.item_label.get(lang),
        }
    return data


def _error(status: int, errors: dict[str, list[str]]) -> tuple[Response, int]:
    """Return an API error body with its status."""
    return jsonify({"errors": errors}), status


@bp.post("/score")
def post_score() -> tuple[Response, int] | Response:
    """Score the posted answers and return the result; store nothing."""
    lang = _lang()
    if (request.content_length or 0) > current_app.config["API_MAX_BODY"]:
        return _error(413, {"_": ["Corps de requête trop volumineux (64 Kio au plus)."]})
    body = request.get_data(cache=False)
    if len(body) > current_app.config["API_MAX_BODY"]:
        return _error(413, {"_": ["Corps de requête trop volumineux (64 Kio au plus)."]})
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return _error(400, {"_": ["Le corps de la requête doit être du JSON valide."]})
    if not isinstance(payload, dict) or not isinstance(payload.get("answers"), dict):
        return _error(422, {"answers": ["Objet « answers » attendu."]})
    q = qn.current()
    try:
        answers = validate(q, payload["answers"], lang)
    except AnswerErrors as exc:
        return _error(422, exc.errors)
    return jsonify(report.build(q, answers, lang).to_payload())


@bp.get("/openapi.json")
def openapi() -> Response:
    """Return the OpenAPI description of this interface."""
    return Response(OPENAPI_FILE.read_text(encoding="utf-8"), mimetype="application/json")
